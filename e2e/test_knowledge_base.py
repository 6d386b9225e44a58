"""BD5: the help tab browses and searches the chatflow's knowledge base."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .pages import DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")


def with_help_tab(server: LiveServer, case: str) -> str:
    kb = server.admin().get("/api/v1/knowledge-bases")[0]
    return server.chatflow(
        case,
        display={"desktop": "launcher"},
        build={"knowledge_base": {"enabled": True, "knowledge_base_id": kb["id"]}},
    )


@pytest.mark.feature("BD5")
def test_the_help_tab_browses_and_searches_the_knowledge_base(
    server: LiveServer, page: Page
) -> None:
    path = with_help_tab(server, "kb")
    widget = DemoPage(page).open(path)
    widget.open()
    widget.help_tab.click()
    expect(widget.result_titles).to_have_count(8)  # the demo's articles, browsed
    widget.search_help("refund")
    expect(widget.result_titles.first).to_have_text("Returns and refunds")
    widget.results.first.click()
    expect(widget.article_title).to_have_text("Returns and refunds")
    expect(widget.host.get_by_test_id("lc-kb-article")).to_contain_text("within 30 days")
    widget.host.get_by_test_id("lc-kb-back").click()
    expect(widget.result_titles.first).to_be_visible()
    widget.search_help("zeppelin")
    expect(widget.no_results).to_have_text("No articles found.")
    widget.chat_tab.click()
    expect(widget.input).to_be_visible()


@pytest.mark.feature("BD5")
def test_without_the_help_tab_there_is_no_tab(server: LiveServer, page: Page) -> None:
    widget = DemoPage(page).open(server.chatflow("no-kb", display={"desktop": "launcher"}))
    widget.open()
    expect(widget.help_tab).to_have_count(0)


@pytest.mark.feature("BD5")
def test_the_help_tab_answers_questions_and_forgives_typos(server: LiveServer, page: Page) -> None:
    widget = DemoPage(page).open(with_help_tab(server, "kb-questions"))
    widget.open()
    widget.search_help("how long does delivery take")
    expect(widget.result_titles.first).to_have_text("Shipping times")
    widget.search_help("when will my parcel arrive")
    expect(widget.result_titles.first).to_have_text("Track your parcel")
    expect(widget.result_titles.nth(1)).to_have_text("Shipping times")
    widget.search_help("pasword")
    expect(widget.result_titles.first).to_have_text("Reset your password")
