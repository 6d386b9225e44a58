"""Counters for the abuse limits — in this process, or in Redis so that every worker sees the
same counts (``LIVECHAT_REDIS_URL``):

- :meth:`hit`: events in a fixed time window (rate limits);
- :meth:`streak`: events each following the one before within a time (failed log-ins);
- :meth:`until` / :meth:`block`: something refused until an instant (log-in back-off).

Instants are seconds of the server's own clock (``now`` is passed in), so a test that drives
the clock drives the limits too; Redis's expiry only clears old keys away.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from redis.asyncio import Redis

__all__ = ["LocalCounters", "RedisCounters", "open_counters"]

PREFIX = "livechat:limit:"
MAX_LOCAL_KEYS = 100_000  # beyond this, old entries are dropped

_STREAK = """
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '-1e18')
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
if tonumber(ARGV[1]) - last > tonumber(ARGV[2]) then count = 0 end
count = count + 1
redis.call('HSET', KEYS[1], 'count', count, 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return count
"""


class LocalCounters:
    """One process's counters (a single worker)."""

    def __init__(self) -> None:
        self._hits: dict[str, tuple[int, int]] = {}  # key → (window number, count)
        self._streaks: dict[str, tuple[float, int]] = {}  # key → (last event, count)
        self._until: dict[str, float] = {}

    async def hit(self, key: str, window: int, now: float) -> tuple[int, float]:
        """Count one event; the count in the current window and the seconds it has left."""
        number = math.floor(now / window)
        seen, count = self._hits.get(key, (number, 0))
        count = count + 1 if seen == number else 1
        if len(self._hits) > MAX_LOCAL_KEYS:
            self._hits = {k: v for k, v in self._hits.items() if v[0] >= number}
        self._hits[key] = (number, count)
        return count, (number + 1) * window - now

    async def streak(self, key: str, within: int, now: float) -> int:
        """Count one event: how many in a row, each within ``within`` seconds of the last."""
        last, count = self._streaks.get(key, (now, 0))
        count = count + 1 if now - last <= within else 1
        if len(self._streaks) > MAX_LOCAL_KEYS:
            self._streaks = {k: v for k, v in self._streaks.items() if now - v[0] <= within}
        self._streaks[key] = (now, count)
        return count

    async def until(self, key: str) -> float | None:
        return self._until.get(key)

    async def block(self, key: str, until: float, ttl: int) -> None:
        if len(self._until) > MAX_LOCAL_KEYS:
            self._until.clear()
        self._until[key] = until

    async def forget(self, *keys: str) -> None:
        """End the streaks and blocks named ``keys``."""
        for key in keys:
            self._until.pop(key, None)
            self._streaks.pop(key, None)

    async def clear(self) -> None:
        self._hits.clear()
        self._streaks.clear()
        self._until.clear()

    async def close(self) -> None:
        pass


class RedisCounters:
    """Counters every worker shares."""

    def __init__(self, url: str, namespace: str) -> None:
        self._redis: Redis = Redis.from_url(url)
        self._streak = self._redis.register_script(_STREAK)
        self._prefix = f"{PREFIX}{namespace}:"

    async def hit(self, key: str, window: int, now: float) -> tuple[int, float]:
        number = math.floor(now / window)
        name = f"{self._prefix}hit:{key}:{number}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window * 2 + 60)
        count, _ = await pipe.execute()
        return int(count), (number + 1) * window - now

    async def streak(self, key: str, within: int, now: float) -> int:
        count = await self._streak(
            keys=[f"{self._prefix}streak:{key}"], args=[repr(now), within, within * 2 + 60]
        )
        return int(count)

    async def until(self, key: str) -> float | None:
        value: Any = await self._redis.get(f"{self._prefix}until:{key}")
        return None if value is None else float(value)

    async def block(self, key: str, until: float, ttl: int) -> None:
        await self._redis.set(f"{self._prefix}until:{key}", repr(until), ex=max(1, ttl))

    async def forget(self, *keys: str) -> None:
        names = [f"{self._prefix}{kind}:{key}" for key in keys for kind in ("until", "streak")]
        if names:
            await self._redis.delete(*names)

    async def clear(self) -> None:
        names = [name async for name in self._redis.scan_iter(match=f"{self._prefix}*", count=500)]
        if names:
            await self._redis.delete(*names)

    async def close(self) -> None:
        await self._redis.aclose()


def open_counters(redis_url: str | None, database_url: str) -> LocalCounters | RedisCounters:
    """Redis counters when there is Redis, named apart per database (the servers sharing a
    database share their limits; other deployments on the same Redis do not)."""
    if not redis_url:
        return LocalCounters()
    return RedisCounters(redis_url, hashlib.sha256(database_url.encode()).hexdigest()[:12])
