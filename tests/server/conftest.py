"""Fixtures for the server's integration tests: a fresh SQLite file per test, the app driven
in-process (Starlette's TestClient), and an account with an admin, an agent and an API key.

``server_settings`` is the one place the database is chosen: a SQLite file, or with
``LIVECHAT_TEST_DATABASE=postgresql`` a fresh database on the local PostgreSQL server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
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

from ..databases import drop_session_database, emptied_postgres_database

START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC
JSON = {"content-type": "application/json"}  # for bodies sent as raw bytes


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


@contextmanager
def running_api(settings: Settings, account: NewAccount) -> Iterator[Api]:
    """The app on ``settings`` (its lifespan running, its clock stopped at START) with the
    admin logged in by bearer token; the client keeps no cookie (each test says which
    credentials it sends)."""
    clock = ControllableClock(START, running=False)
    with TestClient(create_app(settings, clock=clock)) as client:
        login = client.post(
            "/api/v1/auth/login", json={"email": "admin@acme.test", "password": "correct horse"}
        )
        assert login.status_code == 200, login.text
        client.cookies.clear()
        yield Api(
            client=client,
            account=account,
            clock=clock,
            admin_headers={"Authorization": f"Bearer {login.json()['token']}"},
            key_headers={"Authorization": f"Bearer {account.api_key}"},
        )


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_database_at_the_end() -> Iterator[None]:
    yield
    drop_session_database()


def on_postgresql() -> bool:
    return os.environ.get("LIVECHAT_TEST_DATABASE") == "postgresql"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, NewAccount]:
    """A migrated SQLite file with the test account, made once; each test gets a copy
    (migrations and password hashing are the slow part of a fresh database)."""
    path = tmp_path_factory.mktemp("template") / "livechat.db"
    account = bootstrap(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    return path, account


@pytest.fixture
def server_settings(tmp_path: Path) -> Settings:
    """SQLite file by default; ``LIVECHAT_TEST_DATABASE=postgresql`` runs the same tests on
    the local PostgreSQL server (``make test`` does both)."""
    if on_postgresql():
        return Settings(database_url=emptied_postgres_database(), test_controls=True)
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'livechat.db'}", test_controls=True
    )


@pytest.fixture
def test_account(server_settings: Settings, request: pytest.FixtureRequest) -> NewAccount:
    """The account every server test starts with, in ``server_settings``' database."""
    if on_postgresql():
        return bootstrap(server_settings)
    template, account = request.getfixturevalue("_sqlite_template")
    target = server_settings.sqlite_path()
    assert target is not None
    shutil.copyfile(template, target)
    return account


@pytest.fixture
def api(server_settings: Settings, test_account: NewAccount) -> Iterator[Api]:
    account = test_account
    with running_api(server_settings, account) as api:
        yield api
