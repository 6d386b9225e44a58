"""A line between the page and /ws/visitor that a test can cut, keep down and make lossy."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, WebSocketRoute

__all__ = ["FlakyLine", "pump_until"]


class FlakyLine:
    """Sits between the page and /ws/visitor: can cut the line, refuse new connections and
    swallow the server's acknowledgements (a message stored, its ack lost)."""

    def __init__(self) -> None:
        self.online = True
        self.swallow_acks = False
        self.swallowed: list[dict[str, Any]] = []
        self.current: WebSocketRoute | None = None

    def handle(self, ws: WebSocketRoute) -> None:
        if not self.online:
            ws.close(code=1012, reason="line down")
            return
        upstream = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if self.swallow_acks and frame.get("type") == "ack":
                self.swallowed.append(frame)
                return
            ws.send(message)

        upstream.on_message(from_server)
        self.current = ws

    def cut(self) -> None:
        self.online = False
        assert self.current is not None
        self.current.close(code=1006, reason="cut")


def pump_until(page: Page, condition: Callable[[], bool], timeout_ms: int = 10_000) -> None:
    """Let Playwright run its event handlers (the routed socket) until ``condition`` holds."""
    waited = 0
    while not condition():
        assert waited < timeout_ms, "condition not met in time"
        page.wait_for_timeout(20)
        waited += 20
