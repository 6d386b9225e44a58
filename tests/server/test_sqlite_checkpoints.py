"""SQLite's WAL checkpoints are made by a thread of the server's own (store/checkpoints.py),
not by the event loop: messages a visitor sends reach the database file itself (what a
backup of that file holds) while the server runs, without a commit in the event loop ever
crossing SQLite's own threshold."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_server.store.checkpoints import BACKSTOP_PAGES, Checkpointer

from .conftest import Api, on_postgresql
from .scene import frame, run_db, server_of
from .test_realtime import ready, visitor_socket
from .test_realtime import scene as scene

pytestmark = pytest.mark.skipif(on_postgresql(), reason="SQLite's files")


def messages_in_the_file(path: Path) -> int:
    """Messages in the database file alone, as a copy of it would hold them (the WAL not
    read: ``immutable`` opens the file as it lies on disk)."""
    with sqlite3.connect(f"file:{path}?immutable=1", uri=True) as snapshot:
        return int(snapshot.execute("SELECT count(*) FROM messages").fetchone()[0])


def eventually(check: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for a background thread's work (real time: the thread is not on the test clock)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def test_sent_messages_reach_the_database_file_while_the_server_runs(api: Api, scene: dict) -> None:
    path = server_of(api).settings.sqlite_path()
    assert path is not None
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        visitor.send_json(
            {
                "type": "start",
                "chatflow_id": scene["chatflow_id"],
                "message": {"client_id": "c0", "text": "Hello"},
            }
        )
        started = frame(visitor)
        assert started["type"] == "started"
        conversation_id = started["conversation"]["id"]
        for number in range(1, 30):
            visitor.send_json(
                {
                    "type": "message",
                    "conversation_id": conversation_id,
                    "client_id": f"c{number}",
                    "text": f"message {number}",
                }
            )
        acks = 0
        while acks < 30:
            acks += frame(visitor)["type"] == "ack"
        eventually(lambda: messages_in_the_file(path) == 30)


def test_the_event_loops_connections_leave_checkpoints_to_the_thread(api: Api) -> None:
    async def threshold(db: AsyncConnection) -> int:
        return int((await db.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar_one())

    assert run_db(api, threshold) == BACKSTOP_PAGES


def test_a_stopped_checkpointer_ends_its_thread(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (n INTEGER)")
    checkpoints = Checkpointer(path, interval_s=0.01).start()
    assert checkpoints.running
    checkpoints.stop()
    assert not checkpoints.running
