"""Contacts: the people visitors turn out to be (BD2, OP5, OP6, RT4, TG4).

Addresses are stored as :func:`~reference_server.domain.conversation.normalise_email` gives
them (domain lower-cased, local part as typed) and matched as the domain says: the whole
address, ignoring case (:func:`~reference_server.domain.conversation.email_key`). One
address belongs to at most one contact of an account.

Exceptions: ``InvalidEmail`` (from the domain) for a bad address, :class:`ContactExists` when
another contact of the account already has it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.conversation import email_key, normalise_email
from ..secrets import new_id
from . import schema as t

__all__ = [
    "ContactExists",
    "add_subscription",
    "create_contact",
    "delete_contact",
    "find_contact_by_email",
    "get_contact",
    "list_contacts",
    "update_contact",
]

_c = t.contacts


class ContactExists(ValueError):
    """Another contact of the account has this email address."""

    def __init__(self, contact_id: str) -> None:
        super().__init__(f"contact {contact_id} already has this email address")
        self.contact_id = contact_id


def _by_email(email: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(_c.c.email) == email_key(email)


async def list_contacts(
    db: AsyncConnection,
    account_id: str,
    *,
    email: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """The account's contacts, oldest first; ``email`` narrows to the one with that address."""
    query = sa.select(_c).where(_c.c.account_id == account_id)
    if email is not None:
        query = query.where(_by_email(email))
    rows = (
        (await db.execute(query.order_by(_c.c.created_at, _c.c.id).limit(limit).offset(offset)))
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


async def get_contact(
    db: AsyncConnection, account_id: str, contact_id: str
) -> dict[str, Any] | None:
    row = (
        (
            await db.execute(
                sa.select(_c).where(_c.c.account_id == account_id, _c.c.id == contact_id)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def find_contact_by_email(
    db: AsyncConnection, account_id: str, email: str
) -> dict[str, Any] | None:
    """BD2, CV7: the contact whose address equals ``email`` ignoring case, or None."""
    row = (
        (
            await db.execute(
                sa.select(_c).where(_c.c.account_id == account_id, _by_email(email)).limit(1)
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def _refuse_taken(
    db: AsyncConnection, account_id: str, email: str, contact_id: str | None = None
) -> None:
    existing = await find_contact_by_email(db, account_id, email)
    if existing is not None and existing["id"] != contact_id:
        raise ContactExists(existing["id"])


async def create_contact(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    email: str | None,
    name: str = "",
    owner_id: str | None = None,
    properties: Mapping[str, str] | None = None,
    marketing: bool = False,
    subscriptions: Sequence[str] = (),
) -> dict[str, Any]:
    """A new contact. ``email`` is normalised (``InvalidEmail`` when it is not an address)
    and must be free in the account (``ContactExists``). The caller checks ``owner_id`` is a
    user of the account. ``marketing`` is OP6; ``subscriptions`` the OP5 types agreed to."""
    address = normalise_email(email) if email is not None else None
    if address is not None:
        await _refuse_taken(db, account_id, address)
    row = {
        "id": new_id("con"),
        "account_id": account_id,
        "email": address,
        "name": name,
        "owner_id": owner_id,
        "properties": dict(properties or {}),
        "marketing": marketing,
        "subscriptions": list(dict.fromkeys(subscriptions)),
        "created_at": now,
    }
    await db.execute(_c.insert().values(**row))
    return row


async def update_contact(
    db: AsyncConnection, account_id: str, contact_id: str, values: Mapping[str, Any]
) -> None:
    """Set fields of a contact (``email`` normalised and checked as in create)."""
    row = dict(values)
    if row.get("email") is not None:
        row["email"] = normalise_email(row["email"])
        await _refuse_taken(db, account_id, row["email"], contact_id)
    if "properties" in row:
        row["properties"] = dict(row["properties"])
    if "subscriptions" in row:
        row["subscriptions"] = list(dict.fromkeys(row["subscriptions"]))
    if row:
        await db.execute(
            _c.update().where(_c.c.account_id == account_id, _c.c.id == contact_id).values(**row)
        )


async def add_subscription(
    db: AsyncConnection, account_id: str, contact_id: str, subscription_type: str
) -> None:
    """OP5: the contact agreed to ``subscription_type`` (already there: nothing changes)."""
    contact = await get_contact(db, account_id, contact_id)
    if contact is None:
        raise LookupError(f"no contact {contact_id!r}")
    if subscription_type not in contact["subscriptions"]:
        await update_contact(
            db,
            account_id,
            contact_id,
            {"subscriptions": [*contact["subscriptions"], subscription_type]},
        )


async def delete_contact(db: AsyncConnection, account_id: str, contact_id: str) -> None:
    """Remove a contact (visitors and conversations keep existing, no longer linked)."""
    await db.execute(_c.delete().where(_c.c.account_id == account_id, _c.c.id == contact_id))
