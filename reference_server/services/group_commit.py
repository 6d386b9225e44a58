"""Group commit: the small write transactions that arrive together share one commit.

A message costs far less to store than the transaction around it (a pool checkout, a
``BEGIN``, a ``COMMIT``, the connection's reset). :meth:`GroupCommit.run` queues a piece of
work; one flush task runs everything queued so far in one transaction, commits, and only
then answers each caller — so whatever a caller does after ``run`` returns (acknowledging a
message) still happens after its write is stored. What arrives while a batch runs goes into
the next one.

Each piece of work must leave nothing behind when it raises one of the ``refusals`` (the
caller's refusals, e.g. a 409): that piece alone fails and the others commit. Anything else
fails the batch, which is then retried one piece per transaction, so one piece (or a
deadlock between batches) never costs the others their write. Work is run in the order of
its ``key`` (stable: arrival order within a key), so transactions that lock rows by key
(PostgreSQL) take them in one order and do not deadlock with each other. A batch holds
several rows, so it could deadlock with a transaction that locks two of them the other way
round (routing several conversations); it gives up instead after waiting
:data:`BATCH_LOCK_WAIT_MS` for a lock, and its pieces are retried one per transaction —
each holds one row, as a message did before batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..store.database import lock_timeout

__all__ = ["GroupCommit", "group_commit"]

log = logging.getLogger("livechat.group_commit")

T = TypeVar("T")
Work = Callable[[AsyncConnection], Awaitable[T]]

MAX_BATCH = 256  # pieces of work per transaction
BATCH_LOCK_WAIT_MS = 300


@dataclass
class _Piece(Generic[T]):
    key: str
    work: Work[T]
    done: asyncio.Future[T]
    refusals: tuple[type[BaseException], ...]
    result: Any = None
    refused: BaseException | None = None


class GroupCommit:
    """The group commit of one engine (one per process and engine)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._queued: list[_Piece[Any]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def run(
        self, key: str, work: Work[T], *, refusals: tuple[type[BaseException], ...] = ()
    ) -> T:
        """``work(db)``'s result once its transaction has committed (or what it raised)."""
        loop = asyncio.get_running_loop()
        piece: _Piece[T] = _Piece(key, work, loop.create_future(), refusals)
        self._queued.append(piece)
        flusher = self._flusher
        if flusher is None or flusher.done() or flusher.get_loop() is not loop:
            # started on the loop's next turn: what other tasks queue meanwhile joins in
            self._flusher = loop.create_task(self._flush())
        return await piece.done

    async def _flush(self) -> None:
        batch: list[_Piece[Any]] = []
        # One connection while batches follow one another: a pool checkout and return per
        # batch cost as much as the transaction (measured on SQLite: 85 against 40 µs).
        db: AsyncConnection | None = None
        try:
            while True:
                while self._queued:
                    batch = [p for p in self._queued[:MAX_BATCH] if not p.done.done()]
                    del self._queued[:MAX_BATCH]
                    batch.sort(key=lambda piece: piece.key)
                    try:
                        if db is None:
                            db = await self._engine.connect()
                        await self._together(db, batch)
                    except Exception:
                        log.debug("a batch of %d failed; one by one now", len(batch), exc_info=True)
                        if db is not None:  # it may be what failed: the next batch takes another
                            held, db = db, None
                            await _close(held)
                        for piece in batch:
                            if not piece.done.done():
                                await self._alone(piece)
                if db is None:
                    break  # nothing queued since the check above, nothing held: done
                held, db = db, None
                await _close(held)  # what is queued meanwhile, the loop above still takes
        finally:  # cancelled (the server stops): nobody is left waiting
            if db is not None:
                await _close(db)
            for piece in [*batch, *self._queued]:
                piece.done.cancel()
            if self._flusher is asyncio.current_task():
                self._queued.clear()

    async def _together(self, db: AsyncConnection, batch: list[_Piece[Any]]) -> None:
        async with db.begin():
            if len(batch) > 1:
                await lock_timeout(db, BATCH_LOCK_WAIT_MS)
            for piece in batch:
                try:
                    piece.result, piece.refused = await piece.work(db), None
                except piece.refusals as refused:
                    piece.refused = refused
        # answered only now: even a refusal may show what another piece just stored
        for piece in batch:
            _settle(piece, piece.refused, piece.result)

    async def _alone(self, piece: _Piece[Any]) -> None:
        try:
            async with self._engine.begin() as db:
                result = await piece.work(db)
        except Exception as error:  # the caller's to handle, as without a batch
            _settle(piece, error)
        else:
            _settle(piece, None, result)


async def _close(db: AsyncConnection) -> None:
    """Give the connection back (rolled back; dropped by the pool if it broke), even while
    the flush task is being cancelled."""
    try:
        await asyncio.shield(db.close())
    except Exception:  # already broken: the pool has let it go
        log.debug("closing the group commit's connection failed", exc_info=True)


def _settle(piece: _Piece[Any], error: BaseException | None, result: Any = None) -> None:
    if piece.done.done():  # its caller has gone (cancelled)
        return
    if error is not None:
        piece.done.set_exception(error)
    else:
        piece.done.set_result(result)


def group_commit(extras: dict[str, Any], engine: AsyncEngine) -> GroupCommit:
    """The process's group commit for ``engine`` (kept in ``extras``)."""
    kept = extras.get("group-commit")
    if not isinstance(kept, GroupCommit) or kept._engine is not engine:
        kept = extras["group-commit"] = GroupCommit(engine)
    return kept
