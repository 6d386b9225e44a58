"""Helpers for the tests of the account and its people: more users, a second account, and
direct access to the database for setting the scene (conversations) and reading it back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from reference_server.domain.chatflow import BuildSettings, Chatflow, Workspace, chatflow_to_dict
from reference_server.secrets import new_id
from reference_server.settings import Settings
from reference_server.store import schema as t
from reference_server.store.bootstrap import NewAccount, create_account
from reference_server.store.database import open_engine

from .conftest import START, Api

T = TypeVar("T")
PASSWORD = "agent password"


def in_db(settings: Settings, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the test's database."""

    async def run() -> T:
        engine = open_engine(settings)
        try:
            async with engine.begin() as db:
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def other_account(settings: Settings) -> NewAccount:
    """A second account on the same server, for the cross-account cases."""

    async def run() -> NewAccount:
        engine = open_engine(settings)
        try:
            return await create_account(
                engine,
                START,
                name="Other",
                admin_email="boss@other.test",
                admin_password="other password",
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


def add_user(api: Api, email: str, **fields: Any) -> tuple[str, dict[str, str]]:
    """Create a user as the admin (a second after the one before, so lists have a stable
    order), log them in; their id and bearer headers."""
    api.clock.advance(timedelta(seconds=1))
    response = api.client.post(
        "/api/v1/users",
        headers=api.admin_headers,
        json={"email": email, "name": email.split("@")[0], "password": PASSWORD, **fields},
    )
    assert response.status_code == 201, response.text
    login = api.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    api.client.cookies.clear()
    return response.json()["id"], {"Authorization": f"Bearer {login.json()['token']}"}


def add_conversation(
    settings: Settings, account_id: str, *, assignee_id: str | None, status: str = "assigned"
) -> str:
    """A conversation (with its visitor) straight into the store."""
    conversation_id = new_id("cnv")

    async def work(db: AsyncConnection) -> None:
        visitor_id = new_id("vis")
        await db.execute(
            t.visitors.insert().values(
                id=visitor_id,
                account_id=account_id,
                token_hash=new_id("hash"),
                contact_id=None,
                identified=False,
                created_at=START,
                last_seen_at=START,
            )
        )
        await db.execute(
            t.conversations.insert().values(
                id=conversation_id,
                account_id=account_id,
                visitor_id=visitor_id,
                status=status,
                assignee_id=assignee_id,
                language="en",
                properties={},
                consent={},
                created_at=START,
            )
        )

    in_db(settings, work)
    return conversation_id


def add_chatflow(
    settings: Settings, account_id: str, name: str, workspace: Workspace, **build: Any
) -> str:
    """A chatflow (its settings in the stored plain-dict form) straight into the store;
    ``build`` replaces fields of its build section (e.g. ``assignment=...``)."""
    chatflow = Chatflow(
        id=new_id("cfl"), name=name, workspace=workspace, build=replace(BuildSettings(), **build)
    )

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.chatflows.insert().values(
                id=chatflow.id,
                account_id=account_id,
                name=name,
                published=False,
                priority=100,
                settings=chatflow_to_dict(chatflow),
                version=1,
                created_at=START,
                updated_at=START,
            )
        )

    in_db(settings, work)
    return chatflow.id
