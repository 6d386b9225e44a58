"""SE3: input that once gave 500 — a NUL character anywhere (PostgreSQL cannot store it), JSON
nested thousands deep, a 5,000-digit number — is a clear 4xx over REST and over both
WebSockets, on SQLite and on PostgreSQL (``make test`` runs this file on both); nothing
changes, and a WebSocket stays open and answers the next frame."""

from __future__ import annotations

import pytest

from reference_server.store import schema as t

from .conftest import JSON, Api
from .scene import add_agent, add_chatflow, add_visitor, frame, rows, start
from .test_basics import assert_error
from .test_realtime import agent_socket, ready, visitor_socket

DEEP = b"[" * 5000 + b"]" * 5000
HUGE = b'{"n": ' + b"9" * 5000 + b"}"
NUL = "\x00"


def json_operations(api: Api) -> list[tuple[str, str, str]]:
    """Every operation of the OpenAPI document that takes a JSON body: (method, path, auth)."""
    document = api.client.get("/openapi.json").json()
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                security = {name for rule in operation["security"] for name in rule}
                auth = "visitor" if "visitor" in security else "none"
                if "session" in security:
                    auth = "user"
                elif "bearer" in security:
                    auth = "api_key"
                found.append((method, path, auth))
    return found


def credentials(api: Api, auth: str) -> dict[str, str]:
    if auth == "user":
        return api.admin_headers
    if auth == "api_key":
        return api.key_headers
    if auth == "visitor":
        return add_visitor(api)
    return {}


@pytest.mark.feature("SE3")
@pytest.mark.parametrize(("body", "what"), [(DEEP, "nested"), (HUGE, "number")])
def test_no_json_endpoint_fails_on_deep_nesting_or_huge_numbers(
    api: Api, body: bytes, what: str
) -> None:
    operations = json_operations(api)
    assert len(operations) > 30
    before = len(api.client.get("/api/v1/users", headers=api.admin_headers).json())
    for method, path, auth in operations:
        url = path.replace("{account_id}", api.account.account_id)
        url = url.replace("{section}", "build")
        for name in ("chatflow_id", "conversation_id", "user_id", "team_id", "inbox_id"):
            url = url.replace("{" + name + "}", "nope")
        for name in ("contact_id", "kb_id", "article_id", "survey_id", "ticket_id", "key_id"):
            url = url.replace("{" + name + "}", "nope")
        response = api.client.request(
            method.upper(), url, content=body, headers={**credentials(api, auth), **JSON}
        )
        assert 400 <= response.status_code < 500, f"{method.upper()} {path}: {response.text}"
        assert response.json()["error"]["code"], f"{method.upper()} {path}"
    for url in (
        "/api/v1/auth/login",
        "/api/v1/users",
        f"/widget/v1/{api.account.account_id}/config",
    ):
        response = api.client.post(url, content=body, headers={**api.admin_headers, **JSON})
        assert_error(response, 400, "malformed_json")
    assert len(api.client.get("/api/v1/users", headers=api.admin_headers).json()) == before


@pytest.mark.feature("SE3")
def test_a_nul_character_in_any_text_is_a_validation_error(api: Api) -> None:
    chatflow_id = add_chatflow(api)
    visitor = add_visitor(api)
    chat = start(api, visitor, chatflow_id, message={"client_id": "c1", "text": "Hello"})
    chat_id = chat["conversation"]["id"]
    widget = f"/widget/v1/{api.account.account_id}"
    refused = [
        ("post", "/api/v1/auth/login", {}, {"email": f"admin{NUL}@acme.test", "password": "x"}),
        ("post", "/api/v1/contacts", api.key_headers, {"email": "k@x.test", "first_name": NUL}),
        ("post", "/api/v1/teams", api.admin_headers, {"name": f"Sales{NUL}"}),
        ("post", f"{widget}/config", {}, {"url": f"https://acme.test/{NUL}"}),
        ("post", f"{widget}/config", {}, {"url": "https://acme.test/", "cookies": {NUL: "x"}}),
        (
            "post",
            f"{widget}/conversations/{chat_id}/messages",
            visitor,
            {"client_id": "c2", "text": f"hi{NUL}there"},
        ),
        (
            "post",
            f"{widget}/conversations/{chat_id}/messages",
            visitor,
            {"client_id": f"c{NUL}", "text": "hi"},
        ),
        (
            "post",
            f"{widget}/conversations",
            visitor,
            {"chatflow_id": chatflow_id, "page_url": f"https://acme.test/{NUL}"},
        ),
    ]
    for method, url, headers, body in refused:
        response = api.client.request(method.upper(), url, json=body, headers=headers)
        assert_error(response, 422, "validation_failed")
    for url in (
        "/api/v1/chatflows/cfl%00x",
        "/api/v1/conversations?view=all%00",
        f"{widget}/conversations/{chat_id}%00",
    ):
        assert_error(
            api.client.get(url, headers={**api.admin_headers, **visitor}), 400, "bad_request"
        )
    assert len(rows(api, t.conversations)) == 1
    assert [m["text"] for m in rows(api, t.messages)] == ["Hello"]
    assert rows(api, t.teams) == []


