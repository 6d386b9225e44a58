"""Tests for the Erlang B / C / A formulas (SIM7).

References are computed independently of the module: exact rational or decimal arithmetic
for Erlang B and C, a brute-force CTMC solved with numpy.linalg (plus a matrix exponential
for the waiting-time distribution) for Erlang A, and the incomplete-gamma closed forms of
Garnett, Mandelbaum & Reiman (2002) / Mandelbaum & Zeltyn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import linalg, special, stats

from simulator.analytic import (
    ErlangAResult,
    ErlangCResult,
    erlang_a_metrics,
    erlang_a_staffing,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    erlang_c_staffing,
    servers_needed,
)

SIM7 = pytest.mark.feature("SIM7")
FAST = settings(max_examples=60, deadline=None)


# --- independent references -----------------------------------------------------------------


def exact_erlang_b(servers: int, load: Fraction) -> Fraction:
    """Erlang B from its definition, in exact rational arithmetic."""
    terms = [Fraction(1)]
    for n in range(1, servers + 1):
        terms.append(terms[-1] * load / n)
    return terms[-1] / sum(terms)


def exact_erlang_c(servers: int, load: Fraction) -> Fraction:
    """Erlang C from its definition (P(wait) = tail of the M/M/c distribution), exactly."""
    terms = [Fraction(1)]
    for n in range(1, servers + 1):
        terms.append(terms[-1] * load / n)
    rho = load / servers
    queue_part = terms[-1] / (1 - rho)
    return queue_part / (sum(terms[:-1]) + queue_part)


def decimal_erlang_c(servers: int, load: int) -> float:
    """Erlang C with 60-digit decimals, by summing a^n/n! directly (no recurrence)."""
    with localcontext() as context:
        context.prec = 60
        a = Decimal(load)
        term = Decimal(1)
        below = Decimal(0)
        for n in range(servers):
            below += term
            term = term * a / (n + 1)
        queue_part = term * servers / (servers - a)
        return float(queue_part / (below + queue_part))


def brute_force_queue(
    arrival_rate: float,
    handling_time: float,
    patience: float,
    servers: int,
    threshold: float,
    states: int,
) -> dict[str, float]:
    """Solve the truncated M/M/c+M chain with numpy.linalg; waits from a matrix exponential.

    The tagged arrival's wait is a chain over "customers ahead" plus two absorbing states
    (served, abandoned); P(served by t) comes from expm of its generator.
    """
    mu = 1.0 / handling_time
    theta = 0.0 if math.isinf(patience) else 1.0 / patience
    generator = np.zeros((states + 1, states + 1))
    for n in range(states):
        generator[n, n + 1] = arrival_rate
    for n in range(1, states + 1):
        generator[n, n - 1] = min(n, servers) * mu + max(n - servers, 0) * theta
    generator -= np.diag(generator.sum(axis=1))
    system = generator.T.copy()
    system[-1, :] = 1.0
    rhs = np.zeros(states + 1)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    queue = sum((n - servers) * pi[n] for n in range(servers + 1, states + 1))

    ahead = states - servers
    served, abandoned = ahead + 1, ahead + 2
    tagged = np.zeros((ahead + 3, ahead + 3))
    for m in range(ahead + 1):
        move = servers * mu + m * theta
        tagged[m, served if m == 0 else m - 1] = move
        tagged[m, abandoned] = theta
        tagged[m, m] = -(move + theta)
    start = np.zeros(ahead + 3)
    start[: ahead + 1] = pi[servers:]
    later = start @ linalg.expm(tagged * threshold)
    return {
        "p_wait": float(pi[servers:].sum()),
        "p_abandon": theta * queue / arrival_rate,
        "mean_wait": queue / arrival_rate,  # Little's law on the queue
        "service_level": float(pi[:servers].sum() + later[served]),
    }


def _gmr_log_a(x: float, y: float) -> float:
    """log A(x, y) = log(x·e^y·y^-x·γ(x, y)), GMR's A with the lower incomplete gamma γ."""
    log_gamma_lower = float(special.gammaln(x)) + math.log(special.gammainc(x, y))
    return math.log(x) + y - x * math.log(y) + log_gamma_lower


