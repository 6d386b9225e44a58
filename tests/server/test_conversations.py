"""The agents' inbox over REST (CV2, CV5, CV6, RT6): views, a conversation with its visitor
context, replies, assign / claim / transfer / close / reopen, transcript, read receipts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reference_server.domain.chatflow import (
    AssignmentSettings,
    BuildSettings,
    HeadingKind,
    HeadingSettings,
)
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_contact,
    add_visitor,
    conversation,
    count,
    other_account,
    rows,
    say,
    start,
)
from .test_basics import assert_error

OFF = AssignmentSettings(enabled=False)


@pytest.fixture
def scene(api: Api) -> dict[str, Any]:
    ann_id, ann = add_agent(api, "Ann", capacity=2)
    bob_id, bob = add_agent(api, "Bob", capacity=1)
    return {
        "ann_id": ann_id,
        "ann": ann,
        "bob_id": bob_id,
        "bob": bob,
        "routed": add_chatflow(api),
        "manual": add_chatflow(api, assignment=OFF),
    }


def _url(conversation_id: str, action: str = "") -> str:
    return f"/api/v1/conversations/{conversation_id}{action}"


def _new(api: Api, chatflow_id: str, **body: Any) -> str:
    chat: str = start(api, add_visitor(api), chatflow_id, **body)["conversation"]["id"]
    return chat


@pytest.mark.feature("CV2")
def test_the_inbox_views_show_unassigned_mine_all_and_closed(api: Api, scene: dict) -> None:
    waiting = _new(api, scene["manual"])
    mine = _new(api, scene["routed"])
    assert conversation(api, mine)["assignee_id"] == scene["ann_id"]
    done = _new(api, scene["routed"])
    api.client.post(_url(done, "/close"), headers=scene["ann"])

    def view(name: str, headers: dict[str, str]) -> set[str]:
        response = api.client.get(f"/api/v1/conversations?view={name}", headers=headers)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()}

    assert view("unassigned", scene["ann"]) == {waiting}
    assert view("mine", scene["ann"]) == {mine}
    assert view("mine", scene["bob"]) == set()
    assert view("all", scene["ann"]) == {waiting, mine}
    assert view("closed", scene["ann"]) == {done}
    default = api.client.get("/api/v1/conversations", headers=scene["ann"]).json()
    assert {c["id"] for c in default} == {waiting, mine}


@pytest.mark.feature("CV2")
def test_views_page_with_limit_and_offset(api: Api, scene: dict) -> None:
    made = []
    for _ in range(5):
        made.append(_new(api, scene["manual"]))
        api.clock.advance(timedelta(seconds=1))
    first = api.client.get(
        "/api/v1/conversations?view=unassigned&limit=2", headers=scene["ann"]
    ).json()
    rest = api.client.get(
        "/api/v1/conversations?view=unassigned&limit=10&offset=2", headers=scene["ann"]
    ).json()
    assert [c["id"] for c in first + rest] == made  # longest-waiting first


@pytest.mark.parametrize("query", ["view=everything", "limit=0", "limit=x", "offset=-1"])
def test_bad_view_queries_are_422(api: Api, scene: dict, query: str) -> None:
    response = api.client.get(f"/api/v1/conversations?{query}", headers=scene["ann"])
    assert_error(response, 422, "validation_failed")


@pytest.mark.feature("CV6")
def test_an_api_key_reads_conversations_and_messages(api: Api, scene: dict) -> None:
    chat = _new(api, scene["routed"], message={"client_id": "a", "text": "hi"})
    listed = api.client.get("/api/v1/conversations?view=all", headers=api.key_headers)
    assert [c["id"] for c in listed.json()] == [chat]
    assert api.client.get(_url(chat), headers=api.key_headers).status_code == 200
    messages = api.client.get(_url(chat, "/messages"), headers=api.key_headers).json()
    assert [m["text"] for m in messages] == ["hi"]
    transcript = api.client.get(_url(chat, "/transcript?format=json"), headers=api.key_headers)
    assert transcript.status_code == 200
    assert_error(
        api.client.get("/api/v1/conversations?view=mine", headers=api.key_headers),
        422,
        "validation_failed",
    )


@pytest.mark.feature("CV6")
def test_an_api_key_cannot_act_on_conversations(api: Api, scene: dict) -> None:
    chat = _new(api, scene["manual"])
    for action, body in (
        ("/messages", {"client_id": "k", "text": "hi"}),
        ("/assign", {"user_id": scene["ann_id"]}),
        ("/close", None),
        ("/read", {"up_to_sequence": 0}),
    ):
        assert_error(
            api.client.post(_url(chat, action), headers=api.key_headers, json=body),
            403,
            "forbidden",
        )
    assert rows(api, t.conversations, id=chat)[0]["status"] == "unassigned"
    assert count(api, t.messages) == 0


def test_the_inbox_needs_credentials(api: Api, scene: dict) -> None:
    chat = _new(api, scene["manual"])
    assert_error(api.client.get("/api/v1/conversations"), 401, "unauthorized")
    assert_error(api.client.get(_url(chat)), 401, "unauthorized")
    assert_error(api.client.post(_url(chat, "/close")), 401, "unauthorized")
    assert_error(
        api.client.get(_url(chat), headers={"Authorization": "Bearer lcs_nope"}),
        401,
        "unauthorized",
    )


@pytest.mark.feature("CV2")
def test_a_conversation_shows_the_visitors_context(api: Api, scene: dict) -> None:
    contact_id = add_contact(api, "kari@example.com")
    visitor = add_visitor(api, contact_id=contact_id)
    chat = start(
        api,
        visitor,
        scene["routed"],
        page_url="https://acme.test/pricing",
        consent={"data_processing": True, "cookies": True},
    )["conversation"]["id"]
    detail = conversation(api, chat)
    assert detail["page_url"] == "https://acme.test/pricing"
    assert detail["consent"] == {"cookies": True, "data_processing": True, "communication": False}
    assert detail["contact"]["email"] == "kari@example.com"
    assert detail["chatflow"]["id"] == scene["routed"]
    assert detail["visitor"]["identified"] is False
    assert detail["ticket_id"] is None and detail["survey_answer"] is None


def test_unknown_and_foreign_conversations_are_404(api: Api, scene: dict) -> None:
    other = other_account(api)
    foreign_flow = add_chatflow(api, account_id=other.account_id, workspace_id=other.inbox_id)
    foreign_visitor = add_visitor(api, account_id=other.account_id)
    response = api.client.post(
        f"/widget/v1/{other.account_id}/conversations",
        headers=foreign_visitor,
        json={"chatflow_id": foreign_flow},
    )
    foreign = response.json()["conversation"]["id"]
    for chat in ("cnv_unknown", foreign):
        for method, action, body in (
            ("get", "", None),
            ("get", "/messages", None),
            ("post", "/messages", {"client_id": "a", "text": "x"}),
            ("post", "/assign", {"user_id": scene["ann_id"]}),
            ("post", "/transfer", {"user_id": scene["ann_id"]}),
            ("post", "/close", None),
            ("post", "/reopen", None),
            ("get", "/transcript", None),
            ("post", "/read", {"up_to_sequence": 0}),
        ):
            got = api.client.request(method, _url(chat, action), headers=scene["ann"], json=body)
            assert_error(got, 404, "not_found")
    assert rows(api, t.conversations, id=foreign)[0]["status"] == "waiting"


@pytest.mark.feature("CV2", "CV1")
def test_an_agent_replies_and_a_resend_is_not_a_duplicate(api: Api, scene: dict) -> None:
    chat = _new(api, scene["routed"], message={"client_id": "v1", "text": "hi"})
    url = _url(chat, "/messages")
    first = api.client.post(url, headers=scene["ann"], json={"client_id": "r1", "text": "Hello"})
    assert first.status_code == 201
    body = first.json()
    assert body["sequence"] == 2 and body["sender_kind"] == "agent"
    assert body["sender_id"] == scene["ann_id"] and body["sender"]["name"] == "Ann"
    again = api.client.post(url, headers=scene["ann"], json={"client_id": "r1", "text": "Hello"})
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    same_id_from_visitor_side = api.client.post(
        url, headers=scene["ann"], json={"client_id": "v1", "text": "ok"}
    )
    assert same_id_from_visitor_side.status_code == 201  # client ids are per side
    assert count(api, t.messages, conversation_id=chat) == 3


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b'{"text": "hi"}', 422, "validation_failed"),
        (b'{"client_id": "a", "text": ["hi"]}', 422, "validation_failed"),
        (b'{"client_id": "' + b"c" * 65 + b'", "text": "hi"}', 422, "validation_failed"),
        (b'{"client_id": "a", "text": "\\n\\t "}', 422, "validation_failed"),
    ],
)
def test_bad_replies_are_refused_and_store_nothing(
    api: Api, scene: dict, body: bytes, status: int, code: str
) -> None:
    chat = _new(api, scene["routed"])
    response = api.client.post(
        _url(chat, "/messages"),
        content=body,
        headers={**scene["ann"], "content-type": "application/json"},
    )
    assert_error(response, status, code)
    assert count(api, t.messages) == 0


def test_an_oversize_reply_is_refused(api: Api, scene: dict) -> None:
    chat = _new(api, scene["routed"])
    too_long = api.client.post(
        _url(chat, "/messages"), headers=scene["ann"], json={"client_id": "a", "text": "z" * 5001}
    )
    assert_error(too_long, 422, "validation_failed")
    too_big = api.client.post(
        _url(chat, "/messages"),
        headers=scene["ann"],
        json={"client_id": "a", "text": "z" * 300_000},
    )
    assert_error(too_big, 413, "payload_too_large")
    assert count(api, t.messages) == 0


@pytest.mark.parametrize("after", ["-1", "x", "1.5"])
def test_bad_after_values_are_422(api: Api, scene: dict, after: str) -> None:
    chat = _new(api, scene["routed"])
    response = api.client.get(_url(chat, f"/messages?after={after}"), headers=scene["ann"])
    assert_error(response, 422, "validation_failed")


@pytest.mark.feature("RT6")
def test_an_agent_claims_an_unassigned_conversation(api: Api, scene: dict) -> None:
    chat = _new(api, scene["manual"])
    claimed = api.client.post(
        _url(chat, "/assign"), headers=scene["bob"], json={"user_id": scene["bob_id"]}
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "assigned"
    assert claimed.json()["assignee_id"] == scene["bob_id"]
    again = api.client.post(
        _url(chat, "/assign"), headers=scene["ann"], json={"user_id": scene["ann_id"]}
    )
    assert_error(again, 409, "invalid_transition")
    assert conversation(api, chat)["assignee_id"] == scene["bob_id"]


@pytest.mark.feature("RT6", "AV8")
def test_assigning_someone_at_their_limit_is_refused(api: Api, scene: dict) -> None:
    full = _new(api, scene["manual"])
    api.client.post(_url(full, "/assign"), headers=scene["bob"], json={"user_id": scene["bob_id"]})
    chat = _new(api, scene["manual"])
    refused = api.client.post(
        _url(chat, "/assign"), headers=scene["ann"], json={"user_id": scene["bob_id"]}
    )
    assert_error(refused, 409, "at_capacity")
    stored = rows(api, t.conversations, id=chat)[0]
    assert stored["status"] == "unassigned" and stored["assignee_id"] is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"user_id": "usr_nobody"}, 422, "validation_failed"),
        ({"user_id": ""}, 422, "validation_failed"),
        ({"user_id": 7}, 422, "validation_failed"),
        ({}, 422, "validation_failed"),
        ({"user_id": "x", "why": "y"}, 422, "validation_failed"),
    ],
)
def test_bad_assignments_are_refused(
    api: Api, scene: dict, body: dict, status: int, code: str
) -> None:
    chat = _new(api, scene["manual"])
    assert_error(
        api.client.post(_url(chat, "/assign"), headers=scene["ann"], json=body), status, code
    )
    assert rows(api, t.conversations, id=chat)[0]["status"] == "unassigned"


def test_a_user_without_a_seat_cannot_hold_conversations(api: Api, scene: dict) -> None:
    seatless, _ = add_agent(api, "Sam", has_seat=False)
    chat = _new(api, scene["manual"])
    response = api.client.post(
        _url(chat, "/assign"), headers=scene["ann"], json={"user_id": seatless}
    )
    assert "user_id" in assert_error(response, 422, "validation_failed")["fields"]


def test_a_user_of_another_account_cannot_be_assigned(api: Api, scene: dict) -> None:
    other = other_account(api)
    chat = _new(api, scene["manual"])
    response = api.client.post(
        _url(chat, "/assign"), headers=scene["ann"], json={"user_id": other.admin_id}
    )
    assert_error(response, 422, "validation_failed")


@pytest.mark.feature("RT6")
def test_a_conversation_is_transferred_to_someone_with_room(api: Api, scene: dict) -> None:
    chat = _new(api, scene["routed"])
    assert conversation(api, chat)["assignee_id"] == scene["ann_id"]
    moved = api.client.post(
        _url(chat, "/transfer"), headers=scene["ann"], json={"user_id": scene["bob_id"]}
    )
    assert moved.status_code == 200 and moved.json()["assignee_id"] == scene["bob_id"]
    same = api.client.post(
        _url(chat, "/transfer"), headers=scene["bob"], json={"user_id": scene["bob_id"]}
    )
    assert_error(same, 409, "already_assigned")
    full = api.client.post(
        _url(_new(api, scene["routed"]), "/transfer"),
        headers=scene["ann"],
        json={"user_id": scene["bob_id"]},
    )
    assert_error(full, 409, "at_capacity")


@pytest.mark.feature("RT6")
def test_only_an_assigned_conversation_is_transferred(api: Api, scene: dict) -> None:
    chat = _new(api, scene["manual"])
    response = api.client.post(
        _url(chat, "/transfer"), headers=scene["ann"], json={"user_id": scene["bob_id"]}
    )
    assert_error(response, 409, "invalid_transition")
    assert rows(api, t.conversations, id=chat)[0]["assignee_id"] is None


@pytest.mark.feature("RT6", "CV2")
def test_close_and_reopen_follow_the_life_cycle(api: Api, scene: dict) -> None:
    chat = _new(api, scene["routed"])
    closed = api.client.post(_url(chat, "/close"), headers=scene["ann"])
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"]
    assert_error(
        api.client.post(_url(chat, "/close"), headers=scene["ann"]), 409, "invalid_transition"
    )
    reopened = api.client.post(_url(chat, "/reopen"), headers=scene["ann"])
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "assigned" and reopened.json()["closed_at"] is None
    assert_error(
        api.client.post(_url(chat, "/reopen"), headers=scene["ann"]), 409, "invalid_transition"
    )


@pytest.mark.feature("RT2")
def test_a_reopened_conversation_without_assignment_is_left_unassigned(
    api: Api, scene: dict
) -> None:
    chat = _new(api, scene["manual"])
    api.client.post(_url(chat, "/close"), headers=scene["ann"])
    reopened = api.client.post(_url(chat, "/reopen"), headers=scene["ann"])
    assert reopened.json()["status"] == "unassigned"


@pytest.mark.feature("CV5")
def test_the_transcript_lists_every_message_in_the_accounts_time_zone(
    api: Api, scene: dict
) -> None:
    contact_id = add_contact(api, "kari@example.com")
    visitor = add_visitor(api, contact_id=contact_id)
    chat = start(api, visitor, scene["routed"], message={"client_id": "a", "text": "Hi"})[
        "conversation"
    ]["id"]
    api.client.post(
        _url(chat, "/messages"), headers=scene["ann"], json={"client_id": "r", "text": "Hello Kari"}
    )
    text = api.client.get(_url(chat, "/transcript"), headers=scene["ann"])
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == (
        "2026-01-05 11:00 kari@example.com: Hi\n2026-01-05 11:00 Ann: Hello Kari\n"
    )  # Europe/Oslo is UTC+1
    as_json = api.client.get(_url(chat, "/transcript?format=json"), headers=scene["ann"]).json()
    assert as_json == {"conversation_id": chat, "lines": text.text.splitlines()}
    assert_error(
        api.client.get(_url(chat, "/transcript?format=pdf"), headers=scene["ann"]),
        422,
        "validation_failed",
    )


@pytest.mark.feature("CV5", "BD4")
def test_the_transcript_names_the_brand_under_the_branding_alias(api: Api, scene: dict) -> None:
    branded = add_chatflow(
        api,
        build=BuildSettings(
            heading=HeadingSettings(kind=HeadingKind.BRANDING, brand_name="Acme", brand_alias=True)
        ),
    )
    chat = _new(api, branded)
    api.client.post(
        _url(chat, "/messages"), headers=scene["ann"], json={"client_id": "r", "text": "Hello"}
    )
    text = api.client.get(_url(chat, "/transcript"), headers=scene["ann"]).text
    assert text == "2026-01-05 11:00 Acme: Hello\n"


@pytest.mark.feature("CV1")
def test_an_agent_marks_the_visitors_messages_read(api: Api, scene: dict) -> None:
    visitor = add_visitor(api)
    chat = start(api, visitor, scene["routed"])["conversation"]["id"]
    for text in ("one", "two", "three"):
        say(api, visitor, chat, text)
    read = api.client.post(_url(chat, "/read"), headers=scene["ann"], json={"up_to_sequence": 2})
    assert read.json() == {"up_to_sequence": 2, "marked": 2}
    stored = {m["sequence"]: m["read_at"] for m in rows(api, t.messages, conversation_id=chat)}
    assert stored[1] and stored[2] and stored[3] is None
    for body in ({"up_to_sequence": 4}, {"up_to_sequence": "2"}, {}):
        assert_error(
            api.client.post(_url(chat, "/read"), headers=scene["ann"], json=body),
            422,
            "validation_failed",
        )


def test_the_openapi_document_describes_the_conversation_endpoints(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    paths = doc["paths"]
    assert "get" in paths["/api/v1/conversations"]
    assert "post" in paths["/api/v1/conversations/{conversation_id}/assign"]
    assert "post" in paths["/widget/v1/{account_id}/conversations"]
    assert "patch" in paths["/api/v1/tickets/{ticket_id}"]
    assert "ConversationDetailOut" in doc["components"]["schemas"]
