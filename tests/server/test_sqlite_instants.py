"""Instants are stored on SQLite as one text, whichever path writes them: a message stored by
the socket's fast path (straight on SQLite's connection) and the conversation stored through
SQLAlchemy at the same instant hold the same text, so instants compare in SQL as in Python
(a whole second too: ``12:00:00`` would sort before ``12:00:00.000000``)."""

from __future__ import annotations

import sqlite3

import pytest

from .conftest import Api, on_postgresql
from .scene import frame, frames_until, server_of
from .test_realtime import ready, visitor_socket
from .test_realtime import scene as scene

pytestmark = pytest.mark.skipif(on_postgresql(), reason="SQLite's text instants")


def test_a_message_and_its_conversation_store_the_same_instant_as_the_same_text(
    api: Api,
    scene: dict,
) -> None:
    assert api.clock.now().microsecond == 0  # the test clock stands still on a whole second
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        visitor.send_json({"type": "start", "chatflow_id": scene["chatflow_id"], "message": None})
        started = frame(visitor)
        conversation_id = started["conversation"]["id"]
        visitor.send_json(
            {
                "type": "message",
                "conversation_id": conversation_id,
                "client_id": "c1",
                "text": "Hello",
            }
        )
        frames_until(visitor, "ack")
    path = server_of(api).settings.sqlite_path()
    with sqlite3.connect(path) as db:
        [(message_at,)] = db.execute(
            "SELECT created_at FROM messages WHERE conversation_id = ?", (conversation_id,)
        ).fetchall()
        [(conversation_at,)] = db.execute(
            "SELECT created_at FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchall()
    assert message_at == conversation_at
    assert message_at.endswith(".000000")
