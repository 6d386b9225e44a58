"""How fast is the simulator? A script that prints figures (not a timed test).

Run: ``.venv/bin/python benchmarks/simulator_bench.py`` (``--help`` for options).

(a) **Plain pool with patience (M/M/c+M).** Chats simulated per second by

- the simulator's model (:func:`simulator.experiment.run_replication` on
  :func:`~simulator.experiment.pool_scenario`: the domain's routing rules, agents as
  :class:`~reference_server.domain.routing.Agent` snapshots, one record per chat);
- the same plus the DataFrames and KPIs (:func:`~simulator.experiment.run_experiment`, one
  replication in this process);
- a minimal pure-SimPy loop: ``simpy.Resource(capacity=c)``, ``yield req | env.timeout(
  patience)``, no records;
- Ciw (``ciw.create_network`` with exponential reneging) on the same model,

all at the same λ, μ, θ, c and horizon, in this one process pinned to one core, best of a
few repeats. Goals: faster than Ciw, and at least 0.7x the minimal SimPy loop.

(b) **The full visitor funnel**: a 30-day month of ``scenarios/examples/around_the_clock.yaml``
(50 agents in three teams and shifts, skills, two chatflows, a few thousand visitors an
hour), one replication; goal: under 60 s on one core. Beside it, the minimal SimPy loop and
Ciw run an M/M/c+M pool with the month's chat rate, handling time, patience and the average
number of chat slots at work, over the same 30 days.

``--profile`` prints the simulator's hot spots (cProfile, by own time) for both.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ciw
import numpy as np
import simpy

from simulator.experiment import pool_scenario, replication_seeds, run_experiment, run_replication
from simulator.records import RecordType
from simulator.scenario import Scenario, load_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"


@dataclass(frozen=True)
class Pool:
    """An M/M/c+M pool: rates per minute, ``horizon`` minutes."""

    arrival_rate: float
    service_rate: float
    patience_rate: float
    servers: int
    horizon: float


@dataclass(frozen=True)
class Measurement:
    name: str
    chats: int
    seconds: list[float]  # one per repeat

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def rate(self) -> float:
        """Chats per second in the best repeat."""
        return self.chats / self.best


def pin_to_one_core() -> str:
    """Run on one core (Linux); say which."""
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def measure(name: str, run: Callable[[int], int], repeats: int) -> Measurement:
    """Time ``run(seed)`` (which returns the chats it simulated) ``repeats`` times."""
    seconds: list[float] = []
    chats = 0
    for repeat in range(repeats):
        began = time.perf_counter()
        chats = run(repeat + 1)
        seconds.append(time.perf_counter() - began)
    return Measurement(name, chats, seconds)


# ---------------------------------------------------------------- the three engines


def simpy_pool(pool: Pool, seed: int) -> int:
    """The minimal SimPy M/M/c+M loop: no records, nothing but the queue. Returns arrivals."""
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=pool.servers)
    arrivals = 0

    def chat(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        with agents.request() as request:
            outcome = yield request | env.timeout(rng.expovariate(pool.patience_rate))
            if request in outcome:
                yield env.timeout(rng.expovariate(pool.service_rate))

    def visitors(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        nonlocal arrivals
        while True:
            yield env.timeout(rng.expovariate(pool.arrival_rate))
            arrivals += 1
            env.process(chat(env))

    env.process(visitors(env))
    env.run(until=pool.horizon)
    return arrivals


def ciw_pool(pool: Pool, seed: int) -> int:
    """Ciw on the same model. Returns the chats that left (served or reneged)."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=pool.arrival_rate)],
        service_distributions=[ciw.dists.Exponential(rate=pool.service_rate)],
        number_of_servers=[pool.servers],
        reneging_time_distributions=[ciw.dists.Exponential(rate=pool.patience_rate)],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(pool.horizon)
    return len(simulation.get_all_records())


def pool_model(pool: Pool) -> Scenario:
    return pool_scenario(
        pool.arrival_rate,
        1.0 / pool.service_rate,
        pool.servers,
        mean_patience=1.0 / pool.patience_rate,
        duration=pool.horizon,
        warmup=0.0,
        interval=60.0,
    )


def core_model(scenario: Scenario, seed: int) -> int:
    """The simulator's model, one replication, records kept. Returns chats recorded."""
    data = run_replication(scenario, 0, replication_seeds(seed, 1)[0])
    return sum(1 for record in data.chats if record[0] != RecordType.LEFT_WITHOUT_CHAT.value)


def core_experiment(scenario: Scenario, seed: int) -> int:
    """The model plus the DataFrames and every KPI (one replication, this process)."""
    result = run_experiment(scenario, 1, seed, workers=1)
    return int((result.records["record_type"].astype(str) != "left_without_chat").sum())


# ---------------------------------------------------------------- printing


def print_table(title: str, rows: list[Measurement], reference: Measurement) -> None:
    print(f"\n{title}")
    print(
        f"  {'engine':<36} {'chats':>9} {'best s':>8} {'median s':>9} {'chats/s':>10} {'ratio':>7}"
    )
    for row in rows:
        print(
            f"  {row.name:<36} {row.chats:>9,} {row.best:>8.2f} "
            f"{statistics.median(row.seconds):>9.2f} {row.rate:>10,.0f} "
            f"{row.rate / reference.rate:>6.2f}x"
        )
    print(f"  (ratio: chats/s relative to {reference.name})")


