"""How the server driver reaches a server: HTTP requests and the visitor's WebSocket, either
to the ASGI app in-process (Starlette's TestClient, its own SQLite file) or to a live server
by URL (httpx and the ``websockets`` client). Both answer in the same small types."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import anyio

__all__ = ["Answer", "InProcess", "Live", "Socket", "Transport"]

FRAME_SECONDS = 10.0  # a frame that does not come within this fails the step


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or None
    text: str


class Socket(Protocol):
    def send(self, frame: dict[str, Any]) -> None: ...

    def receive(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class Transport(Protocol):
    def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Answer: ...

    def socket(self, path: str) -> Socket: ...

    def close(self) -> None: ...


def _answer(status: int, text: str) -> Answer:
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = None
    return Answer(status, body, text)


class _TestSocket:
    def __init__(self, context: Any) -> None:
        self._context = context
        self._ws = context.__enter__()

    def send(self, frame: dict[str, Any]) -> None:
        self._ws.send_json(frame)

    def receive(self) -> dict[str, Any]:
        ws = self._ws

        async def get() -> Any:
            with anyio.fail_after(FRAME_SECONDS):
                return await ws._send_rx.receive()

        message = ws.portal.call(get)
        if message["type"] == "websocket.close":
            raise AssertionError(f"the socket closed ({message.get('code')})")
        result: dict[str, Any] = json.loads(message["text"])
        return result

    def close(self) -> None:
        self._context.__exit__(None, None, None)


class InProcess:
    """The app in this process on a fresh SQLite file, test controls on, abuse limits per
    address off (every visitor of a suite comes from one address)."""

    def __init__(self) -> None:
        from starlette.testclient import TestClient

        from reference_server.app import create_app
        from reference_server.clock import ControllableClock
        from reference_server.settings import Limits, Settings

        self._dir = tempfile.TemporaryDirectory(prefix="suite-")
        limits = Limits(
            **{
                f.name: (None if f.name.startswith("address") else getattr(Limits(), f.name))
                for f in fields(Limits)
            }
        )
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{Path(self._dir.name) / 'livechat.db'}",
            test_controls=True,
            limits=limits,
        )
        clock = ControllableClock(datetime(2026, 1, 5, tzinfo=UTC), running=False)
        self._client = TestClient(create_app(settings, clock=clock))
        self._client.__enter__()

    def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        response = self._client.request(method, path, json=json, headers=headers or {})
        self._client.cookies.clear()  # every call says which credentials it carries
        return _answer(response.status_code, response.text)

    def socket(self, path: str) -> Socket:
        return _TestSocket(self._client.websocket_connect(path))

    def close(self) -> None:
        self._client.__exit__(None, None, None)
        self._dir.cleanup()


class _LiveSocket:
    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        # Kept open across steps (the visitor stays on the page), closed in close(); frames
        # the steps do not read must never hold the server up (no queue limit).
        self._ws = connect(url, open_timeout=FRAME_SECONDS, proxy=None, legacy=True, max_queue=None)

    def send(self, frame: dict[str, Any]) -> None:
        self._ws.send(json.dumps(frame))

    def receive(self) -> dict[str, Any]:
        try:
            text = self._ws.recv(timeout=FRAME_SECONDS)
        except TimeoutError:
            raise AssertionError(f"no frame within {FRAME_SECONDS:g}s") from None
        result: dict[str, Any] = json.loads(text)
        return result

    def close(self) -> None:
        self._ws.close()


class Live:
    """A live server by URL, started with ``LIVECHAT_TEST_CONTROLS=1``."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url, timeout=30)

    def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Answer:
        response = self._client.request(method, path, json=json, headers=headers or {})
        self._client.cookies.clear()
        return _answer(response.status_code, response.text)

    def socket(self, path: str) -> Socket:
        return _LiveSocket("ws" + self.base_url.removeprefix("http") + path)

    def close(self) -> None:
        self._client.close()
