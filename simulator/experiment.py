"""Experiments: replications with explicit seeds, in parallel, with confidence intervals (SIM5).

:func:`run_experiment` runs ``replications`` independent copies of a scenario. Replication
``i`` gets its own ``numpy.random.Generator`` from child ``i`` of
``numpy.random.SeedSequence(seed)`` — there is no global random state — so a replication's
records depend only on the scenario, the seed and ``i``: the same with one worker or many,
in any order, on one machine or a cluster. Replications run on a :class:`~simulator.parallel.Pool`
(local worker processes by default, this process with ``workers=1``, or a Dask cluster), and
report their simulated clock as they go, so progress moves within a replication.

The result (:class:`ExperimentResult`) holds the flat records as DataFrames, the KPIs of
every replication per interval and for the whole run (after the warm-up, see
:mod:`simulator.kpis`), and each KPI pooled over the replications with a 95% confidence
interval that respects its range (:mod:`simulator.stats`).

:func:`simulate_pool` is the plain M/M/c(+M) case in the units of :mod:`simulator.analytic`
(rates per minute, times in minutes), for validation against Erlang C / Erlang A and for
benchmarks.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd

from reference_server.domain.chatflow import AssignmentSettings, RoutingStrategy

from .distributions import Distribution, DistributionKind
from .kpis import KpiSums, kpi_estimates, kpi_sums, kpis_by_interval, kpis_by_replication
from .model import simulate
from .parallel import Channel, Pool, open_pool
from .records import ReplicationData, agent_time_frame, chat_frame, visitor_frame
from .scenario import (
    AgentGroup,
    Chats,
    KpiSettings,
    Scenario,
    SpeedCurve,
    Traffic,
    checked,
)
from .stats import Estimate

__all__ = [
    "ExperimentProgress",
    "ExperimentResult",
    "Progress",
    "pool_scenario",
    "replication_seeds",
    "run_experiment",
    "run_replication",
    "simulate_pool",
]


@dataclass(frozen=True, slots=True)
class ExperimentProgress:
    """How far an experiment has got: ``done`` of ``total`` replications finished, and
    ``fraction`` of all their simulated time run (0 to 1; it moves within a replication)."""

    done: int
    total: int
    fraction: float


Progress = Callable[[ExperimentProgress], None]
"""Called with an :class:`ExperimentProgress` as replications run (often: a few hundred
times an experiment)."""

_POLL_SECONDS = 0.2


@dataclass(frozen=True, eq=False)
class ExperimentResult:
    """What an experiment produced.

    ``records``: one row per chat (and per visitor who left without one, when the scenario
    keeps visitor records) of every replication — see :mod:`simulator.records`.
    ``agent_time``: minutes per replication, agent and interval. ``visitors``: visitor counts
    per replication and interval. ``interval_replications`` / ``replication_kpis``: every
    KPI per (replication, interval) and per replication for the whole run, after the warm-up.
    ``interval_kpis``: per interval and KPI (long format) the pooled estimate (``mean``)
    with ``ci_low``, ``ci_high``, ``n`` (replications with data), ``observations`` and
    ``few`` (see :class:`~simulator.stats.Estimate`); ``start`` is the interval's start in
    the scenario's time zone. ``summary``: per KPI the whole-run estimate.
    ``elapsed_seconds``: wall time of the whole experiment (simulation, records and KPIs);
    ``simulation_seconds``: of the replications alone. ``sums``: what every KPI is made of,
    per replication (for paired comparisons, :mod:`simulator.compare`).
    """

    scenario: Scenario
    seed: int
    replications: int
    records: pd.DataFrame
    agent_time: pd.DataFrame
    visitors: pd.DataFrame
    interval_replications: pd.DataFrame
    replication_kpis: pd.DataFrame
    interval_kpis: pd.DataFrame
    summary: dict[str, Estimate]
    elapsed_seconds: float
    simulation_seconds: float = math.nan
    sums: KpiSums | None = None

    def summary_table(self) -> pd.DataFrame:
        """The summary as a DataFrame, one row per KPI."""
        return pd.DataFrame(
            {name: value.as_dict() for name, value in self.summary.items()}
        ).T.rename_axis("kpi")


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Child ``i`` of ``SeedSequence(seed)`` is replication ``i``'s seed."""
    return np.random.SeedSequence(seed).spawn(replications)