def gmr_closed_form(
    arrival_rate: float, handling_time: float, patience: float, servers: int
) -> tuple[float, float]:
    """P(wait) and P(abandon) from Garnett, Mandelbaum & Reiman (2002), in terms of A(x, y).

    P(wait) = A·B / (1 + (A - 1)·B) and P(Ab | wait) = 1/(rho·A) + 1 - 1/rho, with
    B = Erlang B (here from scipy's Poisson distribution), written in logs so large A fits.
    """
    mu, theta = 1.0 / handling_time, 1.0 / patience
    x, y = servers * mu / theta, arrival_rate / theta
    load = arrival_rate / mu
    log_big_a = _gmr_log_a(x, y)
    blocking = stats.poisson.pmf(servers, load) / stats.poisson.cdf(servers, load)
    p_wait = 1.0 / (1.0 + math.exp(math.log1p(-blocking) - math.log(blocking) - log_big_a))
    rho = arrival_rate / (servers * mu)
    p_abandon_given_wait = math.exp(-log_big_a) / rho + 1.0 - 1.0 / rho
    return p_wait, p_abandon_given_wait * p_wait


def zeltyn_service_level(
    arrival_rate: float, handling_time: float, patience: float, servers: int, threshold: float
) -> float:
    """P(answered within t) via the incomplete-gamma form of the offered-wait density.

    Answered after waiting, within t: pi(c)·x·e^y·y^-(x+1)·Γ(x+1)·[P(x+1, y) - P(x+1, y·e^-θt)],
    with P the regularized lower incomplete gamma and pi(c) = P(wait)/A.
    """
    mu, theta = 1.0 / handling_time, 1.0 / patience
    x, y = servers * mu / theta, arrival_rate / theta
    p_wait, _ = gmr_closed_form(arrival_rate, handling_time, patience, servers)
    log_pi_c = math.log(p_wait) - _gmr_log_a(x, y)
    window = float(special.gammainc(x + 1.0, y)) - special.gammainc(
        x + 1.0, y * math.exp(-theta * threshold)
    )
    log_scale = log_pi_c + math.log(x) + y - (x + 1.0) * math.log(y) + special.gammaln(x + 1)
    return float((1.0 - p_wait) + math.exp(log_scale) * window)


# --- Erlang B and C -------------------------------------------------------------------------


@SIM7
def test_erlang_b_matches_the_textbook_value_for_five_lines_and_three_erlang() -> None:
    assert erlang_b(5, 3.0) == pytest.approx(0.1101, abs=5e-5)
    assert erlang_b(5, 3.0) == pytest.approx(float(exact_erlang_b(5, Fraction(3))), rel=1e-14)


@SIM7
def test_erlang_b_edge_cases_follow_the_definition() -> None:
    assert erlang_b(0, 4.0) == 1.0  # no lines: everything is blocked
    assert erlang_b(7, 0.0) == 0.0  # no traffic: nothing is blocked
    assert erlang_b(2, 1.0) == pytest.approx(0.2, rel=1e-15)
    # numpy ints (e.g. from a staffing array) are accepted at run time
    assert erlang_b(np.int64(5), 3.0) == erlang_b(5, 3.0)  # type: ignore[arg-type]


@SIM7
@FAST
@given(
    servers=st.integers(min_value=1, max_value=60),
    load=st.fractions(min_value=Fraction(1, 64), max_value=80, max_denominator=64),
)
def test_erlang_b_agrees_with_exact_rational_arithmetic(servers: int, load: Fraction) -> None:
    assert erlang_b(servers, float(load)) == pytest.approx(
        float(exact_erlang_b(servers, load)), rel=1e-12
    )


@SIM7
def test_erlang_c_matches_the_textbook_value_for_ten_agents_and_eight_erlang() -> None:
    assert erlang_c(10, 8.0) == pytest.approx(0.4092, abs=5e-5)
    assert erlang_c(10, 8.0) == pytest.approx(float(exact_erlang_c(10, Fraction(8))), rel=1e-13)


@SIM7
def test_erlang_c_reduces_to_known_small_systems() -> None:
    assert erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-15)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-15)  # M/M/2: 2rho^2/(1+rho)
    assert erlang_c(5, 0.0) == 0.0


