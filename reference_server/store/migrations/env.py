"""Alembic environment. The server runs migrations itself at start, handing Alembic an open
connection (``config.attributes["connection"]``); ``alembic`` on the command line works too,
with the URL from ``LIVECHAT_DATABASE_URL`` (a sync driver is used for the CLI)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from reference_server.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("LIVECHAT_DATABASE_URL", "sqlite+aiosqlite:///var/livechat.db")
    sync_url = url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg")
    with create_engine(sync_url).connect() as sync_connection:
        _run(sync_connection)
        sync_connection.commit()
