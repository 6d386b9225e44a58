"""CV6, issue 8 §5: ``window.hsConversationsSettings`` as HubSpot documents it —
enableWidgetCookieBanner, disableInitialInputFocus, avoidInlineStyles, hideNewThreadLink,
disableAttachment — and HubSpot's container ids, so a site's CSS written for HubSpot
applies."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .pages import ChatWidget, DemoPage
from .server import LiveServer

pytestmark = [pytest.mark.feature("QA3"), pytest.mark.feature("CV6")]

CONSENT_BEFORE_CHAT = {"cookie_consent": {"enabled": True, "timing": "before_chat"}}
INLINE_TARGET = "chat-here"


def use_settings(page: Page, **settings: Any) -> None:
    page.add_init_script(f"window.hsConversationsSettings = {json.dumps(settings)};")


def embed_inline(page: Page, **settings: Any) -> ChatWidget:
    """The site's own element for the inline embed, made before the loader mounts into it."""
    page.add_init_script(
        "document.addEventListener('DOMContentLoaded', () => {"
        "  const target = document.createElement('div');"
        f"  target.id = {json.dumps(INLINE_TARGET)};"
        "  target.style.height = '480px';"
        "  document.body.prepend(target);"
        "});"
    )
    use_settings(page, inlineEmbedSelector=f"#{INLINE_TARGET}", **settings)
    return ChatWidget(page, inline=True)


def site_css(page: Page, css: str) -> None:
    """The site's own style sheet (constructed: the demo site's policy allows no inline
    <style>)."""
    page.evaluate(
        """(css) => {
            const sheet = new CSSStyleSheet();
            sheet.replaceSync(css);
            document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
        }""",
        css,
    )


def next_frames(page: Page) -> None:
    """Let the page run what it queued (timers of 0 ms, two frames)."""
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


# ---------------------------------------------------------------- enableWidgetCookieBanner


@pytest.mark.feature("OP3")
@pytest.mark.parametrize(
    ("setting", "banner_at"),
    [
        (False, "before_chat"),  # HubSpot: the chatflow's own setting
        (True, "widget_load"),
        ("ON_WIDGET_LOAD", "widget_load"),
        ("ON_EXIT_INTENT", "exit_intent"),
        ("sometimes", "before_chat"),  # not a documented value: ignored (with a warning)
    ],
)
def test_enable_widget_cookie_banner_moves_the_banner(
    server: LiveServer, page: Page, setting: Any, banner_at: str
) -> None:
    path = server.chatflow(
        f"sdk-banner-{str(setting).lower()}",
        display={"desktop": "launcher"},
        options=CONSENT_BEFORE_CHAT,
    )
    use_settings(page, enableWidgetCookieBanner=setting)
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    demo = DemoPage(page)
    widget = demo.open(path)
    warned = [line for line in warnings if "enableWidgetCookieBanner" in line]
    assert bool(warned) == (setting == "sometimes"), warnings
    widget.expect_mode("launcher")
    if banner_at == "widget_load":
        expect(widget.exit_banner).to_be_visible()
        expect(widget.exit_banner).to_contain_text("cookies")
        widget.exit_banner.get_by_test_id("lc-cookie-accept").click()
        demo.expect_cookie("messagesUtk")
        return
    expect(widget.exit_banner).to_be_hidden()
    if banner_at == "exit_intent":
        widget.open()
        widget.start_writing()
        expect(widget.cookie_banner).to_be_hidden()  # not before the chat
        widget.minimize()
        demo.move_to_leave()
        expect(widget.exit_banner).to_be_visible()
        return
    demo.move_to_leave()
    next_frames(page)
    expect(widget.exit_banner).to_be_hidden()  # not on exit
    widget.open()
    expect(widget.cookie_banner).to_be_hidden()
    widget.start_writing()
    expect(widget.cookie_banner).to_be_visible()  # the chatflow's moment: before the chat


# ---------------------------------------------------------------- disableInitialInputFocus


@pytest.mark.parametrize("disabled", [False, True])
def test_disable_initial_input_focus_leaves_the_focus_on_the_page(
    server: LiveServer, page: Page, disabled: bool
) -> None:
    path = server.chatflow(f"sdk-focus-{str(disabled).lower()}")
    widget = embed_inline(page, disableInitialInputFocus=disabled)
    page.goto(path)
    widget.expect_mode("open")
    expect(widget.input).to_be_visible()
    if not disabled:
        expect(widget.input).to_be_focused()
        return
    next_frames(page)
    expect(widget.input).not_to_be_focused()
    assert page.evaluate("document.activeElement === document.body")
    widget.input.click()  # the visitor still writes when they choose to
    expect(widget.input).to_be_focused()


# ---------------------------------------------------------------- avoidInlineStyles


STYLES_IN_THE_WIDGET = """() => {
    const root = document.querySelector('#hubspot-messages-iframe-container').shadowRoot;
    return {
        adopted: root.adoptedStyleSheets.length,
        links: [...root.querySelectorAll('link[rel=stylesheet]')].map((l) => l.href),
        styleElements: root.querySelectorAll('style').length,
    };
}"""


