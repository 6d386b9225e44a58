"""CV1, CV2, BD2, OP7: a whole conversation with the agent on the other side, typing and read
receipts, reconnecting with nothing lost or doubled, history across reloads, email capture
and the satisfaction survey after the agent closes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .flaky_line import FlakyLine, pump_until
from .pages import DemoPage, InboxPage
from .server import ApiClient, LiveServer

pytestmark = pytest.mark.feature("QA3")

AGENT = "agent1@demo.test"


def routed_to_agent1(server: LiveServer, case: str, **sections: Any) -> str:
    build = {"assignment": {"user_ids": [server.user_id(AGENT)]}, **sections.pop("build", {})}
    return server.chatflow(case, build=build, **sections)


def reply(agent: ApiClient, conversation_id: str, text: str) -> None:
    agent.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        {"client_id": uuid.uuid4().hex, "text": text},
    )


def stored_texts(server: LiveServer, conversation_id: str) -> list[str]:
    messages = server.admin().get(f"/api/v1/conversations/{conversation_id}/messages")
    return [m["text"] for m in messages]


@pytest.mark.feature("CV1", "CV2", "RT1")
def test_a_whole_conversation_with_the_agent_in_the_inbox(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    path = routed_to_agent1(server, "whole", display={"desktop": "launcher"})
    agent_name = server.users()[AGENT]["name"]
    widget = DemoPage(new_context().new_page()).open(path)
    widget.open()
    widget.send("Hi! Do you rent tents?")
    conversation_id = widget.conversation_id

    inbox = InboxPage(new_context().new_page())
    inbox.log_in(AGENT)
    inbox.show("mine")
    inbox.open_conversation(conversation_id)
    expect(inbox.message("Hi! Do you rent tents?", sender="visitor")).to_be_visible()
    expect(inbox.context).to_contain_text("/demo/long?case=whole")

    # The agent read it (the inbox marks what it shows) and is typing.
    expect(widget.read_receipt).to_be_visible()
    inbox.start_typing("Yes, we")
    expect(widget.typing).to_have_text(f"{agent_name} is typing…")
    inbox.reply_input.fill("")
    inbox.reply("Yes, we rent two-person tents for NOK 450 a weekend.")
    reply_bubble = widget.message("NOK 450", sender="agent")
    expect(reply_bubble).to_be_visible()
    expect(reply_bubble.get_by_test_id("lc-message-sender")).to_have_text(agent_name)
    expect(widget.typing).to_be_hidden()

    # The visitor types; the agent sees it.
    widget.input.press_sequentially("Great")
    expect(inbox.typing).to_be_visible()
    widget.send_button.click()
    expect(inbox.message("Great", sender="visitor")).to_be_visible()

    inbox.close_conversation()
    expect(widget.closed_notice).to_be_visible()
    assert stored_texts(server, conversation_id) == [
        "Hi! Do you rent tents?",
        "Yes, we rent two-person tents for NOK 450 a weekend.",
        "Great",
    ]


@pytest.mark.feature("CV1")
def test_reconnecting_mid_conversation_loses_nothing_and_doubles_nothing(
    server: LiveServer, page: Page
) -> None:
    path = routed_to_agent1(server, "reconnect", display={"desktop": "launcher"})
    line = FlakyLine()
    page.route_web_socket(re.compile(r".*/ws/visitor.*"), line.handle)
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("first")
    conversation_id = widget.conversation_id
    agent = server.login(AGENT)

    # Stored by the server, but the acknowledgement never reaches the page.
    line.swallow_acks = True
    widget.write("maybe lost")
    pump_until(page, lambda: bool(line.swallowed))
    expect(widget.message("maybe lost")).to_have_attribute("data-state", "sending")

    # The line goes down; meanwhile the agent answers and the visitor writes again.
    line.cut()
    reply(agent, conversation_id, "while you were away")
    widget.write("written offline")
    expect(widget.message("written offline")).to_have_attribute("data-state", "sending")

    line.online = True
    line.swallow_acks = False
    expected = ["first", "maybe lost", "while you were away", "written offline"]
    expect(widget.stored_messages().get_by_test_id("lc-message-text")).to_have_text(expected)
    expect(widget.messages).to_have_count(len(expected) + 1)  # + the welcome message
    expect(widget.host.locator('[data-state="sending"]')).to_have_count(0)
    assert stored_texts(server, conversation_id) == expected
    reply(agent, conversation_id, "and live again")
    expect(widget.message("and live again")).to_have_count(1)


@pytest.mark.feature("CV1")
def test_the_conversation_survives_a_reload_and_a_new_page(server: LiveServer, page: Page) -> None:
    path = routed_to_agent1(server, "history", display={"desktop": "launcher"})
    demo = DemoPage(page)
    widget = demo.open(path)
    widget.open()
    widget.send("Is the pulk sled in stock?")
    reply(server.login(AGENT), widget.conversation_id, "Yes, three left.")
    expect(widget.message("Yes, three left.")).to_be_visible()

    page.reload()
    widget.expect_mode("open")  # it was open: it stays open (hs-messages-is-open)
    expect(widget.stored_messages().get_by_test_id("lc-message-text")).to_have_text(
        ["Is the pulk sled in stock?", "Yes, three left."]
    )
    widget.send("I'll take one")
    expect(widget.stored_messages()).to_have_count(3)


@pytest.mark.feature("BD2", "OP6")
def test_email_capture_creates_a_contact(server: LiveServer, page: Page) -> None:
    path = routed_to_agent1(
        server,
        "email",
        build={"email_capture": {"when": "always"}},
        display={"desktop": "launcher"},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    expect(widget.email_form).to_be_hidden()
    widget.send("Please call me back")
    expect(widget.email_form).to_be_visible()
    expect(widget.host.get_by_test_id("lc-email-text")).to_have_text(
        "Leave your email address so we can follow up if we get disconnected."
    )
    widget.leave_email("not an email")
    expect(widget.host.get_by_test_id("lc-email-error")).to_be_visible()
    widget.leave_email("Ola.Nordmann@Example.test")
    expect(widget.email_thanks).to_contain_text("Ola.Nordmann@Example.test")
    found = server.admin().get("/api/v1/contacts?email=ola.nordmann@example.test")
    assert len(found) == 1
    detail = server.admin().get(f"/api/v1/conversations/{widget.conversation_id}")
    assert detail["contact"]["id"] == found[0]["id"]


@pytest.mark.feature("OP7", "RT6")
def test_the_survey_shows_when_the_agent_closes_and_the_answer_is_stored(
    server: LiveServer, page: Page
) -> None:
    survey = server.admin().get("/api/v1/surveys")[0]
    path = routed_to_agent1(
        server,
        "csat",
        display={"desktop": "launcher"},
        options={"csat": {"enabled": True, "survey_id": survey["id"]}},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("Thanks for the help")
    conversation_id = widget.conversation_id
    expect(widget.survey).to_be_hidden()
    server.login(AGENT).post(f"/api/v1/conversations/{conversation_id}/close")
    expect(widget.closed_notice).to_be_visible()
    expect(widget.survey_question).to_have_text(survey["question"])
    widget.answer_survey(4, "Quick and friendly")
    detail = server.admin().get(f"/api/v1/conversations/{conversation_id}")
    assert detail["survey_answer"]["rating"] == 4
    assert detail["survey_answer"]["comment"] == "Quick and friendly"
