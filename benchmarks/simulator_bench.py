"""How fast is the simulator? A script that prints figures (not a timed test).

Run: ``.venv/bin/python benchmarks/simulator_bench.py`` (``--help`` for options).

Four queueing models, each run by

- the simulator's model (:func:`simulator.experiment.run_replication` on a plain-pool
  scenario: the domain's routing rules, agents as
  :class:`~reference_server.domain.routing.Agent` snapshots, one record per chat kept);
- a minimal SimPy loop written here, the simplest correct SimPy code for the model, which
  keeps no records;
- Ciw, where it has the model (not the chat pool's slowdown),

at the same rates and horizon, in this one process pinned to one core, best of a few
repeats:

(a) **M/M/c+M**: 50 agents, exponential patience (``simpy.Resource``, ``yield request |
    env.timeout(patience)``);
(b) **M/M/c**: the same without abandonment;
(c) **a chat pool**: 7 agents who each hold up to 3 chats, every chat slowed by the others
    (``speed(k) = 1/(1 + a·(k-1))``, processor sharing), least busy first;
(d) **a time-varying day**: (a) with arrivals by the hour of a day (a busy afternoon above
    the agents' capacity, a quiet night), the simulator's own hourly pieces fed to SimPy and
    to Ciw's ``PoissonIntervals``.

Goals: the simulator at least 0.8x the minimal SimPy loop on each, and more than 1.5x Ciw.

(e) **The full visitor funnel**: a 30-day month of ``scenarios/examples/around_the_clock.yaml``
(50 agents in three teams and shifts, skills, two chatflows, a few thousand visitors an
hour), one replication; goal: under 20 s on one core. Beside it, the minimal SimPy loop and
Ciw run an M/M/c+M pool with the month's chat rate, handling time, patience and the average
number of chat slots at work, over the same 30 days.

``--profile`` prints the simulator's hot spots (cProfile, by own time) for (a) and (e).
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
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import ciw
import numpy as np
import simpy

from simulator.experiment import pool_scenario, replication_seeds, run_experiment, run_replication
from simulator.records import RecordType
from simulator.scenario import Scenario, Traffic, checked, load_scenario
from simulator.traffic import Piece, arrival_segments

EXAMPLES = Path(__file__).resolve().parents[1] / "scenarios" / "examples"


@dataclass(frozen=True)
class Pool:
    """An M/M/c+M pool: rates per minute, ``horizon`` minutes; ``patience_rate`` 0: nobody
    gives up (M/M/c). ``capacity`` chats per agent at ``speed(k) = 1/(1 + slowdown·(k-1))``."""

    arrival_rate: float
    service_rate: float
    patience_rate: float
    servers: int
    horizon: float
    capacity: int = 1
    slowdown: float = 0.0


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
        began = time.process_time()
        chats = run(repeat + 1)
        seconds.append(time.process_time() - began)
    return Measurement(name, chats, seconds)


# ---------------------------------------------------------------- the three engines


def simpy_pool(pool: Pool, seed: int, pieces: Sequence[Piece] = ()) -> int:
    """The minimal SimPy M/M/c(+M) loop: no records, nothing but the queue. Arrivals at
    ``pool.arrival_rate``, or by ``pieces`` (from, to, rate) when given. Returns arrivals."""
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=pool.servers)
    arrivals = 0

    def chat(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        with agents.request() as request:
            if pool.patience_rate > 0.0:
                outcome = yield request | env.timeout(rng.expovariate(pool.patience_rate))
                if request not in outcome:
                    return
            else:
                yield request
            yield env.timeout(rng.expovariate(pool.service_rate))

    def visitors(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        nonlocal arrivals
        while True:
            yield env.timeout(rng.expovariate(pool.arrival_rate))
            arrivals += 1
            env.process(chat(env))

    def visitors_by_hour(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        # A Poisson process per piece: memoryless, so each piece starts afresh at its start.
        nonlocal arrivals
        for start, end, rate in pieces:
            if env.now < start:
                yield env.timeout(start - env.now)
            while rate > 0.0:
                gap = rng.expovariate(rate)
                if env.now + gap >= end:
                    break
                yield env.timeout(gap)
                arrivals += 1
                env.process(chat(env))

    env.process(visitors_by_hour(env) if pieces else visitors(env))
    env.run(until=pool.horizon)
    return arrivals


def simpy_chat_pool(pool: Pool, seed: int) -> int:
    """The minimal SimPy chat pool: agents hold up to ``capacity`` chats, processor sharing
    at ``speed(k)``, least busy first, a FIFO queue; no patience, no records. Each agent is
    a process that sleeps until its first chat ends or its load changes, then moves every
    chat's remaining work on. Returns arrivals."""
    rng = random.Random(seed)
    env = simpy.Environment()
    speed = [0.0] + [1.0 / (1.0 + pool.slowdown * (k - 1)) for k in range(1, pool.capacity + 1)]
    held: list[list[float]] = [[] for _ in range(pool.servers)]  # remaining work per chat
    changed = [env.event() for _ in range(pool.servers)]
    waiting: deque[float] = deque()
    arrivals = 0

    def agent(env: simpy.Environment, i: int) -> Generator[simpy.Event, Any, None]:
        work = held[i]
        while True:
            if not work:
                yield changed[i]
                changed[i] = env.event()
                continue
            rate = speed[len(work)]
            began = env.now
            yield env.timeout(min(work) / rate) | changed[i]
            if changed[i].triggered:
                changed[i] = env.event()
            done = (env.now - began) * rate
            left = [w - done for w in work if w - done > 1e-9]
            work[:] = left
            while waiting and len(work) < pool.capacity:
                work.append(waiting.popleft())

    def visitors(env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        nonlocal arrivals
        while True:
            yield env.timeout(rng.expovariate(pool.arrival_rate))
            arrivals += 1
            work = rng.expovariate(pool.service_rate)
            free = [i for i in range(pool.servers) if len(held[i]) < pool.capacity]
            if not free:
                waiting.append(work)
                continue
            i = min(free, key=lambda j: len(held[j]))
            held[i].append(work)
            if not changed[i].triggered:
                changed[i].succeed()

    for i in range(pool.servers):
        env.process(agent(env, i))
    env.process(visitors(env))
    env.run(until=pool.horizon)
    return arrivals


def ciw_pool(pool: Pool, seed: int, pieces: Sequence[Piece] = ()) -> int:
    """Ciw on the same model (arrivals by ``pieces`` when given, with Ciw's
    ``PoissonIntervals``). Returns the chats that left (served or reneged)."""
    arrivals: Any = ciw.dists.Exponential(rate=pool.arrival_rate)
    if pieces:
        arrivals = ciw.dists.PoissonIntervals(
            rates=[rate for _, _, rate in pieces],
            endpoints=[end for _, end, _ in pieces],
            max_sample_date=pool.horizon,
        )
    patience = (
        [ciw.dists.Exponential(rate=pool.patience_rate)] if pool.patience_rate > 0.0 else None
    )
    network = ciw.create_network(
        arrival_distributions=[arrivals],
        service_distributions=[ciw.dists.Exponential(rate=pool.service_rate)],
        number_of_servers=[pool.servers],
        reneging_time_distributions=patience,
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
        mean_patience=1.0 / pool.patience_rate if pool.patience_rate > 0.0 else None,
        capacity=pool.capacity,
        slowdown=pool.slowdown,
        duration=pool.horizon,
        warmup=0.0,
        interval=60.0,
    )


# A day in chats per hour for 50 agents of 5-minute chats (600 an hour at most): a quiet
# night, a morning rise, an afternoon above capacity.
DAY = (60, 40, 30, 30, 40, 80, 150, 250, 380, 480, 540, 560,
       580, 620, 660, 640, 560, 460, 380, 300, 240, 180, 120, 80)  # fmt: skip


def day_model(pool: Pool) -> tuple[Scenario, list[Piece]]:
    """(a)'s pool with arrivals by the hour of ``DAY``, and the simulator's hourly pieces."""
    scenario = checked(replace(pool_model(pool), traffic=Traffic(hourly=DAY * 7)))
    pieces = arrival_segments(scenario.traffic, scenario.start_utc, scenario.zone, pool.horizon)
    return scenario, pieces


def core_model(scenario: Scenario, seed: int) -> int:
    """The simulator's model, one replication, records kept. Returns chats recorded."""
    data = run_replication(scenario, 0, replication_seeds(seed, 1)[0])
    visitor = RecordType.LEFT_WITHOUT_CHAT.value  # read once: an enum's .value is a property
    return sum(1 for record in data.chats if record[0] != visitor)


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


@dataclass(frozen=True)
class Ratios:
    name: str
    to_loop: float
    to_ciw: float | None


def compare(
    title: str,
    pool: Pool,
    scenario: Scenario,
    loop: Callable[[int], int],
    ciw_run: Callable[[int], int] | None,
    repeats: int,
    with_kpis: bool = False,
) -> Ratios:
    """Time the simulator, the minimal SimPy loop and Ciw on one model; print the table."""
    core = measure("simulator (records kept)", lambda seed: core_model(scenario, seed), repeats)
    rows = [core]
    if with_kpis:
        rows.append(
            measure(
                "simulator + DataFrames + KPIs",
                lambda seed: core_experiment(scenario, seed),
                repeats,
            )
        )
    minimal = measure("minimal SimPy loop (no records)", loop, repeats)
    rows.append(minimal)
    ciw_row = None if ciw_run is None else measure(f"Ciw {ciw.__version__}", ciw_run, repeats)
    if ciw_row is not None:
        rows.append(ciw_row)
    print_table(title, rows, minimal)
    return Ratios(
        title.split(":")[0],
        core.rate / minimal.rate,
        None if ciw_row is None else core.rate / ciw_row.rate,
    )


def queueing_models(chats: int, repeats: int, profiled: bool) -> list[Ratios]:
    """(a)-(d): the simulator beside minimal SimPy loops and Ciw."""
    rate = 9.5  # chats per minute: 50 agents, 5-minute chats, 95% offered load
    impatient = Pool(rate, 0.2, 1.0 / 3.0, 50, math.ceil(chats / rate))
    patient = replace(impatient, patience_rate=0.0, arrival_rate=9.0)  # 90%: stable
    # 7 agents x 3 chats, 5 minutes alone; a full agent finishes 3/(1+2a) = 2 chats per 5
    # minutes (a = 0.25), so the pool at most 2.8 a minute; offered 2.2.
    chat_pool = Pool(2.2, 0.2, 0.0, 7, math.ceil(chats / 2.2), capacity=3, slowdown=0.25)
    day_chats = sum(DAY) / 60.0 / 24.0
    varying = replace(impatient, horizon=math.ceil(chats / day_chats / 1440.0) * 1440.0)
    day, pieces = day_model(varying)
    ratios = [
        compare(
            f"(a) M/M/c+M: λ={impatient.arrival_rate:g}/min, μ={impatient.service_rate:g}/min, "
            f"θ={impatient.patience_rate:.3g}/min, c={impatient.servers}, "
            f"{impatient.horizon:,.0f} minutes",
            impatient,
            pool_model(impatient),
            lambda seed: simpy_pool(impatient, seed),
            lambda seed: ciw_pool(impatient, seed),
            repeats,
            with_kpis=True,
        ),
        compare(
            f"(b) M/M/c: λ={patient.arrival_rate:g}/min, μ={patient.service_rate:g}/min, "
            f"c={patient.servers}, {patient.horizon:,.0f} minutes",
            patient,
            pool_model(patient),
            lambda seed: simpy_pool(patient, seed),
            lambda seed: ciw_pool(patient, seed),
            repeats,
        ),
        compare(
            f"(c) chat pool: λ={chat_pool.arrival_rate:g}/min, μ={chat_pool.service_rate:g}/min "
            f"alone, {chat_pool.servers} agents x {chat_pool.capacity} chats, "
            f"slowdown {chat_pool.slowdown:g}, {chat_pool.horizon:,.0f} minutes (no Ciw model)",
            chat_pool,
            pool_model(chat_pool),
            lambda seed: simpy_chat_pool(chat_pool, seed),
            None,
            repeats,
        ),
        compare(
            f"(d) time-varying day: {min(DAY)}-{max(DAY)} chats an hour, "
            f"μ={varying.service_rate:g}/min, θ={varying.patience_rate:.3g}/min, "
            f"c={varying.servers}, {varying.horizon / 1440:g} days",
            varying,
            day,
            lambda seed: simpy_pool(varying, seed, pieces),
            lambda seed: ciw_pool(varying, seed, pieces),
            repeats,
        ),
    ]
    if profiled:
        scenario = pool_model(impatient)
        profile("(a) the plain pool", lambda: core_model(scenario, 1))
    return ratios


def funnel_month(repeats: int, days: float) -> tuple[Measurement, Pool, Scenario]:
    scenario = load_scenario(EXAMPLES / "around_the_clock.yaml")
    if days != 30:
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
        f"(e) {scenario.name}: {days:g} days, {agents} agents, {visitors:,} visitors "
        f"(M/M/c+M beside it: λ={pool.arrival_rate:.3g}/min, μ={pool.service_rate:.3g}/min, "
        f"θ={pool.patience_rate:.3g}/min, c={pool.servers})",
        [month, loop, ciw_run],
        loop,
    )
    return month, pool, scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="repeats per engine (best counts)")
    parser.add_argument(
        "--chats", type=int, default=150_000, help="about this many chats in (a)-(d)"
    )
    parser.add_argument("--days", type=float, default=30.0, help="length of (e) in days")
    parser.add_argument("--skip-funnel", action="store_true", help="only (a)-(d)")
    parser.add_argument("--profile", action="store_true", help="print the simulator's hot spots")
    args = parser.parse_args(argv)

    print(
        f"Python {sys.version.split()[0]}, SimPy {simpy.__version__}, Ciw {ciw.__version__}; "
        f"{pin_to_one_core()}"
    )
    ratios = queueing_models(args.chats, args.repeats, args.profile)
    print("\n  simulator / minimal SimPy loop (goal >= 0.80x) and / Ciw (goal > 1.5x):")
    for row in ratios:
        against_ciw = (
            "no Ciw model"
            if row.to_ciw is None
            else f"{row.to_ciw:.2f}x Ciw ({verdict(row.to_ciw > 1.5)})"
        )
        print(
            f"  {row.name:<24} {row.to_loop:.2f}x SimPy ({verdict(row.to_loop >= 0.8)}), "
            f"{against_ciw}"
        )

    if not args.skip_funnel:
        month, _, scenario = funnel_month(args.repeats, args.days)
        seconds = month.best * 30.0 / args.days
        print(
            f"\n  a 30-day month of the funnel: {seconds:.1f} s on one core "
            f"(goal < 20 s: {verdict(seconds < 20.0)})"
            + ("" if args.days == 30 else f" (scaled from {args.days:g} days)")
        )
        if args.profile:
            profile("(e) the funnel", lambda: core_model(scenario, 1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