class _Here:
    """A progress channel in this process: each report goes straight to the caller."""

    def __init__(self, tell: Callable[[list[tuple[int, float]]], None]) -> None:
        self._tell = tell

    def put(self, item: tuple[int, float]) -> None:
        self._tell([item])


def _reporter(channel: Channel | None, replication: int) -> Callable[[float], None] | None:
    if channel is None:
        return None
    return lambda now: channel.put((replication, now))


def run_replication(
    scenario: Scenario,
    replication: int,
    seed: np.random.SeedSequence,
    channel: Channel | None = None,
) -> ReplicationData:
    """One replication with its own Generator (runs in a worker process, or here); its
    simulated clock goes to ``channel`` as it runs."""
    report = _reporter(channel, replication)
    return simulate(scenario, seed, replication, report)


def _run_all(
    scenario: Scenario,
    seeds: list[np.random.SeedSequence],
    pool: Pool,
    progress: Progress | None,
) -> list[ReplicationData]:
    total = len(seeds)
    duration = scenario.duration * total
    clocks = [0.0] * total
    results: dict[int, ReplicationData] = {}

    def tell(updates: list[tuple[int, float]]) -> None:
        if progress is None:
            return
        for replication, now in updates:
            clocks[replication] = max(clocks[replication], now)
        for replication in results:
            clocks[replication] = scenario.duration
        progress(ExperimentProgress(len(results), total, min(sum(clocks) / duration, 1.0)))

    if pool.in_process:
        here = _Here(tell) if progress is not None else None
        for i, child in enumerate(seeds):
            results[i] = run_replication(scenario, i, child, here)
            tell([])
        return [results[i] for i in range(total)]
    channel = pool.channel if progress is not None else None
    pending: dict[Future[ReplicationData], int] = {
        pool.submit(run_replication, scenario, i, child, channel): i
        for i, child in enumerate(seeds)
    }
    while pending:
        done, _ = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
        # What the replications said while running goes first: on a busy machine they may
        # all finish between two polls, and their reports still show progress within them.
        tell(pool.progress_updates())
        for future in done:
            results[pending.pop(future)] = future.result()
        if done:
            tell([])
    return [results[i] for i in range(total)]


