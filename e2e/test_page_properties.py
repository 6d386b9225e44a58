"""RT3: a page declares routing properties (``hsConversationsSettings.chatProperties``, this
widget's own setting); the loader sends them with the config call and the widget with the
chat's start, so skill rules see them — what the visitor is shown and where the chat goes
both follow the page's properties."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from .pages import DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

GENERALIST = "agent1@demo.test"
BILLING = "agent2@demo.test"
AWAY_MESSAGE = "Billing is out right now; we'll answer by e-mail."


def _billing_chatflow(server: LiveServer) -> str:
    """Chats about billing need the billing skill, which only an agent on a break has."""
    admin = server.admin()
    generalist, billing = server.user_id(GENERALIST), server.user_id(BILLING)
    admin.patch(f"/api/v1/users/{generalist}", {"skills": []})
    admin.patch(f"/api/v1/users/{billing}", {"skills": ["billing"]})
    server.login(BILLING).put(f"/api/v1/users/{billing}/status", {"status": "away"})
    return server.chatflow(
        "page-properties",
        build={
            "assignment": {
                "user_ids": [generalist, billing],
                "skill_rules": [{"property": "topic", "value": "billing", "skills": ["billing"]}],
            },
            "availability": {
                "mode": "user_availability",
                "away_message_enabled": True,
                "away_message": AWAY_MESSAGE,
            },
        },
    )


@pytest.mark.feature("RT3", "AV5", "CV6")
def test_a_pages_chat_properties_decide_who_may_answer(server: LiveServer, page: Page) -> None:
    path = _billing_chatflow(server)
    page.add_init_script(
        "window.hsConversationsSettings = " + json.dumps({"chatProperties": {"topic": "billing"}})
    )
    widget = DemoPage(page).open(path)
    # Only the billing agent could take a billing chat, and they are away.
    expect(widget.prompt_text).to_have_text(AWAY_MESSAGE)
    widget.open()
    widget.send("Why was I charged twice?")
    conversation = widget.conversation_id
    admin = server.admin()
    chat = admin.get(f"/api/v1/conversations/{conversation}")
    assert chat["status"] == "waiting" and chat["assignee_id"] is None
    # Back from the break, the billing agent gets it — not the generalist who was free.
    billing = server.user_id(BILLING)
    server.login(BILLING).put(f"/api/v1/users/{billing}/status", {"status": "available"})
    chat = admin.get(f"/api/v1/conversations/{conversation}")
    assert chat["status"] == "assigned" and chat["assignee_id"] == billing


@pytest.mark.feature("RT3", "AV1")
def test_a_page_without_properties_is_answered_by_anyone_free(
    server: LiveServer, page: Page
) -> None:
    path = _billing_chatflow(server)
    widget = DemoPage(page).open(path)
    expect(widget.prompt_text).not_to_have_text(AWAY_MESSAGE)
    widget.open()
    widget.send("Where is my tent?")
    chat = server.admin().get(f"/api/v1/conversations/{widget.conversation_id}")
    assert chat["assignee_id"] == server.user_id(GENERALIST)