@SIM7
@pytest.mark.parametrize(("servers", "load"), [(10, 10.0), (10, 12.5), (0, 0.0), (0, 3.0)])
def test_erlang_c_is_one_when_the_load_reaches_the_agents(servers: int, load: float) -> None:
    assert erlang_c(servers, load) == 1.0


@SIM7
@FAST
@given(
    servers=st.integers(min_value=1, max_value=60),
    load=st.fractions(min_value=Fraction(1, 64), max_value=60, max_denominator=64),
)
def test_erlang_c_agrees_with_exact_rational_arithmetic(servers: int, load: Fraction) -> None:
    assume(load < servers)
    assert erlang_c(servers, float(load)) == pytest.approx(
        float(exact_erlang_c(servers, load)), rel=1e-12
    )


@SIM7
def test_erlang_c_stays_accurate_for_a_thousand_agents() -> None:
    assert erlang_c(1000, 950.0) == pytest.approx(decimal_erlang_c(1000, 950), rel=1e-11)
    assert erlang_c(2000, 1500.0) == pytest.approx(decimal_erlang_c(2000, 1500), rel=1e-11)
    assert erlang_b(2000, 1.0) == 0.0  # underflows quietly, no warning


@SIM7
def test_erlang_c_metrics_match_the_mm1_closed_forms() -> None:
    # M/M/1 with lambda = 0.6, mu = 1: P(W > t) = rho·e^{-(mu-lambda)t}, E[W] = rho/(mu-lambda).
    result = erlang_c_metrics(arrival_rate=0.6, mean_handling_time=1.0, servers=1, threshold=2.0)
    assert result.p_wait == pytest.approx(0.6, rel=1e-15)
    assert result.mean_wait == pytest.approx(0.6 / 0.4, rel=1e-14)
    assert result.service_level == pytest.approx(1.0 - 0.6 * math.exp(-0.4 * 2.0), rel=1e-14)
    assert result.occupancy == pytest.approx(0.6, rel=1e-15)


@SIM7
@pytest.mark.parametrize(
    ("arrival_rate", "handling_time", "servers", "threshold"),
    [(8.0, 1.0, 10, 0.5), (2.0, 3.0, 7, 1.0), (0.5, 4.0, 3, 0.0), (1.2, 5.0, 8, 2.0)],
)
def test_erlang_c_metrics_agree_with_a_brute_force_chain(
    arrival_rate: float, handling_time: float, servers: int, threshold: float
) -> None:
    result = erlang_c_metrics(arrival_rate, handling_time, servers, threshold)
    reference = brute_force_queue(
        arrival_rate, handling_time, math.inf, servers, threshold, states=servers + 500
    )
    assert result.p_wait == pytest.approx(reference["p_wait"], rel=1e-9)
    assert result.mean_wait == pytest.approx(reference["mean_wait"], rel=1e-9)
    assert result.service_level == pytest.approx(reference["service_level"], rel=1e-9)


@SIM7
def test_figures_do_not_depend_on_the_time_unit() -> None:
    # 100 chats per 30 minutes, 3-minute handling, 20-second threshold - in minutes and seconds.
    minutes_c = erlang_c_metrics(100 / 30, 3.0, 11, 20 / 60)
    seconds_c = erlang_c_metrics(100 / 1800, 180.0, 11, 20.0)
    assert seconds_c.p_wait == pytest.approx(minutes_c.p_wait, rel=1e-13)
    assert seconds_c.service_level == pytest.approx(minutes_c.service_level, rel=1e-13)
    assert seconds_c.mean_wait == pytest.approx(60 * minutes_c.mean_wait, rel=1e-13)
    minutes_a = erlang_a_metrics(100 / 30, 3.0, 2.0, 11, 20 / 60)
    seconds_a = erlang_a_metrics(100 / 1800, 180.0, 120.0, 11, 20.0)
    assert seconds_a.p_abandon == pytest.approx(minutes_a.p_abandon, rel=1e-12)
    assert seconds_a.service_level == pytest.approx(minutes_a.service_level, rel=1e-12)
    assert seconds_a.mean_wait == pytest.approx(60 * minutes_a.mean_wait, rel=1e-12)


