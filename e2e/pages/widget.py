"""The chat widget as a visitor sees it (it lives in the loader's shadow root; Playwright's
test-id locators pierce open shadow roots)."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

__all__ = ["FLOATING_HOST", "INLINE_HOST", "ChatWidget"]

_ANY = re.compile(r".+")
FLOATING_HOST = "#hubspot-messages-iframe-container"
INLINE_HOST = "#hubspot-conversations-inline-iframe"


class ChatWidget:
    def __init__(self, page: Page, *, inline: bool = False) -> None:
        self.page = page
        # HubSpot's ids, so a site's CSS written for HubSpot applies (issue 8 §5).
        self.host = page.locator(INLINE_HOST if inline else FLOATING_HOST)
        find = self.host.get_by_test_id
        self.launcher = find("lc-launcher")
        self.unread = find("lc-unread")
        self.prompt = find("lc-prompt")
        self.prompt_text = find("lc-prompt-text")
        self.prompt_close = find("lc-prompt-close")
        self.window = find("lc-window")
        self.heading_name = find("lc-heading-name")
        self.availability = find("lc-availability")
        self.minimize_button = find("lc-minimize")
        self.reconnecting = find("lc-status")
        self.messages = find("lc-message")
        self.input = find("lc-input")
        self.send_button = find("lc-send")
        self.send_hint = find("lc-send-hint")
        self.typing = find("lc-typing")
        self.read_receipt = find("lc-read")
        self.cookie_banner = self.window.get_by_test_id("lc-cookie-banner")
        self.exit_banner = find("lc-floating-banner")
        self.consent = find("lc-consent")
        self.consent_text = find("lc-consent-text")
        self.agree_button = find("lc-agree")
        self.communication_checkbox = find("lc-communication-checkbox")
        self.email_form = find("lc-email-form")
        self.email_input = find("lc-email-input")
        self.email_thanks = find("lc-email-thanks")
        self.closed_notice = find("lc-closed")
        self.new_conversation = find("lc-new-conversation")
        self.survey = find("lc-csat")
        self.survey_question = find("lc-csat-question")
        self.survey_comment = find("lc-csat-comment")
        self.survey_thanks = find("lc-csat-thanks")
        self.help_tab = find("lc-tab-help")
        self.chat_tab = find("lc-tab-chat")
        self.search_box = find("lc-kb-search")
        self.results = find("lc-kb-result")
        self.result_titles = find("lc-kb-result-title")
        self.article_title = find("lc-kb-article-title")
        self.no_results = find("lc-kb-empty")
        self.threads_button = find("lc-threads-button")
        self.threads = find("lc-threads")
        self.thread_rows = find("lc-thread")
        self.threads_new = find("lc-threads-new")

    # ------------------------------------------------------------ state

    def expect_loaded(self) -> None:
        expect(self.host).to_have_attribute("data-chatflow-id", _ANY)

    def expect_mode(self, mode: str) -> None:
        """hidden | launcher | prompt | open"""
        expect(self.host).to_have_attribute("data-mode", mode)

    def expect_nothing_shown(self) -> None:
        expect(self.launcher).to_be_hidden()
        expect(self.prompt).to_be_hidden()
        expect(self.window).to_be_hidden()

    @property
    def conversation_id(self) -> str:
        expect(self.host).to_have_attribute("data-conversation-id", _ANY)
        return str(self.host.get_attribute("data-conversation-id"))

    # ------------------------------------------------------------ actions

    def open(self) -> None:
        """Open the chat with the launcher (unless it is open already)."""
        if self.host.get_attribute("data-mode") != "open":
            self.launcher.click()
        expect(self.window).to_be_visible()

    def minimize(self) -> None:
        self.minimize_button.click()
        expect(self.window).to_be_hidden()

    def dismiss_prompt(self) -> None:
        self.prompt_close.click()
        expect(self.prompt).to_be_hidden()

    def start_writing(self, text: str = "Hi") -> None:
        """The visitor types in the composer (not sent): the moment the "before the chat"
        cookie banner waits for."""
        self.input.press_sequentially(text)

    def write(self, text: str) -> None:
        self.input.fill(text)
        self.send_button.click()

    def send(self, text: str) -> None:
        """Write a message and wait until the server has stored it."""
        before = self.stored_messages().count()
        self.write(text)
        expect(self.stored_messages()).to_have_count(before + 1)

    def stored_messages(self, sender: str | None = None) -> Locator:
        selector = (
            "[data-sequence]" if sender is None else f'[data-sequence][data-sender="{sender}"]'
        )
        return self.host.locator(selector)

    def message(self, text: str, sender: str | None = None) -> Locator:
        """Messages (stored or not) whose text contains ``text``."""
        if sender is None:
            return self.messages.filter(has_text=text)
        return self.host.locator(f'[data-testid="lc-message"][data-sender="{sender}"]').filter(
            has_text=text
        )

    def texts(self, sender: str | None = None) -> list[str]:
        """The stored messages' texts, in the order shown."""
        found = self.stored_messages(sender).get_by_test_id("lc-message-text")
        return [text.strip() for text in found.all_inner_texts()]

    def start_new_conversation(self) -> None:
        """After a close: take the widget's offer of a new conversation (when it shows none,
        the next message starts one)."""
        if self.new_conversation.is_visible():
            self.new_conversation.click()
        expect(self.input).to_be_editable()

    def answer_survey(self, rating: int, comment: str = "") -> None:
        self.host.get_by_test_id(f"lc-csat-rating-{rating}").click()
        if comment:
            self.survey_comment.fill(comment)
        self.host.get_by_test_id("lc-csat-submit").click()
        expect(self.survey_thanks).to_be_visible()

    def leave_email(self, email: str) -> None:
        self.email_input.fill(email)
        self.host.get_by_test_id("lc-email-submit").click()

    def thread_row(self, conversation_id: str) -> Locator:
        """The row of one conversation in the list of the visitor's conversations."""
        return self.thread_rows.and_(
            self.host.locator(f'[data-conversation-id="{conversation_id}"]')
        )

    def show_threads(self) -> None:
        """Open the list of the visitor's conversations (from the window's header)."""
        self.threads_button.click()
        expect(self.threads).to_be_visible()

    def search_help(self, words: str) -> None:
        self.help_tab.click()
        self.search_box.fill(words)
        self.search_box.press("Enter")
