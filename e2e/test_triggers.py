"""DS2: the display triggers — time on page, scroll percentage, exit intent — driven by the
page's clock and the pointer, never by waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from .pages import DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

PAGE_TIME = datetime(2026, 1, 5, 9, 0)


@pytest.mark.feature("DS2", "DS1")
def test_time_on_page_shows_the_prompt_only_once_the_seconds_have_passed(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "time",
        build={"welcome_message": "Still reading?"},
        display={"desktop": "prompt", "triggers": {"time_on_page_seconds": 30}},
    )
    widget = DemoPage(page).open(path, clock_at=PAGE_TIME)
    widget.expect_mode("hidden")
    page.clock.run_for(25_000)
    widget.expect_nothing_shown()
    page.clock.run_for(6_000)
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text("Still reading?")
    expect(widget.launcher).to_be_visible()


@pytest.mark.feature("DS2")
def test_scrolling_past_the_percentage_shows_the_prompt(server: LiveServer, page: Page) -> None:
    path = server.chatflow(
        "scroll", display={"desktop": "prompt", "triggers": {"scroll_percentage": 50}}
    )
    demo = DemoPage(page)
    widget = demo.open(path, clock_at=PAGE_TIME)
    demo.scroll_to_percent(30)
    page.clock.run_for(1_000)
    widget.expect_mode("hidden")
    demo.scroll_to_percent(60)
    widget.expect_mode("prompt")
    expect(widget.prompt).to_be_visible()


@pytest.mark.feature("DS2")
def test_moving_to_leave_through_the_top_shows_the_launcher(server: LiveServer, page: Page) -> None:
    path = server.chatflow(
        "exit", display={"desktop": "launcher", "triggers": {"exit_intent": True}}
    )
    demo = DemoPage(page)
    widget = demo.open(path, clock_at=PAGE_TIME)
    page.mouse.move(600, 400)
    page.mouse.move(50, 700, steps=3)  # moving about inside the page is not leaving
    widget.expect_mode("hidden")
    demo.move_to_leave()
    widget.expect_mode("launcher")
    expect(widget.launcher).to_be_visible()
    expect(widget.prompt).to_be_hidden()


@pytest.mark.feature("DS1", "DS2")
def test_prompt_then_open_pops_the_chat_open_when_the_trigger_fires(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "pop",
        build={"welcome_message": "Need a hand?"},
        display={"desktop": "prompt_then_open", "triggers": {"time_on_page_seconds": 10}},
    )
    widget = DemoPage(page).open(path, clock_at=PAGE_TIME)
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text("Need a hand?")
    page.clock.run_for(11_000)
    widget.expect_mode("open")
    expect(widget.window).to_be_visible()
    expect(widget.message("Need a hand?")).to_be_visible()


@pytest.mark.feature("DS1", "DS2", "DS4")
def test_a_trigger_does_not_pop_open_a_chat_the_visitor_already_minimized(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "no-pop", display={"desktop": "prompt_then_open", "triggers": {"time_on_page_seconds": 10}}
    )
    widget = DemoPage(page).open(path, clock_at=PAGE_TIME)
    widget.dismiss_prompt()
    widget.expect_mode("launcher")
    page.clock.run_for(11_000)
    widget.expect_mode("launcher")
    expect(widget.window).to_be_hidden()


@pytest.mark.feature("DS2", "DS3")
def test_on_mobile_the_widget_waits_for_the_trigger_too(
    server: LiveServer, new_context: Callable[..., BrowserContext], playwright: Playwright
) -> None:
    path = server.chatflow(
        "mobile-time", display={"mobile": "prompt", "triggers": {"time_on_page_seconds": 20}}
    )
    page = new_context(**playwright.devices["Pixel 5"]).new_page()
    widget = DemoPage(page).open(path, clock_at=PAGE_TIME)
    widget.expect_mode("hidden")
    page.clock.run_for(21_000)
    widget.expect_mode("prompt")
    expect(widget.prompt).to_be_visible()
