"""The exact chain of a chat pool: agents holding several chats, slowed by a speed curve
(SIM3, SIM7)."""

from __future__ import annotations

import math

import pytest

from simulator.analytic import erlang_a_metrics, erlang_c_metrics
from simulator.chat_pool import chat_pool_metrics, chat_pool_states
from simulator.experiment import simulate_pool
from simulator.staffing import chat_pool_agents, erlang_agents, parse_targets
from simulator.staffing.sizing import ErlangModel
from simulator.stats import estimate
from tests.simulator.test_validation import speed_curve_chain


@pytest.mark.feature("SIM7")
@pytest.mark.parametrize(("agents", "capacity"), [(1, 1), (3, 3), (5, 2)])
def test_with_a_linear_speed_curve_the_pool_is_erlang_with_n_times_k_servers(
    agents: int, capacity: int
) -> None:
    rate = 0.8 * agents * capacity / 2.0
    pool = chat_pool_metrics(rate, 2.0, 1.0, agents, [1.0] * capacity, 1 / 3)
    erlang = erlang_a_metrics(rate, 2.0, 1.0, agents * capacity, 1 / 3)
    assert pool is not None
    for figure in ("p_wait", "p_abandon", "mean_wait", "service_level", "occupancy"):
        assert getattr(pool, figure) == pytest.approx(getattr(erlang, figure), rel=1e-9)
    patient = chat_pool_metrics(rate, 2.0, math.inf, agents, [1.0] * capacity, 1 / 3)
    erlang_c = erlang_c_metrics(rate, 2.0, agents * capacity, 1 / 3)
    assert patient is not None and patient.p_abandon == 0.0
    assert patient.service_level == pytest.approx(erlang_c.service_level, rel=1e-9)
    assert patient.mean_wait == pytest.approx(erlang_c.mean_wait, rel=1e-9)


@pytest.mark.feature("SIM3")
def test_one_agent_is_the_birth_death_chain_of_the_validation_tests() -> None:
    chain = speed_curve_chain(rate=1.2, capacity=3, slowdown=0.5, patience=1.0)
    pool = chat_pool_metrics(1.2, 1.0, 1.0, 1, [1.0, 1 / 1.5, 1 / 2.0], 0.2)
    assert pool is not None
    assert pool.p_wait == pytest.approx(chain.p_wait, rel=1e-9)
    assert pool.p_abandon == pytest.approx(chain.p_abandon, rel=1e-9)
    assert pool.mean_concurrency == pytest.approx(chain.mean_concurrency, rel=1e-9)


@pytest.mark.feature("SIM7")
def test_a_slowdown_needs_more_than_erlang_with_n_times_k_and_at_most_the_pessimistic_reading() -> (
    None
):
    targets = parse_targets(["service_level=0.8@20s", "abandonment<=0.05"])
    speeds = [1.0, 1 / 1.4, 1 / 1.8]  # slowdown 0.4, three chats at once
    exact = chat_pool_agents(3.0, 5.0, 2.0, speeds, targets)
    linear = chat_pool_agents(3.0, 5.0, 2.0, [1.0, 1.0, 1.0], targets)
    pessimistic = erlang_agents(ErlangModel.A, 3.0, 5.0 / speeds[-1], 2.0, targets, 3)
    assert exact is not None and linear is not None and pessimistic is not None
    assert linear < exact <= pessimistic
    met = chat_pool_metrics(3.0, 5.0, 2.0, exact, speeds, 1 / 3)
    short = chat_pool_metrics(3.0, 5.0, 2.0, exact - 1, speeds, 1 / 3)
    assert met is not None and short is not None
    assert met.service_level >= 0.8 and met.p_abandon <= 0.05
    assert short.service_level < 0.8 or short.p_abandon > 0.05


@pytest.mark.feature("SIM7")
def test_too_large_a_chain_has_no_figure_and_an_impatient_overload_none_either() -> None:
    assert chat_pool_states(20, 3) == math.comb(23, 3)
    assert chat_pool_metrics(1.0, 1.0, 1.0, 60, [1.0, 0.8, 0.7], 0.1, max_states=1000) is None
    assert chat_pool_metrics(10.0, 1.0, math.inf, 2, [1.0], 0.1) is None  # never keeps up
    targets = parse_targets(["service_level=0.8@20s"])
    assert chat_pool_agents(50.0, 5.0, 2.0, [1.0, 0.8, 0.7], targets, max_states=500) is None
    assert chat_pool_agents(0.0, 5.0, 2.0, [1.0, 0.8], targets) == 0
    assert chat_pool_agents(1.0, 5.0, 2.0, [1.0], parse_targets(["wait_p90<=1m"])) is None


@pytest.mark.slow
@pytest.mark.feature("SIM3", "SIM7")
def test_the_simulated_pool_with_least_busy_routing_holds_the_exact_figures() -> None:
    # Three agents of capacity 3, slowdown 0.5, busy (a quarter of the chats wait): 10
    # replications of 10,000 minutes.
    speeds = [1.0, 1 / 1.5, 1 / 2.0]
    theory = chat_pool_metrics(4.0, 1.0, 1.0, 3, speeds, 0.2)
    assert theory is not None
    result = simulate_pool(
        4.0,
        1.0,
        3,
        capacity=3,
        slowdown=0.5,
        mean_patience=1.0,
        duration=10_000.0,
        warmup=500.0,
        threshold=0.2,
        replications=10,
        seed=77,
        workers=2,
    )
    checks = {
        "p_wait": theory.p_wait,
        "abandonment": theory.p_abandon,
        "service_level": theory.service_level,
        "mean_concurrency": theory.mean_concurrency,
    }
    for kpi, value in checks.items():
        interval = estimate(result.replication_kpis[kpi], 1 - 0.05 / len(checks))
        assert interval.contains(value), (kpi, value, interval)
        assert interval.half_width < 0.05 * value, kpi  # narrow enough to mean something
