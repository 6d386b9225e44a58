"""Fixtures for the server's integration tests: a fresh SQLite file per test, the app driven
in-process (Starlette's TestClient), and an account with an admin, an agent and an API key.

``server_settings`` is the one place the database is chosen; tests marked ``postgres`` run
against the local PostgreSQL server as well (see tests/server/test_postgres.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reference_server.app import create_app
from reference_server.clock import ControllableClock
from reference_server.settings import Settings
from reference_server.store.bootstrap import NewAccount, create_account
from reference_server.store.database import migrate, open_engine

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


@dataclass
class Api:
    """A test client with the account it works on, and bearer headers for each role."""

    client: TestClient
    account: NewAccount
    clock: ControllableClock
    admin_headers: dict[str, str]
    key_headers: dict[str, str]


def bootstrap(settings: Settings) -> NewAccount:
    async def run() -> NewAccount:
        engine = open_engine(settings)
        try:
            await migrate(engine)
            return await create_account(
                engine,
                START,
                name="Acme",
                admin_email="admin@acme.test",
                admin_password="correct horse",
                company_name="Acme AS",
                domain="acme.test",
                timezone="Europe/Oslo",
            )
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'livechat.db'}", test_controls=True
    )


@pytest.fixture
def api(server_settings: Settings) -> Iterator[Api]:
    account = bootstrap(server_settings)
    clock = ControllableClock(START, running=False)
    with TestClient(create_app(server_settings, clock=clock)) as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": "admin@acme.test", "password": "correct horse"}
        )
        assert login.status_code == 200, login.text
        client.cookies.clear()  # each test says which credentials it sends
        yield Api(
            client=client,
            account=account,
            clock=clock,
            admin_headers={"Authorization": f"Bearer {login.json()['token']}"},
            key_headers={"Authorization": f"Bearer {account.api_key}"},
        )