@pytest.mark.parametrize("avoid", [False, True])
def test_avoid_inline_styles_links_the_style_sheet_instead(
    server: LiveServer, page: Page, avoid: bool
) -> None:
    path = server.chatflow(f"sdk-styles-{str(avoid).lower()}", display={"desktop": "launcher"})
    use_settings(page, avoidInlineStyles=avoid)

    def count_styles() -> Any:
        return page.evaluate("document.querySelectorAll('style').length")

    page.goto("/demo/privacy")  # the same site without the widget
    styles_before = count_styles()
    widget = DemoPage(page).open(path)
    # Styled either way: the launcher is the round button in the corner.
    expect(widget.launcher).to_have_css("border-radius", "50%")
    expect(widget.launcher).to_have_css("position", "absolute")
    found = page.evaluate(STYLES_IN_THE_WIDGET)
    assert found["styleElements"] == 0
    assert count_styles() == styles_before  # nothing added to the page's own head
    if not avoid:
        assert found == {"adopted": 1, "links": [], "styleElements": 0}
        return
    assert found == {
        "adopted": 0,
        "links": [f"{server.url}/static/widget.css"],
        "styleElements": 0,
    }
    # Settings are read at each load: without the setting the next load adopts the sheet.
    page.evaluate("window.hsConversationsSettings.avoidInlineStyles = false")
    page.evaluate("HubSpotConversations.widget.refresh()")
    expect(widget.launcher).to_have_css("border-radius", "50%")
    assert page.evaluate(STYLES_IN_THE_WIDGET) == {"adopted": 1, "links": [], "styleElements": 0}


# ---------------------------------------------------------------- hideNewThreadLink


def test_hide_new_thread_link_keeps_the_composer_after_a_close(
    server: LiveServer, page: Page
) -> None:
    agent_id = server.user_id("agent1@demo.test")
    path = server.chatflow(
        "sdk-hide-new-thread",
        display={"desktop": "launcher"},
        build={"assignment": {"user_ids": [agent_id]}},
    )
    use_settings(page, hideNewThreadLink=True)
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("First question")
    first = widget.conversation_id
    server.login("agent1@demo.test").post(f"/api/v1/conversations/{first}/close")
    expect(widget.closed_notice).to_be_visible()
    expect(widget.new_conversation).to_be_hidden()  # no link ...
    expect(widget.input).to_be_editable()  # ... the next message starts the new one
    widget.input.fill("Second question")
    widget.input.press("Enter")
    expect(widget.stored_messages()).to_have_count(1)
    assert widget.conversation_id != first
    expect(widget.message("Second question")).to_be_visible()
    widget.show_threads()
    expect(widget.thread_rows).to_have_count(2)
    expect(widget.threads_new).to_be_hidden()


# ---------------------------------------------------------------- settings without an element here


def test_disable_attachment_is_accepted_and_there_is_no_attachment_button(
    server: LiveServer, page: Page
) -> None:
    """HubSpot's setting hides its upload button; this widget has no attachments at all."""
    path = server.chatflow("sdk-attachment")
    use_settings(page, disableAttachment=True)
    widget = DemoPage(page).open(path)
    widget.open()
    widget.send("Works as before")
    expect(widget.host.locator("input[type=file]")).to_have_count(0)


# ---------------------------------------------------------------- HubSpot's container ids


def test_a_sites_css_for_hubspots_floating_container_applies(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("sdk-css-floating", display={"desktop": "launcher"})
    widget = DemoPage(page).open(path)
    expect(widget.launcher).to_be_visible()
    launcher = widget.launcher.bounding_box()
    assert launcher is not None
    # Written for HubSpot: lift the chat above a cookie bar, then hide it on this page.
    site_css(page, "#hubspot-messages-iframe-container { bottom: 100px !important; }")
    moved = widget.launcher.bounding_box()
    assert moved is not None and round(launcher["y"] - moved["y"]) == 100
    site_css(page, "#hubspot-messages-iframe-container { display: none !important; }")
    expect(widget.launcher).to_be_hidden()


def test_a_sites_css_for_hubspots_inline_containers_applies(server: LiveServer, page: Page) -> None:
    path = server.chatflow("sdk-css-inline")
    widget = embed_inline(page)
    page.goto(path)
    widget.expect_mode("open")
    nested = page.locator(
        f"#{INLINE_TARGET} > #hubspot-conversations-inline-parent"
        " > #hubspot-conversations-inline-iframe"
    )
    expect(nested).to_have_count(1)
    site_css(page, "#hubspot-conversations-inline-iframe { height: 360px; min-height: 0; }")
    expect(widget.host).to_have_css("height", "360px")
    box = widget.window.bounding_box()
    assert box is not None and round(box["height"]) <= 360
    widget.send("Hello inside a shorter embed")
    expect(widget.input).to_be_visible()
