"""SQLite in one process (store/sqlite_driver.py): statements run in the event loop and
write transactions take turns — none fails for a busy database, none waits for a reader,
and a transaction that fails or is cancelled lets the next one through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from reference_server.settings import Settings
from reference_server.store.database import open_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = open_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"))
    async with engine.begin() as db:
        await db.execute(sa.text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        await db.execute(sa.text("INSERT INTO counter VALUES (0)"))
        await db.execute(sa.text("CREATE TABLE taken (n INTEGER PRIMARY KEY)"))
    yield engine
    await engine.dispose()


async def take_number(engine: AsyncEngine, *, fail: bool = False) -> int:
    """The message store's pattern: raise the counter, yield to others, insert the number."""
    async with engine.begin() as db:
        number = (
            await db.execute(sa.text("UPDATE counter SET n = n + 1 RETURNING n"))
        ).scalar_one()
        await asyncio.sleep(0.001)  # other tasks run meanwhile and want to write too
        await db.execute(sa.text("INSERT INTO taken VALUES (:n)"), {"n": number})
        if fail:
            raise RuntimeError("the request failed after writing")
    return int(number)


async def taken(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as db:
        return list((await db.execute(sa.text("SELECT n FROM taken ORDER BY n"))).scalars())


async def test_concurrent_write_transactions_all_commit_with_gapless_numbers(
    engine: AsyncEngine,
) -> None:
    numbers = await asyncio.wait_for(asyncio.gather(*(take_number(engine) for _ in range(40))), 30)
    assert sorted(numbers) == list(range(1, 41))
    assert await taken(engine) == list(range(1, 41))


async def test_a_failed_transaction_stores_nothing_and_lets_the_next_one_write(
    engine: AsyncEngine,
) -> None:
    results = await asyncio.wait_for(
        asyncio.gather(
            take_number(engine),
            take_number(engine, fail=True),
            take_number(engine),
            return_exceptions=True,
        ),
        30,
    )
    assert isinstance(results[1], RuntimeError)
    assert await taken(engine) == [1, 2]  # the failed one's number went back with it


async def test_a_cancelled_writer_lets_the_next_one_write(engine: AsyncEngine) -> None:
    stuck = asyncio.Event()

    async def cancelled_midway() -> None:
        async with engine.begin() as db:
            await db.execute(sa.text("INSERT INTO taken VALUES (100)"))
            stuck.set()
            await asyncio.sleep(60)

    writer = asyncio.create_task(cancelled_midway())
    await stuck.wait()
    waiting = asyncio.create_task(take_number(engine))
    await asyncio.sleep(0.01)
    assert not waiting.done()  # the second writer waits its turn …
    writer.cancel()
    assert await asyncio.wait_for(waiting, 10) == 1  # … and gets it when the first is gone
    assert await taken(engine) == [1]


async def test_readers_do_not_wait_for_a_writer_and_see_only_what_is_committed(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as db:
        await db.execute(sa.text("INSERT INTO taken VALUES (7)"))
        assert await asyncio.wait_for(taken(engine), 5) == []
    assert await taken(engine) == [7]
