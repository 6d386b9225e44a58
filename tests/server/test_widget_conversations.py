"""The visitor's conversations over the widget REST API: start, history, messages, email
capture, consent, CSAT, read receipts, close — and that a visitor reaches only its own."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.domain.chatflow import (
    CsatSettings,
    DataProcessingConsent,
    DataProcessingKind,
    OptionsSettings,
)
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_contact,
    add_survey,
    add_visitor,
    conversation,
    count,
    other_account,
    rows,
    say,
    start,
    widget_url,
)
from .test_basics import assert_error

EXPLICIT = OptionsSettings(
    data_processing_consent=DataProcessingConsent(kind=DataProcessingKind.EXPLICIT)
)


@pytest.fixture
def scene(api: Api) -> dict[str, Any]:
    agent_id, agent = add_agent(api, "Ann", capacity=5)
    chatflow_id = add_chatflow(api)
    return {
        "agent_id": agent_id,
        "agent": agent,
        "chatflow_id": chatflow_id,
        "visitor": add_visitor(api),
    }


@pytest.mark.feature("CV1")
def test_a_visitor_starts_a_conversation_with_a_first_message(api: Api, scene: dict) -> None:
    answer = start(
        api,
        scene["visitor"],
        scene["chatflow_id"],
        page_url="https://acme.test/a",
        properties={"topic": "billing"},
        message={"client_id": "m-1", "text": "  Hello there  "},
    )
    chat = answer["conversation"]
    assert chat["status"] == "assigned"
    assert chat["agent"]["name"] == "Ann"
    assert chat["last_sequence"] == 1
    assert answer["message"]["text"] == "Hello there"
    assert answer["message"]["sequence"] == 1
    stored = rows(api, t.conversations, id=chat["id"])[0]
    assert stored["page_url"] == "https://acme.test/a"
    # RT3: routed (and, if it waits, served from the queue) with what the server knows first
    assert stored["properties"] == {
        "language": "en",
        "page": "https://acme.test/a",
        "topic": "billing",
    }
    assert count(api, t.messages, conversation_id=chat["id"]) == 1


@pytest.mark.feature("CV1")
def test_a_visitor_sees_its_own_conversations_after_a_reload(api: Api, scene: dict) -> None:
    first = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    second = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    start(api, add_visitor(api), scene["chatflow_id"])  # someone else's
    listed = api.client.get(widget_url(api), headers=scene["visitor"])
    assert listed.status_code == 200
    assert {c["id"] for c in listed.json()} == {first, second}
    one = api.client.get(widget_url(api, f"/{first}"), headers=scene["visitor"])
    assert one.json()["id"] == first


@pytest.mark.feature("CV1", "CV6")
def test_the_list_shows_each_conversations_newest_message(api: Api, scene: dict) -> None:
    """What the widget's list of conversations shows of each (issue 8 §5)."""
    quiet = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    chat = start(
        api, scene["visitor"], scene["chatflow_id"], message={"client_id": "m1", "text": "Hi"}
    )["conversation"]["id"]
    reply = api.client.post(
        f"/api/v1/conversations/{chat}/messages",
        headers=scene["agent"],
        json={"client_id": "a1", "text": "Hello, how can I help?"},
    )
    assert reply.status_code == 201, reply.text
    listed = {c["id"]: c for c in api.client.get(widget_url(api), headers=scene["visitor"]).json()}
    assert listed[quiet]["last_message"] is None
    newest = listed[chat]["last_message"]
    assert newest["text"] == "Hello, how can I help?"
    assert newest["sender_kind"] == "agent"
    assert newest["created_at"] == reply.json()["created_at"]
    say(api, scene["visitor"], chat, "Where is my order? " + "x" * 300)
    one = api.client.get(widget_url(api, f"/{chat}"), headers=scene["visitor"]).json()
    assert one["last_message"]["sender_kind"] == "visitor"
    assert one["last_message"]["text"] == ("Where is my order? " + "x" * 300)[:140]


