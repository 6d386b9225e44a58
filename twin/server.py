"""The reference server in-process, on a driven clock, for one replay.

:func:`in_process_server` makes a fresh SQLite database in a temporary directory with one
account (its admin and API key), starts the ASGI app with the test controls on and a
stopped :class:`~reference_server.clock.ControllableClock`, and yields a :class:`Server`:
Starlette's test client (REST and WebSockets in-process), the account and the admin's
bearer headers. The clock moves only through ``POST /test-controls/clock`` — as scenario
suites and browser tests move it — so whatever the server does when its clock moves happens
as it would on a live server.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import anyio
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.testclient import TestClient, WebSocketTestSession

from reference_server.app import create_app
from reference_server.clock import ControllableClock
from reference_server.settings import Settings
from reference_server.state import Server as ServerState
from reference_server.store.bootstrap import NewAccount, create_account
from reference_server.store.database import migrate, open_engine

__all__ = ["ReplayError", "Server", "in_process_server", "next_frame", "pending_frames"]

ADMIN_PASSWORD = "twin admin password"
T = TypeVar("T")
_SESSIONS_LAST = timedelta(days=400)


@dataclass
class Server:
    client: TestClient
    account: NewAccount
    admin: dict[str, str]  # the admin's bearer headers
    api_key: dict[str, str]

    def set_clock(self, instant: datetime) -> None:
        answer = self.client.post("/test-controls/clock", json={"now": instant.isoformat()})
        answer.raise_for_status()

    def in_store(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` in one transaction on the app's own engine, in the app's event loop
        (for set-up the API has no call for, such as a visitor's earlier visit)."""
        state: ServerState = self.client.app_state["server"]

        async def run() -> T:
            async with state.engine.begin() as db:
                return await work(db)

        portal = self.client.portal
        if portal is None:
            raise ReplayError("the app is not running")
        return portal.call(run)

    def call(self, method: str, path: str, expect: tuple[int, ...], **kwargs: Any) -> Any:
        """A REST call that must answer one of ``expect``; its JSON (None when empty)."""
        answer = self.client.request(method, path, **kwargs)
        if answer.status_code not in expect:
            raise ReplayError(f"{method} {path} answered {answer.status_code}: {answer.text}")
        return answer.json() if answer.content else None


class ReplayError(RuntimeError):
    """The server refused a step the replay needs (a bug in the replay or the server)."""


def _bootstrap(settings: Settings, now: datetime) -> NewAccount:
    async def run() -> NewAccount:
        engine = open_engine(settings)
        try:
            await migrate(engine)
            return await create_account(
                engine,
                now,
                name="Twin",
                admin_email="admin@twin.test",
                admin_password=ADMIN_PASSWORD,
                company_name="Twin AS",
                domain="twin.test",
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


@contextmanager
def in_process_server(start: datetime) -> Iterator[Server]:
    """A fresh server whose clock stands still at ``start`` (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="livechat-twin-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'twin.db'}"
        # Sessions outlast the replay: agents log in once, as set-up, however long it runs.
        settings = Settings(
            database_url=url,
            test_controls=True,
            session_idle=_SESSIONS_LAST,
            session_max=_SESSIONS_LAST,
        )
        account = _bootstrap(settings, start)
        clock = ControllableClock(start, running=False)
        with TestClient(create_app(settings, clock=clock)) as client:
            login = client.post(
                "/api/v1/auth/login",
                json={"email": account.admin_email, "password": ADMIN_PASSWORD},
            )
            login.raise_for_status()
            client.cookies.clear()  # every call says which credentials it sends
            yield Server(
                client=client,
                account=account,
                admin={"Authorization": f"Bearer {login.json()['token']}"},
                api_key={"Authorization": f"Bearer {account.api_key}"},
            )


def next_frame(ws: WebSocketTestSession, seconds: float = 10.0) -> dict[str, Any] | None:
    """The socket's next frame, or None when it closed; a frame that does not come within
    ``seconds`` is a :class:`ReplayError` (never a hang)."""

    async def get() -> Any:
        with anyio.fail_after(seconds):
            return await ws._send_rx.receive()

    try:
        message = ws.portal.call(get)
    except TimeoutError:
        raise ReplayError(f"no frame within {seconds} s") from None
    if message["type"] == "websocket.close":
        return None
    result: dict[str, Any] = json.loads(message["text"])
    return result


def pending_frames(ws: WebSocketTestSession) -> list[dict[str, Any]]:
    """Every frame the socket has received and not been read yet (without waiting)."""
    frames: list[dict[str, Any]] = []
    while True:
        try:
            message = ws._send_rx.receive_nowait()
        except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
            return frames
        if message["type"] == "websocket.close":
            return frames
        frames.append(json.loads(message["text"]))