@SIM7
@pytest.mark.parametrize(("arrival_rate", "servers"), [(10.0, 10), (12.0, 10), (1.0, 0)])
def test_erlang_c_metrics_report_an_unstable_system(arrival_rate: float, servers: int) -> None:
    result = erlang_c_metrics(arrival_rate, 1.0, servers, 0.5)
    assert result == ErlangCResult(p_wait=1.0, mean_wait=math.inf, service_level=0.0, occupancy=1.0)


@SIM7
def test_erlang_c_metrics_with_no_arrivals_answer_everyone_at_once() -> None:
    assert erlang_c_metrics(0.0, 3.0, 0, 0.5) == ErlangCResult(
        p_wait=0.0, mean_wait=0.0, service_level=1.0, occupancy=0.0
    )


@SIM7
def test_erlang_c_service_level_with_an_infinite_threshold_is_one() -> None:
    assert erlang_c_metrics(8.0, 1.0, 10, math.inf).service_level == 1.0


@SIM7
@FAST
@given(
    servers=st.integers(min_value=1, max_value=200),
    utilisation=st.floats(min_value=0.01, max_value=0.999),
    threshold=st.floats(min_value=0.0, max_value=3.0),
)
def test_erlang_c_more_agents_never_make_waiting_worse(
    servers: int, utilisation: float, threshold: float
) -> None:
    load = servers * utilisation
    fewer = erlang_c_metrics(load, 1.0, servers, threshold)
    more = erlang_c_metrics(load, 1.0, servers + 1, threshold)
    assert more.p_wait <= fewer.p_wait + 1e-15
    assert more.mean_wait <= fewer.mean_wait * (1 + 1e-14)
    assert more.service_level >= fewer.service_level - 1e-15


# --- Erlang A -------------------------------------------------------------------------------

ERLANG_A_CASES = [
    # arrival rate, handling time, patience, agents, threshold
    (8.0, 1.0, 1.0, 10, 0.5),
    (8.0, 1.0, 5.0, 10, 0.2),
    (2.0, 3.0, 0.5, 5, 1.0),
    (12.0, 1.0, 2.0, 10, 0.3),  # overloaded: only abandonment keeps it stable
    (0.3, 5.0, 10.0, 1, 4.0),
    (5.0, 1.0, 0.2, 3, 0.0),  # threshold zero: answered at once only
    (1.0, 1.0, 0.5, 6, 2.0),
]


@SIM7
@pytest.mark.parametrize(
    ("arrival_rate", "handling_time", "patience", "servers", "threshold"), ERLANG_A_CASES
)
def test_erlang_a_agrees_with_a_brute_force_chain(
    arrival_rate: float, handling_time: float, patience: float, servers: int, threshold: float
) -> None:
    result = erlang_a_metrics(arrival_rate, handling_time, patience, servers, threshold)
    reference = brute_force_queue(
        arrival_rate, handling_time, patience, servers, threshold, states=servers + 150
    )
    assert result.p_wait == pytest.approx(reference["p_wait"], rel=1e-10)
    assert result.p_abandon == pytest.approx(reference["p_abandon"], rel=1e-10)
    assert result.mean_wait == pytest.approx(reference["mean_wait"], rel=1e-10)
    assert result.service_level == pytest.approx(reference["service_level"], rel=1e-10)
    assert result.p_abandon_given_wait == pytest.approx(
        reference["p_abandon"] / reference["p_wait"], rel=1e-10
    )
    load = arrival_rate * handling_time
    assert result.occupancy == pytest.approx((1 - reference["p_abandon"]) * load / servers)


