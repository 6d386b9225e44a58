"""A page of the demo website with the tracking code on it: what a visitor does with the page
itself (scroll, move to leave) and the widget's cookies on the page's domain."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from playwright.sync_api import Page, expect

from .widget import ChatWidget

__all__ = ["DemoPage"]


class DemoPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.widget = ChatWidget(page)

    def open(self, path: str, *, clock_at: datetime | None = None) -> ChatWidget:
        """Go to ``path``; with ``clock_at`` the page's clock is installed first (so time on
        the page is driven by the test, not by waiting). Returns once the loader has asked
        the server what applies and the widget is mounted."""
        if clock_at is not None:
            self.page.clock.install(time=clock_at)
        self.page.goto(path)
        self.widget.expect_loaded()
        return self.widget

    def open_without_widget(self, path: str) -> None:
        """Go to a page where no chatflow applies: the loader ran and mounted nothing."""
        with self.page.expect_response(lambda r: r.url.endswith("/config")) as answer:
            self.page.goto(path)
        assert answer.value.status == 204, answer.value.status
        expect(self.page.locator("#hubspot-messages-iframe-container")).to_have_count(0)

    # ------------------------------------------------------------ the visitor on the page

    def scroll_to_percent(self, percent: float) -> None:
        self.page.evaluate(
            """(percent) => {
                const room = document.documentElement.scrollHeight - window.innerHeight;
                window.scrollTo(0, Math.ceil(room * percent / 100));
            }""",
            percent,
        )

    def move_to_leave(self) -> None:
        """Exit intent: the pointer is in the page, then leaves through the top edge."""
        self.page.mouse.move(600, 400)
        self.page.mouse.move(600, 60, steps=4)
        self.page.mouse.move(600, -5, steps=2)

    # ------------------------------------------------------------ cookies

    def cookies(self) -> dict[str, dict[str, Any]]:
        return {c["name"]: dict(c) for c in self.page.context.cookies()}

    def cookie(self, name: str) -> dict[str, Any] | None:
        return self.cookies().get(name)

    def expect_cookie(self, name: str, value: str | None = None) -> dict[str, Any]:
        """Wait until the page's script has written the cookie (with ``value`` when given)
        and return it as the browser stores it."""
        self.page.wait_for_function(
            """([name, value]) => document.cookie.split("; ").some((pair) => {
                const at = pair.indexOf("=");
                return pair.slice(0, at) === name &&
                    (value === null || decodeURIComponent(pair.slice(at + 1)) === value);
            })""",
            arg=[name, value],
            polling=50,
        )
        found = self.cookie(name)
        assert found is not None
        return found

    def expect_no_cookie(self, name: str) -> None:
        self.page.wait_for_function(
            """(name) => !document.cookie.split("; ")
                .some((pair) => pair.split("=")[0] === name)""",
            arg=name,
            polling=50,
        )
        assert self.cookie(name) is None

    def seconds_left(self, name: str) -> float:
        """How long the cookie lives on (its expiry is real time: the page clock does not
        age cookies)."""
        found = self.cookie(name)
        assert found is not None, f"no cookie {name}"
        return float(found["expires"]) - time.time()
