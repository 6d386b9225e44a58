"""Issue 8 §2: a layout that works on a phone and after a close.

At 320, 390, 768, 1024 and 1440 pixels wide, every control the widget shows is the element
under its own centre (``elementFromPoint`` in the widget's shadow root, after scrolling it
into view as a visitor would) — in the floating widget, in the phone's full-screen chat
(where the launcher must not cover Send), in the inline embed and after the agent closed the
conversation, when the thread shows the close and the survey and offers a new conversation
instead of the composer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, Playwright, expect

from .pages import ChatWidget, DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

AGENT = "agent1@demo.test"
PHONE_WIDTHS = (320, 390)
WIDTHS = (320, 390, 768, 1024, 1440)

# Every visible control of the shadow root, each scrolled into view, must be the element
# under its centre, inside the viewport.
COVERED = """(host) => {
  const root = host.shadowRoot;
  const name = (el) => el ? (el.getAttribute && (el.getAttribute("data-testid") ||
      el.getAttribute("aria-label")) || el.tagName.toLowerCase()) : "nothing";
  const controls = [...root.querySelectorAll("button, input, textarea, select, a[href]")]
    .filter((el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }));
  const problems = [];
  for (const el of controls) {
    el.scrollIntoView({ block: "nearest", inline: "nearest" });
    const box = el.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + box.height / 2;
    if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) {
      problems.push(`${name(el)} is off screen`);
      continue;
    }
    const hit = root.elementFromPoint(x, y);
    if (hit !== el && !el.contains(hit)) problems.push(`${name(el)} is under ${name(hit)}`);
  }
  return { checked: controls.map(name), problems };
}"""


def every_control_is_reachable(widget: ChatWidget, *, at_least: int) -> list[str]:
    found: dict[str, Any] = widget.host.evaluate(COVERED)
    assert found["problems"] == [], found
    assert len(found["checked"]) >= at_least, found["checked"]
    return list(found["checked"])


def fully_visible_in(element: Locator, container: Locator) -> bool:
    box, frame = element.bounding_box(), container.bounding_box()
    assert box is not None and frame is not None
    return bool(
        box["y"] >= frame["y"] - 1 and box["y"] + box["height"] <= frame["y"] + frame["height"] + 1
    )


def context_for(
    width: int, new_context: Callable[..., BrowserContext], playwright: Playwright
) -> BrowserContext:
    if width in PHONE_WIDTHS:
        phone = dict(playwright.devices["iPhone 12"])
        phone["viewport"] = {"width": width, "height": 568 if width == 320 else 844}
        phone["screen"] = phone["viewport"]
        return new_context(**phone)
    return new_context(viewport={"width": width, "height": 900 if width > 768 else 1024})


def busy_chatflow(server: LiveServer, case: str) -> str:
    """A chatflow with everything a window can hold: the cookie banner, the consent notice
    with its link, "I agree" and the checkbox, email capture, the help tab and a survey."""
    kb = server.admin().get("/api/v1/knowledge-bases")[0]
    survey = server.admin().get("/api/v1/surveys")[0]
    return server.chatflow(
        case,
        build={
            "assignment": {"user_ids": [server.user_id(AGENT)]},
            "email_capture": {"when": "always"},
            "knowledge_base": {"enabled": True, "knowledge_base_id": kb["id"]},
        },
        display={"desktop": "launcher", "mobile": "launcher"},
        options={
            "cookie_consent": {"enabled": True, "timing": "before_chat"},
            "data_processing_consent": {
                "enabled": True,
                "kind": "explicit",
                "privacy_policy_url": "/demo/privacy",
            },
            "communication_consent": {"enabled": True, "subscription_type": "newsletter"},
            "csat": {"enabled": True, "survey_id": survey["id"]},
        },
    )


@pytest.mark.feature("OP3", "OP4", "OP5", "BD2", "OP7")
@pytest.mark.parametrize("width", WIDTHS)
def test_every_control_is_reachable_before_during_and_after_a_chat(
    server: LiveServer,
    new_context: Callable[..., BrowserContext],
    playwright: Playwright,
    width: int,
) -> None:
    path = busy_chatflow(server, f"layout-{width}")
    page = context_for(width, new_context, playwright).new_page()
    widget = DemoPage(page).open(path)
    every_control_is_reachable(widget, at_least=1)  # the launcher on the page
    widget.open()
    phone = width in PHONE_WIDTHS
    if phone:
        # The full-screen chat hides the launcher: Send is Send, not the launcher.
        expect(widget.launcher).to_be_hidden()
        window = widget.window.bounding_box()
        assert window is not None and window["width"] == width
    widget.start_writing("Hello")
    expect(widget.cookie_banner).to_be_visible()
    every_control_is_reachable(widget, at_least=8)

    widget.cookie_banner.get_by_test_id("lc-cookie-accept").click()
    widget.agree_button.click()
    widget.send_button.click()  # a tap on Send sends (the text typed above)
    expect(widget.stored_messages()).to_have_count(1)
    expect(widget.email_form).to_be_visible()
    every_control_is_reachable(widget, at_least=6)

    agent = server.login(AGENT)
    reply = "We'll look into it and write back."
    agent.post(
        f"/api/v1/conversations/{widget.conversation_id}/messages",
        {"client_id": uuid.uuid4().hex, "text": reply},
    )
    expect(widget.message(reply)).to_be_visible()
    agent.post(f"/api/v1/conversations/{widget.conversation_id}/close")

    # After the close: the close and the survey in the thread, a new conversation offered,
    # no email card, no composer — and the agent's last reply still in view.
    expect(widget.closed_notice).to_be_visible()
    expect(widget.survey_question).to_be_visible()
    expect(widget.new_conversation).to_be_visible()
    expect(widget.email_form).to_be_hidden()
    expect(widget.input).to_be_hidden()
    checked = every_control_is_reachable(widget, at_least=8)
    assert "lc-new-conversation" in checked and "lc-csat-submit" in checked
    widget.host.get_by_test_id("lc-scroll").evaluate("(el) => { el.scrollTop = 0; }")
    page.keyboard.press("End")
    answer = widget.message(reply)
    answer.scroll_into_view_if_needed()
    assert fully_visible_in(answer, widget.host.get_by_test_id("lc-scroll"))


@pytest.mark.feature("CV6")
@pytest.mark.parametrize("width", WIDTHS)
def test_the_inline_embed_keeps_its_composer_at_the_bottom(
    server: LiveServer,
    new_context: Callable[..., BrowserContext],
    playwright: Playwright,
    width: int,
) -> None:
    page: Page = context_for(width, new_context, playwright).new_page()
    page.goto("/demo/app/support")
    widget = ChatWidget(page, inline=True)
    widget.expect_mode("open")
    expect(widget.input).to_be_visible()
    box = widget.host.bounding_box()
    composer = widget.input.bounding_box()
    assert box is not None and composer is not None
    # The composer sits at the bottom of the embed, not in the middle of it.
    assert box["y"] + box["height"] - (composer["y"] + composer["height"]) < 40, (box, composer)
    every_control_is_reachable(widget, at_least=3)
    widget.send("Hello from the embed")
    every_control_is_reachable(widget, at_least=3)
