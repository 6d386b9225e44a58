"""The admin console (``/admin``) as an admin uses it: fields are found by the settings
model's dotted path (the same path the server names in a validation error)."""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Locator, Page, expect

__all__ = ["AdminConsole"]

CONTROLS = "input:not([type=color]):not([type=checkbox]), select, textarea"


class AdminConsole:
    def __init__(self, page: Page) -> None:
        self.page = page
        find = page.get_by_test_id
        self.editor = find("chatflow-editor")
        self.save_button = find("editor-save")
        self.status = find("editor-status")
        self.published = find("editor-published")
        self.conflict = find("editor-conflict")
        self.preview = find("preview-panel")

    def log_in(self, email: str = "admin@demo.test", password: str = "demo-password") -> None:
        self.page.goto("/admin")
        self.page.get_by_test_id("admin-email").fill(email)
        self.page.get_by_test_id("admin-password").fill(password)
        self.page.get_by_test_id("admin-login").click()
        expect(self.page.get_by_test_id("admin-me")).not_to_be_empty()

    def go(self, hash_: str) -> None:
        self.page.evaluate("(hash) => { location.hash = hash; }", hash_)

    # ------------------------------------------------------------ forms

    def field(self, path: str) -> Locator:
        return self.page.locator(f'[data-path="{path}"]').first

    def control(self, path: str) -> Locator:
        """The text box or choice of the setting at ``path``."""
        return self.field(path).locator(CONTROLS).first

    def switch(self, path: str) -> Locator:
        return self.field(path).locator("input[type=checkbox]").first

    def error_for(self, path: str) -> Locator:
        return self.page.locator(f'[data-testid="field-error"][data-error-for="{path}"]')

    # ------------------------------------------------------------ the chatflow editor

    def open_chatflow(self, name: str) -> None:
        self.go("#/chatflows")
        self.page.get_by_test_id("chatflow-name").filter(has_text=name).click()
        expect(self.editor).to_be_visible()

    def tab(self, name: str) -> None:
        self.page.get_by_test_id(f"editor-tab-{name}").click()
        expect(self.page.get_by_test_id(f"editor-pane-{name}")).to_be_visible()

    def save(self) -> None:
        """Save and wait for this save's answer (each save names the new version)."""
        before = self.status.text_content() or ""
        self.save_button.click()
        expect(self.status).to_have_attribute("data-state", "saved")
        if before.startswith("Saved"):
            expect(self.status).not_to_have_text(before)

    def rule_row(self, list_path: str, index: int) -> Locator:
        return self.page.locator(f'[data-path="{list_path}[{index}]"]')

    def set_rule(
        self, list_path: str, index: int, field: str, operator: str, value: str = ""
    ) -> None:
        row = self.rule_row(list_path, index)
        row.get_by_test_id("rule-field").select_option(field)
        row.get_by_test_id("rule-operator").select_option(operator)
        if value:
            row.get_by_test_id("rule-value").fill(value)

    # ------------------------------------------------------------ the preview

    @property
    def frame(self) -> FrameLocator:
        return self.page.frame_locator('[data-testid="preview-frame"]')

    def device(self, name: str) -> None:
        self.page.get_by_test_id(f"preview-device-{name}").click()
        expect(self.preview).to_have_attribute("data-device", name)
        self.expect_preview_shown()
        expect(self.frame.locator("body")).to_have_attribute("data-device", name)

    def expect_preview_shown(self) -> None:
        """The frame shows the latest draft (no newer one is on its way)."""
        expect(self.preview).not_to_have_attribute("data-pending", "true")

    def expect_widget_mode(self, mode: str) -> None:
        expect(self.frame.locator("body")).to_have_attribute("data-mode", mode)
