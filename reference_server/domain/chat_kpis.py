"""Chat KPIs over a window, as the simulator counts them (SIM6), from what a server stores.

A chat counts in the window it *arrived* in. For each chat the caller passes when it arrived,
when an agent took it (if one did) and when it ended (if it did), all as seconds on one
clock, plus the end of the window (``now``: chats still waiting are waiting until then):

- ``answered``: an agent took it; its wait is from arrival to being taken.
- ``abandoned``: it ended before anyone took it (the visitor left the queue); its wait is
  until it ended.
- ``waiting``: nobody has taken it and it has not ended.
- ``offered`` = answered + abandoned; ``service_level`` = answered within the threshold /
  offered (Erlang A's count: abandoned chats stay in the denominator); ``abandonment`` =
  abandoned / offered; ``mean_wait`` over offered chats; wait percentiles over offered chats
  (linear between ranks, as numpy's default). A ratio over nothing is ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["ChatTimes", "ChatKpis", "chat_kpis", "percentile"]

WAIT_PERCENTILES = (50.0, 90.0, 95.0)
_SLACK = 1e-9  # waits come from subtracting timestamps


@dataclass(frozen=True)
class ChatTimes:
    """One chat's moments, in seconds on one clock (``None``: not happened)."""

    arrived: float
    taken: float | None = None
    ended: float | None = None


@dataclass(frozen=True)
class ChatKpis:
    chats: int
    offered: int
    answered: int
    abandoned: int
    waiting: int
    answered_in_time: int
    service_level: float | None
    abandonment: float | None
    mean_wait_seconds: float | None
    wait_percentiles_seconds: tuple[tuple[float, float | None], ...]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) of ``values``, linear between ranks; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * min(max(q, 0.0), 100.0) / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def chat_kpis(
    chats: Iterable[ChatTimes],
    *,
    service_level_seconds: float,
    percentiles: Sequence[float] = WAIT_PERCENTILES,
) -> ChatKpis:
    """The KPIs of ``chats`` (those that arrived in the window)."""
    total = answered = abandoned = waiting = in_time = 0
    waits: list[float] = []
    for chat in chats:
        total += 1
        if chat.taken is not None:
            wait = max(chat.taken - chat.arrived, 0.0)
            answered += 1
            in_time += wait <= service_level_seconds + _SLACK
            waits.append(wait)
        elif chat.ended is not None:
            abandoned += 1
            waits.append(max(chat.ended - chat.arrived, 0.0))
        else:
            waiting += 1
    offered = answered + abandoned
    return ChatKpis(
        chats=total,
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        waiting=waiting,
        answered_in_time=in_time,
        service_level=_share(in_time, offered),
        abandonment=_share(abandoned, offered),
        mean_wait_seconds=sum(waits) / len(waits) if waits else None,
        wait_percentiles_seconds=tuple((q, percentile(waits, q)) for q in percentiles),
    )
