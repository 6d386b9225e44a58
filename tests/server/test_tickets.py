"""Tickets (CV3, OP2): a helpdesk chatflow's conversations become tickets with the chatflow's
default properties; users and API keys list, read and change them."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.domain.chatflow import (
    DataProcessingConsent,
    DataProcessingKind,
    OptionsSettings,
    WorkspaceKind,
)
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_inbox,
    add_visitor,
    conversation,
    other_account,
    rows,
    start,
)
from .test_basics import assert_error


@pytest.fixture
def helpdesk_flow(api: Api) -> str:
    add_agent(api, "Ann", capacity=5)
    return add_chatflow(
        api,
        kind=WorkspaceKind.HELPDESK,
        workspace_id=add_inbox(api, kind="helpdesk"),
        options=OptionsSettings(
            ticket_defaults={"priority": "high", "pipeline": "chat-support"},
            data_processing_consent=DataProcessingConsent(
                kind=DataProcessingKind.LEGITIMATE_INTEREST
            ),
        ),
    )


def _ticket_of(api: Api, helpdesk_flow: str, text: str = "My invoice is wrong") -> dict[str, Any]:
    chat = start(api, add_visitor(api), helpdesk_flow, message={"client_id": "a", "text": text})[
        "conversation"
    ]["id"]
    [ticket] = api.client.get(
        f"/api/v1/tickets?conversation_id={chat}", headers=api.admin_headers
    ).json()
    return ticket


@pytest.mark.feature("CV3", "OP2")
def test_a_helpdesk_chat_becomes_a_ticket_with_the_chatflows_defaults(
    api: Api, helpdesk_flow: str
) -> None:
    ticket = _ticket_of(api, helpdesk_flow)
    assert ticket["subject"] == "My invoice is wrong"
    assert ticket["properties"] == {
        "pipeline": "chat-support",
        "stage": "new",
        "priority": "high",
        "source": "chat",
        "subject": "My invoice is wrong",
    }
    assert conversation(api, ticket["conversation_id"])["ticket_id"] == ticket["id"]


@pytest.mark.feature("CV3")
def test_an_inbox_chat_makes_no_ticket(api: Api) -> None:
    add_agent(api, "Ann")
    start(api, add_visitor(api), add_chatflow(api))
    assert rows(api, t.tickets) == []


@pytest.mark.feature("CV3")
def test_a_chat_started_without_a_message_gets_a_subject_from_the_page(
    api: Api, helpdesk_flow: str
) -> None:
    start(api, add_visitor(api), helpdesk_flow, page_url="https://acme.test/help")
    [ticket] = rows(api, t.tickets)
    assert ticket["subject"] == "Chat from https://acme.test/help"


@pytest.mark.feature("CV3")
def test_tickets_are_listed_read_and_changed(api: Api, helpdesk_flow: str) -> None:
    ticket = _ticket_of(api, helpdesk_flow)
    listed = api.client.get("/api/v1/tickets", headers=api.key_headers).json()
    assert [item["id"] for item in listed] == [ticket["id"]]
    url = f"/api/v1/tickets/{ticket['id']}"
    assert api.client.get(url, headers=api.key_headers).json() == ticket
    changed = api.client.patch(
        url,
        headers=api.admin_headers,
        json={
            "subject": "Invoice 42",
            "properties": {"stage": "waiting", "priority": None, "team": "billing"},
        },
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["subject"] == "Invoice 42"
    assert body["properties"] == {
        "pipeline": "chat-support",
        "stage": "waiting",
        "source": "chat",
        "team": "billing",
        "subject": "Invoice 42",
    }
    assert api.client.get(url, headers=api.admin_headers).json() == body


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "malformed_json"),
        (b'{"subject": ""}', 422, "validation_failed"),
        (b'{"subject": null}', 422, "validation_failed"),
        (b'{"subject": 3}', 422, "validation_failed"),
        (b'{"properties": {"stage": 1}}', 422, "validation_failed"),
        (b'{"properties": {"subject": "x"}}', 422, "validation_failed"),
        (b'{"properties": "stage"}', 422, "validation_failed"),
        (b'{"status": "open"}', 422, "validation_failed"),
    ],
)
def test_bad_ticket_changes_are_refused_and_change_nothing(
    api: Api, helpdesk_flow: str, body: bytes, status: int, code: str
) -> None:
    ticket = _ticket_of(api, helpdesk_flow)
    response = api.client.patch(
        f"/api/v1/tickets/{ticket['id']}",
        content=body,
        headers={**api.admin_headers, "content-type": "application/json"},
    )
    assert_error(response, status, code)
    [stored] = rows(api, t.tickets, id=ticket["id"])
    assert stored["subject"] == ticket["subject"] and stored["properties"] == ticket["properties"]


def test_unknown_and_foreign_tickets_are_404(api: Api, helpdesk_flow: str) -> None:
    ticket = _ticket_of(api, helpdesk_flow)
    other = other_account(api)
    login = api.client.post(
        "/api/v1/auth/login", json={"email": other.admin_email, "password": other.admin_password}
    )
    api.client.cookies.clear()
    foreign = {"Authorization": f"Bearer {login.json()['token']}"}
    assert other.account_id
    for headers, ticket_id in ((api.admin_headers, "tkt_nope"), (foreign, ticket["id"])):
        url = f"/api/v1/tickets/{ticket_id}"
        assert_error(api.client.get(url, headers=headers), 404, "not_found")
        assert_error(
            api.client.patch(url, headers=headers, json={"subject": "x"}), 404, "not_found"
        )
    assert api.client.get("/api/v1/tickets", headers=foreign).json() == []
    assert rows(api, t.tickets, id=ticket["id"])[0]["subject"] == ticket["subject"]


def test_tickets_need_credentials(api: Api) -> None:
    assert_error(api.client.get("/api/v1/tickets"), 401, "unauthorized")
    assert_error(
        api.client.patch("/api/v1/tickets/tkt_x", json={"subject": "x"}), 401, "unauthorized"
    )
    assert_error(
        api.client.get("/api/v1/tickets?limit=0", headers=api.admin_headers),
        422,
        "validation_failed",
    )
