"""CV2, CV4, RT2, RT6: the agent inbox's views, claiming and closing, and the agent's own
status driving what visitors see (AV1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from .pages import DemoPage, InboxPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

AGENT = "agent1@demo.test"


@pytest.mark.feature("CV2", "RT2", "RT6")
def test_the_inbox_views_follow_claiming_and_closing(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    agent_id = server.user_id(AGENT)
    unassigned = server.start_conversation(
        server.chatflow("views-off", build={"assignment": {"enabled": False}}), "Nobody's yet"
    )
    mine = server.start_conversation(
        server.chatflow("views-mine", build={"assignment": {"user_ids": [agent_id]}}), "For you"
    )
    inbox = InboxPage(new_context().new_page())
    inbox.log_in(AGENT)

    inbox.show("unassigned")
    expect(inbox.conversation(unassigned["id"])).to_be_visible()
    expect(inbox.conversation(mine["id"])).to_have_count(0)
    inbox.show("mine")
    expect(inbox.conversation(mine["id"])).to_be_visible()
    expect(inbox.conversation(unassigned["id"])).to_have_count(0)
    inbox.show("all")
    expect(inbox.conversation(mine["id"])).to_be_visible()
    expect(inbox.conversation(unassigned["id"])).to_be_visible()

    inbox.open_conversation(unassigned["id"])
    inbox.claim_button.click()
    expect(inbox.context.locator('[data-field="assigned-to"]')).to_have_text(
        server.users()[AGENT]["name"]
    )
    inbox.show("mine")
    expect(inbox.conversation(unassigned["id"])).to_be_visible()

    inbox.open_conversation(mine["id"])
    inbox.close_conversation()
    inbox.show("closed")
    expect(inbox.conversation(mine["id"])).to_be_visible()
    inbox.show("mine")
    expect(inbox.conversation(mine["id"])).to_have_count(0)


@pytest.mark.feature("CV4", "AV1", "AV5")
def test_the_agents_status_from_the_inbox_decides_what_visitors_see(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    agent_id = server.user_id(AGENT)
    path = server.chatflow(
        "status",
        build={
            "welcome_message": "Ask away!",
            "assignment": {"user_ids": [agent_id]},
            "availability": {
                "mode": "user_availability",
                "away_message_enabled": True,
                "away_message": "Back soon.",
            },
        },
    )
    inbox = InboxPage(new_context().new_page())
    inbox.log_in(AGENT)
    visitor = DemoPage(new_context().new_page())
    expect(visitor.open(path).prompt_text).to_have_text("Ask away!")
    inbox.set_status("away")
    expect(visitor.open(path).prompt_text).to_have_text("Back soon.")
    inbox.set_status("available")
    expect(visitor.open(path).prompt_text).to_have_text("Ask away!")
