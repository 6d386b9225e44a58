"""The simulator against queueing theory (SIM2, SIM3, SIM5).

A plain pool run through the domain's routing must be the textbook queue: Erlang C for
M/M/c, Erlang A for M/M/c+M, Erlang with ``c = N·K`` for N agents of capacity K with a
linear speed curve, and — for a non-linear speed curve — the birth-death chain whose
service rate with ``k`` chats is ``k·speed(k)·μ``. Each figure is checked against its
simulated confidence interval across replications.

How sound these tests are
-------------------------
- Every replication (10 per case) runs 10,000 minutes (25,000 for the single agent), long
  against the queue's relaxation time (at most ~40 minutes here), after a warm-up of 500
  minutes, so bias from the empty start and from chats left
  open at the end is far below the intervals' widths.
- There are ``CHECKS`` = 41 comparisons in this file. Each uses a Student t interval with
  confidence ``1 - 0.05/CHECKS`` (Bonferroni), so together they are a 95% simultaneous
  confidence interval: with a correct simulator, a fresh seed would make this file fail
  with probability at most 5% (and each single comparison with probability 0.12%). The seeds
  are fixed, so the outcome is the same on every run: nothing is flaky.
- The tests can fail: each also asserts that its 95% interval is narrow (a few percent of
  the value), so a simulator that is off by more than that is caught.

Run time: about 80 seconds on two cores (the replications run in two worker processes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from simulator.analytic import erlang_a_metrics, erlang_c_metrics
from simulator.experiment import ExperimentResult, simulate_pool
from simulator.stats import estimate

CHECKS = 41
CONFIDENCE = 1.0 - 0.05 / CHECKS
WORKERS = 2
DURATION = 10_000.0  # minutes per replication, after which...
WARMUP = 500.0  # ...minutes at the start are left out
REPLICATIONS = 10
THRESHOLD = 0.2  # service-level threshold, minutes
AHT = 1.0  # mean handling time, minutes
PATIENCE = 1.0  # mean patience, minutes


@dataclass(frozen=True)
class Check:
    kpi: str
    expected: float
    max_relative_half_width: float  # of the 95% interval: the test's power


def assert_inside(result: ExperimentResult, checks: list[Check]) -> None:
    """Every expected value lies in its simultaneous interval, and every interval is narrow."""
    failures = []
    for check in checks:
        values = result.replication_kpis[check.kpi]
        wide = estimate(values, CONFIDENCE)
        plain = estimate(values, 0.95)
        if not wide.contains(check.expected):
            failures.append(
                f"{check.kpi}: expected {check.expected:.5f}, simulated {wide.mean:.5f} "
                f"[{wide.ci_low:.5f}, {wide.ci_high:.5f}]"
            )
        if plain.half_width > check.max_relative_half_width * check.expected:
            failures.append(f"{check.kpi}: interval too wide to test ({plain.half_width:.5f})")
    assert not failures, "\n".join(failures)


def pool(rate: float, servers: int, seed: int, **options: object) -> ExperimentResult:
    return simulate_pool(
        rate,
        AHT,
        servers,
        duration=DURATION,
        warmup=WARMUP,
        threshold=THRESHOLD,
        replications=REPLICATIONS,
        seed=seed,
        workers=WORKERS,
        **options,  # type: ignore[arg-type]
    )


# ---------------------------------------------------------------- Erlang C (M/M/c)


@pytest.mark.slow
@pytest.mark.feature("SIM2", "SIM5")
@pytest.mark.parametrize(("rate", "seed"), [(6.0, 101), (8.0, 102), (9.0, 103)])
def test_a_pool_without_abandonment_is_erlang_c(rate: float, seed: int) -> None:
    # 10 agents at loads 0.6, 0.8 and 0.9: 4 checks each.
    theory = erlang_c_metrics(rate, AHT, 10, THRESHOLD)
    result = pool(rate, 10, seed)
    assert_inside(
        result,
        [
            Check("p_wait", theory.p_wait, 0.05),
            Check("mean_wait", theory.mean_wait, 0.10),
            # At load 0.9 ten replications give a service level within about ±2.5%.
            Check("service_level", theory.service_level, 0.03),
            Check("occupancy", theory.occupancy, 0.01),
        ],
    )


# ---------------------------------------------------------------- Erlang A (M/M/c+M)


@pytest.mark.slow
@pytest.mark.feature("SIM2", "SIM4", "SIM5")
@pytest.mark.parametrize(("rate", "seed"), [(8.0, 201), (10.0, 202), (12.0, 203)])
def test_a_pool_with_exponential_patience_is_erlang_a(rate: float, seed: int) -> None:
    # 10 agents at offered loads 0.8, 1.0 and 1.2 (stable: visitors give up): 5 checks each.
    theory = erlang_a_metrics(rate, AHT, PATIENCE, 10, THRESHOLD)
    result = pool(rate, 10, seed, mean_patience=PATIENCE)
    assert_inside(
        result,
        [
            Check("p_wait", theory.p_wait, 0.03),
            Check("mean_wait", theory.mean_wait, 0.05),
            Check("service_level", theory.service_level, 0.02),
            Check("abandonment", theory.p_abandon, 0.05),
            Check("occupancy", theory.occupancy, 0.01),
        ],
    )


# ---------------------------------------------------------------- capacity K > 1


@pytest.mark.slow
@pytest.mark.feature("SIM2", "SIM3", "SIM5")
def test_agents_holding_k_chats_with_a_linear_speed_curve_are_erlang_c_with_n_times_k() -> None:
    # 5 agents × capacity 2, slowdown 0: every chat as fast as alone, so c = 10. 4 checks.
    theory = erlang_c_metrics(8.0, AHT, 10, THRESHOLD)
    result = pool(8.0, 5, 301, capacity=2)
    assert_inside(
        result,
        [
            Check("p_wait", theory.p_wait, 0.05),
            Check("mean_wait", theory.mean_wait, 0.10),
            Check("service_level", theory.service_level, 0.02),
            Check("occupancy", theory.occupancy, 0.01),
        ],
    )


@pytest.mark.slow
@pytest.mark.feature("SIM2", "SIM3", "SIM4", "SIM5")
def test_agents_holding_k_chats_with_patience_are_erlang_a_with_n_times_k() -> None:
    # 2 agents × capacity 5 with patience: Erlang A with c = 10. 5 checks.
    theory = erlang_a_metrics(10.0, AHT, PATIENCE, 10, THRESHOLD)
    result = pool(10.0, 2, 302, capacity=5, mean_patience=PATIENCE)
    assert_inside(
        result,
        [
            Check("p_wait", theory.p_wait, 0.03),
            Check("mean_wait", theory.mean_wait, 0.05),
            Check("service_level", theory.service_level, 0.02),
            Check("abandonment", theory.p_abandon, 0.05),
            Check("occupancy", theory.occupancy, 0.01),
        ],
    )


# ---------------------------------------------------------------- a non-linear speed curve


@dataclass(frozen=True)
class ChainFigures:
    p_wait: float
    mean_wait: float
    p_abandon: float
    mean_concurrency: float
    mean_handle_time: float


def speed_curve_chain(
    rate: float, capacity: int, slowdown: float, patience: float, states: int = 400
) -> ChainFigures:
    """One agent with exponential work, processor sharing at ``speed(k) = 1/(1+a(k-1))``
    and exponential patience: a birth-death chain on the number of chats n (held + queued).
    Deaths: ``k·speed(k)/AHT`` for the k = min(n, K) held, plus ``(n-K)/patience``."""
    held = np.minimum(np.arange(states), capacity)
    service = held / (1.0 + slowdown * np.maximum(held - 1, 0)) / AHT
    deaths = service + np.maximum(np.arange(states) - capacity, 0) / patience
    weights = np.ones(states)
    for n in range(1, states):
        weights[n] = weights[n - 1] * rate / deaths[n]
    pi = weights / weights.sum()
    queue = np.maximum(np.arange(states) - capacity, 0)
    mean_queue = float((queue * pi).sum())
    p_abandon = mean_queue / patience / rate
    concurrency = float((held * pi).sum())
    return ChainFigures(
        p_wait=float(pi[capacity:].sum()),  # PASTA: the arrival finds the agent full
        mean_wait=mean_queue / rate,  # Little's law on the queue
        p_abandon=p_abandon,
        mean_concurrency=concurrency,
        mean_handle_time=concurrency / (rate * (1.0 - p_abandon)),  # Little's law on service
    )


@pytest.mark.slow
@pytest.mark.feature("SIM3", "SIM5")
def test_a_slowing_speed_curve_matches_the_birth_death_chain() -> None:
    # One agent, capacity 3, slowdown 0.5 (speeds 1, 0.67, 0.5 per chat): 5 checks.
    theory = speed_curve_chain(rate=1.2, capacity=3, slowdown=0.5, patience=PATIENCE)
    result = simulate_pool(
        1.2,
        AHT,
        1,
        capacity=3,
        slowdown=0.5,
        mean_patience=PATIENCE,
        duration=25_000.0,
        warmup=WARMUP,
        threshold=THRESHOLD,
        replications=REPLICATIONS,
        seed=401,
        workers=WORKERS,
    )
    assert_inside(
        result,
        [
            Check("p_wait", theory.p_wait, 0.05),
            Check("mean_wait", theory.mean_wait, 0.08),
            Check("abandonment", theory.p_abandon, 0.08),
            Check("mean_concurrency", theory.mean_concurrency, 0.02),
            Check("mean_handle_time", theory.mean_handle_time, 0.02),
        ],
    )
    # Slower per chat than alone: the curve really bites (a linear one would give AHT).
    assert theory.mean_handle_time > 1.2 * AHT
