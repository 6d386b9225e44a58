"""The server's one clock. Rules never read time themselves: the server asks its clock for
``now`` and passes it in. With the test controls on, scenario suites and browser tests set
or advance a :class:`ControllableClock` through an endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ControllableClock", "SystemClock"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ControllableClock:
    """Starts at the real time (or ``start``) and moves only when told to, except that
    ``running=True`` lets it tick on from the instant it was last set."""

    def __init__(self, start: datetime | None = None, *, running: bool = True) -> None:
        self._base = start or datetime.now(UTC)
        self._set_at = datetime.now(UTC)
        self.running = running

    def now(self) -> datetime:
        if not self.running:
            return self._base
        return self._base + (datetime.now(UTC) - self._set_at)

    def set(self, instant: datetime, *, running: bool | None = None) -> None:
        if instant.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware instant")
        self._base = instant.astimezone(UTC)
        self._set_at = datetime.now(UTC)
        if running is not None:
            self.running = running

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)