@SIM7
@settings(max_examples=150, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=80),
    utilisation=st.floats(min_value=0.05, max_value=1.6),
    patience=st.floats(min_value=0.05, max_value=30.0),
    threshold=st.floats(min_value=0.0, max_value=3.0),
)
def test_erlang_a_agrees_with_the_gmr_and_zeltyn_closed_forms(
    servers: int, utilisation: float, patience: float, threshold: float
) -> None:
    rate = servers * utilisation
    # The closed forms underflow for large, lightly loaded systems: compare where they work.
    assume(special.gammainc(servers * patience, rate * patience) > 1e-200)
    result = erlang_a_metrics(rate, 1.0, patience, servers, threshold)
    p_wait, p_abandon = gmr_closed_form(rate, 1.0, patience, servers)
    assert result.p_wait == pytest.approx(p_wait, rel=1e-9, abs=1e-13)
    # GMR's P(Ab|wait) = 1/(rho·A) + 1 - 1/rho cancels, so its own error is absolute.
    assert result.p_abandon == pytest.approx(p_abandon, rel=1e-8, abs=1e-11)
    reference_sl = zeltyn_service_level(rate, 1.0, patience, servers, threshold)
    assert result.service_level == pytest.approx(reference_sl, rel=1e-8, abs=1e-11)


@SIM7
def test_erlang_a_stays_accurate_and_quiet_for_a_thousand_agents() -> None:
    for rate, patience, servers in [(950.0, 1.0, 1000), (950.0, 3.0, 1000), (1500.0, 2.0, 1000)]:
        result = erlang_a_metrics(rate, 1.0, patience, servers, 1 / 3)
        p_wait, p_abandon = gmr_closed_form(rate, 1.0, patience, servers)
        assert result.p_wait == pytest.approx(p_wait, rel=1e-9)
        assert result.p_abandon == pytest.approx(p_abandon, rel=1e-8, abs=1e-12)
        reference_sl = zeltyn_service_level(rate, 1.0, patience, servers, 1 / 3)
        assert result.service_level == pytest.approx(reference_sl, rel=1e-8, abs=1e-12)
    overloaded = erlang_a_metrics(1500.0, 1.0, 2.0, 1000, 1 / 3)
    assert overloaded.p_abandon == pytest.approx(1 - 1000 / 1500, rel=1e-3)  # fluid limit
    assert overloaded.occupancy <= 1.0


@SIM7
def test_erlang_a_with_two_thousand_agents_and_little_traffic_never_waits() -> None:
    result = erlang_a_metrics(1.0, 1.0, 1.0, 2000, 0.0)
    assert result.p_wait < 1e-300
    assert result.service_level == 1.0
    assert result.occupancy == pytest.approx(1 / 2000)
    busy = erlang_a_metrics(1500.0, 1.0, 0.5, 2000, 0.05)
    assert 0.0 < busy.p_wait < 1e-30
    assert busy.service_level == pytest.approx(1.0, abs=1e-30)


@SIM7
def test_erlang_a_with_endless_patience_converges_to_erlang_c() -> None:
    erlang = erlang_c_metrics(8.0, 1.0, 10, 0.5)
    nearly = erlang_a_metrics(8.0, 1.0, 1e7, 10, 0.5)
    assert nearly.p_wait == pytest.approx(erlang.p_wait, rel=1e-6)
    assert nearly.mean_wait == pytest.approx(erlang.mean_wait, rel=1e-6)
    assert nearly.service_level == pytest.approx(erlang.service_level, rel=1e-6)
    assert nearly.p_abandon < 1e-7
    exact = erlang_a_metrics(8.0, 1.0, math.inf, 10, 0.5)
    assert exact == ErlangAResult(
        p_wait=erlang.p_wait,
        p_abandon=0.0,
        mean_wait=erlang.mean_wait,
        service_level=erlang.service_level,
        p_abandon_given_wait=0.0,
        occupancy=erlang.occupancy,
    )
    assert erlang_a_metrics(12.0, 1.0, math.inf, 10, 0.5).mean_wait == math.inf


@SIM7
def test_erlang_a_with_no_patience_becomes_the_erlang_b_loss_system() -> None:
    blocking = erlang_b(10, 8.0)
    nearly = erlang_a_metrics(8.0, 1.0, 1e-9, 10, 0.5)
    assert nearly.p_wait == pytest.approx(blocking, rel=1e-7)
    assert nearly.p_abandon == pytest.approx(blocking, rel=1e-7)
    assert nearly.service_level == pytest.approx(1 - blocking, rel=1e-7)
    assert nearly.mean_wait < 1e-9
    exact = erlang_a_metrics(8.0, 1.0, 0.0, 10, 0.5)
    assert exact == ErlangAResult(
        p_wait=blocking,
        p_abandon=blocking,
        mean_wait=0.0,
        service_level=1 - blocking,
        p_abandon_given_wait=1.0,
        occupancy=(1 - blocking) * 8.0 / 10,
    )
    assert erlang_a_metrics(8.0, 1.0, 0.0, 0, 0.5).occupancy == 0.0


