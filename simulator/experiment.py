"""Experiments: replications with explicit seeds, in parallel, with confidence intervals (SIM5).

:func:`run_experiment` runs ``replications`` independent copies of a scenario. Replication
``i`` gets its own ``numpy.random.Generator`` from child ``i`` of
``numpy.random.SeedSequence(seed)`` — there is no global random state — so a replication's
records depend only on the scenario, the seed and ``i``: the same with one worker or many,
in any order. Replications run in worker processes (``concurrent.futures``); ``workers=1``
runs them in this process. Workers are forked when that is safe (a POSIX system and no other
thread in this process) and spawned otherwise — spawned workers re-import the main module,
so a script that may run them must guard its entry point with ``if __name__ == "__main__":``.

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
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext

import numpy as np
import pandas as pd

from reference_server.domain.chatflow import AssignmentSettings, RoutingStrategy

from .distributions import Distribution, DistributionKind
from .kpis import kpi_estimates, kpi_sums, kpis_by_interval, kpis_by_replication
from .model import simulate
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
    "ExperimentResult",
    "Progress",
    "pool_scenario",
    "replication_seeds",
    "run_experiment",
    "run_replication",
    "simulate_pool",
]

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` each time a replication finishes."""


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

    def summary_table(self) -> pd.DataFrame:
        """The summary as a DataFrame, one row per KPI."""
        return pd.DataFrame(
            {name: value.as_dict() for name, value in self.summary.items()}
        ).T.rename_axis("kpi")


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """Child ``i`` of ``SeedSequence(seed)`` is replication ``i``'s seed."""
    return np.random.SeedSequence(seed).spawn(replications)


def run_replication(
    scenario: Scenario, replication: int, seed: np.random.SeedSequence
) -> ReplicationData:
    """One replication with its own Generator (runs in a worker process, or here)."""
    return simulate(scenario, np.random.default_rng(seed), replication)


def _start_context() -> BaseContext:
    # Forking a process that runs other threads can deadlock the child: spawn then.
    if "fork" in get_all_start_methods() and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def _run_all(
    scenario: Scenario,
    seeds: list[np.random.SeedSequence],
    workers: int,
    progress: Progress | None,
) -> list[ReplicationData]:
    total = len(seeds)
    results: dict[int, ReplicationData] = {}
    if workers <= 1 or total <= 1:
        for i, child in enumerate(seeds):
            results[i] = run_replication(scenario, i, child)
            if progress is not None:
                progress(i + 1, total)
        return [results[i] for i in range(total)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=_start_context()) as pool:
        pending: dict[Future[ReplicationData], int] = {
            pool.submit(run_replication, scenario, i, child): i for i, child in enumerate(seeds)
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results[pending.pop(future)] = future.result()
                if progress is not None:
                    progress(len(results), total)
    return [results[i] for i in range(total)]


def run_experiment(
    scenario: Scenario,
    replications: int,
    seed: int,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run ``replications`` replications of ``scenario`` from ``seed`` (see the module doc).

    ``workers``: processes to use (``None``: one per CPU, at most one per replication;
    ``1``: in this process). ``progress(done, total)`` is called after each replication.
    """
    if replications < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    if workers is None:
        workers = min(replications, os.cpu_count() or 1)
    began = time.perf_counter()
    data = _run_all(scenario, replication_seeds(seed, replications), workers, progress)
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
