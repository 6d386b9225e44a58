"""OP3, OP4, OP8 and the messagesUtk cookie: who gets the cookie, the cookie banner before
the chat and when the visitor moves to leave, and "I agree" before anything is sent."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from .pages import DemoPage
from .server import LiveServer

pytestmark = pytest.mark.feature("QA3")

UTK = "messagesUtk"
CONSENT_BEFORE_CHAT = {"cookie_consent": {"enabled": True, "timing": "before_chat"}}
CONSENT_ON_EXIT = {"cookie_consent": {"enabled": True, "timing": "on_exit"}}


@pytest.mark.feature("OP8")
def test_an_anonymous_visitor_gets_a_messages_utk_cookie_for_180_days(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("utk-anon")  # cookie consent off: nothing to ask
    demo = DemoPage(page)
    demo.open(path)
    cookie = demo.expect_cookie(UTK)
    assert cookie["value"]
    assert 180 * 86_400 - 120 < demo.seconds_left(UTK) <= 180 * 86_400
    # The same visitor on the next page keeps the same cookie.
    demo.open(path)
    assert demo.cookie(UTK) == cookie | {"expires": demo.cookie(UTK)["expires"]}  # type: ignore[index]


@pytest.mark.feature("OP8", "CV7")
def test_an_identified_visitor_gets_no_cookie_no_banner_and_no_email_question(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "utk-known", build={"email_capture": {"when": "always"}}, options=CONSENT_BEFORE_CHAT
    )
    token = server.identification_token("kari@example.test")
    settings = {"identificationEmail": "kari@example.test", "identificationToken": token}
    page.add_init_script(f"window.hsConversationsSettings = {json.dumps(settings)};")
    demo = DemoPage(page)
    widget = demo.open(path)
    widget.open()
    expect(widget.cookie_banner).to_be_hidden()
    widget.send("Hello, it's Kari")
    expect(widget.email_form).to_be_hidden()
    assert demo.cookie(UTK) is None


@pytest.mark.feature("OP3", "OP8")
def test_the_cookie_banner_shows_before_the_chat_and_a_yes_sets_the_cookie(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("banner-yes", options=CONSENT_BEFORE_CHAT)
    demo = DemoPage(page)
    widget = demo.open(path)
    assert demo.cookie(UTK) is None  # not before the visitor said yes
    expect(widget.cookie_banner).to_be_hidden()
    widget.open()
    # OP3 (the domain's BEFORE_CHAT): not when the chat opens, when the visitor starts to write.
    expect(widget.window).to_be_visible()
    expect(widget.cookie_banner).to_be_hidden()
    widget.start_writing()
    expect(widget.cookie_banner).to_be_visible()
    expect(widget.cookie_banner).to_contain_text("Do you accept chat cookies?")
    widget.cookie_banner.get_by_test_id("lc-cookie-accept").click()
    expect(widget.cookie_banner).to_be_hidden()
    demo.expect_cookie(UTK)
    # Answered: not asked again on the next page.
    widget = demo.open(path)
    widget.open()
    widget.start_writing()
    expect(widget.input).to_have_value("Hi")
    expect(widget.cookie_banner).to_be_hidden()


@pytest.mark.feature("OP3", "OP8")
def test_refusing_cookies_removes_the_messages_utk_cookie_and_chat_still_works(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("banner-no", options=CONSENT_BEFORE_CHAT)
    page.context.add_cookies(
        [{"name": UTK, "value": "left-over-from-elsewhere", "url": server.url}]
    )
    demo = DemoPage(page)
    widget = demo.open(path)
    widget.open()
    widget.start_writing()
    widget.cookie_banner.get_by_test_id("lc-cookie-decline").click()
    expect(widget.cookie_banner).to_be_hidden()
    demo.expect_no_cookie(UTK)
    widget.send("No cookies, but a question")
    # Still refused on the next page: no banner, no cookie.
    widget = demo.open(path)
    widget.open()
    widget.start_writing()
    expect(widget.input).to_have_value("Hi")
    expect(widget.cookie_banner).to_be_hidden()
    expect(widget.message("No cookies, but a question")).to_be_visible()
    assert demo.cookie(UTK) is None


@pytest.mark.feature("OP3")
def test_the_exit_banner_shows_when_the_visitor_moves_to_leave(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow("banner-exit", display={"desktop": "launcher"}, options=CONSENT_ON_EXIT)
    demo = DemoPage(page)
    widget = demo.open(path)
    widget.open()
    expect(widget.cookie_banner).to_be_hidden()  # not before the chat with this timing
    widget.minimize()
    demo.move_to_leave()
    expect(widget.exit_banner).to_be_visible()
    expect(widget.exit_banner).to_contain_text("cookies")
    widget.exit_banner.get_by_test_id("lc-cookie-accept").click()
    expect(widget.exit_banner).to_be_hidden()
    demo.expect_cookie(UTK)


@pytest.mark.feature("OP4")
def test_explicit_consent_blocks_sending_until_i_agree(server: LiveServer, page: Page) -> None:
    path = server.chatflow(
        "explicit",
        options={
            "data_processing_consent": {
                "enabled": True,
                "kind": "explicit",
                "text": "We store what you write.",
                "privacy_policy_url": "/demo/privacy",
            }
        },
    )
    widget = DemoPage(page).open(path)
    widget.open()
    expect(widget.consent_text).to_have_text("We store what you write.")
    expect(widget.host.get_by_test_id("lc-privacy-link")).to_have_attribute("href", "/demo/privacy")
    expect(widget.send_button).to_be_disabled()
    widget.input.fill("Can I write before agreeing?")
    widget.input.press("Enter")
    expect(widget.send_hint).to_be_visible()
    expect(widget.stored_messages()).to_have_count(0)
    expect(widget.message("Can I write before agreeing?")).to_have_count(0)

    widget.agree_button.click()
    expect(widget.send_button).to_be_enabled()
    widget.send("Now I agree")
    conversation = server.admin().get(f"/api/v1/conversations/{widget.conversation_id}")
    assert conversation["consent"]["data_processing"] is True


@pytest.mark.feature("OP4")
def test_legitimate_interest_shows_the_text_and_never_blocks(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "legit",
        options={"data_processing_consent": {"enabled": True, "kind": "legitimate_interest"}},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    expect(widget.consent_text).to_contain_text("we need to store and process")
    expect(widget.agree_button).to_be_hidden()
    widget.send("No click needed")


@pytest.mark.feature("OP5")
def test_the_communication_checkbox_names_the_company_and_is_stored(
    server: LiveServer, page: Page
) -> None:
    path = server.chatflow(
        "communication",
        options={"communication_consent": {"enabled": True, "subscription_type": "newsletter"}},
    )
    widget = DemoPage(page).open(path)
    widget.open()
    expect(widget.host.get_by_test_id("lc-communication-text")).to_have_text(
        "I agree to receive other communications from Nordlys Outdoor AS."
    )
    widget.communication_checkbox.check()
    widget.send("Sign me up")
    conversation = server.admin().get(f"/api/v1/conversations/{widget.conversation_id}")
    assert conversation["consent"]["communication"] is True