@SIM7
def test_erlang_a_without_agents_loses_everyone_after_their_patience() -> None:
    result = erlang_a_metrics(2.0, 1.0, 3.0, 0, 1.0)
    assert result.p_wait == 1.0
    assert result.p_abandon == pytest.approx(1.0, rel=1e-14)
    assert result.mean_wait == pytest.approx(3.0, rel=1e-14)
    assert result.service_level == 0.0
    assert result.occupancy == 0.0


@SIM7
def test_erlang_a_with_no_arrivals_answers_everyone_at_once() -> None:
    assert erlang_a_metrics(0.0, 1.0, 2.0, 3, 0.5) == ErlangAResult(
        p_wait=0.0,
        p_abandon=0.0,
        mean_wait=0.0,
        service_level=1.0,
        p_abandon_given_wait=0.0,
        occupancy=0.0,
    )


@SIM7
@pytest.mark.parametrize(("rate", "patience"), [(20.0, 100.0), (30.0, 100.0)])
def test_erlang_a_with_long_queues_still_matches_the_closed_forms(
    rate: float, patience: float
) -> None:
    # Hundreds to thousands of queue states: the chain sum runs over several chunks.
    result = erlang_a_metrics(rate, 1.0, patience, 10, 5.0)
    p_wait, p_abandon = gmr_closed_form(rate, 1.0, patience, 10)
    assert result.p_wait == pytest.approx(p_wait, rel=1e-12)
    assert result.p_abandon == pytest.approx(p_abandon, rel=1e-10)
    reference_sl = zeltyn_service_level(rate, 1.0, patience, 10, 5.0)
    assert result.service_level == pytest.approx(reference_sl, rel=1e-8, abs=1e-14)


@SIM7
def test_erlang_a_service_level_counts_only_arrivals_answered_in_time() -> None:
    # Overloaded: waits bunch around patience·log(rho) = 0.81 min, inside this threshold.
    within = erlang_a_metrics(1500.0, 1.0, 2.0, 1000, 0.82)
    answered = erlang_a_metrics(1500.0, 1.0, 2.0, 1000, math.inf)
    assert answered.service_level == pytest.approx(1.0 - answered.p_abandon, rel=1e-12)
    assert 0.1 < within.service_level < answered.service_level - 0.1
    assert within.service_level == pytest.approx(
        zeltyn_service_level(1500.0, 1.0, 2.0, 1000, 0.82), rel=1e-8
    )
    at_once = erlang_a_metrics(8.0, 1.0, 1.0, 10, 0.0)
    assert at_once.service_level == pytest.approx(1.0 - at_once.p_wait, rel=1e-15)
    # A subnormal threshold is as good as zero.
    tiny = erlang_a_metrics(8.0, 1.0, 1.0, 10, 5e-324)
    assert tiny.service_level == pytest.approx(at_once.service_level, rel=1e-15)


@SIM7
def test_erlang_a_handles_absurd_patience_with_an_overloaded_system() -> None:
    # Tens of millions of queue states: the closed-form fallback gives the fluid answer.
    result = erlang_a_metrics(3.0, 1.0, 1e7, 1, 0.5)
    assert result.p_wait == 1.0
    assert result.p_abandon == pytest.approx(2 / 3, rel=1e-12)
    assert result.service_level == 0.0


@SIM7
@pytest.mark.parametrize(
    ("rate", "handling_time", "patience", "servers"),
    [(2.0, 1.0, 1e10, 1), (1.0 - 1e-6, 1.0, 1e16, 1), (1.0, 1e-10, 1e308, 10)],
)
def test_erlang_a_refuses_patience_too_long_to_compute(
    rate: float, handling_time: float, patience: float, servers: int
) -> None:
    with pytest.raises(ValueError, match="erlang_c_metrics"):
        erlang_a_metrics(rate, handling_time, patience, servers, 1.0)


