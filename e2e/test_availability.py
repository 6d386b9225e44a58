"""AV4-AV7: what the widget says while available, away, offline (the server's clock set
outside office hours) and when every agent is at capacity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .pages import DemoPage
from .scenes import MONDAY_EVENING, OSLO, office_hours
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")


@pytest.mark.feature("AV6", "AV2")
def test_outside_office_hours_the_prompt_tells_when_the_team_is_back(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("return-time", build=office_hours(offline_behaviour="return_time"))
    server.set_clock(MONDAY_EVENING)
    widget = DemoPage(page).open(path)
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text(
        "We're away right now. We'll be back tomorrow at 08:00."
    )
    widget.open()
    expect(widget.availability).to_have_text(
        "We're away right now. We'll be back tomorrow at 08:00."
    )


@pytest.mark.feature("AV6")
def test_outside_office_hours_the_away_message_can_show_instead(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "offline-away",
        build=office_hours(
            offline_behaviour="away_message", away_message="Gone skiing. Leave a message!"
        ),
    )
    server.set_clock(MONDAY_EVENING)
    widget = DemoPage(page).open(path)
    expect(widget.prompt_text).to_have_text("Gone skiing. Leave a message!")


@pytest.mark.feature("AV6")
def test_outside_office_hours_the_launcher_can_be_hidden(server: LiveServer, page: Page) -> None:
    path = server.chatflow("offline-hide", build=office_hours(offline_behaviour="hide_launcher"))
    server.set_clock(MONDAY_EVENING)
    widget = DemoPage(page).open(path)
    widget.expect_mode("hidden")
    widget.expect_nothing_shown()
    # Inside office hours the same page shows the chat.
    server.set_clock(datetime(2026, 1, 6, 9, 0, tzinfo=OSLO))
    widget = DemoPage(page).open(path)
    widget.expect_mode("prompt")


@pytest.mark.feature("AV4")
def test_while_available_the_typical_reply_time_shows(server: LiveServer, page: Page) -> None:
    path = server.chatflow("reply-time", build=office_hours(reply_time="few_minutes"))
    widget = DemoPage(page).open(path)
    widget.open()
    expect(widget.availability).to_have_text("The team typically replies in a few minutes.")


@pytest.mark.feature("AV5", "AV1")
def test_when_nobody_is_available_the_away_message_shows(server: LiveServer, page: Page) -> None:
    agent = server.user_id("agent1@demo.test")
    path = server.chatflow(
        "away",
        build={
            "assignment": {"user_ids": [agent]},
            "availability": {
                "mode": "user_availability",
                "away_message_enabled": True,
                "away_message": "We're all out on the trail.",
            },
        },
    )
    server.login("agent1@demo.test").put(f"/api/v1/users/{agent}/status", {"status": "away"})
    widget = DemoPage(page).open(path)
    expect(widget.prompt_text).to_have_text("We're all out on the trail.")


def fill_capacity(server: LiveServer, behaviour: dict[str, Any], case: str) -> str:
    """A chatflow routed to agent1 alone, whose one seat (capacity 1) is taken."""
    agent = server.user_id("agent1@demo.test")
    server.admin().patch(f"/api/v1/users/{agent}", {"capacity": 1})
    path = server.chatflow(
        case,
        build={
            "assignment": {"user_ids": [agent]},
            "availability": {"mode": "user_availability", **behaviour},
        },
    )
    taken = server.start_conversation(path, "I got here first")
    assert taken["status"] == "assigned"
    return path


@pytest.mark.feature("AV7", "AV8")
def test_with_every_agent_at_capacity_the_wait_message_shows(
    server: LiveServer, page: Page
) -> None:
    path = fill_capacity(
        server,
        {
            "at_capacity_behaviour": "wait_message",
            "wait_message": "Everyone is busy; you're in the queue.",
        },
        "capacity-wait",
    )
    widget = DemoPage(page).open(path)
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text("Everyone is busy; you're in the queue.")


@pytest.mark.feature("AV7", "AV8")
def test_with_every_agent_at_capacity_the_launcher_can_be_hidden(
    server: LiveServer, page: Page
) -> None:
    path = fill_capacity(server, {"at_capacity_behaviour": "hide_launcher"}, "capacity-hide")
    widget = DemoPage(page).open(path)
    widget.expect_mode("hidden")
    widget.expect_nothing_shown()
