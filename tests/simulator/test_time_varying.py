"""Per-interval KPIs against an exact time-varying queue (SIM5, SIM6).

A plain pool whose arrival rate changes every hour never reaches a steady state, so Erlang
A cannot say what each interval's abandonment is. A small birth-death chain can: the
M(t)/M/c+M queue with ``c`` agents, exponential handling and patience, solved exactly here
(its transient distribution, hour by hour, with a matrix exponential). The chance that a
chat abandons depends only on how many wait ahead of it (first come, first served; the
agents and rates do not change while it waits), so each interval's expected abandonments
among its arrivals are exact too, and their ratio to the expected arrivals is the value
the pooled estimate must hold.

The intervals are short (15 minutes, 7 to 23 chats each per replication), where a mean of
the replications' ratios is badly biased: the test shows that estimator missing the exact
values, and the pooled one holding them inside its intervals.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from simulator.experiment import run_experiment
from simulator.kpis import kpi_estimates, kpi_sums
from simulator.scenario import load_scenario
from simulator.stats import estimate

HOURLY = [30.0, 60.0, 90.0, 45.0]  # chats per hour, then an empty hour to finish
SERVERS = 2
HANDLING = 2.0  # minutes, exponential
PATIENCE = 1.0  # minutes, exponential
WIDTH = 15.0  # minutes per KPI interval
REPLICATIONS = 200
INTERVALS = len(HOURLY) * 4
CONFIDENCE = 1.0 - 0.05 / INTERVALS  # Bonferroni: all intervals together at 95%


def exact_abandonment(rates: list[float], width: float, states: int = 120) -> list[float]:
    """Per interval of ``width`` minutes with arrival rate ``rates[i]`` per minute (from an
    empty system): expected abandonments among its arrivals / expected arrivals."""
    mu, theta, c = 1.0 / HANDLING, 1.0 / PATIENCE, SERVERS
    n = np.arange(states + 1)
    deaths = np.minimum(n, c) * mu + np.maximum(n - c, 0) * theta
    # A chat that finds k in the system waits behind j = k - c others; each step forward
    # (a chat ahead served or gone, rate cμ + iθ) races its own patience (θ).
    gives_up = np.zeros(states + 1)
    for k in range(c, states + 1):
        ahead = np.arange(k - c + 1)
        gives_up[k] = 1.0 - np.prod((c * mu + ahead * theta) / (c * mu + (ahead + 1) * theta))
    size = states + 1
    distribution = np.zeros(size)
    distribution[0] = 1.0
    result = []
    for rate in rates:
        generator = np.zeros((size, size))
        generator[n[:-1], n[:-1] + 1] = rate
        generator[n[1:], n[1:] - 1] = deaths[1:]
        generator -= np.diag(generator.sum(axis=1))
        # expm of [[Q, I], [0, 0]]·t holds exp(Qt) and its integral ∫exp(Qs)ds side by side.
        block = np.zeros((2 * size, 2 * size))
        block[:size, :size] = generator
        block[:size, size:] = np.eye(size)
        moved = expm(block * width)
        time_in_state = distribution @ moved[:size, size:]
        result.append(float(time_in_state @ gives_up) / width)
        distribution = distribution @ moved[:size, :size]
    assert distribution[-10:].sum() < 1e-12  # the chain is long enough
    return result


def test_the_exact_chain_settles_on_erlang_a() -> None:
    from simulator.analytic import erlang_a_metrics

    steady = exact_abandonment([0.75] * 40, WIDTH)[-1]
    theory = erlang_a_metrics(0.75, HANDLING, PATIENCE, SERVERS, 1.0).p_abandon
    assert steady == pytest.approx(theory, rel=1e-9)


@pytest.mark.slow
@pytest.mark.feature("SIM5", "SIM6")
def test_pooled_abandonment_per_interval_holds_the_exact_time_varying_value() -> None:
    scenario = load_scenario(
        {
            "name": "A day that never settles",
            "start": "2026-01-05T00:00",
            "duration_minutes": 60 * (len(HOURLY) + 1),
            "kpis": {"interval_minutes": WIDTH, "service_level_seconds": 20},
            "traffic": {"hourly": [*HOURLY] + [0.0] * (168 - len(HOURLY))},
            "chats": {
                "handling_time_minutes": {"kind": "exponential", "mean": HANDLING},
                "patience_minutes": {"kind": "exponential", "mean": PATIENCE},
            },
            "agents": [{"id": "agent", "count": SERVERS}],
        }
    )
    exact = exact_abandonment([rate / 60.0 for rate in HOURLY for _ in range(4)], WIDTH)
    result = run_experiment(scenario, REPLICATIONS, 2026, workers=2)
    sums = kpi_sums(
        scenario, result.records, result.agent_time, result.visitors, list(range(REPLICATIONS))
    )
    pooled = kpi_estimates(scenario, sums, CONFIDENCE)[0]
    pooled = pooled[pooled["kpi"] == "abandonment"].set_index("interval")
    misses = []
    for interval, value in enumerate(exact):
        row = pooled.loc[interval]
        if not row["ci_low"] <= value <= row["ci_high"]:
            misses.append(f"{interval}: exact {value:.4f}, pooled {row['mean']:.4f} "
                          f"[{row['ci_low']:.4f}, {row['ci_high']:.4f}]")  # fmt: skip
    assert not misses, "\n".join(misses)

    # The same data would have caught the mean of the replications' ratios: averaged over
    # the intervals it is one value per replication (independent), and their interval
    # lies wholly below the exact average.
    ratios = result.interval_replications.pivot(
        index="replication", columns="interval", values="abandonment"
    )
    old = estimate(ratios.mean(axis=1), 0.999)
    assert old.ci_high < float(np.mean(exact)), old
    assert float(pooled["mean"].mean()) > old.ci_high
