"""CV2, CV4, RT2, RT6: the agent inbox's views, claiming and closing, and the agent's own
status driving what visitors see (AV1)."""

from __future__ import annotations

import re
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


# ---------------------------------------------------------------- a working day (CV2, RT6)

SUPERVISOR = "admin@demo.test"


def _start(server: LiveServer, case: str, text: str, **assignment: object) -> dict[str, object]:
    return server.start_conversation(
        server.chatflow(case, build={"assignment": dict(assignment)}), text
    )


@pytest.mark.feature("CV2", "RT6")
def test_the_inbox_offers_exactly_the_actions_the_domain_allows(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    """Conformance: for each agent and each kind of conversation the controls shown are the
    domain's ``agent_actions`` — never Claim on a colleague's conversation."""
    from reference_server.domain.conversation import ConversationStatus
    from reference_server.domain.inbox import agent_actions, is_supervisor

    agent_id, colleague_id = server.user_id(AGENT), server.user_id("agent2@demo.test")
    chats = {
        "nobody's": _start(server, "c-none", "Anyone?", enabled=False),
        "mine": _start(server, "c-mine", "For agent 1", user_ids=[agent_id]),
        "colleague's": _start(server, "c-other", "For agent 2", user_ids=[colleague_id]),
    }
    closed = _start(server, "c-closed", "Done", user_ids=[agent_id])
    server.login(AGENT).post(f"/api/v1/conversations/{closed['id']}/close")
    chats["closed"] = closed
    users = server.users()
    for email in (AGENT, SUPERVISOR):
        inbox = InboxPage(new_context().new_page())
        inbox.log_in(email)
        inbox.show("all")
        user = users[email]
        supervisor = is_supervisor(user["role"], frozenset(user["permissions"]))
        for name, chat in chats.items():
            stored = server.admin().get(f"/api/v1/conversations/{chat['id']}")
            if stored["status"] == "closed":
                inbox.show("closed")
            inbox.open_conversation(str(chat["id"]))
            expected = agent_actions(
                ConversationStatus(stored["status"]),
                stored["assignee_id"],
                user["id"],
                supervisor=supervisor,
            )
            assert inbox.offered_actions() == {a.value for a in expected}, (email, name)
            if stored["status"] == "closed":
                inbox.show("all")


@pytest.mark.feature("CV2", "RT6")
def test_a_working_day_counts_notes_canned_replies_and_a_transfer_to_a_team(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    agent_id = server.user_id(AGENT)
    server.admin().post(
        "/api/v1/canned-replies",
        {"shortcut": "shipping", "title": "Shipping", "text": "Delivery takes 1-3 days."},
    )
    inbox = InboxPage(new_context().new_page())
    inbox.log_in(AGENT)
    chat = _start(server, "day", "When will my parcel arrive?", user_ids=[agent_id])
    inbox.show("mine")
    expect(inbox.count("mine")).to_have_text("1")
    row = inbox.conversation(str(chat["id"]))
    expect(row.get_by_test_id("inbox-unread")).to_have_text("1")
    expect(row.get_by_test_id("inbox-preview")).to_have_text("When will my parcel arrive?")

    inbox.open_conversation(str(chat["id"]))
    expect(
        inbox.message("When will my parcel arrive?").get_by_test_id("inbox-message-time")
    ).to_have_text(re.compile(r"\d{1,2}[:.]\d{2}"))
    expect(row.get_by_test_id("inbox-unread")).to_have_count(0)  # read once opened

    inbox.write_note("Customer is in Tromsø: two days")
    inbox.reply_mode.click()
    inbox.reply_input.press_sequentially("/ship")
    expect(inbox.suggestions).to_have_count(1)
    inbox.reply_input.press("Enter")  # takes the suggestion
    expect(inbox.reply_input).to_have_value("Delivery takes 1-3 days.")
    inbox.send_button.click()
    expect(inbox.message("Delivery takes 1-3 days.", sender="agent")).to_be_visible()
    notes = server.admin().get(f"/api/v1/conversations/{chat['id']}/notes")
    assert [n["text"] for n in notes] == ["Customer is in Tromsø: two days"]

    support = next(t for t in server.admin().get("/api/v1/teams") if t["name"] == "Support")
    inbox.transfer_choice.select_option(f"team:{support['id']}")
    expect(inbox.context.locator('[data-field="assigned-to"]')).not_to_have_text(
        server.users()[AGENT]["name"]
    )
    held = server.admin().get(f"/api/v1/conversations/{chat['id']}")["assignee_id"]
    assert held in support["user_ids"]
    expect(inbox.count("mine")).to_have_text("0")


@pytest.mark.feature("CV2")
def test_new_chats_chime_and_notify_once_the_agent_switches_alerts_on(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    context = new_context()
    context.grant_permissions(["notifications"])
    page = context.new_page()
    page.add_init_script(
        "window.__told = []; document.addEventListener('inbox:notified',"
        " (e) => window.__told.push(e.detail));"
    )
    inbox = InboxPage(page)
    inbox.log_in(AGENT)
    _start(server, "quiet", "Before alerts", enabled=False)
    page.get_by_test_id("inbox-notify").click()
    expect(page.get_by_test_id("inbox-notify")).to_have_text("Alerts on")
    _start(server, "loud", "After alerts", enabled=False)
    page.wait_for_function("() => window.__told.length === 1")
    told = page.evaluate("() => window.__told")
    assert told == [{"title": "New chat", "body": told[0]["body"], "desktop": True}]
    assert "case=loud" in told[0]["body"]


@pytest.mark.feature("CV2")
def test_the_inbox_works_on_a_phone(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    chat = _start(server, "phone", "Hello from a phone", user_ids=[server.user_id(AGENT)])
    inbox = InboxPage(
        new_context(viewport={"width": 390, "height": 844}, has_touch=True).new_page()
    )
    inbox.log_in(AGENT)
    inbox.show("mine")
    inbox.open_conversation(str(chat["id"]))
    expect(inbox.conversations.first).to_be_hidden()  # one screen at a time
    for control in (inbox.reply_input, inbox.send_button, inbox.close_button):
        expect(control).to_be_in_viewport()
        box = control.bounding_box()
        assert box is not None
        hit = inbox.page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.getAttribute('data-testid')",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert hit == control.get_attribute("data-testid")
    inbox.reply("On my way")
    inbox.page.get_by_test_id("inbox-back").click()
    expect(inbox.conversation(str(chat["id"]))).to_be_visible()
