"""DS1, DS3, DS4: what the widget shows on desktop and on mobile, and the cookies that
remember a minimized or an open chat across pages and chatflows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from .pages import DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

HIDE = "hs-messages-hide-welcome-message"
IS_OPEN = "hs-messages-is-open"


@pytest.mark.feature("DS1")
def test_desktop_prompt_pops_the_welcome_message_up(server: LiveServer, page: Page) -> None:
    path = server.chatflow(
        "d-prompt", build={"welcome_message": "Hei! Questions?"}, display={"desktop": "prompt"}
    )
    widget = DemoPage(page).open(path)
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text("Hei! Questions?")
    expect(widget.launcher).to_be_visible()
    expect(widget.window).to_be_hidden()


@pytest.mark.feature("DS1")
def test_desktop_launcher_only_shows_just_the_launcher(server: LiveServer, page: Page) -> None:
    path = server.chatflow("d-launcher", display={"desktop": "launcher"})
    widget = DemoPage(page).open(path)
    widget.expect_mode("launcher")
    expect(widget.launcher).to_be_visible()
    expect(widget.prompt).to_be_hidden()
    widget.open()
    expect(widget.message("Hi! How can we help you?")).to_be_visible()


@pytest.mark.feature("DS1")
def test_prompt_then_open_opens_on_a_click_when_no_trigger_is_set(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("d-click", display={"desktop": "prompt_then_open"})
    widget = DemoPage(page).open(path)
    widget.expect_mode("prompt")
    widget.prompt.click()
    widget.expect_mode("open")
    expect(widget.window).to_be_visible()


@pytest.mark.feature("DS3")
@pytest.mark.parametrize(("behaviour", "mode"), [("prompt", "prompt"), ("launcher", "launcher")])
def test_mobile_shows_the_prompt_or_only_the_launcher(
    server: LiveServer,
    new_context: Callable[..., BrowserContext],
    playwright: Playwright,
    behaviour: str,
    mode: str,
) -> None:
    path = server.chatflow(f"m-{behaviour}", display={"desktop": "launcher", "mobile": behaviour})
    page = new_context(**playwright.devices["Pixel 5"]).new_page()
    widget = DemoPage(page).open(path)
    widget.expect_mode(mode)
    if mode == "prompt":
        expect(widget.prompt).to_be_visible()
    else:
        expect(widget.prompt).to_be_hidden()
    widget.open()
    box = widget.window.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["width"] == viewport["width"]  # the chat fills a phone's screen


@pytest.mark.feature("DS1", "DS3")
def test_the_same_chatflow_prompts_on_desktop_and_shows_only_the_launcher_on_mobile(
    server: LiveServer, new_context: Callable[..., BrowserContext], playwright: Playwright
) -> None:
    path = server.chatflow("both", display={"desktop": "prompt", "mobile": "launcher"})
    desktop = DemoPage(new_context().new_page()).open(path)
    desktop.expect_mode("prompt")
    mobile = DemoPage(new_context(**playwright.devices["Pixel 5"]).new_page()).open(path)
    mobile.expect_mode("launcher")


@pytest.mark.feature("DS4")
def test_minimizing_keeps_the_chat_minimized_across_pages_and_chatflows_for_24_hours(
    server: LiveServer, page: Page
) -> None:
    first = server.chatflow("min-a", build={"welcome_message": "Welcome from A"})
    second = server.chatflow(
        "min-b", build={"welcome_message": "Welcome from B"}, page="/demo/pricing"
    )
    demo = DemoPage(page)
    widget = demo.open(first)
    widget.expect_mode("prompt")
    widget.dismiss_prompt()
    cookie = demo.expect_cookie(HIDE, "true")
    assert cookie["path"] == "/" and cookie["domain"] == "127.0.0.1"
    assert 86_400 - 120 < demo.seconds_left(HIDE) <= 86_400  # 24 hours

    # Another page, another chatflow: still minimized (launcher only).
    widget = demo.open(second)
    widget.expect_mode("launcher")
    expect(widget.prompt).to_be_hidden()
    # And back on the first page.
    widget = demo.open(first)
    widget.expect_mode("launcher")

    # After 24 hours the cookie is gone (the browser expires it; the page clock cannot) and
    # the welcome prompt is back.
    page.context.clear_cookies(name=HIDE)
    widget = demo.open(second)
    widget.expect_mode("prompt")
    expect(widget.prompt_text).to_have_text("Welcome from B")


@pytest.mark.feature("DS4")
def test_minimizing_the_open_chat_window_sets_the_same_cookie(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("min-window", display={"desktop": "launcher"})
    demo = DemoPage(page)
    widget = demo.open(path)
    widget.open()
    widget.minimize()
    demo.expect_cookie(HIDE, "true")
    demo.expect_cookie(IS_OPEN, "false")


@pytest.mark.feature("DS4", "CV1")
def test_an_open_chat_stays_open_on_the_next_page_for_30_minutes(
    server: LiveServer, page: Page
) -> None:
    first = server.chatflow("open-a", display={"desktop": "launcher"})
    second = server.chatflow("open-b", display={"desktop": "launcher"}, page="/demo/pricing")
    demo = DemoPage(page)
    widget = demo.open(first)
    widget.open()
    demo.expect_cookie(IS_OPEN, "true")
    assert 1_800 - 120 < demo.seconds_left(IS_OPEN) <= 1_800
    widget = demo.open(second)
    widget.expect_mode("open")
    expect(widget.window).to_be_visible()