def run_experiment(
    scenario: Scenario,
    replications: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
    pool: Pool | None = None,
) -> ExperimentResult:
    """Run ``replications`` replications of ``scenario`` from ``seed`` (see the module doc).

    ``pool``: where they run (a :class:`~simulator.parallel.Pool`, kept open for the
    caller); without one, a pool of ``workers`` processes is opened for this experiment
    (``None``: one per CPU, at most one per replication; ``1``: in this process).
    ``progress`` is called as the replications run.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    began = time.perf_counter()
    seeds = replication_seeds(seed, replications)
    if pool is None:
        count = min(replications, workers if workers is not None else os.cpu_count() or 1)
        with open_pool(count) as own:
            data = _run_all(scenario, seeds, own, progress)
    else:
        data = _run_all(scenario, seeds, pool, progress)
    simulated = time.perf_counter()
    records = chat_frame(data)
    agent_time = agent_time_frame(data)
    visitors = visitor_frame(data)
    numbers = list(range(replications))
    sums = kpi_sums(scenario, records, agent_time, visitors, numbers)
    by_interval = kpis_by_interval(scenario, records, agent_time, visitors, numbers, sums)
    by_replication = kpis_by_replication(scenario, records, agent_time, visitors, numbers, sums)
    interval_kpis, summary = kpi_estimates(scenario, sums)
    start = pd.Timestamp(scenario.start_utc).tz_convert(scenario.timezone)
    width = timedelta(minutes=scenario.kpis.interval_minutes)
    interval_kpis.insert(1, "start", [start + width * int(i) for i in interval_kpis["interval"]])
    return ExperimentResult(
        scenario=scenario,
        seed=seed,
        replications=replications,
        records=records,
        agent_time=agent_time,
        visitors=visitors,
        interval_replications=by_interval,
        replication_kpis=by_replication,
        interval_kpis=interval_kpis,
        summary=summary,
        elapsed_seconds=time.perf_counter() - began,
        simulation_seconds=simulated - began,
        sums=sums,
    )


# ---------------------------------------------------------------- the plain pool


def pool_scenario(
    arrival_rate: float,
    mean_handling_time: float,
    servers: int,
    *,
    mean_patience: float | None = None,
    capacity: int = 1,
    slowdown: float = 0.0,
    duration: float = 10_000.0,
    warmup: float = 1_000.0,
    threshold: float = 1.0 / 3.0,
    interval: float | None = None,
    strategy: RoutingStrategy = RoutingStrategy.LEAST_BUSY,
) -> Scenario:
    """A plain-pool scenario: Poisson arrivals (``arrival_rate`` per minute), exponential
    handling (mean ``mean_handling_time`` minutes), ``servers`` agents each taking up to
    ``capacity`` chats with speed curve ``speed(k) = 1/(1 + slowdown·(k-1))``, exponential
    patience (mean ``mean_patience``; ``None``: never give up). ``threshold`` is the
    service-level threshold in minutes; KPI intervals default to the warm-up length."""
    width = interval if interval is not None else (warmup if warmup > 0 else duration)
    patience = (
        None
        if mean_patience is None or math.isinf(mean_patience)
        else Distribution(DistributionKind.EXPONENTIAL, mean=mean_patience)
    )
    return checked(
        Scenario(
            name=f"M/M/{servers}" + ("" if patience is None else "+M"),
            traffic=Traffic(constant_rate=arrival_rate * 60.0),
            agents=(
                AgentGroup(
                    id="agent",
                    count=servers,
                    capacity=capacity,
                    speed=SpeedCurve(slowdown=slowdown),
                ),
            ),
            duration_minutes=duration,
            warmup_minutes=warmup,
            kpis=KpiSettings(interval_minutes=width, service_level_seconds=threshold * 60.0),
            chats=Chats(
                handling_time_minutes=Distribution(
                    DistributionKind.EXPONENTIAL, mean=mean_handling_time
                ),
                patience_minutes=patience,
            ),
            assignment=AssignmentSettings(strategy=strategy),
        )
    )


def simulate_pool(
    arrival_rate: float,
    mean_handling_time: float,
    servers: int,
    *,
    mean_patience: float | None = None,
    capacity: int = 1,
    slowdown: float = 0.0,
    duration: float = 10_000.0,
    warmup: float = 1_000.0,
    threshold: float = 1.0 / 3.0,
    replications: int = 10,
    seed: int = 0,
    workers: int | None = 1,
    strategy: RoutingStrategy = RoutingStrategy.LEAST_BUSY,
) -> ExperimentResult:
    """Simulate the plain M/M/c (``mean_patience=None``) or M/M/c+M pool; see
    :func:`pool_scenario`. Compare ``result.summary`` with
    :func:`simulator.analytic.erlang_c_metrics` / :func:`~simulator.analytic.erlang_a_metrics`
    (with ``capacity`` K and ``slowdown=0`` the pool is Erlang with ``c = servers·K``)."""
    scenario = pool_scenario(
        arrival_rate,
        mean_handling_time,
        servers,
        mean_patience=mean_patience,
        capacity=capacity,
        slowdown=slowdown,
        duration=duration,
        warmup=warmup,
        threshold=threshold,
        strategy=strategy,
    )
    return run_experiment(scenario, replications, seed, workers=workers)
