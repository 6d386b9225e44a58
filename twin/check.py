"""The twin check as one call: a window of a scenario, one replication of it recorded from
the simulator, replayed on the server, compared chat by chat (:func:`twin_check`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from simulator.experiment import replication_seeds
from simulator.scenario import Scenario, checked

from .compare import Mismatch, compare
from .replay import ServerChat, replay
from .timeline import Timeline, record_timeline

__all__ = ["TwinResult", "scenario_window", "twin_check"]


@dataclass(frozen=True)
class TwinResult:
    timeline: Timeline
    server_chats: list[ServerChat]
    mismatches: list[Mismatch]
    seconds: float  # wall-clock time of the replay


def scenario_window(scenario: Scenario, hours: float | None, start: str | None) -> Scenario:
    """``scenario`` from ``start`` (wall time in its time zone, default its own start) for
    ``hours`` (default its own duration). Raises ``InvalidData`` for a bad window."""
    changes: dict[str, object] = {"warmup_minutes": 0.0}  # a window has no warm-up
    if start is not None:
        changes["start"] = start
    if hours is not None:
        changes.update(duration_days=None, duration_minutes=hours * 60.0)
    return checked(replace(scenario, **changes))  # type: ignore[arg-type]


def twin_check(scenario: Scenario, *, replication: int = 0, seed: int = 1) -> TwinResult:
    """Replication ``replication`` of ``scenario`` (the experiment's seed ``seed``, as
    ``livechat simulate --seed`` numbers them) on the simulator and on the server."""
    timeline = record_timeline(scenario, replication_seeds(seed, replication + 1)[replication])
    began = time.perf_counter()
    server_chats, _scene = replay(timeline)
    seconds = time.perf_counter() - began
    return TwinResult(timeline, server_chats, compare(timeline.chats, server_chats), seconds)
