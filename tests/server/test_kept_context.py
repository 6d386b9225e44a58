"""What the server keeps between calls to save work — a visitor socket's conversation,
decoded chatflows — never shows anyone something out of date: consent given elsewhere, a
conversation closed by the agent, a chatflow edited by the admin count from the next call."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.domain.chatflow import (
    DataProcessingConsent,
    DataProcessingKind,
    OptionsSettings,
)
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_visitor,
    config_json,
    count,
    frame,
    frames_until,
    published,
    rows,
    start,
    widget_url,
)
from .test_realtime import ready, visitor_socket


def message(conversation_id: str, client_id: str, text: str = "hello") -> dict[str, Any]:
    return {
        "type": "message",
        "conversation_id": conversation_id,
        "client_id": client_id,
        "text": text,
    }


@pytest.mark.feature("OP4", "CV1")
def test_consent_given_over_rest_lets_the_next_socket_message_through(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    chatflow_id = add_chatflow(
        api,
        options=OptionsSettings(
            data_processing_consent=DataProcessingConsent(kind=DataProcessingKind.EXPLICIT)
        ),
    )
    visitor = add_visitor(api)
    chat = start(api, visitor, chatflow_id)["conversation"]["id"]
    with visitor_socket(api, visitor) as ws:
        ready(ws)
        ws.send_json(message(chat, "m1"))
        assert frame(ws)["code"] == "consent_required"
        given = api.client.post(
            widget_url(api, f"/{chat}/consent"), headers=visitor, json={"data_processing": True}
        )
        assert given.status_code == 200, given.text
        ws.send_json(message(chat, "m1"))
        acked, _ = frames_until(ws, "ack")
        assert acked["client_id"] == "m1"
    assert count(api, t.messages, conversation_id=chat) == 1


@pytest.mark.feature("CV1")
def test_after_the_agent_closes_the_socket_refuses_new_messages_but_answers_a_resend(
    api: Api,
) -> None:
    _, agent = add_agent(api, "Ann", capacity=5)
    chatflow_id = add_chatflow(api)
    visitor = add_visitor(api)
    chat = start(api, visitor, chatflow_id)["conversation"]["id"]
    with visitor_socket(api, visitor) as ws:
        ready(ws)
        ws.send_json(message(chat, "m1", "first"))
        first, _ = frames_until(ws, "ack")
        closed = api.client.post(f"/api/v1/conversations/{chat}/close", headers=agent)
        assert closed.status_code == 200, closed.text
        frames_until(ws, "closed")
        ws.send_json(message(chat, "m2", "after the end"))
        assert frame(ws)["code"] == "conversation_closed"
        ws.send_json(message(chat, "m1", "first"))
        again, _ = frames_until(ws, "ack")
        assert again["message"]["id"] == first["message"]["id"]
        assert again["sequence"] == first["sequence"]
    texts = [row["text"] for row in sorted_messages(api, chat)]
    assert "after the end" not in texts and texts.count("first") == 1


def sorted_messages(api: Api, chat: str) -> list[dict[str, Any]]:
    return sorted(rows(api, t.messages, conversation_id=chat), key=lambda m: m["sequence"])


@pytest.mark.feature("CF7", "BD1")
def test_an_edited_chatflow_is_what_the_next_page_view_shows(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    chatflow = published(api, build={"welcome_message": "Hi from the first version"})
    assert "Hi from the first version" in str(config_json(api))
    edited = api.client.patch(
        f"/api/v1/chatflows/{chatflow['id']}/build",
        json={"welcome_message": "Hello from the second version"},
        headers={**api.admin_headers, "If-Match": f'"{chatflow["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    shown = str(config_json(api))
    assert "Hello from the second version" in shown
    assert "Hi from the first version" not in shown


@pytest.mark.feature("CF3")
def test_an_unpublished_chatflow_stops_showing_at_the_next_page_view(api: Api) -> None:
    chatflow = published(api)
    config_json(api)
    unpublished = api.client.patch(
        f"/api/v1/chatflows/{chatflow['id']}",
        json={"published": False},
        headers=api.admin_headers,
    )
    assert unpublished.status_code == 200, unpublished.text
    response = api.client.post(
        f"/widget/v1/{api.account.account_id}/config", json={"url": "https://acme.test/"}
    )
    assert response.status_code == 204


@pytest.mark.feature("OP4")
@pytest.mark.parametrize("answer", [1, 0, "yes", "true"])
def test_a_boolean_answer_is_true_or_false_only_however_often_it_is_asked(
    api: Api, answer: Any
) -> None:
    visitor = add_visitor(api)
    chatflow_id = add_chatflow(api)
    for _ in range(2):  # the fields that take a boolean are looked up once per model
        refused = api.client.post(
            f"/widget/v1/{api.account.account_id}/consent",
            headers=visitor,
            json={"chatflow_id": chatflow_id, "data_processing": answer},
        )
        assert refused.status_code == 422, refused.text
        assert "data_processing" in refused.json()["error"]["fields"]
    given = api.client.post(
        f"/widget/v1/{api.account.account_id}/consent",
        headers=visitor,
        json={"chatflow_id": chatflow_id, "data_processing": True},
    )
    assert given.status_code == 200, given.text