@pytest.mark.feature("CV1")
def test_messages_after_a_sequence_number_are_what_came_later(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    for text in ("one", "two", "three"):
        say(api, scene["visitor"], chat, text)
    later = api.client.get(widget_url(api, f"/{chat}/messages?after=1"), headers=scene["visitor"])
    assert [m["text"] for m in later.json()] == ["two", "three"]
    assert [m["sequence"] for m in later.json()] == [2, 3]
    everything = api.client.get(widget_url(api, f"/{chat}/messages"), headers=scene["visitor"])
    assert len(everything.json()) == 3


@pytest.mark.feature("CV1")
def test_a_resend_with_the_same_client_id_returns_the_original(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    url = widget_url(api, f"/{chat}/messages")
    first = api.client.post(url, headers=scene["visitor"], json={"client_id": "a", "text": "hi"})
    again = api.client.post(url, headers=scene["visitor"], json={"client_id": "a", "text": "hi"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert count(api, t.messages, conversation_id=chat) == 1
    assert rows(api, t.conversations, id=chat)[0]["last_sequence"] == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{nope", 400, "malformed_json"),
        (b'{"chatflow_id": 5}', 422, "validation_failed"),
        (b'{"page_url": "x"}', 422, "validation_failed"),
        (b'{"chatflow_id": "cfl_x", "surprise": 1}', 422, "validation_failed"),
        (b'{"chatflow_id": "cfl_unknown"}', 422, "validation_failed"),
        (b'{"chatflow_id": "CF", "properties": {"topic": 3}}', 422, "validation_failed"),
        (
            b'{"chatflow_id": "CF", "message": {"client_id": "a", "text": "   "}}',
            422,
            "validation_failed",
        ),
        (b'{"chatflow_id": "CF", "consent": {"data_processing": "yes"}}', 422, "validation_failed"),
    ],
)
def test_bad_start_requests_are_refused_and_store_nothing(
    api: Api, scene: dict, body: bytes, status: int, code: str
) -> None:
    body = body.replace(b'"CF"', f'"{scene["chatflow_id"]}"'.encode())
    response = api.client.post(
        widget_url(api),
        content=body,
        headers={**scene["visitor"], "content-type": "application/json"},
    )
    assert_error(response, status, code)
    assert count(api, t.conversations) == 0
    assert count(api, t.messages) == 0


def test_an_oversize_first_message_is_refused(api: Api, scene: dict) -> None:
    response = api.client.post(
        widget_url(api),
        headers=scene["visitor"],
        json={
            "chatflow_id": scene["chatflow_id"],
            "message": {"client_id": "a", "text": "x" * 5001},
        },
    )
    error = assert_error(response, 422, "validation_failed")
    assert "message.text" in error["fields"]
    assert count(api, t.conversations) == 0


@pytest.mark.feature("CF3")
def test_a_switched_off_chatflow_takes_no_conversations(api: Api, scene: dict) -> None:
    off = add_chatflow(api, published=False)
    response = api.client.post(widget_url(api), headers=scene["visitor"], json={"chatflow_id": off})
    assert_error(response, 409, "chatflow_unpublished")
    assert count(api, t.conversations) == 0


def test_the_widget_api_needs_a_valid_visitor_token(api: Api, scene: dict) -> None:
    body = {"chatflow_id": scene["chatflow_id"]}
    assert_error(api.client.post(widget_url(api), json=body), 401, "unauthorized")
    assert_error(
        api.client.post(widget_url(api), json=body, headers={"X-Visitor-Token": "lcv_bogus"}),
        401,
        "unauthorized",
    )
    other = other_account(api)
    assert_error(
        api.client.post(
            widget_url(api, account_id=other.account_id), json=body, headers=scene["visitor"]
        ),
        401,
        "unauthorized",
    )
    assert_error(api.client.get(widget_url(api)), 401, "unauthorized")
    assert count(api, t.conversations) == 0


def test_a_chatflow_of_another_account_cannot_be_used(api: Api, scene: dict) -> None:
    other = other_account(api)
    foreign = add_chatflow(api, account_id=other.account_id, workspace_id=other.inbox_id)
    response = api.client.post(
        widget_url(api), headers=scene["visitor"], json={"chatflow_id": foreign}
    )
    assert_error(response, 422, "validation_failed")
    assert count(api, t.conversations) == 0


@pytest.mark.feature("CV1")
def test_a_visitor_cannot_reach_another_visitors_conversation(api: Api, scene: dict) -> None:
    chat = start(
        api, scene["visitor"], scene["chatflow_id"], message={"client_id": "a", "text": "private"}
    )["conversation"]["id"]
    intruder = add_visitor(api)
    calls = [
        ("get", f"/{chat}", None),
        ("get", f"/{chat}/messages", None),
        ("post", f"/{chat}/messages", {"client_id": "b", "text": "hijack"}),
        ("post", f"/{chat}/email", {"email": "evil@example.com"}),
        ("post", f"/{chat}/consent", {"data_processing": True}),
        ("post", f"/{chat}/csat", {"rating": 1}),
        ("post", f"/{chat}/read", {"up_to_sequence": 1}),
        ("post", f"/{chat}/close", None),
    ]
    for method, path, body in calls:
        response = api.client.request(method, widget_url(api, path), headers=intruder, json=body)
        assert_error(response, 404, "not_found")
    stored = rows(api, t.conversations, id=chat)[0]
    assert stored["status"] == "assigned" and stored["contact_id"] is None
    assert stored["consent"]["data_processing"] is False
    assert count(api, t.messages, conversation_id=chat) == 1
    assert api.client.get(widget_url(api), headers=intruder).json() == []


def test_unknown_conversation_ids_are_404(api: Api, scene: dict) -> None:
    for method, path in (
        ("get", "/cnv_nope"),
        ("get", "/cnv_nope/messages"),
        ("post", "/cnv_nope/close"),
    ):
        assert_error(
            api.client.request(method, widget_url(api, path), headers=scene["visitor"]),
            404,
            "not_found",
        )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"not json", 400, "malformed_json"),
        (b'{"client_id": "a"}', 422, "validation_failed"),
        (b'{"client_id": "", "text": "x"}', 422, "validation_failed"),
        (b'{"client_id": "a", "text": 5}', 422, "validation_failed"),
        (b'{"client_id": "a", "text": "   "}', 422, "validation_failed"),
        (b'{"client_id": "a", "text": "hi", "more": true}', 422, "validation_failed"),
    ],
)
def test_bad_visitor_messages_are_refused_and_store_nothing(
    api: Api, scene: dict, body: bytes, status: int, code: str
) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    response = api.client.post(
        widget_url(api, f"/{chat}/messages"),
        content=body,
        headers={**scene["visitor"], "content-type": "application/json"},
    )
    assert_error(response, status, code)
    assert count(api, t.messages, conversation_id=chat) == 0
    assert rows(api, t.conversations, id=chat)[0]["last_sequence"] == 0