@SIM7
@settings(max_examples=120, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=100),
    utilisation=st.floats(min_value=0.05, max_value=2.0),
    patience=st.floats(min_value=0.01, max_value=50.0),
    threshold=st.floats(min_value=0.0, max_value=2.0),
)
def test_erlang_a_more_agents_never_make_waiting_or_abandoning_worse(
    servers: int, utilisation: float, patience: float, threshold: float
) -> None:
    rate = servers * utilisation
    fewer = erlang_a_metrics(rate, 1.0, patience, servers, threshold)
    more = erlang_a_metrics(rate, 1.0, patience, servers + 1, threshold)
    assert more.p_wait <= fewer.p_wait * (1 + 1e-12)
    assert more.p_abandon <= fewer.p_abandon * (1 + 1e-12)
    assert more.mean_wait <= fewer.mean_wait * (1 + 1e-12)
    assert more.service_level >= fewer.service_level - 1e-12


@SIM7
@settings(max_examples=80, deadline=None)
@given(
    servers=st.integers(min_value=1, max_value=50),
    utilisation=st.floats(min_value=0.05, max_value=2.0),
    patience=st.floats(min_value=0.01, max_value=50.0),
    threshold=st.floats(min_value=0.0, max_value=2.0),
    extra=st.floats(min_value=0.01, max_value=2.0),
)
def test_erlang_a_service_level_grows_with_the_threshold_and_abandonment_falls_with_patience(
    servers: int, utilisation: float, patience: float, threshold: float, extra: float
) -> None:
    rate = servers * utilisation
    base = erlang_a_metrics(rate, 1.0, patience, servers, threshold)
    later = erlang_a_metrics(rate, 1.0, patience, servers, threshold + extra)
    patient = erlang_a_metrics(rate, 1.0, patience * (1 + extra), servers, threshold)
    assert later.service_level >= base.service_level - 1e-12
    assert later.service_level <= 1.0 - base.p_abandon + 1e-12
    assert patient.p_abandon <= base.p_abandon * (1 + 1e-12)
    assert 0.0 <= base.occupancy <= 1.0


# --- staffing -------------------------------------------------------------------------------


@SIM7
def test_servers_needed_finds_the_smallest_count_that_meets_the_target() -> None:
    calls: list[int] = []

    def at_least_37(c: int) -> bool:
        calls.append(c)
        return c >= 37

    assert servers_needed(at_least_37) == 37
    assert len(calls) <= 16  # binary search, not a scan
    assert servers_needed(at_least_37, lo=37, hi=37) == 37
    assert servers_needed(lambda c: True, lo=4) == 4


@SIM7
@pytest.mark.parametrize(("lo", "hi"), [(5, 4), (-1, 10)])
def test_servers_needed_rejects_an_empty_range(lo: int, hi: int) -> None:
    with pytest.raises(ValueError, match="lo"):
        servers_needed(lambda c: True, lo=lo, hi=hi)


@SIM7
def test_servers_needed_says_when_no_count_is_enough() -> None:
    with pytest.raises(ValueError, match="no staffing level up to 50"):
        servers_needed(lambda c: False, hi=50)


@SIM7
@pytest.mark.parametrize(
    ("rate", "aht", "threshold", "target"),
    [(100 / 30, 3.0, 20 / 60, 0.8), (950.0, 1.0, 0.1, 0.8), (0.2, 4.0, 0.5, 0.95)],
)
def test_erlang_c_staffing_is_the_fewest_agents_meeting_the_service_level(
    rate: float, aht: float, threshold: float, target: float
) -> None:
    agents = erlang_c_staffing(rate, aht, threshold, target)
    assert erlang_c_metrics(rate, aht, agents, threshold).service_level >= target
    assert erlang_c_metrics(rate, aht, agents - 1, threshold).service_level < target


