"""The account (CF2, CF5, OP5) and its API keys (server-to-server callers).

The account row holds the names the consent texts are built from (OP5: company name, account
name, domain), the time zone, and the first-time widget set-up (CF2) as the plain-dict form of
:class:`~reference_server.domain.chatflow.AccountDefaults`. New chatflows start from
:func:`account_defaults`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import AccountDefaults
from ..domain.codec import from_dict, to_dict
from ..secrets import hash_secret, new_id, new_secret
from . import schema as t

__all__ = [
    "API_KEY_AREAS",
    "API_KEY_SCOPES",
    "account_defaults",
    "create_api_key",
    "delete_api_key",
    "get_account",
    "list_api_keys",
    "update_account",
]

_KEY_COLUMNS = (
    t.api_keys.c.id,
    t.api_keys.c.name,
    t.api_keys.c.scopes,
    t.api_keys.c.expires_at,
    t.api_keys.c.created_at,
)

# What an API key may reach: the first part of the path under /api/v1 → its scope's name.
# ``<area>:read`` allows GET, ``<area>:write`` everything (reading included).
API_KEY_AREAS = {
    "chatflows": "chatflows",
    "knowledge-bases": "knowledge",
    "surveys": "surveys",
    "contacts": "contacts",
    "conversations": "conversations",
    "tickets": "tickets",
    "visitor-identification": "identification",
    "reports": "reports",
}
API_KEY_SCOPES = tuple(
    f"{area}:{access}"
    for area in dict.fromkeys(API_KEY_AREAS.values())
    for access in ("read", "write")
    # creating tokens is all there is; reports are only read
    if (area, access) not in {("identification", "read"), ("reports", "write")}
)


_ACCOUNT = sa.select(t.accounts).where(t.accounts.c.id == sa.bindparam("account_id"))  # per view


async def get_account(db: AsyncConnection, account_id: str) -> dict[str, Any]:
    """The account as a dict (``widget_defaults`` always filled in); ``LookupError`` when
    there is no such account (a logged-in principal's account always exists)."""
    row = (await db.execute(_ACCOUNT, {"account_id": account_id})).mappings().first()
    if row is None:
        raise LookupError(f"no account {account_id!r}")
    account = dict(row)
    account["widget_defaults"] = to_dict(_defaults_of(row["widget_defaults"]))
    return account


async def account_defaults(db: AsyncConnection, account_id: str) -> AccountDefaults:
    """CF2: the widget set-up new chatflows start from (the product defaults when none is
    stored). ``LookupError`` when there is no such account."""
    stored = (
        await db.execute(
            sa.select(t.accounts.c.widget_defaults).where(t.accounts.c.id == account_id)
        )
    ).first()
    if stored is None:
        raise LookupError(f"no account {account_id!r}")
    return _defaults_of(stored.widget_defaults)


def _defaults_of(stored: Any) -> AccountDefaults:
    # Stored data was validated when written; None means "never set up".
    if stored is None:
        return AccountDefaults()
    return _decoded_defaults(json.dumps(stored, sort_keys=True, separators=(",", ":")))


@functools.lru_cache(maxsize=256)
def _decoded_defaults(stored: str) -> AccountDefaults:
    """Decoded once per distinct stored value (every page view reads the account; the
    domain object is frozen)."""
    return from_dict(AccountDefaults, json.loads(stored))


async def update_account(db: AsyncConnection, account_id: str, values: Mapping[str, Any]) -> None:
    """Set columns of the account; ``widget_defaults`` may be given as ``AccountDefaults``."""
    row = dict(values)
    if isinstance(row.get("widget_defaults"), AccountDefaults):
        row["widget_defaults"] = to_dict(row["widget_defaults"])
    if row:
        await db.execute(t.accounts.update().where(t.accounts.c.id == account_id).values(**row))


async def list_api_keys(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The account's API keys (never the keys themselves: only their hashes are stored)."""
    rows = (
        (
            await db.execute(
                sa.select(*_KEY_COLUMNS)
                .where(t.api_keys.c.account_id == account_id)
                .order_by(t.api_keys.c.created_at, t.api_keys.c.id)
                .limit(limit)
                .offset(offset)
            )
        )
        .mappings()
        .all()
    )
    return [dict(row) for row in rows]


async def create_api_key(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    name: str,
    scopes: Sequence[str],
    expires_at: datetime,
) -> tuple[dict[str, Any], str]:
    """A new key and its secret value (shown once: only the hash is stored)."""
    key = new_secret("lck")
    row = {
        "id": new_id("key"),
        "account_id": account_id,
        "name": name,
        "key_hash": hash_secret(key),
        "scopes": sorted(set(scopes)),
        "expires_at": expires_at,
        "created_at": now,
    }
    await db.execute(t.api_keys.insert().values(**row))
    return {k: v for k, v in row.items() if k not in ("key_hash", "account_id")}, key


async def delete_api_key(db: AsyncConnection, account_id: str, key_id: str) -> bool:
    """Revoke a key; False when the account has no such key."""
    result = await db.execute(
        t.api_keys.delete().where(t.api_keys.c.id == key_id, t.api_keys.c.account_id == account_id)
    )
    return result.rowcount > 0