def test_a_message_longer_than_5000_characters_is_refused(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    response = api.client.post(
        widget_url(api, f"/{chat}/messages"),
        headers=scene["visitor"],
        json={"client_id": "a", "text": "y" * 5001},
    )
    assert "text" in assert_error(response, 422, "validation_failed")["fields"]
    assert count(api, t.messages) == 0


@pytest.mark.feature("OP4")
def test_explicit_consent_blocks_visitor_messages_until_given(api: Api, scene: dict) -> None:
    chatflow_id = add_chatflow(api, options=EXPLICIT)
    refused = api.client.post(
        widget_url(api),
        headers=scene["visitor"],
        json={"chatflow_id": chatflow_id, "message": {"client_id": "a", "text": "hi"}},
    )
    assert_error(refused, 409, "consent_required")
    assert count(api, t.conversations) == 0
    chat = start(api, scene["visitor"], chatflow_id)["conversation"]["id"]
    url = widget_url(api, f"/{chat}/messages")
    assert_error(
        api.client.post(url, headers=scene["visitor"], json={"client_id": "a", "text": "hi"}),
        409,
        "consent_required",
    )
    assert count(api, t.messages) == 0
    given = api.client.post(
        widget_url(api, f"/{chat}/consent"),
        headers=scene["visitor"],
        json={"data_processing": True},
    )
    assert given.status_code == 200 and given.json()["data_processing"] is True
    sent = api.client.post(url, headers=scene["visitor"], json={"client_id": "a", "text": "hi"})
    assert sent.status_code == 201
    assert conversation(api, chat)["consent"]["data_processing"] is True


@pytest.mark.feature("OP4")
def test_consent_given_at_start_lets_the_first_message_through(api: Api, scene: dict) -> None:
    chatflow_id = add_chatflow(api, options=EXPLICIT)
    answer = start(
        api,
        scene["visitor"],
        chatflow_id,
        consent={"data_processing": True},
        message={"client_id": "a", "text": "hi"},
    )
    assert answer["message"]["text"] == "hi"
    assert answer["conversation"]["consent"]["data_processing"] is True


@pytest.mark.feature("OP4")
def test_agents_may_write_before_the_visitor_consents(api: Api, scene: dict) -> None:
    chatflow_id = add_chatflow(api, options=EXPLICIT)
    chat = start(api, scene["visitor"], chatflow_id)["conversation"]["id"]
    reply = api.client.post(
        f"/api/v1/conversations/{chat}/messages",
        headers=scene["agent"],
        json={"client_id": "r", "text": "Hi! Please accept to chat."},
    )
    assert reply.status_code == 201


def test_bad_consent_bodies_are_refused(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    url = widget_url(api, f"/{chat}/consent")
    assert_error(
        api.client.post(url, headers=scene["visitor"], json={"data_processing": 1}),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post(url, headers=scene["visitor"], json={"other": True}),
        422,
        "validation_failed",
    )
    assert_error(
        api.client.post(
            url,
            headers={**scene["visitor"], "content-type": "application/json"},
            content=b"[",
        ),
        400,
        "malformed_json",
    )
    assert rows(api, t.conversations, id=chat)[0]["consent"]["data_processing"] is False


@pytest.mark.feature("BD2", "OP6")
def test_an_unknown_email_creates_a_marketing_contact_when_the_chatflow_says_so(
    api: Api, scene: dict
) -> None:
    chatflow_id = add_chatflow(
        api,
        options=OptionsSettings(
            marketing_contacts=True,
            data_processing_consent=DataProcessingConsent(
                kind=DataProcessingKind.LEGITIMATE_INTEREST
            ),
        ),
    )
    chat = start(api, scene["visitor"], chatflow_id)["conversation"]["id"]
    saved = api.client.post(
        widget_url(api, f"/{chat}/email"),
        headers=scene["visitor"],
        json={"email": "  Kari.Nordmann@Example.COM "},
    )
    assert saved.status_code == 200 and saved.json() == {"email_known": True, "created": True}
    [contact] = rows(api, t.contacts, account_id=api.account.account_id)
    assert contact["email"] == "Kari.Nordmann@example.com"
    assert contact["marketing"] is True
    detail = conversation(api, chat)
    assert detail["contact"]["id"] == contact["id"]
    visitor_row = rows(api, t.visitors, id=detail["visitor_id"])[0]
    assert visitor_row["contact_id"] == contact["id"]
    mine = api.client.get(widget_url(api, f"/{chat}"), headers=scene["visitor"]).json()
    assert mine["email_known"] is True


@pytest.mark.feature("BD2")
def test_a_known_email_links_the_existing_contact_ignoring_case(api: Api, scene: dict) -> None:
    existing = add_contact(api, "ola@example.com")
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    saved = api.client.post(
        widget_url(api, f"/{chat}/email"),
        headers=scene["visitor"],
        json={"email": "OLA@example.com"},
    )
    assert saved.json()["created"] is False
    assert count(api, t.contacts) == 1
    assert conversation(api, chat)["contact_id"] == existing


@pytest.mark.feature("BD2")
def test_a_bad_email_is_refused_and_changes_nothing(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    for bad in ("not-an-email", "a@b", "two@@example.com", "sp ace@example.com"):
        response = api.client.post(
            widget_url(api, f"/{chat}/email"), headers=scene["visitor"], json={"email": bad}
        )
        assert "email" in assert_error(response, 422, "validation_failed")["fields"]
    assert_error(
        api.client.post(
            widget_url(api, f"/{chat}/email"), headers=scene["visitor"], json={"email": 5}
        ),
        422,
        "validation_failed",
    )
    assert count(api, t.contacts) == 0
    assert rows(api, t.conversations, id=chat)[0]["contact_id"] is None


@pytest.mark.feature("OP8")
def test_an_identified_visitor_is_not_asked_for_an_email(api: Api, scene: dict) -> None:
    contact = add_contact(api, "known@example.com")
    visitor = add_visitor(api, contact_id=contact, identified=True)
    chat = start(api, visitor, scene["chatflow_id"])["conversation"]
    assert chat["email_known"] is True
    response = api.client.post(
        widget_url(api, f"/{chat['id']}/email"),
        headers=visitor,
        json={"email": "other@example.com"},
    )
    assert_error(response, 409, "already_identified")
    assert count(api, t.contacts) == 1


def _survey_chatflow(api: Api) -> tuple[str, str]:
    survey_id = add_survey(api, "How was the chat?")
    chatflow_id = add_chatflow(
        api,
        options=OptionsSettings(
            csat=CsatSettings(enabled=True, survey_id=survey_id),
            data_processing_consent=DataProcessingConsent(
                kind=DataProcessingKind.LEGITIMATE_INTEREST
            ),
        ),
    )
    return survey_id, chatflow_id


@pytest.mark.feature("OP7")
def test_the_survey_is_answered_once_after_close_and_shows_on_the_thread(
    api: Api, scene: dict
) -> None:
    survey_id, chatflow_id = _survey_chatflow(api)
    chat = start(api, scene["visitor"], chatflow_id)["conversation"]["id"]
    url = widget_url(api, f"/{chat}/csat")
    assert_error(
        api.client.post(url, headers=scene["visitor"], json={"rating": 5}), 409, "not_closed"
    )
    closed = api.client.post(widget_url(api, f"/{chat}/close"), headers=scene["visitor"])
    assert closed.status_code == 200
    assert closed.json()["survey"] == {"survey_id": survey_id, "question": "How was the chat?"}
    answer = api.client.post(
        url, headers=scene["visitor"], json={"rating": 4, "comment": "  Quick and kind "}
    )
    assert answer.status_code == 201
    assert answer.json()["comment"] == "Quick and kind"
    assert_error(
        api.client.post(url, headers=scene["visitor"], json={"rating": 1}), 409, "already_answered"
    )
    [stored] = rows(api, t.survey_answers, conversation_id=chat)
    assert stored["rating"] == 4
    thread = conversation(api, chat)["survey_answer"]
    assert thread["rating"] == 4 and thread["question"] == "How was the chat?"
    mine = api.client.get(widget_url(api, f"/{chat}"), headers=scene["visitor"]).json()
    assert mine["survey_answered"] is True


@pytest.mark.feature("OP7")
@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": "5"},
        {"rating": True},
        {"rating": 3, "comment": "x" * 2001},
        {"comment": "no rating"},
    ],
)
def test_bad_survey_answers_are_refused(api: Api, scene: dict, body: dict) -> None:
    _, chatflow_id = _survey_chatflow(api)
    chat = start(api, scene["visitor"], chatflow_id)["conversation"]["id"]
    api.client.post(widget_url(api, f"/{chat}/close"), headers=scene["visitor"])
    response = api.client.post(
        widget_url(api, f"/{chat}/csat"), headers=scene["visitor"], json=body
    )
    assert_error(response, 422, "validation_failed")
    assert count(api, t.survey_answers) == 0


@pytest.mark.feature("OP7")
def test_without_a_survey_there_is_nothing_to_answer(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    closed = api.client.post(widget_url(api, f"/{chat}/close"), headers=scene["visitor"])
    assert closed.json()["survey"] is None
    response = api.client.post(
        widget_url(api, f"/{chat}/csat"), headers=scene["visitor"], json={"rating": 5}
    )
    assert_error(response, 409, "no_survey")


@pytest.mark.feature("CV1")
def test_the_visitor_marks_agent_messages_read(api: Api, scene: dict) -> None:
    chat = start(
        api, scene["visitor"], scene["chatflow_id"], message={"client_id": "a", "text": "hi"}
    )["conversation"]["id"]
    api.client.post(
        f"/api/v1/conversations/{chat}/messages",
        headers=scene["agent"],
        json={"client_id": "r1", "text": "Hello!"},
    )
    read = api.client.post(
        widget_url(api, f"/{chat}/read"), headers=scene["visitor"], json={"up_to_sequence": 2}
    )
    assert read.json() == {"up_to_sequence": 2, "marked": 1}
    stored = {m["sequence"]: m for m in rows(api, t.messages, conversation_id=chat)}
    assert stored[2]["read_at"] is not None
    assert stored[1]["read_at"] is None  # the visitor's own message is the agent's to read
    beyond = api.client.post(
        widget_url(api, f"/{chat}/read"), headers=scene["visitor"], json={"up_to_sequence": 9}
    )
    assert_error(beyond, 422, "validation_failed")
    assert_error(
        api.client.post(
            widget_url(api, f"/{chat}/read"), headers=scene["visitor"], json={"up_to_sequence": -1}
        ),
        422,
        "validation_failed",
    )


@pytest.mark.feature("CV1")
def test_a_closed_conversation_takes_no_more_messages(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    api.client.post(widget_url(api, f"/{chat}/close"), headers=scene["visitor"])
    response = api.client.post(
        widget_url(api, f"/{chat}/messages"),
        headers=scene["visitor"],
        json={"client_id": "late", "text": "one more thing"},
    )
    assert_error(response, 409, "conversation_closed")
    assert count(api, t.messages) == 0
    assert rows(api, t.conversations, id=chat)[0]["last_sequence"] == 0
    assert_error(
        api.client.post(widget_url(api, f"/{chat}/close"), headers=scene["visitor"]),
        409,
        "invalid_transition",
    )


@pytest.mark.feature("BD4", "CV1")
def test_under_the_branding_alias_the_visitor_never_sees_the_agent(api: Api) -> None:
    from reference_server.domain.chatflow import BuildSettings, HeadingKind, HeadingSettings

    agent_id, agent = add_agent(api, "Ann", capacity=3)
    chatflow_id = add_chatflow(
        api,
        build=BuildSettings(
            heading=HeadingSettings(
                kind=HeadingKind.BRANDING, brand_name="Acme Support", brand_alias=True
            )
        ),
    )
    visitor = add_visitor(api)
    chat = start(api, visitor, chatflow_id)["conversation"]
    assert chat["agent"]["name"] == "Acme Support" and chat["agent"]["id"] == "brand"
    api.client.post(
        f"/api/v1/conversations/{chat['id']}/messages",
        headers=agent,
        json={"client_id": "r1", "text": "Hello from Ann"},
    )
    [message] = api.client.get(widget_url(api, f"/{chat['id']}/messages"), headers=visitor).json()
    assert message["sender"]["name"] == "Acme Support"
    assert agent_id not in str(message)
