"""Chatflows (CF1-CF7): each stored whole as its plain-dict form in ``chatflows.settings``,
with ``name``, ``published`` and ``priority`` beside it for queries, and a ``version`` that
goes up by one on every save (optimistic concurrency: a save names the version it read).

:func:`chatflows_using` finds the chatflows that name something (a knowledge base, a survey,
an inbox, a user …), so it is not deleted from under them.

Decoding a chatflow (validating every setting) costs more than reading it, and a page view
or a message reads one each time: decoded chatflows are kept by id and version (the domain
objects are frozen; every save raises the version, so a saved chatflow is never served
stale), per database engine, and only the id and version are read when they are known.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import Chatflow, chatflow_from_dict, chatflow_to_dict
from . import schema as t

__all__ = [
    "StoredChatflow",
    "VersionConflict",
    "chatflow_at",
    "chatflows_using",
    "delete_chatflow",
    "get_chatflow",
    "insert_chatflow",
    "list_chatflows",
    "published_chatflows",
    "update_chatflow",
]

_c = t.chatflows


class VersionConflict(Exception):
    """The chatflow was saved by someone else since it was read."""

    def __init__(self, current: int) -> None:
        super().__init__(f"the chatflow is at version {current}")
        self.current = current


@dataclass(frozen=True)
class StoredChatflow:
    chatflow: Chatflow
    version: int
    created_at: datetime
    updated_at: datetime


_DECODED_KEPT = 512  # chatflows per engine; the oldest go first

_kept: weakref.WeakKeyDictionary[sa.Engine, dict[tuple[str, int], Chatflow]] = (
    weakref.WeakKeyDictionary()
)


def _cache(db: AsyncConnection) -> dict[tuple[str, int], Chatflow]:
    return _kept.setdefault(db.sync_engine, {})


def _keep(db: AsyncConnection, chatflow_id: str, version: int, chatflow: Chatflow) -> Chatflow:
    cache = _cache(db)
    if len(cache) >= _DECODED_KEPT:
        del cache[next(iter(cache))]
    cache[(chatflow_id, version)] = chatflow
    return chatflow


async def _decoded(db: AsyncConnection, rows: Sequence[Any]) -> dict[str, Chatflow]:
    """The chatflows of ``rows`` (each with ``id`` and ``version``) by id, decoded once per
    version: the settings of those not kept yet are read and decoded in one query. (One
    saved or deleted between the two reads comes at its newer version, or not at all.)"""
    cache = _cache(db)
    found = {row.id: cache.get((row.id, row.version)) for row in rows}
    missing = [chatflow_id for chatflow_id, chatflow in found.items() if chatflow is None]
    if missing:
        read = await db.execute(
            sa.select(_c.c.id, _c.c.version, _c.c.settings).where(_c.c.id.in_(missing))
        )
        for row in read:
            found[row.id] = _keep(db, row.id, row.version, chatflow_from_dict(row.settings))
    return {chatflow_id: chatflow for chatflow_id, chatflow in found.items() if chatflow}


async def _decoded_chatflows(db: AsyncConnection, rows: Sequence[Any]) -> list[Chatflow]:
    decoded = await _decoded(db, rows)
    return [decoded[row.id] for row in rows if row.id in decoded]


async def _stored_all(db: AsyncConnection, rows: Sequence[Any]) -> list[StoredChatflow]:
    decoded = await _decoded(db, rows)
    return [
        StoredChatflow(
            chatflow=decoded[row.id],
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
        if row.id in decoded
    ]


_HEAD = (_c.c.id, _c.c.version, _c.c.created_at, _c.c.updated_at)
# Built once: read on every message and page view (building a statement costs more than
# running it).
_ONE = sa.select(*_HEAD).where(
    _c.c.account_id == sa.bindparam("account_id"), _c.c.id == sa.bindparam("chatflow_id")
)
_PUBLISHED = sa.select(_c.c.id, _c.c.version).where(
    _c.c.account_id == sa.bindparam("account_id"), _c.c.published
)


def _columns(chatflow: Chatflow) -> dict[str, Any]:
    return {
        "name": chatflow.name,
        "published": chatflow.published,
        "priority": chatflow.priority,
        "settings": chatflow_to_dict(chatflow),
    }


async def list_chatflows(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[StoredChatflow]:
    rows = (
        await db.execute(
            sa.select(*_HEAD)
            .where(_c.c.account_id == account_id)
            .order_by(_c.c.priority, _c.c.created_at, _c.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return await _stored_all(db, rows)


async def published_chatflows(db: AsyncConnection, account_id: str) -> list[Chatflow]:
    """CF3: the chatflows that may appear on pages."""
    rows = (await db.execute(_PUBLISHED, {"account_id": account_id})).all()
    return await _decoded_chatflows(db, rows)


async def get_chatflow(
    db: AsyncConnection, account_id: str, chatflow_id: str
) -> StoredChatflow | None:
    row = (await db.execute(_ONE, {"account_id": account_id, "chatflow_id": chatflow_id})).first()
    stored = await _stored_all(db, [row]) if row is not None else []
    return stored[0] if stored else None


class _Version(NamedTuple):
    id: str
    version: int


async def chatflow_at(db: AsyncConnection, chatflow_id: str, version: int) -> Chatflow | None:
    """The chatflow at ``version`` when the caller has just read that version (e.g. with a
    message): read only when it is not kept decoded. None when it is gone."""
    kept = _cache(db).get((chatflow_id, version))
    if kept is not None:
        return kept
    return (await _decoded(db, [_Version(chatflow_id, version)])).get(chatflow_id)


async def insert_chatflow(
    db: AsyncConnection, account_id: str, chatflow: Chatflow, now: datetime
) -> StoredChatflow:
    await db.execute(
        _c.insert().values(
            id=chatflow.id,
            account_id=account_id,
            version=1,
            created_at=now,
            updated_at=now,
            **_columns(chatflow),
        )
    )
    return StoredChatflow(chatflow, 1, now, now)


async def update_chatflow(
    db: AsyncConnection, account_id: str, chatflow: Chatflow, now: datetime, *, version: int
) -> StoredChatflow:
    """Save ``chatflow`` over ``version``; :class:`VersionConflict` when the stored one is at
    another version (someone saved in between), ``LookupError`` when it is gone."""
    result = await db.execute(
        _c.update()
        .where(_c.c.account_id == account_id, _c.c.id == chatflow.id, _c.c.version == version)
        .values(version=version + 1, updated_at=now, **_columns(chatflow))
    )
    if result.rowcount == 0:
        current = (
            await db.execute(
                sa.select(_c.c.version, _c.c.created_at).where(
                    _c.c.account_id == account_id, _c.c.id == chatflow.id
                )
            )
        ).first()
        if current is None:
            raise LookupError(f"no chatflow {chatflow.id!r}")
        raise VersionConflict(current.version)
    created = (
        await db.execute(sa.select(_c.c.created_at).where(_c.c.id == chatflow.id))
    ).scalar_one()
    return StoredChatflow(chatflow, version + 1, created, now)


async def delete_chatflow(db: AsyncConnection, account_id: str, chatflow_id: str) -> bool:
    result = await db.execute(
        _c.delete().where(_c.c.account_id == account_id, _c.c.id == chatflow_id)
    )
    return result.rowcount > 0


async def chatflows_using(
    db: AsyncConnection, account_id: str, uses: Callable[[Chatflow], bool]
) -> list[Chatflow]:
    """The account's chatflows for which ``uses(chatflow)`` holds, e.g. those whose help tab
    shows a given knowledge base."""
    rows = (
        await db.execute(sa.select(_c.c.id, _c.c.version).where(_c.c.account_id == account_id))
    ).all()
    return [chatflow for chatflow in await _decoded_chatflows(db, rows) if uses(chatflow)]
