"""Creating an account with its first admin, API key and chat inbox: used by the demo data,
the ``livechat create-account`` command and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain.chatflow import AccountDefaults, AvailabilitySettings
from ..domain.codec import to_dict
from ..passwords import hash_password
from ..secrets import hash_secret, new_id, new_secret
from . import schema as t
from .accounts import API_KEY_SCOPES

__all__ = ["FIRST_KEY_LIFETIME", "NewAccount", "create_account"]

FIRST_KEY_LIFETIME = timedelta(days=365)  # the first API key has every scope


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    admin_id: str
    admin_email: str
    admin_password: str
    api_key: str  # shown once; only its hash is stored
    inbox_id: str


async def create_account(
    engine: AsyncEngine,
    now: datetime,
    *,
    name: str,
    admin_email: str,
    admin_password: str,
    admin_name: str = "Admin",
    company_name: str = "",
    domain: str = "",
    timezone: str = "UTC",
    account_id: str | None = None,
) -> NewAccount:
    account_id = account_id or new_id("acc")
    admin_id, inbox_id = new_id("usr"), new_id("inb")
    api_key = new_secret("lck")
    async with engine.begin() as db:
        await db.execute(
            t.accounts.insert().values(
                id=account_id,
                name=name,
                company_name=company_name,
                domain=domain,
                timezone=timezone,
                # New chatflows default to office hours in the account's own time zone.
                widget_defaults=to_dict(
                    AccountDefaults(availability=AvailabilitySettings(timezone=timezone))
                ),
                created_at=now,
            )
        )
        await db.execute(
            t.users.insert().values(
                id=admin_id,
                account_id=account_id,
                email=admin_email.lower(),
                name=admin_name,
                password_hash=hash_password(admin_password),
                role="admin",
                permissions=sorted({"chatflows", "users", "inbox"}),
                has_seat=True,
                status="offline",
                capacity=None,
                skills=[],
                idle_since=now,
                created_at=now,
            )
        )
        await db.execute(
            t.api_keys.insert().values(
                id=new_id("key"),
                account_id=account_id,
                name="default",
                key_hash=hash_secret(api_key),
                scopes=list(API_KEY_SCOPES),
                expires_at=now + FIRST_KEY_LIFETIME,
                created_at=now,
            )
        )
        await db.execute(
            t.inboxes.insert().values(
                id=inbox_id,
                account_id=account_id,
                kind="inbox",
                name="Chat inbox",
                chat_channel=True,
                created_at=now,
            )
        )
    return NewAccount(account_id, admin_id, admin_email.lower(), admin_password, api_key, inbox_id)