def verdict(ok: bool) -> str:
    return "MET " if ok else "MISSED"


def profile(label: str, run: Callable[[], object], lines: int = 18) -> None:
    print(f"\nHot spots of {label} (own time):")
    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(lines)


# ---------------------------------------------------------------- the benchmarks


def plain_pool(pool: Pool, repeats: int) -> tuple[Measurement, Measurement, Measurement]:
    scenario = pool_model(pool)
    core = measure("simulator (records kept)", lambda seed: core_model(scenario, seed), repeats)
    full = measure(
        "simulator + DataFrames + KPIs", lambda seed: core_experiment(scenario, seed), repeats
    )
    loop = measure("minimal SimPy loop (no records)", lambda s: simpy_pool(pool, s), repeats)
    ciw_run = measure(f"Ciw {ciw.__version__}", lambda seed: ciw_pool(pool, seed), repeats)
    print_table(
        f"(a) M/M/c+M: λ={pool.arrival_rate:g}/min, μ={pool.service_rate:g}/min, "
        f"θ={pool.patience_rate:.3g}/min, c={pool.servers}, {pool.horizon:,.0f} minutes",
        [core, full, loop, ciw_run],
        loop,
    )
    return core, loop, ciw_run


def funnel_month(repeats: int, days: float) -> tuple[Measurement, Pool, Scenario]:
    scenario = load_scenario(EXAMPLES / "around_the_clock.yaml")
    if days != 30:
        from dataclasses import replace

        scenario = replace(scenario, duration_days=days)
    agents = len(scenario.agent_ids)
    data = run_replication(scenario, 0, replication_seeds(1, 1)[0])
    book = data.agent_time
    duration = scenario.duration
    slots = (
        sum(capacity * sum(book.staffed[j]) for j, capacity in enumerate(data.capacities))
        / duration
    )
    chats = [record for record in data.chats if record[0] != RecordType.LEFT_WITHOUT_CHAT.value]
    works = [record[7] for record in chats]
    pool = Pool(
        arrival_rate=len(chats) / duration,
        service_rate=1.0 / float(np.mean(works)),
        patience_rate=1.0 / scenario.chats.patience_minutes.expected,  # type: ignore[union-attr]
        servers=max(1, round(slots)),
        horizon=duration,
    )
    month = measure(
        f"simulator: funnel, {agents} agents",
        lambda seed: core_model(scenario, seed),
        repeats,
    )
    visitors = sum(row[0] for row in data.visitor_counts)
    loop = measure("minimal SimPy M/M/c+M (same rates)", lambda s: simpy_pool(pool, s), repeats)
    ciw_run = measure("Ciw M/M/c+M (same rates)", lambda seed: ciw_pool(pool, seed), repeats)
    print_table(
        f"(b) {scenario.name}: {days:g} days, {agents} agents, {visitors:,} visitors "
        f"(M/M/c+M beside it: λ={pool.arrival_rate:.3g}/min, μ={pool.service_rate:.3g}/min, "
        f"θ={pool.patience_rate:.3g}/min, c={pool.servers})",
        [month, loop, ciw_run],
        loop,
    )
    return month, pool, scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="repeats per engine (best counts)")
    parser.add_argument("--chats", type=int, default=150_000, help="about this many chats in (a)")
    parser.add_argument("--days", type=float, default=30.0, help="length of (b) in days")
    parser.add_argument("--skip-funnel", action="store_true", help="only (a)")
    parser.add_argument("--profile", action="store_true", help="print the simulator's hot spots")
    args = parser.parse_args(argv)

    print(
        f"Python {sys.version.split()[0]}, SimPy {simpy.__version__}, Ciw {ciw.__version__}; "
        f"{pin_to_one_core()}"
    )
    rate = 9.5  # chats per minute: 50 agents, 5-minute chats, 95% offered load
    pool = Pool(rate, 0.2, 1.0 / 3.0, 50, math.ceil(args.chats / rate))
    core, loop, ciw_run = plain_pool(pool, args.repeats)
    to_loop = core.rate / loop.rate
    to_ciw = core.rate / ciw_run.rate
    goal = verdict(to_loop >= 0.7)
    print(f"\n  simulator / minimal SimPy loop: {to_loop:.2f}x (goal >= 0.70x: {goal})")
    print(f"  simulator / Ciw:                {to_ciw:.2f}x (goal > 1x: {verdict(to_ciw > 1.0)})")
    if args.profile:
        scenario = pool_model(pool)
        profile("(a) the plain pool", lambda: core_model(scenario, 1))

    if not args.skip_funnel:
        month, _, scenario = funnel_month(args.repeats, args.days)
        seconds = month.best * 30.0 / args.days
        print(
            f"\n  a 30-day month of the funnel: {seconds:.1f} s on one core "
            f"(goal < 60 s: {verdict(seconds < 60.0)})"
            + ("" if args.days == 30 else f" (scaled from {args.days:g} days)")
        )
        if args.profile:
            profile("(b) the funnel", lambda: core_model(scenario, 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
