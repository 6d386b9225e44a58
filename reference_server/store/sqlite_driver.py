"""SQLite for the async engine, called right in the event loop, with one writer at a time.

aiosqlite runs every call on a thread of its own connection: each statement is a trip to
that thread and back (a queue, a wake-up, the GIL handed over twice), which costs far more
than the statement itself — an indexed read or a write in WAL mode with
``synchronous=NORMAL`` takes microseconds and never waits for the disk. :class:`InlineSqlite`
keeps aiosqlite's interface (the one SQLAlchemy's ``sqlite+aiosqlite`` dialect drives) but
makes the calls directly.

SQLite has one write lock per file. Connections that want it at once would sleep in
SQLite's busy handler — in the event loop's thread now, which would stall everything — so
the connections of one engine share a :class:`WriteQueue`: the first statement that writes
waits, in order, until no other connection of the process is in a write transaction, and
the queue moves on the moment that transaction commits or rolls back. Readers never wait
(WAL). A task that writes on a second connection while its first holds the lock is not
made to wait for itself: it meets SQLite's busy timeout, as it would without the queue.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite

__all__ = ["InlineSqlite", "WriteQueue", "connector"]

_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)


class WriteQueue:
    """Which connection of an engine is in a write transaction; the others queue."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._holder: InlineSqlite | None = None
        self._task: asyncio.Task[Any] | None = None

    async def enter(self, connection: InlineSqlite) -> bool:
        """Wait for the write lock; False when this task already holds it on another
        connection (then the caller goes on without it)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        task = asyncio.current_task()
        if self._lock.locked() and self._task is task and task is not None:
            return False
        await self._lock.acquire()
        self._holder, self._task = connection, task
        return True

    def leave(self, connection: InlineSqlite) -> None:
        if self._holder is connection and self._lock is not None:
            self._holder = self._task = None
            self._lock.release()


class _Immediate:
    """aiosqlite's queue to its thread, replaced: what is put in runs at once."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to whoever awaits, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineSqlite(aiosqlite.Connection):
    """An aiosqlite connection whose calls run in the caller's thread (see the module)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], writes: WriteQueue) -> None:
        super().__init__(connect, 64)  # its thread is made, never started
        self._tx = _Immediate()  # type: ignore[assignment]
        self._writes = writes
        self._writing = False

    async def _connect(self) -> InlineSqlite:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Any:
        return self._connect().__await__()

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        if not self._writing and args and isinstance(args[0], str) and _WRITES.match(args[0]):
            self._writing = await self._writes.enter(self)
        try:
            return fn(*args, **kwargs)
        finally:
            if self._writing and not self._in_transaction():
                self._release()

    async def run(self, sql: str, parameters: Sequence[Any]) -> sqlite3.Cursor:
        """``sql`` straight on the SQLite connection, without aiosqlite's cursor or
        SQLAlchemy's execution (for the statements of every message); a write still waits
        its turn for the write lock. The caller's transaction (SQLAlchemy's) commits it."""
        cursor: sqlite3.Cursor = await self._execute(
            self._connection_now().execute, sql, parameters
        )
        return cursor

    def _connection_now(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("Connection closed")
        return self._connection

    def _in_transaction(self) -> bool:
        try:
            return bool(self._connection and self._connection.in_transaction)
        except sqlite3.Error:  # closed
            return False

    def _release(self) -> None:
        if self._writing:
            self._writing = False
            self._writes.leave(self)

    def stop(self) -> asyncio.Future[Any] | None:
        try:
            return super().stop()
        finally:
            self._release()


def connector(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Callable[[], Any]:
    """SQLAlchemy's ``async_creator`` for one engine: inline connections sharing a queue."""
    writes = WriteQueue()
    options = {**kwargs, "check_same_thread": False}

    async def create() -> InlineSqlite:
        connection = InlineSqlite(lambda: sqlite3.connect(*args, **options), writes)
        return await connection._connect()

    return create
