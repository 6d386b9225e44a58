"""Visitors: a browser known by its visitor token (the ``messagesUtk`` value, or a token kept
for the page's session when cookies are not allowed), linked to a contact once known."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.consent import ConsentRecord
from ..secrets import hash_secret, new_id, new_secret
from . import schema as t

__all__ = [
    "consent_record",
    "create_visitor",
    "find_visitor",
    "link_contact",
    "save_consent_record",
    "touch_visitor",
    "visitor_seen_due",
]


_BY_TOKEN = sa.select(t.visitors).where(  # built once: read on every page view
    t.visitors.c.token_hash == sa.bindparam("token_hash"),
    t.visitors.c.account_id == sa.bindparam("account_id"),
)


async def find_visitor(db: AsyncConnection, account_id: str, token: str) -> dict[str, Any] | None:
    row = (
        (await db.execute(_BY_TOKEN, {"token_hash": hash_secret(token), "account_id": account_id}))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def create_visitor(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    contact_id: str | None = None,
    identified: bool = False,
) -> tuple[dict[str, Any], str]:
    """A new visitor and its token (shown once: only the hash is stored)."""
    token = new_secret("lcv")
    row = {
        "id": new_id("vis"),
        "account_id": account_id,
        "token_hash": hash_secret(token),
        "contact_id": contact_id,
        "identified": identified,
        "created_at": now,
        "last_seen_at": now,
    }
    await db.execute(t.visitors.insert().values(**row))
    return row, token


async def link_contact(
    db: AsyncConnection, visitor_id: str, contact_id: str, *, identified: bool | None = None
) -> None:
    values: dict[str, Any] = {"contact_id": contact_id}
    if identified is not None:
        values["identified"] = identified
    await db.execute(t.visitors.update().where(t.visitors.c.id == visitor_id).values(**values))


LAST_SEEN_PRECISION = timedelta(minutes=5)


def visitor_seen_due(visitor: Mapping[str, Any], now: datetime) -> bool:
    """Whether a widget load at ``now`` is to be written (see :func:`touch_visitor`)."""
    seen = visitor.get("last_seen_at")
    return seen is None or not timedelta(0) <= now - seen < LAST_SEEN_PRECISION


async def touch_visitor(db: AsyncConnection, visitor: Mapping[str, Any], now: datetime) -> None:
    """The visitor (their stored row) was seen (a widget load) at ``now``. Kept to
    :data:`LAST_SEEN_PRECISION`: a visitor browsing page after page does not make every
    page view a write."""
    if not visitor_seen_due(visitor, now):
        return
    await db.execute(
        t.visitors.update().where(t.visitors.c.id == visitor["id"]).values(last_seen_at=now)
    )


def consent_record(visitor: Mapping[str, Any] | None) -> ConsentRecord:
    """The visitor's remembered consent answers (none for a visitor not stored)."""
    if visitor is None:
        return ConsentRecord()
    return ConsentRecord(
        cookies=visitor.get("consent_cookies"),
        data_processing=bool(visitor.get("consent_data_processing")),
        data_processing_notice=str(visitor.get("consent_notice") or ""),
        communication=bool(visitor.get("consent_communication")),
    )


async def save_consent_record(
    db: AsyncConnection, visitor_id: str, before: ConsentRecord, after: ConsentRecord
) -> None:
    """Store what changed from ``before`` to ``after``, and only that: an answer given at
    the same moment elsewhere (another tab, the cookie banner) is not overwritten."""
    values: dict[str, Any] = {}
    if after.cookies != before.cookies:
        values["consent_cookies"] = after.cookies
    if (after.data_processing, after.data_processing_notice) != (
        before.data_processing,
        before.data_processing_notice,
    ):
        values["consent_data_processing"] = after.data_processing
        values["consent_notice"] = after.data_processing_notice
    if after.communication != before.communication:
        values["consent_communication"] = after.communication
    if values:
        await db.execute(t.visitors.update().where(t.visitors.c.id == visitor_id).values(**values))