@SIM7
def test_erlang_c_staffing_of_the_textbook_example() -> None:
    # 100 chats per 30 minutes, 3-minute handling, 80% within 20 s: the widely published
    # worked example needs 14 agents (88.8% answered in time, ASA about 8 seconds).
    assert erlang_c_staffing(100 / 30, 3.0, 20 / 60, 0.8) == 14
    result = erlang_c_metrics(100 / 30, 3.0, 14, 20 / 60)
    assert result.service_level == pytest.approx(0.8883, abs=1e-4)
    assert result.mean_wait * 60 == pytest.approx(7.8, abs=0.05)


@SIM7
def test_staffing_for_no_traffic_is_zero_agents() -> None:
    assert erlang_c_staffing(0.0, 3.0, 0.5, 0.8) == 0
    assert erlang_a_staffing(0.0, 3.0, 2.0, 0.5, service_level_target=0.8) == 0


@SIM7
def test_erlang_a_staffing_meets_every_target_with_the_fewest_agents() -> None:
    rate, aht, patience, threshold = 950.0, 1.0, 1.0, 0.1
    by_sl = erlang_a_staffing(rate, aht, patience, threshold, service_level_target=0.8)
    by_abandon = erlang_a_staffing(rate, aht, patience, threshold, max_abandon=0.01)
    by_wait = erlang_a_staffing(rate, aht, patience, threshold, max_mean_wait=0.005)
    both = erlang_a_staffing(
        rate, aht, patience, threshold, service_level_target=0.8, max_abandon=0.01
    )
    assert both == max(by_sl, by_abandon)
    fits = erlang_a_metrics(rate, aht, patience, by_sl, threshold)
    short = erlang_a_metrics(rate, aht, patience, by_sl - 1, threshold)
    assert fits.service_level >= 0.8 > short.service_level
    assert erlang_a_metrics(rate, aht, patience, by_abandon, threshold).p_abandon <= 0.01
    assert erlang_a_metrics(rate, aht, patience, by_abandon - 1, threshold).p_abandon > 0.01
    assert erlang_a_metrics(rate, aht, patience, by_wait, threshold).mean_wait <= 0.005
    assert erlang_a_metrics(rate, aht, patience, by_wait - 1, threshold).mean_wait > 0.005


@SIM7
def test_erlang_a_staffing_with_endless_patience_matches_erlang_c() -> None:
    assert erlang_a_staffing(
        100 / 30, 3.0, math.inf, 20 / 60, service_level_target=0.8
    ) == erlang_c_staffing(100 / 30, 3.0, 20 / 60, 0.8)


@SIM7
def test_erlang_a_staffing_needs_a_target() -> None:
    with pytest.raises(ValueError, match="service_level_target"):
        erlang_a_staffing(2.0, 3.0, 2.0, 0.5)


@SIM7
@pytest.mark.parametrize("target", [0.0, 1.0, 1.5, -0.2])
def test_staffing_rejects_targets_that_are_not_fractions(target: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        erlang_c_staffing(2.0, 3.0, 0.5, target)
    with pytest.raises(ValueError, match="between 0 and 1"):
        erlang_a_staffing(2.0, 3.0, 2.0, 0.5, max_abandon=target)
    with pytest.raises(ValueError, match="between 0 and 1"):
        erlang_a_staffing(2.0, 3.0, 2.0, 0.5, service_level_target=target)


# --- input checks ---------------------------------------------------------------------------


@SIM7
@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(-1, 2.0),
        lambda: erlang_b(3, -0.5),
        lambda: erlang_c(3, math.nan),
        lambda: erlang_c(3, math.inf),
        lambda: erlang_c_metrics(1.0, 0.0, 3, 0.5),
        lambda: erlang_c_metrics(1.0, 1.0, 3, -1.0),
        lambda: erlang_a_metrics(1.0, 1.0, math.nan, 3, 0.5),
        lambda: erlang_a_metrics(-1.0, 1.0, 1.0, 3, 0.5),
        lambda: erlang_a_staffing(1.0, 1.0, 1.0, 0.5, max_mean_wait=0.0),
    ],
)
def test_nonsense_inputs_are_rejected_with_a_value_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        call()


@SIM7
@pytest.mark.parametrize("servers", [True, 2.5, "3"])
def test_servers_must_be_a_whole_number(servers: object) -> None:
    with pytest.raises(TypeError):
        erlang_b(servers, 1.0)  # type: ignore[arg-type]
