"""Issue 8 §1 and §4 on the server: the consent a visitor gave is the server's to keep, and
the widget is told decisions — may the visitor write and why not, when the cookie banner
shows, what a conversation looks like — never settings to re-derive.

Visitors here are made the way the shipped widget makes them (the loader's config call) and
start chats with the frames and bodies it sends."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    config,
    config_json,
    frame,
    frames_until,
    pages,
    published,
    rows,
    visitor_socket_url,
    widget_url,
)
from .test_basics import assert_error

NOTICE = "We store what you write."
EXPLICIT = {
    "cookie_consent": {"enabled": False},
    "data_processing_consent": {"enabled": True, "kind": "explicit", "text": NOTICE},
}
NO_CONSENT = {"cookie_consent": {"enabled": False}, "data_processing_consent": {"enabled": False}}
AGREE_FIRST = "Please agree to the terms above before you send a message."


def visitor_of(answer: dict[str, Any]) -> dict[str, str]:
    return {"X-Visitor-Token": answer["visitor"]["token"]}


def agree(api: Api, visitor: dict[str, str], chatflow_id: str, **answers: Any) -> Any:
    return api.client.post(
        f"/widget/v1/{api.account.account_id}/consent",
        headers=visitor,
        json={"chatflow_id": chatflow_id, **answers},
    )


def widget_start(api: Api, visitor: dict[str, str], chatflow_id: str, text: str) -> Any:
    """A start as the widget sends it now: no consent answers (the server keeps them)."""
    return api.client.post(
        widget_url(api),
        headers=visitor,
        json={
            "chatflow_id": chatflow_id,
            "page_url": "https://acme.test/",
            "properties": {},
            "message": {"client_id": uuid.uuid4().hex, "text": text},
        },
    )


def close(api: Api, conversation_id: str) -> None:
    response = api.client.post(
        f"/api/v1/conversations/{conversation_id}/close", headers=api.admin_headers
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def explicit(api: Api) -> dict[str, Any]:
    add_agent(api, "Ann")
    return published(api, "Support", options=EXPLICIT)


@pytest.mark.feature("OP4")
def test_a_new_visitor_is_told_it_must_agree_first_and_why(api: Api, explicit: dict) -> None:
    answer = config_json(api)
    assert answer["send"] == {
        "allowed": False,
        "reason": "consent_required",
        "message": AGREE_FIRST,
        "missing": ["data_processing"],
    }
    assert answer["consent"]["given"] == {
        "cookies": None,
        "data_processing": False,
        "communication": False,
    }
    refused = widget_start(api, visitor_of(answer), explicit["id"], "Hello?")
    assert_error(refused, 409, "consent_required")
    assert rows(api, t.conversations) == []


@pytest.mark.feature("OP4", "CV1")
def test_i_agree_before_the_first_message_is_kept_across_pages_and_conversations(
    api: Api, explicit: dict
) -> None:
    answer = config_json(api)
    visitor = visitor_of(answer)
    agreed = agree(api, visitor, explicit["id"], data_processing=True)
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["send"]["allowed"] is True
    assert agreed.json()["given"]["data_processing"] is True

    # Another page view (a reload) is told so by the server, not by page memory.
    again = config_json(api, "https://acme.test/other", visitor_token=answer["visitor"]["token"])
    assert again["send"]["allowed"] is True
    assert again["consent"]["given"]["data_processing"] is True

    first = widget_start(api, visitor, explicit["id"], "First chat")
    assert first.status_code == 201, first.text
    first_id = first.json()["conversation"]["id"]
    assert first.json()["conversation"]["consent"]["data_processing"] is True
    close(api, first_id)

    # After the agent closed it, the next chat needs no second "I agree" (same notice).
    second = widget_start(api, visitor, explicit["id"], "Second chat")
    assert second.status_code == 201, second.text
    assert second.json()["conversation"]["consent"]["data_processing"] is True


@pytest.mark.feature("OP4")
def test_a_changed_notice_is_asked_for_again(api: Api, explicit: dict) -> None:
    answer = config_json(api)
    visitor = visitor_of(answer)
    agree(api, visitor, explicit["id"], data_processing=True)
    response = api.client.patch(
        f"/api/v1/chatflows/{explicit['id']}/options",
        json={"data_processing_consent": {"text": "We keep a transcript too."}},
        headers=api.admin_headers,
    )
    assert response.status_code == 200, response.text
    again = config_json(api, visitor_token=answer["visitor"]["token"])
    assert again["send"]["reason"] == "consent_required"
    assert_error(widget_start(api, visitor, explicit["id"], "Hi"), 409, "consent_required")


@pytest.mark.feature("OP4")
def test_a_start_that_says_false_does_not_withdraw_an_earlier_yes(api: Api, explicit: dict) -> None:
    visitor = visitor_of(config_json(api))
    agree(api, visitor, explicit["id"], data_processing=True)
    started = api.client.post(
        widget_url(api),
        headers=visitor,
        json={
            "chatflow_id": explicit["id"],
            "consent": {"data_processing": False},  # older widgets: "not clicked on this page"
            "message": {"client_id": "m1", "text": "Still fine"},
        },
    )
    assert started.status_code == 201, started.text
    assert started.json()["conversation"]["consent"]["data_processing"] is True


@pytest.mark.feature("OP4")
def test_withdrawing_consent_is_kept_too(api: Api, explicit: dict) -> None:
    answer = config_json(api)
    visitor = visitor_of(answer)
    agree(api, visitor, explicit["id"], data_processing=True)
    withdrawn = agree(api, visitor, explicit["id"], data_processing=False)
    assert withdrawn.json()["send"]["reason"] == "consent_required"
    again = config_json(api, visitor_token=answer["visitor"]["token"])
    assert again["send"]["allowed"] is False


@pytest.mark.feature("OP4")
def test_consent_in_a_conversation_answers_with_the_new_decision(api: Api, explicit: dict) -> None:
    visitor = visitor_of(config_json(api))
    agree(api, visitor, explicit["id"], data_processing=True)
    chat = widget_start(api, visitor, explicit["id"], "Hi").json()["conversation"]
    assert chat["send"] == {"allowed": True, "reason": None, "message": "", "missing": []}
    answer = api.client.post(
        widget_url(api, f"/{chat['id']}/consent"), headers=visitor, json={"data_processing": False}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["send"]["reason"] == "consent_required"
    close(api, chat["id"])
    closed = api.client.get(widget_url(api, f"/{chat['id']}"), headers=visitor).json()
    assert closed["send"] == {
        "allowed": False,
        "reason": "conversation_closed",
        "message": "This conversation has ended.",
        "missing": [],
    }


@pytest.mark.feature("OP4", "CV1")
def test_the_socket_start_as_the_widget_sends_it_uses_the_kept_consent(
    api: Api, explicit: dict
) -> None:
    answer = config_json(api)
    visitor = visitor_of(answer)
    agree(api, visitor, explicit["id"], data_processing=True)
    url = visitor_socket_url(api, answer["visitor"]["token"])
    with api.client.websocket_connect(url) as ws:
        assert frame(ws)["type"] == "ready"
        ws.send_json(
            {
                "type": "start",
                "ref": "start-1",
                "chatflow_id": explicit["id"],
                "page_url": "https://acme.test/",
                "properties": {},
                "consent": {},
                "message": {"client_id": "c-1", "text": "Over the socket"},
            }
        )
        started, _ = frames_until(ws, "started")
        assert started["conversation"]["send"]["allowed"] is True
        frames_until(ws, "ack")
        ws.send_json(
            {
                "type": "consent",
                "ref": "c",
                "conversation_id": started["conversation"]["id"],
                "communication": True,
            }
        )
        saved, _ = frames_until(ws, "consent_saved")
        assert saved["consent"] == {"cookies": None, "data_processing": True, "communication": True}
        assert saved["send"]["allowed"] is True


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{nope", 400, "malformed_json"),
        (b'{"data_processing": true}', 422, "validation_failed"),
        (b'{"chatflow_id": "cfl_nope", "data_processing": true}', 422, "validation_failed"),
        (b'{"chatflow_id": "CF", "data_processing": "yes"}', 422, "validation_failed"),
        (b'{"chatflow_id": "CF", "surprise": 1}', 422, "validation_failed"),
    ],
)
def test_bad_visitor_consent_bodies_are_refused_and_change_nothing(
    api: Api, explicit: dict, body: bytes, status: int, code: str
) -> None:
    answer = config_json(api)
    response = api.client.post(
        f"/widget/v1/{api.account.account_id}/consent",
        headers={**visitor_of(answer), "Content-Type": "application/json"},
        content=body.replace(b"CF", explicit["id"].encode()),
    )
    assert_error(response, status, code)
    [visitor] = rows(api, t.visitors)
    assert (visitor["consent_data_processing"], visitor["consent_notice"]) == (False, "")


def test_visitor_consent_needs_a_visitor(api: Api, explicit: dict) -> None:
    response = api.client.post(
        f"/widget/v1/{api.account.account_id}/consent",
        json={"chatflow_id": explicit["id"], "data_processing": True},
    )
    assert response.status_code == 401


# ---------------------------------------------------------------- the cookie banner's moment


@pytest.mark.feature("OP3", "OP8", "CV6")
@pytest.mark.parametrize(
    ("timing", "page", "banner_at"),
    [
        ("before_chat", False, "before_chat"),
        ("on_exit", False, "exit_intent"),
        ("before_chat", True, "widget_load"),
        ("before_chat", "ON_WIDGET_LOAD", "widget_load"),
        ("before_chat", "ON_EXIT_INTENT", "exit_intent"),
    ],
)
def test_the_config_names_the_moment_the_cookie_banner_shows(
    api: Api, timing: str, page: bool | str, banner_at: str
) -> None:
    published(api, options={"cookie_consent": {"enabled": True, "timing": timing}})
    answer = config_json(api, enable_widget_cookie_banner=page)
    assert answer["consent"]["banner_at"] == banner_at
    answered = config_json(
        api, visitor_token=answer["visitor"]["token"], consent={"cookies": False}
    )
    assert answered["consent"]["banner_at"] is None
    # The answer is the server's to keep: the next page view without it is not asked again.
    later = config_json(api, visitor_token=answer["visitor"]["token"])
    assert later["consent"]["banner_at"] is None
    assert later["consent"]["given"]["cookies"] is False


@pytest.mark.parametrize("value", ["yes", 1, "on_widget_load", None])
def test_a_bad_page_banner_setting_is_refused(api: Api, value: Any) -> None:
    published(api)
    assert_error(config(api, enable_widget_cookie_banner=value), 422, "validation_failed")
    assert rows(api, t.visitors) == []


# ---------------------------------------------------------------- one conversation, one identity


@pytest.mark.feature("BD3", "AV6")
def test_an_open_conversation_keeps_its_own_identity_on_a_page_of_another_chatflow(
    api: Api,
) -> None:
    ann, _ = add_agent(api, "Ann")
    support = published(
        api,
        "Support",
        build={
            "welcome_message": "Support here",
            "heading": {"kind": "users_and_teams", "user_ids": [ann]},
            "assignment": {"user_ids": [ann]},
        },
        display={"accent_color": "#116611"},
        options=NO_CONSENT,
    )
    published(
        api,
        "Sales",
        priority=0,
        target=pages("https://acme.test/pricing"),
        build={"welcome_message": "Sales here"},
        display={"accent_color": "#aa0000"},
        options=NO_CONSENT,
    )
    answer = config_json(api, "https://acme.test/help")
    visitor = visitor_of(answer)
    started = widget_start(api, visitor, support["id"], "My order is late")
    assert started.status_code == 201, started.text
    chat = started.json()["conversation"]
    header = chat["presentation"]["header"]
    assert [(person["id"], person["name"]) for person in header["people"]] == [(ann, "Ann")]
    assert header["line"] == ""  # assigned: the agent, and no availability text beside them

    pricing = config_json(
        api, "https://acme.test/pricing", visitor_token=answer["visitor"]["token"]
    )
    assert pricing["presentation"]["welcome"]["text"] == "Sales here"  # a new chat here
    # ... but no bubble invites one while this conversation is under way
    assert (pricing["display"]["mode"], pricing["display"]["prompt_text"]) == ("launcher", "")
    open_chat = pricing["conversation"]
    assert open_chat["id"] == chat["id"]
    assert open_chat["presentation"]["chatflow_id"] == support["id"]
    assert open_chat["presentation"]["accent_color"] == "#116611"
    assert open_chat["presentation"]["welcome"]["text"] == "Support here"
    assert open_chat["presentation"]["texts"]["widget.send"] == "Send"

    close(api, chat["id"])
    after = config_json(api, "https://acme.test/pricing", visitor_token=answer["visitor"]["token"])
    assert after["conversation"] is None
    assert (after["display"]["mode"], after["display"]["prompt_text"]) == ("prompt", "Sales here")
