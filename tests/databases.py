"""Real databases for tests: PostgreSQL databases on the local server.

``fresh_postgres_database`` makes a new database (a scale-out test shares it between server
processes); ``emptied_postgres_database`` hands out one database per test session, emptied
before each use — far faster than creating a database per test.

The PostgreSQL tests skip only outside CI when no server answers; in CI (``CI=true``) a
missing server is a failure, never a silent skip. ``scripts/start-services`` starts it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest

ADMIN_DSN = os.environ.get(
    "LIVECHAT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


async def _execute(sql: str) -> None:
    connection = await asyncpg.connect(ADMIN_DSN, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def require_postgres() -> None:
    """Skip (outside CI) or fail (in CI) unless the local PostgreSQL server answers."""
    try:
        asyncio.run(_execute("SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        message = f"PostgreSQL at {ADMIN_DSN} does not answer: {error}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the PostgreSQL tests)")
        pytest.skip(message)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database, dropped afterwards."""
    require_postgres()
    name = f"livechat_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
    base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


_SESSION_DATABASE: list[str] = []


async def _truncate_all(url: str) -> None:
    dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


def emptied_postgres_database() -> str:
    """One database for this test process, with every table emptied (schema kept)."""
    require_postgres()
    if not _SESSION_DATABASE:
        name = f"livechat_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_execute(f'CREATE DATABASE "{name}"'))
        base = ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        _SESSION_DATABASE.append(f"{base}/{name}")
    url = _SESSION_DATABASE[0]
    asyncio.run(_truncate_all(url))
    return url


def drop_session_database() -> None:
    if _SESSION_DATABASE:
        name = _SESSION_DATABASE.pop().rsplit("/", 1)[1]
        asyncio.run(_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
