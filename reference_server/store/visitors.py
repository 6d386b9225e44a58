"""Visitors: a browser known by its visitor token (the ``messagesUtk`` value, or a token kept
for the page's session when cookies are not allowed), linked to a contact once known."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
]


async def find_visitor(db: AsyncConnection, account_id: str, token: str) -> dict[str, Any] | None:
    row = (
        (
            await db.execute(
                sa.select(t.visitors).where(
                    t.visitors.c.token_hash == hash_secret(token),
                    t.visitors.c.account_id == account_id,
                )
            )
        )
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
        "consent": None,
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


async def touch_visitor(db: AsyncConnection, visitor_id: str, now: datetime) -> None:
    """The visitor was seen (a widget load) at ``now``."""
    await db.execute(
        t.visitors.update().where(t.visitors.c.id == visitor_id).values(last_seen_at=now)
    )


def consent_record(visitor: Mapping[str, Any] | None) -> ConsentRecord:
    """The visitor's remembered consent answers (none for a visitor not stored)."""
    stored = (visitor or {}).get("consent") or {}
    cookies = stored.get("cookies")
    return ConsentRecord(
        cookies=cookies if isinstance(cookies, bool) else None,
        data_processing=stored.get("data_processing") is True,
        data_processing_notice=str(stored.get("data_processing_notice") or ""),
        communication=stored.get("communication") is True,
    )


async def save_consent_record(db: AsyncConnection, visitor_id: str, record: ConsentRecord) -> None:
    consent = {
        "cookies": record.cookies,
        "data_processing": record.data_processing,
        "data_processing_notice": record.data_processing_notice,
        "communication": record.communication,
    }
    await db.execute(
        t.visitors.update().where(t.visitors.c.id == visitor_id).values(consent=consent)
    )
