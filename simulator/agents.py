"""Agents at work (SIM3): shifts and breaks, and how fast they handle several chats at once.

- :func:`shift_changes` turns an agent group's shifts and breaks (wall-clock times in the
  scenario's time zone, correct across daylight-saving changes) into the status changes of
  the run: ``available`` on shift, ``away`` on a break, ``offline`` off shift.
  :func:`agent_shift` is the SimPy process that applies them, one per agent.
- :class:`Workload` is one agent's processor sharing: while the agent holds ``k`` chats,
  each progresses at ``speed(k)`` (the scenario's :class:`~simulator.scenario.SpeedCurve`).
  Each chat's work is its handling time at speed 1; the workload keeps a *virtual clock*
  ``V(t) = ∫ speed(k(s)) ds`` and a heap of finishing points ``V_start + work``, so a change
  of ``k`` rescales every chat's remaining work at once, in O(log k), without touching the
  chats. The next completion is at ``(min finish - V) / speed(k)`` from now.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Generator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import simpy

from reference_server.domain.chatflow import Weekday, parse_hhmm
from reference_server.domain.routing import AgentStatus

from .scenario import Shift, SpeedCurve

__all__ = ["Workload", "agent_shift", "shift_changes", "speed_table"]

_WEEKDAYS = tuple(Weekday)


def speed_table(curve: SpeedCurve, capacity: int) -> list[float]:
    """``table[k]`` is each chat's speed while holding ``k`` chats (``table[0]`` unused)."""
    return [0.0] + [curve.speed(k) for k in range(1, capacity + 1)]


class Workload:
    """The chats one agent holds, progressing by processor sharing (see the module doc)."""

    __slots__ = ("_heap", "_order", "_since", "_speeds", "_virtual")

    def __init__(self, speeds: list[float]) -> None:
        self._speeds = speeds
        self._virtual = 0.0
        self._since = 0.0
        self._heap: list[tuple[float, int, Any]] = []
        self._order = 0  # ties between equal finishing points go first-come first

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, now: float, chat: Any, work: float) -> bool:
        """Start ``chat`` with ``work`` minutes of work (at speed 1). Returns whether the
        time of the next completion may have changed (a new completion must be scheduled)."""
        heap = self._heap
        k = len(heap)
        speeds = self._speeds
        if k:  # the virtual clock moved at speed(k) since the last change
            self._virtual += speeds[k] * (now - self._since)
        self._since = now
        finish = self._virtual + work
        changed = not k or speeds[k] != speeds[k + 1] or finish < heap[0][0]
        self._order += 1
        heapq.heappush(heap, (finish, self._order, chat))
        return changed

    def pop_next(self, now: float) -> tuple[Any, bool]:
        """Remove the chat that finishes first (it finishes ``now``); returns it and whether
        any chat is left."""
        heap = self._heap
        self._virtual += self._speeds[len(heap)] * (now - self._since)
        self._since = now
        chat = heapq.heappop(heap)[2]
        return chat, bool(heap)

    def remove(self, now: float, chat: Any) -> bool:
        """Take ``chat`` away before its work is done (its agent closed it); returns whether
        any chat is left."""
        heap = self._heap
        self._virtual += self._speeds[len(heap)] * (now - self._since)
        self._since = now
        heap[:] = [entry for entry in heap if entry[2] is not chat]
        heapq.heapify(heap)
        return bool(heap)

    def next_delay(self) -> float:
        """Minutes until the next chat finishes (the workload must not be empty)."""
        heap = self._heap
        return max((heap[0][0] - self._virtual) / self._speeds[len(heap)], 0.0)

    def take_all(self, now: float) -> list[tuple[Any, float]]:
        """Empty the workload at ``now``: each chat with the work it has left (at speed 1),
        first to finish first."""
        heap = self._heap
        if heap:
            self._virtual += self._speeds[len(heap)] * (now - self._since)
        self._since = now
        virtual = self._virtual
        taken = [(chat, max(finish - virtual, 0.0)) for finish, _, chat in sorted(heap)]
        heap.clear()
        return taken

    def chats(self) -> list[Any]:
        """The chats held, in no particular order."""
        return [entry[2] for entry in self._heap]


# ---------------------------------------------------------------- shifts and breaks


def _minutes(moment: datetime, start_utc: datetime) -> float:
    return (moment.astimezone(UTC) - start_utc).total_seconds() / 60.0


def _wall(day: date, minute_of_day: int, zone: ZoneInfo) -> datetime:
    # "24:00" (1440) and overnight ends land on the next day; wall time, DST-aware.
    naive = datetime.combine(day, time()) + timedelta(minutes=minute_of_day)
    return naive.replace(tzinfo=zone)


def shift_changes(
    shifts: Sequence[Shift], start_utc: datetime, zone: ZoneInfo, duration: float
) -> list[tuple[float, AgentStatus]]:
    """The status changes of an agent over ``[0, duration)`` minutes, starting with the
    status at minute 0. No shifts: available all the time. Overlapping shifts merge; a break
    counts only inside a shift."""
    if not shifts:
        return [(0.0, AgentStatus.AVAILABLE)]
    first = start_utc.astimezone(zone).date() - timedelta(days=1)
    last = (start_utc + timedelta(minutes=duration)).astimezone(zone).date()
    on: list[tuple[float, float]] = []
    away: list[tuple[float, float]] = []
    day = first
    while day <= last:
        weekday = _WEEKDAYS[day.weekday()]
        for shift in shifts:
            if weekday not in shift.days:
                continue
            begin = parse_hhmm(shift.start)
            end = parse_hhmm(shift.end)
            if end <= begin:
                end += 1440  # through midnight
            on.append(
                (
                    _minutes(_wall(day, begin, zone), start_utc),
                    _minutes(_wall(day, end, zone), start_utc),
                )
            )
            for pause in shift.breaks:
                at = parse_hhmm(pause.start)
                if at < begin:
                    at += 1440  # a break after midnight in an overnight shift
                pause_start = _wall(day, at, zone)
                away.append(
                    (
                        _minutes(pause_start, start_utc),
                        _minutes(pause_start, start_utc) + pause.minutes,
                    )
                )
        day += timedelta(days=1)
    points = sorted({0.0, *(p for span in on + away for p in span if 0.0 < p < duration)})

    def status_at(moment: float) -> AgentStatus:
        if not any(a <= moment < b for a, b in on):
            return AgentStatus.OFFLINE
        if any(a <= moment < b for a, b in away):
            return AgentStatus.AWAY
        return AgentStatus.AVAILABLE

    changes: list[tuple[float, AgentStatus]] = []
    for moment in points:
        status = status_at(moment)
        if not changes or changes[-1][1] is not status:
            changes.append((moment, status))
    return changes


def agent_shift(
    env: simpy.Environment,
    changes: Sequence[tuple[float, AgentStatus]],
    set_status: Callable[[AgentStatus], None],
) -> Generator[simpy.Event, Any, None]:
    """An agent's working day(s): at each change, the agent's status becomes the new one
    (``set_status`` tells the chat centre, which routes waiting chats when it can)."""
    for moment, status in changes:
        if moment > env.now:
            yield env.timeout(moment - env.now)
        set_status(status)
