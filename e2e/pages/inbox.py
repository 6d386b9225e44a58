"""The agent inbox (``/inbox``) as an agent uses it."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

__all__ = ["InboxPage"]

# The control that offers each action in an open conversation.
ACTION_CONTROLS = {
    "claim": "inbox-claim",
    "assign": "inbox-assign",
    "transfer": "inbox-transfer",
    "close": "inbox-close",
    "reopen": "inbox-reopen",
    "reply": "inbox-mode-reply",
    "note": "inbox-mode-note",
}


class InboxPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        find = page.get_by_test_id
        self.email = find("inbox-email")
        self.password = find("inbox-password")
        self.login_button = find("inbox-login")
        self.me = find("inbox-me")
        self.status = find("inbox-status")
        self.connection = find("inbox-connection")
        self.conversations = find("inbox-conversation")
        self.thread_title = find("inbox-thread-title")
        self.context = find("inbox-context")
        self.messages = find("inbox-message")
        self.typing = find("inbox-typing")
        self.reply_input = find("inbox-reply-input")
        self.send_button = find("inbox-send")
        self.claim_button = find("inbox-claim")
        self.close_button = find("inbox-close")
        self.reopen_button = find("inbox-reopen")
        self.assign_choice = find("inbox-assign")
        self.transfer_choice = find("inbox-transfer")
        self.reply_mode = find("inbox-mode-reply")
        self.note_mode = find("inbox-mode-note")
        self.notes = find("inbox-note")
        self.suggestions = find("inbox-canned-option")
        self.error = find("inbox-error")

    def log_in(self, email: str, password: str = "demo-password") -> None:
        self.page.goto("/inbox")
        self.email.fill(email)
        self.password.fill(password)
        self.login_button.click()
        expect(self.me).not_to_be_empty()
        expect(self.connection).to_have_text("online")

    def show(self, view: str) -> None:
        """unassigned | mine | all | closed"""
        self.page.get_by_test_id(f"inbox-view-{view}").click()
        expect(self.page.get_by_test_id(f"inbox-view-{view}")).to_have_attribute(
            "aria-selected", "true"
        )

    def conversation(self, conversation_id: str) -> Locator:
        return self.page.locator(
            f'[data-testid="inbox-conversation"][data-conversation-id="{conversation_id}"]'
        )

    def open_conversation(self, conversation_id: str) -> None:
        self.conversation(conversation_id).click()
        expect(self.page.locator("#detail")).to_have_attribute(
            "data-conversation-id", conversation_id
        )

    def message(self, text: str, sender: str | None = None) -> Locator:
        found = (
            self.messages
            if sender is None
            else self.page.locator(f'[data-testid="inbox-message"][data-sender="{sender}"]')
        )
        return found.filter(has_text=text)

    def reply(self, text: str) -> None:
        before = self.messages.count()
        self.reply_input.fill(text)
        self.send_button.click()
        expect(self.messages).to_have_count(before + 1)

    def start_typing(self, text: str) -> None:
        self.reply_input.press_sequentially(text)

    def close_conversation(self) -> None:
        self.close_button.click()
        expect(self.page.locator("#detail")).to_have_attribute("data-status", "closed")

    def set_status(self, status: str) -> None:
        self.status.select_option(status)
        expect(self.status).to_have_attribute("data-saved", status)

    # ------------------------------------------------------------ what is offered

    def offered_actions(self) -> set[str]:
        """The actions the open conversation offers, read off the visible controls."""
        return {
            action
            for action, testid in ACTION_CONTROLS.items()
            if self.page.get_by_test_id(testid).is_visible()
        }

    def count(self, view: str) -> Locator:
        return self.page.locator(f'[data-count="{view}"]')

    def write_note(self, text: str) -> None:
        before = self.notes.count()
        self.note_mode.click()
        self.reply_input.fill(text)
        self.send_button.click()
        expect(self.notes).to_have_count(before + 1)
