"""The anchor of ``server_bench.py``: a bare Starlette WebSocket relay that commits every
message to SQLite before it acknowledges it, and a bare endpoint answering a fixed JSON body.

It speaks the benchmark client's shape of the real protocol and nothing more:

- ``/ws/agent?agent=A`` — an agent's socket: receives ``message`` frames of its conversations;
- ``/ws/visitor?conversation=C&agent=A`` — a visitor's socket: ``message`` ``{client_id,
  text}`` → the row is inserted and committed (one SQLite connection, WAL), then ``ack``
  ``{client_id, sequence}`` to the visitor and ``message`` to agent ``A``;
- ``POST /config`` — the JSON in ``LIVECHAT_RELAY_CONFIG_FILE`` (the real server's widget
  config answer, so both send the same bytes).

Run by the benchmark: ``uvicorn --factory --app-dir benchmarks relay_app:create_app``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

__all__ = ["create_app"]


class Relay:
    """One SQLite connection (driven from the event loop's thread: a commit in WAL mode with
    ``synchronous=NORMAL`` does not wait for the disk) and the agents' sockets."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS messages (conversation TEXT, sequence INTEGER, "
            "client_id TEXT, text TEXT, PRIMARY KEY (conversation, sequence))"
        )
        self.sequences: dict[str, int] = {}
        self.agents: dict[str, WebSocket] = {}

    def store(self, conversation: str, client_id: str, text: str) -> int:
        sequence = self.sequences.get(conversation, 0) + 1
        self.db.execute("BEGIN")
        self.db.execute(
            "INSERT INTO messages VALUES (?, ?, ?, ?)", (conversation, sequence, client_id, text)
        )
        self.db.execute("COMMIT")
        self.sequences[conversation] = sequence
        return sequence


def create_app() -> Starlette:
    relay = Relay(os.environ.get("LIVECHAT_RELAY_DATABASE", "relay.db"))
    config_file = os.environ.get("LIVECHAT_RELAY_CONFIG_FILE")
    loaded: list[bytes] = []  # read at the first call: the benchmark writes it after start

    async def config(request: Request) -> Response:
        await request.body()
        if not loaded:
            loaded.append(Path(config_file).read_bytes() if config_file else b"{}")
        return Response(loaded[0], media_type="application/json")

    async def agent(websocket: WebSocket) -> None:
        name = websocket.query_params["agent"]
        await websocket.accept()
        relay.agents[name] = websocket
        try:
            while True:
                await websocket.receive_text()
        except WebSocketDisconnect:
            relay.agents.pop(name, None)

    async def visitor(websocket: WebSocket) -> None:
        conversation = websocket.query_params["conversation"]
        agent_name = websocket.query_params["agent"]
        await websocket.accept()
        try:
            while True:
                frame: dict[str, Any] = json.loads(await websocket.receive_text())
                sequence = relay.store(conversation, frame["client_id"], frame["text"])
                message = {
                    "conversation_id": conversation,
                    "sequence": sequence,
                    "client_id": frame["client_id"],
                    "text": frame["text"],
                }
                await websocket.send_text(json.dumps({"type": "ack", **message}))
                target = relay.agents.get(agent_name)
                if target is not None:
                    await target.send_text(json.dumps({"type": "message", "message": message}))
        except WebSocketDisconnect:
            pass

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        relay.db.close()

    return Starlette(
        routes=[
            Route("/config", config, methods=["POST"]),
            Route("/healthz", lambda _r: Response("ok")),
            WebSocketRoute("/ws/agent", agent),
            WebSocketRoute("/ws/visitor", visitor),
        ],
        lifespan=lifespan,
    )
