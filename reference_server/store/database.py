"""Opening the database: the async engine, SQLite's pragmas, and migrations at start.

Several workers starting at once on an empty database must not all create the tables (nor
all seed the demo): :func:`startup_lock` lets one at a time through — a PostgreSQL advisory
lock, or a lock file beside a SQLite database — and the ones after it find the work done.
"""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from ..settings import Settings
from .checkpoints import BACKSTOP_PAGES
from .sqlite_driver import connector

__all__ = ["alembic_config", "lock_timeout", "migrate", "open_engine", "startup_lock"]

MIGRATIONS = Path(__file__).parent / "migrations"
STARTUP_LOCK = 7_436_001  # the advisory lock's key: "start-up" of this application
SQLITE_POOL_SIZE = 64


def open_engine(settings: Settings) -> AsyncEngine:
    """The engine for ``settings.database_url``. SQLite files get WAL (readers never wait
    for the writer), foreign keys, a busy timeout (for other processes), calls made in the
    event loop and one writer at a time in this process (:mod:`.sqlite_driver`)."""
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    if not settings.is_sqlite:
        # At most 15 connections a worker: four workers stay under PostgreSQL's default
        # max_connections (100) with room to spare; a request beyond them waits its turn in
        # the pool rather than failing (with 30 a worker, four workers under load failed).
        return create_async_engine(
            settings.database_url, pool_size=10, max_overflow=5, pool_pre_ping=True
        )
    url = sa.make_url(settings.database_url)
    args, kwargs = url.get_dialect()().create_connect_args(url)
    # Connections are cheap to keep and dear to open (pragmas): enough for every request
    # in flight, so that none is opened and closed per request under load.
    on_file = url.database not in (None, "", ":memory:")
    pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE} if on_file else {}
    engine = create_async_engine(url, async_creator=connector(tuple(args), dict(kwargs)), **pool)
    sa.event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def lock_timeout(db: AsyncConnection, milliseconds: int) -> None:
    """For the rest of ``db``'s transaction, a statement that waits longer than this for a
    lock fails (PostgreSQL; SQLite's writers take turns on a queue instead)."""
    if db.dialect.name == "postgresql":
        await db.execute(
            sa.text("SELECT set_config('lock_timeout', :timeout, true)"),
            {"timeout": f"{int(milliseconds)}ms"},
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # checkpoints are the Checkpointer's (its thread); SQLite's own only past this backstop
    cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


def _upgrade(connection: sa.Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@asynccontextmanager
async def startup_lock(settings: Settings, engine: AsyncEngine) -> AsyncIterator[None]:
    """Hold the database's start-up lock (one starting worker at a time, across processes)."""
    path = settings.sqlite_path()
    if settings.is_sqlite:
        if path is None:  # an in-memory database belongs to one process
            yield
            return
        with (path.parent / f"{path.name}.startup-lock").open("a") as handle:
            await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return
    async with engine.connect() as connection:
        await connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK})
        try:
            yield
        finally:
            await connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK}
            )
