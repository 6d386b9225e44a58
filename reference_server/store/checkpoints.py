"""SQLite's WAL checkpoints, made by a thread of their own.

In WAL mode a commit appends the pages it changed to the ``-wal`` file; a checkpoint copies
them back into the database file and syncs both files. SQLite makes one itself in whichever
connection commits past its threshold (1,000 pages) — in this server, the event loop's
thread, where the copy and its two fsyncs stall every socket and page view (measured on
2 cores: about a fifth of SQLite's cost per stored message, and single commits of 12 ms).

A :class:`Checkpointer` makes passive checkpoints (they never wait for, nor block, readers
and writers) on its own connection in its own thread, every :data:`INTERVAL_S` seconds;
Python's ``sqlite3`` lets go of the GIL while SQLite works, so the event loop only appends.
The connections' own threshold stays, raised to :data:`BACKSTOP_PAGES`
(:mod:`.database`), for a process without the thread (the command line) or should the
thread fall behind. Durability is unchanged: a commit is in the WAL, synced as before,
before it is acknowledged.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

__all__ = ["BACKSTOP_PAGES", "INTERVAL_S", "Checkpointer"]

log = logging.getLogger("livechat.checkpoints")

INTERVAL_S = 0.2
BACKSTOP_PAGES = 10_000  # about 40 MB of WAL: SQLite's own checkpoint in the writer's thread


class Checkpointer:
    """Passive checkpoints of one SQLite file, from a daemon thread (one per process)."""

    def __init__(self, path: Path, interval_s: float = INTERVAL_S) -> None:
        self.path = path
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        except sqlite3.Error:
            log.exception("cannot open %s for checkpoints; SQLite makes them itself", self.path)
            return
        try:
            while not self._stop.wait(self.interval_s):
                self.checkpoint(connection)
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            busy, in_wal, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error:  # another process is checkpointing, or the file is going away
            log.debug("checkpoint of %s skipped", self.path, exc_info=True)
            return
        log.debug("checkpoint: %s of %s WAL frames in the database (busy %s)", copied, in_wal, busy)
