"""One replication of a scenario: the SimPy environment, its processes, and the run.

:func:`simulate` wires the actors together — a :class:`~simulator.centre.ChatCentre`, one
:func:`~simulator.agents.agent_shift` per agent with shifts, and either
:class:`~simulator.visitors.PlainArrivals` (plain pool) or
:func:`~simulator.visitors.site_visitors` (funnel) — runs it to the scenario's end and returns
the flat records. Every random draw comes from one of the replication's named streams
(:mod:`simulator.streams`), all spawned from its seed, so a replication is reproduced
exactly by its seed and two configurations meet the same visitors. ``report(now)``, when
given, is called about a hundred times along the run with the simulated clock (for
progress bars).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import simpy

from .agents import agent_shift, shift_changes
from .centre import ChatCentre
from .records import VISITOR_COUNT_COLUMNS, ReplicationData
from .scenario import Scenario, ScenarioKind
from .site import Site
from .streams import Streams
from .traffic import Browsing, arrival_segments
from .visitors import PlainArrivals, Visits, site_visitors

__all__ = ["simulate"]

_REPORTS = 100  # progress reports along a run
_YOUNG_COLLECTION = 50_000  # allocations between collections of the youngest generation


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while a replication runs: its records and agents
    live until the end, and the default threshold (700 allocations) walks them again and
    again — a tenth of a plain pool's time. The thresholds are restored afterwards."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], _YOUNG_COLLECTION), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def clock_reports(
    env: simpy.Environment, every: float, report: Callable[[float], None]
) -> Generator[simpy.Event, Any, None]:
    """Tell ``report`` the simulated time every ``every`` minutes."""
    while True:
        yield env.timeout(every)
        report(env.now)


def simulate(
    scenario: Scenario,
    seed: np.random.SeedSequence | int,
    replication: int = 0,
    report: Callable[[float], None] | None = None,
    *,
    centre_type: type[ChatCentre] = ChatCentre,
    visits_type: type[Visits] = Visits,
) -> ReplicationData:
    """Run one replication of ``scenario``; every random draw comes from a stream spawned
    from ``seed`` (:class:`~simulator.streams.Streams`). ``centre_type`` and ``visits_type``
    let the twin check (``twin/timeline.py``) watch the very same run through subclasses
    that only take notes."""
    env = simpy.Environment()
    duration = scenario.duration
    intervals = int(duration // scenario.kpis.interval_minutes) + 1
    streams = Streams.from_seed(seed)
    centre = centre_type(env, scenario, streams, intervals)
    start_utc = scenario.start_utc
    zone = scenario.zone
    index = 0
    for group in scenario.agents:
        changes = shift_changes(group.shifts, start_utc, zone, duration)
        for _ in group.agent_ids:
            if group.shifts:
                env.process(agent_shift(env, changes, centre.status_setter(index)))
            index += 1
    segments = arrival_segments(scenario.traffic, start_utc, zone, duration)
    counts = [[0] * (len(VISITOR_COUNT_COLUMNS) - 1) for _ in range(intervals)]
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        PlainArrivals(env, centre, segments, streams.arrivals, scenario.assignment)
    else:
        browsing = Browsing(scenario, streams)
        visits = visits_type(env, scenario, Site(scenario, centre), browsing, counts)
        env.process(site_visitors(env, visits, segments))
    if report is not None:
        env.process(clock_reports(env, max(duration / _REPORTS, 1.0), report))
    with _fewer_collections():
        env.run(until=duration)
    centre.close(duration)
    return ReplicationData(
        replication=replication,
        chats=centre.records,
        agent_ids=centre.ids,
        capacities=centre.capacities,
        agent_time=centre.time,
        visitor_counts=counts,
    )
