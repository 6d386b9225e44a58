"""Which kept reads a committed write may have changed: a version per *topic*, moved on by
every committed statement that touches it, so that a process may keep what it read and know
exactly when to read again (the widget's page view, :mod:`..services.page_view_cache`).

The engine's own events see every statement (:func:`watch_writes`); nothing has to remember
to announce a change. Topics:

- ``account`` — what a page view reads about the account as a whole: the account, its
  chatflows, users and teams, inboxes, and conversations as availability counts them (a
  conversation made, deleted, or given a new status or assignee). One topic for every account:
  such writes are few next to page views.
- ``visitor:<id>`` — one visitor's row, and whether it has conversations (a conversation made
  for it).
- ``visitors`` — every visitor (a write whose visitor is not plain from the statement).

A version moves on twice: when the transaction commits (what was kept is no longer trusted)
and again when its connection goes back to the pool, after the commit is done — a read that
ran between the two may have seen the data from before and is dropped by the second move.
Text statements other than ``SELECT`` move every topic. Versions come from one counter, so a
topic forgotten to bound memory reads as the highest forgotten version and anything kept
under it is read again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.dml import Delete, Insert, Update, UpdateBase

from . import schema as t

__all__ = ["ACCOUNT", "VISITORS", "Versions", "visitor_topic", "watch_writes"]

ACCOUNT = "account"
VISITORS = "visitors"
EVERYTHING = "*"
_MAX_TOPICS = 100_000  # per-visitor versions kept; older ones fall to the floor

_ACCOUNT_TABLES = frozenset(
    table.name for table in (t.accounts, t.chatflows, t.users, t.teams, t.team_members, t.inboxes)
)
_AVAILABILITY_COLUMNS = frozenset({"status", "assignee_id", "account_id", "chatflow_id"})
_PENDING = "livechat.written_topics"  # on the connection's info: this transaction's topics
_COMMITTED = "livechat.committed_topics"  # committed, to move on again at check-in


def visitor_topic(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


class Versions:
    """The current version of each topic in this process."""

    def __init__(self) -> None:
        self._last = 0
        self._versions: OrderedDict[str, int] = OrderedDict()
        self._floor = 0
        self._everything = 0
        self.watching = False  # True once attached to an engine: only then may reads be kept
        self.on_committed: Callable[[frozenset[str]], None] | None = None  # e.g. tell others

    def of(self, topic: str) -> int:
        return max(self._versions.get(topic, self._floor), self._everything)

    def stamp(self) -> int:
        """The newest version of any topic: a read that starts now and finds every topic it
        depends on at or below this stamp when it ends saw no write of theirs commit."""
        return self._last

    def unchanged(self, stamp: int, *topics: str) -> bool:
        if topics and self._everything > stamp:
            return False
        versions, floor = self._versions, self._floor  # of() inlined: every page view asks
        for topic in topics:  # noqa: SIM110 (a loop makes no generator per page view)
            if versions.get(topic, floor) > stamp:
                return False
        return True

    def move(self, topics: Iterable[str]) -> None:
        for topic in topics:
            self._last += 1
            version = self._last
            if topic == EVERYTHING:
                self._everything = version
                continue
            self._versions[topic] = version
            self._versions.move_to_end(topic)
            if len(self._versions) > _MAX_TOPICS:
                _, forgotten = self._versions.popitem(last=False)
                self._floor = max(self._floor, forgotten)


def watch_writes(engine: AsyncEngine, versions: Versions | None = None) -> Versions:
    """Move ``versions`` on for every write committed through ``engine``."""
    versions = versions or Versions()
    sync_engine = engine.sync_engine

    def before_execute(
        connection: sa.Connection,
        statement: Any,
        multiparams: Any,
        params: Any,
        _options: Any,
    ) -> None:
        topics = topics_of(statement, multiparams or params)
        if topics:
            connection.info.setdefault(_PENDING, set()).update(topics)

    def commit(connection: sa.Connection) -> None:
        written = connection.info.pop(_PENDING, None)
        if written:
            versions.move(written)
            connection.info.setdefault(_COMMITTED, set()).update(written)

    def rollback(connection: sa.Connection) -> None:
        connection.info.pop(_PENDING, None)

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        info = record.info
        leftover = info.pop(_PENDING, None)  # closed without commit or rollback: be safe
        committed = info.pop(_COMMITTED, None)
        if committed or leftover:
            topics = frozenset((committed or set()) | (leftover or set()))
            versions.move(topics)
            if versions.on_committed is not None:
                versions.on_committed(topics)

    sa.event.listen(sync_engine, "before_execute", before_execute)
    sa.event.listen(sync_engine, "commit", commit)
    sa.event.listen(sync_engine, "rollback", rollback)
    sa.event.listen(sync_engine.pool, "checkin", checkin)
    versions.watching = True
    return versions


def topics_of(statement: Any, params: Any) -> set[str]:
    """The topics ``statement`` may change (none for a read)."""
    if isinstance(statement, UpdateBase):
        if not isinstance(statement, Insert | Update | Delete):
            return {EVERYTHING}
        return _dml_topics(statement, _rows(params))
    if isinstance(statement, str | sa.TextClause):
        text = str(statement).lstrip().upper()
        return set() if text.startswith(("SELECT", "PRAGMA")) else {EVERYTHING}
    if isinstance(statement, sa.sql.ddl.ExecutableDDLElement):
        return {EVERYTHING}
    return set()


def _rows(params: Any) -> list[Mapping[str, Any]]:
    if isinstance(params, Mapping):
        return [params]
    if isinstance(params, list | tuple):
        return [row for row in params if isinstance(row, Mapping)]
    return []


def _dml_topics(statement: Insert | Update | Delete, rows: list[Mapping[str, Any]]) -> set[str]:
    table = getattr(statement.table, "name", None)
    if table in _ACCOUNT_TABLES:
        return {ACCOUNT}
    if table == t.visitors.name:
        if isinstance(statement, Insert):
            return set()  # a new visitor changes no kept one
        visitor_id = _id_of_where(statement)
        return {visitor_topic(visitor_id)} if visitor_id else {VISITORS}
    if table == t.conversations.name:
        if isinstance(statement, Delete):
            return {ACCOUNT, VISITORS}
        values = _values(statement, rows)
        if isinstance(statement, Insert):
            visitor_ids = [row.get("visitor_id") for row in values] if values else [None]
            return {ACCOUNT} | {visitor_topic(str(vid)) if vid else VISITORS for vid in visitor_ids}
        columns = {name for row in values for name in row} if values else None
        if columns is None:  # columns unknown: assume the worst
            return {ACCOUNT, VISITORS}
        topics = {ACCOUNT} if columns & _AVAILABILITY_COLUMNS else set()
        if "visitor_id" in columns:
            topics.add(VISITORS)
        return topics
    return set()


def _values(
    statement: Insert | Update | Delete, rows: list[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The column values the statement writes, one mapping per row (empty: not known)."""
    given: dict[str, Any] = {}
    for key, value in dict(getattr(statement, "_values", None) or {}).items():
        given[str(getattr(key, "key", key))] = getattr(value, "value", value)
    multi = getattr(statement, "_multi_values", None) or ()
    if multi:
        return [
            {str(getattr(k, "key", k)): getattr(v, "value", v) for k, v in row.items()}
            for batch in multi
            for row in batch
            if isinstance(row, Mapping)
        ]
    if rows:
        return [{**given, **row} for row in rows]
    return [given] if given else []


def _id_of_where(statement: Update | Delete) -> str | None:
    """The ``id`` the statement's WHERE names, when it is a plain ``id = value``."""
    where = statement.whereclause
    if not isinstance(where, sa.BinaryExpression) or where.operator is not sa.sql.operators.eq:
        return None
    left, right = where.left, where.right
    if not (isinstance(left, sa.Column) and left.name == "id"):
        return None
    if isinstance(right, sa.BindParameter) and isinstance(right.value, str):
        return right.value
    return None
