"""A transaction begun only when first needed: a page view answered from kept reads
(:mod:`..services.page_view_cache`) takes no connection from the pool at all."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["OnDemandTransaction"]


class OnDemandTransaction:
    """``async with OnDemandTransaction(engine) as connect: db = await connect()`` — the
    transaction, begun at the first ``connect()``, commits when the block ends (rolls back
    on an exception)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._begun: Any = None
        self._connection: AsyncConnection | None = None

    async def __call__(self) -> AsyncConnection:
        if self._connection is None:
            self._begun = self._engine.begin()
            self._connection = await self._begun.__aenter__()
        return self._connection

    async def __aenter__(self) -> OnDemandTransaction:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        if self._begun is None:
            return None
        begun, self._begun, self._connection = self._begun, None, None
        result: bool | None = await begun.__aexit__(kind, error, traceback)
        return result
