"""The demo website with the demo account's own chatflows: targeting by page (TG1), the
privacy page excluded (TG3), the most specific chatflow winning (TG6), and the help
articles' branded heading with the branding alias (BD3, BD4)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect

from .pages import DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

PAGE_TIME = datetime(2026, 1, 5, 9, 0)


@pytest.mark.feature("TG1", "TG6", "DS2")
def test_the_pricing_page_shows_the_sales_chatflow_after_five_seconds(
    server: LiveServer, page: Page
) -> None:
    widget = DemoPage(page).open("/demo/pricing", clock_at=PAGE_TIME)
    widget.expect_mode("hidden")
    page.clock.run_for(5_500)
    expect(widget.prompt_text).to_have_text("Questions about prices? Our sales team is here.")


@pytest.mark.feature("TG3")
def test_the_privacy_page_shows_no_chat(server: LiveServer, page: Page) -> None:
    DemoPage(page).open_without_widget("/demo/privacy")


@pytest.mark.feature("BD3", "BD4", "BD5")
def test_help_articles_answer_under_the_brand_throughout_the_conversation(
    server: LiveServer, page: Page
) -> None:
    demo = DemoPage(page)
    widget = demo.open("/demo/help/reset-password")
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text("Stuck? Ask us, or search the help centre.")
    widget.open()
    expect(widget.heading_name).to_have_text("Nordlys Support")
    expect(widget.help_tab).to_be_visible()
    widget.start_writing()
    widget.cookie_banner.get_by_test_id("lc-cookie-accept").click()
    widget.agree_button.click()
    widget.send("I never got the reset email")
    detail = server.admin().get(f"/api/v1/conversations/{widget.conversation_id}")
    agent = next(u for u in server.users().values() if u["id"] == detail["assignee_id"])
    server.login(agent["email"]).post(
        f"/api/v1/conversations/{widget.conversation_id}/messages",
        {"client_id": uuid.uuid4().hex, "text": "Let me resend it."},
    )
    answer = widget.message("Let me resend it.", sender="agent")
    expect(answer.get_by_test_id("lc-message-sender")).to_have_text("Nordlys Support")
    expect(widget.heading_name).to_have_text("Nordlys Support")
    expect(widget.host).to_contain_text("Let me resend it.")  # the text includes the shadow root
    expect(widget.host).not_to_contain_text(agent["name"])
