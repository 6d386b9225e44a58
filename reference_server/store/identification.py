"""Visitor identification tokens (CV7, OP8).

A site's own server asks for a token for one of its logged-in users' email address (API key
only), and hands email and token to the widget on its pages; the widget sends both with its
config request, and the visitor is treated as that contact. Tokens are stored hashed and are
valid for :data:`~reference_server.domain.conversation.IDENTIFICATION_TOKEN_LIFETIME` (12 h)
from when they were issued (domain ``token_valid``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.conversation import email_key, token_expires_at, token_valid
from ..secrets import hash_secret, new_secret
from . import contacts
from . import schema as t

__all__ = ["create_identification_token", "resolve_identification"]

_tok = t.identification_tokens


async def create_identification_token(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
) -> tuple[str, datetime]:
    """A new token for ``email`` (already normalised) and when it expires. The token is
    shown once: only its hash is stored."""
    token = new_secret("lci")
    expires_at = token_expires_at(now)
    await db.execute(
        _tok.insert().values(
            token_hash=hash_secret(token),
            account_id=account_id,
            email=email,
            first_name=first_name,
            last_name=last_name,
            expires_at=expires_at,
            created_at=now,
        )
    )
    return token, expires_at


async def resolve_identification(
    db: AsyncConnection, account_id: str, email: str, token: str, now: datetime
) -> str | None:
    """CV7: the id of the contact that ``email`` + ``token`` identify — created when the
    account has no contact with that address — or ``None`` when the token is unknown, was
    issued for another address or account, or has expired."""
    row = (
        await db.execute(
            sa.select(_tok).where(
                _tok.c.token_hash == hash_secret(token), _tok.c.account_id == account_id
            )
        )
    ).first()
    if row is None or email_key(row.email) != email_key(email):
        return None
    if not token_valid(row.created_at, now):
        return None
    contact: dict[str, Any] | None = await contacts.find_contact_by_email(db, account_id, row.email)
    if contact is None:
        name = f"{row.first_name} {row.last_name}".strip()
        contact = await contacts.create_contact(db, account_id, now, email=row.email, name=name)
    return str(contact["id"])
