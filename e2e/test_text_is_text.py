"""Text from visitors, agents and settings is shown as text, never run as HTML: script
payloads in the welcome message, the agent's name, messages both ways, an away message and
an article's title."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .pages import ChatWidget, DemoPage, InboxPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
SCRIPT = "<script>window.__xss=(window.__xss||0)+1</script>"
PAYLOAD = f"{IMG}{SCRIPT}"
AGENT = "agent1@demo.test"


def assert_nothing_ran(page: Page, widget: ChatWidget) -> None:
    assert page.evaluate("window.__xss") is None
    expect(widget.host.locator("img[src='x']")).to_have_count(0)
    expect(widget.host.locator("script")).to_have_count(0)


@pytest.mark.feature("BD1", "BD3", "CV1")
def test_script_payloads_in_settings_names_and_messages_are_shown_as_text(
    server: LiveServer, page: Page
) -> None:
    agent_id = server.user_id(AGENT)
    server.admin().patch(f"/api/v1/users/{agent_id}", {"name": f"Eve {IMG}"})
    path = server.chatflow(
        "xss",
        display={"desktop": "prompt"},
        build={
            "welcome_message": f"Welcome {PAYLOAD}",
            "heading": {"kind": "users_and_teams", "user_ids": [agent_id]},
            "assignment": {"user_ids": [agent_id]},
        },
    )
    widget = DemoPage(page).open(path)
    expect(widget.prompt_text).to_have_text(f"Welcome {PAYLOAD}")
    widget.open()
    expect(widget.heading_name).to_have_text(f"Eve {IMG}")
    widget.send(f"Visitor says {PAYLOAD}")
    expect(widget.message("Visitor says")).to_contain_text(f"Visitor says {PAYLOAD}")
    server.login(AGENT).post(
        f"/api/v1/conversations/{widget.conversation_id}/messages",
        {"client_id": uuid.uuid4().hex, "text": f"Agent says {PAYLOAD}"},
    )
    answer = widget.message("Agent says", sender="agent")
    expect(answer.get_by_test_id("lc-message-text")).to_have_text(f"Agent says {PAYLOAD}")
    expect(answer.get_by_test_id("lc-message-sender")).to_have_text(f"Eve {IMG}")
    assert_nothing_ran(page, widget)


@pytest.mark.feature("AV5", "BD5")
def test_script_payloads_in_an_away_message_and_an_article_title_are_shown_as_text(
    server: LiveServer, page: Page
) -> None:
    admin = server.admin()
    kb = admin.get("/api/v1/knowledge-bases")[0]
    admin.post(
        f"/api/v1/knowledge-bases/{kb['id']}/articles",
        {
            "title": f"Snowshoes {PAYLOAD}",
            "body": f"Snowshoes body {PAYLOAD}",
            "category": f"Gear {IMG}",
        },
    )
    agent_id = server.user_id(AGENT)
    path = server.chatflow(
        "xss-away",
        build={
            "assignment": {"user_ids": [agent_id]},
            "availability": {
                "mode": "user_availability",
                "away_message_enabled": True,
                "away_message": f"Away {PAYLOAD}",
            },
            "knowledge_base": {"enabled": True, "knowledge_base_id": kb["id"]},
        },
    )
    server.login(AGENT).put(f"/api/v1/users/{agent_id}/status", {"status": "away"})
    widget = DemoPage(page).open(path)
    expect(widget.prompt_text).to_have_text(f"Away {PAYLOAD}")
    widget.open()
    widget.search_help("snowshoes")
    expect(widget.result_titles.first).to_have_text(f"Snowshoes {PAYLOAD}")
    widget.results.first.click()
    expect(widget.article_title).to_have_text(f"Snowshoes {PAYLOAD}")
    assert_nothing_ran(page, widget)


@pytest.mark.feature("CV2")
def test_the_inbox_shows_a_visitors_script_payload_as_text(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    agent_id = server.user_id(AGENT)
    path = server.chatflow("xss-inbox", build={"assignment": {"user_ids": [agent_id]}})
    conversation = server.start_conversation(path, f"Hello {PAYLOAD}")
    page = new_context().new_page()
    inbox = InboxPage(page)
    inbox.log_in(AGENT)
    inbox.show("mine")
    inbox.open_conversation(conversation["id"])
    expect(
        inbox.message("Hello", sender="visitor").get_by_test_id("inbox-message-text")
    ).to_have_text(f"Hello {PAYLOAD}")
    assert page.evaluate("window.__xss") is None
    expect(page.locator("img[src='x']")).to_have_count(0)
