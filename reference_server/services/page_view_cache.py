"""What a returning visitor's page view reads, kept in the process until a write changes it
(issue 10: a page view at the speed of a bare endpoint issues no SQL).

Two things are kept, each with the version stamp it was read at (:mod:`..store.write_watch`):

- per account (:class:`AccountView`): the account row, its published chatflows (decoded) and
  the surroundings availability and headings are computed from — the people, the teams and
  the agents as routing sees them (status, capacity, open chats). Any committed write to those
  tables moves the ``account`` topic; the next page view reads them again. Availability itself
  is computed on every call against the clock (office hours, return times).
- per visitor token (:class:`KnownVisitor`): the visitor's row and whether it has any
  conversation (when it has none, there is no open one and nothing unread to read).

With several workers, each process learns of the others' writes through the broadcast
(:func:`relay_writes`), and keeps nothing longer than :data:`MAX_AGE_SHARED` seconds in case
a message was lost while Redis reconnected.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import Chatflow
from ..domain.consent import CompanyNames
from ..state import Broadcast
from ..store import schema as t
from ..store.accounts import get_account
from ..store.chatflows import published_chatflows
from ..store.people import heading_people
from ..store.users import agents_snapshot
from ..store.visitors import find_visitor
from ..store.write_watch import ACCOUNT, VISITORS, Versions, visitor_topic
from .presentation import Surroundings

__all__ = [
    "AccountView",
    "KnownVisitor",
    "PageViewCache",
    "keep_page_views",
    "kept_page_views",
    "read_account_view",
    "read_visitor",
    "relay_writes",
]

MAX_AGE_SHARED = 2.0  # seconds, with several processes: bounds a lost invalidation
_VISITORS_KEPT = 50_000
_ACCOUNTS_KEPT = 10_000
WRITES_CHANNEL = "livechat:writes"


@dataclass(frozen=True)
class AccountView:
    account: dict[str, Any]
    chatflows: list[Chatflow]  # published (CF3)
    around: Surroundings
    # The widget's answers composed from this view, by what else they depend on
    # (services/widget_config.decide): gone with the view.
    answers: dict[Any, dict[str, Any]] = field(default_factory=dict, compare=False)
    # The chatflow an anonymous visitor's page shows, by (URL, device): gone with the view.
    choices: dict[Any, Chatflow | None] = field(default_factory=dict, compare=False)
    # Who routing could give a chat to, by chatflow and page (services/presentation).
    eligible: dict[Any, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class KnownVisitor:
    row: dict[str, Any]
    has_conversations: bool
    topic: str = field(init=False, compare=False)  # the visitor's own write-watch topic

    def __post_init__(self) -> None:
        object.__setattr__(self, "topic", visitor_topic(self.row["id"]))


async def read_account_view(db: AsyncConnection, account_id: str) -> AccountView:
    """``LookupError`` for an unknown account."""
    account = await get_account(db, account_id)
    users, teams = await heading_people(db, account_id)
    company = CompanyNames(
        company_name=account["company_name"], account_name=account["name"], domain=account["domain"]
    )
    around = Surroundings(users, teams, await agents_snapshot(db, account_id), company)
    return AccountView(account, await published_chatflows(db, account_id), around)


_ANY_CONVERSATION = (
    sa.select(t.conversations.c.id)
    .where(t.conversations.c.visitor_id == sa.bindparam("visitor_id"))
    .limit(1)
)


async def read_visitor(db: AsyncConnection, account_id: str, token: str) -> KnownVisitor | None:
    row = await find_visitor(db, account_id, token)
    if row is None:
        return None
    found = (await db.execute(_ANY_CONVERSATION, {"visitor_id": row["id"]})).first()
    return KnownVisitor(row, found is not None)


@dataclass(frozen=True)
class _Kept:
    stamp: int
    at: float
    value: Any


class PageViewCache:
    """The kept reads of one process. ``connect`` gives the connection to read through on a
    miss (opened only then)."""

    def __init__(self, versions: Versions, *, max_age: float | None = None) -> None:
        self.versions = versions
        self.max_age = max_age
        self._accounts: OrderedDict[str, _Kept] = OrderedDict()
        self._visitors: OrderedDict[tuple[str, str], _Kept] = OrderedDict()  # by token

    def _fresh(self, kept: _Kept | None, *topics: str) -> bool:
        if kept is None or not self.versions.unchanged(kept.stamp, *topics):
            return False
        return self.max_age is None or time.monotonic() - kept.at < self.max_age

    async def account(self, connect: Callable[[], Any], account_id: str) -> AccountView:
        kept = self._accounts.get(account_id)
        if self._fresh(kept, ACCOUNT):
            assert kept is not None
            value: AccountView = kept.value
            return value
        stamp, at = self.versions.stamp(), time.monotonic()
        view = await read_account_view(await connect(), account_id)
        if self.versions.unchanged(stamp, ACCOUNT):
            _put(self._accounts, account_id, _Kept(stamp, at, view), _ACCOUNTS_KEPT)
        return view

    async def visitor(
        self, connect: Callable[[], Any], account_id: str, token: str
    ) -> KnownVisitor | None:
        # By the token itself, not its hash (a hash per page view costs more than the rest
        # of the lookup): the kept request bodies (api/body.py) hold the same tokens.
        key = (account_id, token)
        kept = self._visitors.get(key)
        if kept is not None and self._fresh(kept, VISITORS, kept.value.topic):
            found: KnownVisitor = kept.value
            return found
        stamp, at = self.versions.stamp(), time.monotonic()
        known = await read_visitor(await connect(), account_id, token)
        if known is not None and self.versions.unchanged(stamp, VISITORS, known.topic):
            _put(self._visitors, key, _Kept(stamp, at, known), _VISITORS_KEPT)
        return known


_EXTRAS_KEY = "page-view-cache"


def keep_page_views(extras: dict[str, Any], cache: PageViewCache) -> None:
    """Make ``cache`` the process's kept page-view reads (``Server.extras``)."""
    extras[_EXTRAS_KEY] = cache


def kept_page_views(extras: dict[str, Any]) -> PageViewCache | None:
    """The process's kept page-view reads, if it keeps any (a server started without its
    write watch reads everything afresh)."""
    cache = extras.get(_EXTRAS_KEY)
    return cache if isinstance(cache, PageViewCache) else None


def _put(kept: OrderedDict[Any, _Kept], key: Any, value: _Kept, limit: int) -> None:
    kept[key] = value
    kept.move_to_end(key)
    if len(kept) > limit:
        kept.popitem(last=False)


async def relay_writes(versions: Versions, broadcast: Broadcast, live: asyncio.Event) -> None:
    """Tell the other processes the topics this one's writes move, and move theirs here,
    until cancelled. ``live`` is set once the others' writes are heard."""
    me = uuid.uuid4().hex
    pending: set[asyncio.Task[None]] = set()

    def tell(topics: frozenset[str]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a connection let go outside the loop (at exit): no one to tell
            return
        task = loop.create_task(
            broadcast.publish(WRITES_CHANNEL, {"from": me, "topics": sorted(topics)})
        )
        pending.add(task)
        task.add_done_callback(pending.discard)

    async with broadcast.subscribe(WRITES_CHANNEL) as events:
        versions.on_committed = tell
        live.set()
        try:
            while True:
                event = await events.get()
                if event.get("from") != me:
                    versions.move(str(topic) for topic in event.get("topics", ()))
        finally:
            versions.on_committed = None
