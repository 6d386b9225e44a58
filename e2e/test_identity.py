"""Issue 8 §3: one conversation, one identity. An open conversation keeps its own chatflow's
heading, colour and welcome message on every page until it ends, and the header describes
the conversation's real state: once an agent has it, the agent — no "we're all away", no
"we'll be back at 08:00" beside them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .pages import ChatWidget, DemoPage
from .scenes import MONDAY_EVENING, office_hours
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

AGENT = "agent1@demo.test"
AWAY_AGENT = "agent5@demo.test"  # away in the demo data


def accent(widget: ChatWidget) -> str:
    return str(
        widget.host.get_by_test_id("lc-root").evaluate(
            "(root) => getComputedStyle(root).getPropertyValue('--lc-accent').trim()"
        )
    )


@pytest.mark.feature("BD1", "BD3", "AV6")
def test_an_open_conversation_keeps_its_identity_on_another_chatflows_page(
    server: LiveServer, page: Page
) -> None:
    support_agent = server.user_id(AGENT)
    agent_name = server.users()[AGENT]["name"]
    support = server.chatflow(
        "identity-support",
        build={
            **office_hours(reply_time="few_minutes"),
            "welcome_message": "Support here. What went wrong?",
            "assignment": {"user_ids": [support_agent]},
        },
        display={"desktop": "launcher", "accent_color": "#116611"},
    )
    sales = server.chatflow(
        "identity-sales",
        build={**office_hours(), "welcome_message": "Sales here. Questions about prices?"},
        display={"desktop": "launcher", "accent_color": "#aa0000"},
        page="/demo/pricing",
    )
    demo = DemoPage(page)
    widget = demo.open(support)
    widget.open()
    widget.send("My tent arrived with a torn floor")
    expect(widget.heading_name).to_have_text(agent_name)  # assigned: the agent
    expect(widget.availability).to_be_hidden()

    server.set_clock(MONDAY_EVENING)  # office hours are over; the agent is still chatting
    widget = demo.open(sales)
    widget.expect_mode("open")
    expect(widget.message("My tent arrived with a torn floor")).to_be_visible()
    expect(widget.heading_name).to_have_text(agent_name)
    expect(widget.availability).to_be_hidden()  # no "We'll be back tomorrow at 08:00"
    expect(widget.prompt_text).to_have_text("")  # nor a bubble inviting a new chat
    expect(widget.messages.first).to_have_text("Support here. What went wrong?")
    assert accent(widget) == "#116611"

    server.login(AGENT).post(f"/api/v1/conversations/{widget.conversation_id}/close")
    expect(widget.closed_notice).to_be_visible()
    expect(widget.heading_name).to_have_text(agent_name)  # who answered it
    widget.start_new_conversation()
    # A new conversation here is the sales chatflow's, offline now.
    expect(widget.messages.first).to_have_text("Sales here. Questions about prices?")
    expect(widget.availability).to_contain_text("We'll be back tomorrow at 08:00")
    assert accent(widget) == "#aa0000"


@pytest.mark.feature("AV5", "RT6")
def test_we_are_all_away_gives_way_to_the_agent_once_assigned(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "identity-away",
        build={
            "availability": {"away_message_enabled": True, "away_message": "We're all away."},
            "assignment": {"user_ids": [server.user_id(AWAY_AGENT)]},
        },
        display={"desktop": "launcher"},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    expect(widget.availability).to_have_text("We're all away.")
    widget.send("Anyone there?")
    expect(widget.availability).to_have_text("We're all away.")  # still waiting: true

    helper = server.user_id(AGENT)
    server.admin().post(
        f"/api/v1/conversations/{widget.conversation_id}/assign", {"user_id": helper}
    )
    expect(widget.heading_name).to_have_text(server.users()[AGENT]["name"])
    expect(widget.availability).to_be_hidden()