@pytest.mark.feature("SE3")
def test_bad_frames_on_the_visitor_socket_are_answered_and_the_socket_stays(api: Api) -> None:
    chatflow_id = add_chatflow(api)
    visitor = add_visitor(api)
    with visitor_socket(api, visitor) as ws:
        ready(ws)
        ws.send_text(DEEP.decode())
        assert frame(ws)["code"] == "malformed_json"
        ws.send_text(HUGE.decode())
        assert frame(ws)["code"] == "malformed_json"
        ws.send_json(
            {
                "type": "start",
                "ref": "bad",
                "chatflow_id": chatflow_id,
                "page_url": f"https://acme.test/{NUL}",
            }
        )
        error = frame(ws)
        assert error["type"] == "error" and error["code"] == "validation_failed", error
        ws.send_json(
            {
                "type": "start",
                "ref": "ok",
                "chatflow_id": chatflow_id,
                "message": {"client_id": "c1", "text": "Hello"},
            }
        )
        started = frame(ws)
        assert started["type"] == "started" and started["ref"] == "ok"
        chat_id = started["conversation"]["id"]
        assert frame(ws)["type"] == "ack"
        ws.send_json(
            {"type": "message", "conversation_id": chat_id, "client_id": "c2", "text": NUL}
        )
        assert frame(ws)["code"] == "validation_failed"
    assert [m["text"] for m in rows(api, t.messages)] == ["Hello"]


@pytest.mark.feature("SE3")
def test_bad_frames_on_the_agent_socket_are_answered_and_the_socket_stays(api: Api) -> None:
    _, agent = add_agent(api, "Ann", capacity=5)
    chatflow_id = add_chatflow(api)
    chat = start(api, add_visitor(api), chatflow_id)["conversation"]["id"]
    with agent_socket(api, agent) as ws:
        ready(ws)
        for bad in (DEEP.decode(), HUGE.decode()):
            ws.send_text(bad)
            got = frame(ws)
            while got["type"] != "error":  # inbox events may come first
                got = frame(ws)
            assert got["code"] == "malformed_json"
        ws.send_json(
            {"type": "message", "ref": "r", "conversation_id": chat, "client_id": NUL, "text": "x"}
        )
        got = frame(ws)
        while got["type"] != "error":
            got = frame(ws)
        assert got["code"] == "validation_failed" and got["ref"] == "r"
        ws.send_json({"type": "follow", "ref": "f", "conversation_id": chat})
        got = frame(ws)
        while got["type"] != "following":
            got = frame(ws)
        assert got["conversation"]["id"] == chat
    assert rows(api, t.messages) == []


@pytest.mark.feature("SE3")
def test_a_nul_in_a_socket_address_is_refused(api: Api) -> None:
    from starlette.websockets import WebSocketDisconnect

    with api.client.websocket_connect("/ws/visitor?account_id=acc%00") as ws:
        assert frame(ws)["code"] == "bad_request"
        with pytest.raises(WebSocketDisconnect) as closed:
            frame(ws)
        assert closed.value.code == 4400
