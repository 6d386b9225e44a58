"""Issue 8 §1: a visitor never loses what they write.

Consent given once is the server's to remember (not the page's): after a reload, on another
page and after the agent closed the conversation, the next message is stored. A message the
server refuses shows a visible, localised reason and a way to retry; an unsent message is
resent (same client id) after a reconnect, even across a server restart.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .flaky_line import FlakyLine
from .pages import ChatWidget, DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

AGENT = "agent1@demo.test"
EXPLICIT = {
    "data_processing_consent": {
        "enabled": True,
        "kind": "explicit",
        "text": "We store what you write.",
    }
}


def explicit_chatflow(server: LiveServer, case: str, **sections: Any) -> str:
    build = {"assignment": {"user_ids": [server.user_id(AGENT)]}, **sections.pop("build", {})}
    return server.chatflow(
        case, build=build, display={"desktop": "launcher"}, options=EXPLICIT, **sections
    )


def stored_texts(server: LiveServer, conversation_id: str) -> list[str]:
    messages = server.admin().get(f"/api/v1/conversations/{conversation_id}/messages")
    return [m["text"] for m in messages]


def visitor_conversations(server: LiveServer) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = server.admin().get("/api/v1/conversations?view=all&limit=100")
    closed: list[dict[str, Any]] = server.admin().get("/api/v1/conversations?view=closed&limit=100")
    return found + closed


def agree_and_send(widget: ChatWidget, text: str) -> str:
    widget.open()
    expect(widget.send_button).to_be_disabled()
    widget.agree_button.click()
    widget.send(text)
    return widget.conversation_id


def close_as_agent(server: LiveServer, conversation_id: str) -> None:
    server.login(AGENT).post(f"/api/v1/conversations/{conversation_id}/close")


@pytest.mark.feature("OP4", "CV1")
def test_after_consent_a_reload_and_a_close_the_next_message_is_stored(
    server: LiveServer, page: Page
) -> None:
    path = explicit_chatflow(server, "keep-reload")
    demo = DemoPage(page)
    first = agree_and_send(demo.open(path), "Before the reload")

    page.reload()
    widget = demo.widget
    widget.expect_mode("open")
    expect(widget.message("Before the reload")).to_be_visible()
    close_as_agent(server, first)
    expect(widget.closed_notice).to_be_visible()

    # The consent given before still holds (same notice): no second "I agree".
    widget.start_new_conversation()
    expect(widget.agree_button).to_be_hidden()
    widget.send("After the close")
    second = widget.conversation_id
    assert second != first
    assert stored_texts(server, second) == ["After the close"]
    detail = server.admin().get(f"/api/v1/conversations/{second}")
    assert detail["consent"]["data_processing"] is True
    expect(widget.host.locator('[data-state="failed"]')).to_have_count(0)


@pytest.mark.feature("OP4", "CV1")
def test_after_consent_a_new_page_and_a_close_the_next_message_is_stored(
    server: LiveServer, page: Page
) -> None:
    path = explicit_chatflow(server, "keep-navigate")
    demo = DemoPage(page)
    first = agree_and_send(demo.open(path), "On the first page")

    widget = demo.open("/demo/pricing?case=keep-navigate")
    widget.expect_mode("open")
    expect(widget.message("On the first page")).to_be_visible()
    close_as_agent(server, first)
    expect(widget.closed_notice).to_be_visible()
    widget.start_new_conversation()
    widget.send("On the second page")
    second = widget.conversation_id
    assert stored_texts(server, second) == ["On the second page"]


@pytest.mark.feature("OP4")
def test_a_changed_consent_notice_is_asked_for_again(server: LiveServer, page: Page) -> None:
    path = explicit_chatflow(server, "keep-new-notice")
    demo = DemoPage(page)
    first = agree_and_send(demo.open(path), "I agreed to the old notice")
    close_as_agent(server, first)
    server.admin().patch(
        f"/api/v1/chatflows/{server.last_chatflow_id}/options",
        {"data_processing_consent": {"text": "We now also keep a transcript."}},
    )
    widget = demo.open(path)
    widget.open()
    widget.start_new_conversation()
    expect(widget.consent_text).to_have_text("We now also keep a transcript.")
    expect(widget.send_button).to_be_disabled()
    widget.agree_button.click()
    widget.send("And I agree to the new one")


@pytest.mark.feature("OP4", "CV1")
def test_a_refused_message_shows_why_and_is_sent_on_retry(server: LiveServer, page: Page) -> None:
    path = server.chatflow(
        "refused",
        build={"assignment": {"user_ids": [server.user_id(AGENT)]}},
        display={"desktop": "launcher"},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("Consent was not needed for this")
    conversation_id = widget.conversation_id
    # The account asks for explicit consent while the visitor's page is open.
    server.admin().patch(f"/api/v1/chatflows/{server.last_chatflow_id}/options", EXPLICIT)

    widget.write("Refused until I agree")
    failed = widget.message("Refused until I agree")
    expect(failed).to_have_attribute("data-state", "failed")
    expect(failed.get_by_test_id("lc-message-error")).to_have_text(
        "Please agree to the terms above before you send a message."
    )
    expect(widget.input).to_have_value("")  # the text lives on in its bubble
    expect(widget.agree_button).to_be_visible()
    widget.agree_button.click()
    failed.get_by_test_id("lc-message-retry").click()
    expect(widget.message("Refused until I agree")).to_have_attribute("data-sequence", "2")
    assert stored_texts(server, conversation_id) == [
        "Consent was not needed for this",
        "Refused until I agree",
    ]


@pytest.mark.feature("CV1")
def test_a_message_written_while_the_server_restarts_is_delivered_once(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "restart",
        build={"assignment": {"user_ids": [server.user_id(AGENT)]}},
        display={"desktop": "launcher"},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("Before the restart")
    conversation_id = widget.conversation_id

    with server.stopped():
        expect(widget.reconnecting).to_be_visible()
        widget.write("Written while the server was down")
        expect(widget.message("Written while the server was down")).to_have_attribute(
            "data-state", "sending"
        )
    expect(widget.message("Written while the server was down")).to_have_attribute(
        "data-sequence", "2"
    )
    expect(widget.reconnecting).to_be_hidden()
    server.login(AGENT).post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"client_id": uuid.uuid4().hex, "text": "Back after the restart"},
    )
    expect(widget.message("Back after the restart")).to_have_count(1)
    assert stored_texts(server, conversation_id) == [
        "Before the restart",
        "Written while the server was down",
        "Back after the restart",
    ]


@pytest.mark.feature("CV1")
def test_a_message_written_offline_survives_a_reload_and_is_sent_once(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "offline-reload",
        build={"assignment": {"user_ids": [server.user_id(AGENT)]}},
        display={"desktop": "launcher"},
    )
    line = FlakyLine()
    page.route_web_socket(re.compile(r".*/ws/visitor.*"), line.handle)
    demo = DemoPage(page)
    widget = demo.open(path)
    widget.open()
    widget.send("Online first")
    conversation_id = widget.conversation_id

    line.cut()
    widget.write("Written with the line down")
    expect(widget.message("Written with the line down")).to_have_attribute("data-state", "sending")
    page.reload()  # the tab keeps what was not stored
    widget.expect_mode("open")
    expect(widget.message("Written with the line down")).to_have_attribute("data-state", "sending")

    line.online = True
    expect(widget.message("Written with the line down")).to_have_attribute("data-sequence", "2")
    page.reload()
    expect(widget.stored_messages().get_by_test_id("lc-message-text")).to_have_text(
        ["Online first", "Written with the line down"]
    )
    assert stored_texts(server, conversation_id) == ["Online first", "Written with the line down"]
