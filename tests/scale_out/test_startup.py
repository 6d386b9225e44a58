"""SE4: several workers starting at once on an empty database. Each worker's start-up runs
the migrations and (with ``--demo-data``) the demo seed; without a lock, 4 of 12 starts
with two workers died (``duplicate key … pg_type_typname_nsp_index``, ``pk_accounts``).
Here ``livechat serve --workers 4 --demo-data`` starts on a fresh PostgreSQL database ten
times, and on a fresh SQLite file twice: every worker comes up, nothing fails, the
schema and the demo account are there once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import asyncpg
import pytest

from ..databases import fresh_postgres_database
from ..live_server import free_port
from .test_two_servers import REDIS_URL, require_redis

WORKERS = 4


def serve(database_url: str, log: Path) -> None:
    """``livechat serve --workers 4 --demo-data``; returns once every worker has started
    (or fails with the log), then stops it."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    environment.update(LIVECHAT_DATABASE_URL=database_url, LIVECHAT_REDIS_URL=REDIS_URL)
    command = [str(Path(sys.executable).with_name("livechat")), "serve", "--port", str(port)]
    command += ["--workers", str(WORKERS), "--demo-data"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=environment, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120
        while log.read_text(errors="replace").count("Application startup complete") < WORKERS:
            text = log.read_text(errors="replace")
            assert process.poll() is None, f"the server exited:\n{text}"
            assert "Traceback" not in text and "ERROR" not in text, text
            assert time.monotonic() < deadline, f"not every worker started:\n{text}"
            time.sleep(0.2)  # waiting for processes to start, not for the system under test
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the server and its workers (its own group)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and "ERROR" not in text, text


async def _postgres_counts(url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        accounts = await connection.fetchval("SELECT count(*) FROM accounts")
        versions = await connection.fetchval("SELECT count(*) FROM alembic_version")
        return int(accounts), int(versions)
    finally:
        await connection.close()


@pytest.mark.feature("SE4")
@pytest.mark.parametrize("attempt", range(10))
def test_four_workers_start_on_an_empty_postgresql_database(tmp_path: Path, attempt: int) -> None:
    require_redis()
    with fresh_postgres_database() as database_url:
        serve(database_url, tmp_path / "serve.log")
        assert asyncio.run(_postgres_counts(database_url)) == (1, 1)  # the demo, one schema


@pytest.mark.feature("SE4")
@pytest.mark.parametrize("attempt", range(2))
def test_four_workers_start_on_an_empty_sqlite_file(tmp_path: Path, attempt: int) -> None:
    import sqlite3

    require_redis()
    path = tmp_path / "livechat.db"
    serve(f"sqlite+aiosqlite:///{path}", tmp_path / "serve.log")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM accounts").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
