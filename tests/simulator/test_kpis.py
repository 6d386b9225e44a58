"""KPI definitions per interval and per run (SIM6), and confidence intervals (SIM5)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from simulator.kpis import (
    KPI_NAMES,
    kpi_estimates,
    kpi_names,
    kpi_sums,
    kpis_by_interval,
    kpis_by_replication,
)
from simulator.records import (
    CHAT_COLUMNS,
    AgentTimeBook,
    ReplicationData,
    agent_time_frame,
    chat_frame,
    visitor_frame,
)
from simulator.scenario import (
    AgentGroup,
    KpiSettings,
    Scenario,
    Traffic,
)
from simulator.stats import (
    Estimate,
    count_estimates,
    estimate,
    quantile_estimates,
    ratio_estimates,
    share_estimates,
)


def scenario(duration: float = 180.0, warmup: float = 60.0) -> Scenario:
    return Scenario(
        name="kpis",
        traffic=Traffic(constant_rate=1.0),
        agents=(AgentGroup("a", capacity=2),),
        duration_minutes=duration,
        warmup_minutes=warmup,
        kpis=KpiSettings(interval_minutes=60.0, service_level_seconds=30.0, wait_percentile=50.0),
    )


def chat(
    kind: str, arrival: float, wait: float = math.nan, handle: float = math.nan, **extra: Any
) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "record_type": kind,
        "chat_id": 1,
        "visitor_id": -1,
        "arrival": arrival,
        "visit_start": math.nan,
        "wait": wait,
        "handle_time": handle,
        "work": 1.0,
        "agent": "a" if kind == "answered" else None,
        "interval": int(arrival // 60),
        "chatflow": "",
        "page": "",
        "device": "",
        "queued": False,
        "saw_wait_message": False,
        "launcher_hidden": False,
        "email_asked": False,
        "email_left": False,
        "csat": None,
    }
    values.update(extra)
    return tuple(values[column] for column in CHAT_COLUMNS)


def data(
    chats: list[tuple[Any, ...]],
    replication: int = 0,
    staffed: list[float] | None = None,
    chat_minutes: list[float] | None = None,
    visitors: list[list[int]] | None = None,
) -> ReplicationData:
    book = AgentTimeBook(agents=1, interval=60.0, intervals=4)
    book.staffed[0] = list(staffed or [60.0, 60.0, 60.0, 0.0])
    book.available[0] = list(staffed or [60.0, 60.0, 60.0, 0.0])
    book.chat[0] = list(chat_minutes or [0.0, 0.0, 0.0, 0.0])
    return ReplicationData(
        replication=replication,
        chats=chats,
        agent_ids=("a",),
        capacities=(2,),
        agent_time=book,
        visitor_counts=visitors or [[0] * 6 for _ in range(4)],
    )


def kpis(
    items: list[ReplicationData], run: Scenario | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    plan = run or scenario()
    numbers = [item.replication for item in items]
    frames = (chat_frame(items), agent_time_frame(items), visitor_frame(items))
    return (
        kpis_by_interval(plan, *frames, numbers),
        kpis_by_replication(plan, *frames, numbers),
    )


ONE_HOUR = [
    chat("answered", 70.0, wait=0.0, handle=4.0, csat=5),
    chat("answered", 75.0, wait=0.25, handle=2.0, csat=3, email_asked=True, email_left=True),
    chat("answered", 80.0, wait=1.0, email_asked=True),  # still being handled at the end
    chat("abandoned", 90.0, wait=2.0),
    chat("waiting", 110.0, wait=10.0),
    chat("offline", 100.0),
    chat("unassigned", 101.0),
]


@pytest.mark.feature("SIM6")
def test_queue_kpis_follow_their_definitions() -> None:
    by_interval, _ = kpis([data(ONE_HOUR, chat_minutes=[0.0, 60.0, 0.0, 0.0])])
    hour = by_interval.set_index("interval").loc[1]
    assert hour["offered"] == 4 and hour["answered"] == 3 and hour["abandoned"] == 1
    assert hour["abandonment"] == 0.25
    assert hour["p_wait"] == 0.75  # 0.25, 1.0 and 2.0 waited; 0.0 did not
    assert hour["service_level"] == 0.5  # 0.0 and 0.25 within 30 s, of four offered
    assert hour["mean_wait"] == pytest.approx((0.0 + 0.25 + 1.0 + 2.0) / 4)
    assert hour["mean_wait_answered"] == pytest.approx(1.25 / 3)
    assert hour["wait_p50"] == pytest.approx(0.625)
    assert hour["mean_handle_time"] == 3.0  # the unfinished chat has no handling time yet
    assert hour["offline"] == 1 and hour["unassigned"] == 1
    assert hour["email_capture"] == 0.5
    assert hour["csat_mean"] == 4.0


@pytest.mark.feature("SIM6")
def test_occupancy_and_concurrency_come_from_agent_time() -> None:
    by_interval, whole = kpis([data([], chat_minutes=[0.0, 60.0, 30.0, 0.0])])
    rows = by_interval.set_index("interval")
    assert rows.loc[1, "mean_concurrency"] == 1.0
    assert rows.loc[1, "occupancy"] == 0.5  # one chat held on average, capacity two
    assert rows.loc[2, "occupancy"] == 0.25
    assert rows.loc[1, "staffed_agents"] == 1.0
    assert whole.loc[0, "occupancy"] == pytest.approx(90.0 / 240.0)


@pytest.mark.feature("SIM6")
def test_visitor_shares_are_per_visitor_who_arrived_in_the_interval() -> None:
    counts = [[0] * 6, [200, 400, 300, 10, 20, 40], [0] * 6, [0] * 6]
    by_interval, whole = kpis([data([], visitors=counts)])
    hour = by_interval.set_index("interval").loc[1]
    assert hour["visitors"] == 200
    assert hour["chat_rate"] == 0.05
    assert hour["saw_wait_message"] == 0.1
    assert hour["launcher_hidden"] == 0.2
    assert whole.loc[0, "launcher_hidden"] == 0.2


@pytest.mark.feature("SIM6", "SIM5")
def test_the_warm_up_is_left_out_and_empty_intervals_have_undefined_ratios() -> None:
    warm = [chat("abandoned", 10.0, wait=5.0), *ONE_HOUR]
    by_interval, whole = kpis([data(warm)])
    assert by_interval["interval"].tolist() == [1, 2]  # interval 0 is the warm-up
    empty = by_interval.set_index("interval").loc[2]
    assert empty["offered"] == 0
    assert math.isnan(empty["service_level"]) and math.isnan(empty["wait_p50"])
    assert whole.loc[0, "offered"] == 4 and whole.loc[0, "abandoned"] == 1


@pytest.mark.feature("SIM6")
def test_a_last_partial_interval_counts_its_own_length() -> None:
    run = scenario(duration=150.0)
    by_interval, _ = kpis([data([], staffed=[60.0, 60.0, 30.0, 0.0])], run)
    assert by_interval.set_index("interval").loc[2, "staffed_agents"] == 1.0
    exact = scenario(duration=120.0)
    assert kpis([data([])], exact)[0]["interval"].tolist() == [1]


@pytest.mark.feature("SIM6")
def test_kpis_are_kept_per_replication() -> None:
    first = data([chat("answered", 70.0, wait=0.0, handle=1.0)], replication=0)
    second = data([chat("abandoned", 70.0, wait=3.0)], replication=1)
    by_interval, whole = kpis([first, second])
    assert whole["service_level"].tolist() == [1.0, 0.0]
    assert by_interval.groupby("replication").size().tolist() == [2, 2]


@pytest.mark.feature("SIM6")
def test_kpi_names_include_the_chosen_wait_percentile() -> None:
    assert "wait_p90" in KPI_NAMES
    assert "wait_p95" in kpi_names(95.0) and "wait_p99_5" in kpi_names(99.5)


# ---------------------------------------------------------------- confidence intervals


@pytest.mark.feature("SIM5")
def test_the_interval_is_the_student_t_interval_of_the_replication_means() -> None:
    values = [0.8, 0.82, 0.79, 0.85, 0.81]
    result = estimate(values)
    mean = float(np.mean(values))
    half = scipy_stats.t.ppf(0.975, 4) * np.std(values, ddof=1) / math.sqrt(5)
    assert result.mean == pytest.approx(mean)
    assert (result.ci_low, result.ci_high) == pytest.approx((mean - half, mean + half))
    assert result.half_width == pytest.approx(half)
    assert result.contains(mean) and not result.contains(mean + 2 * half)
    assert result.as_dict()["n"] == 5.0  # (kept for checks of long runs)


@pytest.mark.feature("SIM5")
def test_undefined_values_are_left_out_and_one_value_has_no_interval() -> None:
    assert estimate([1.0, math.nan, 3.0]).n == 2
    single = estimate([2.0])
    assert single.mean == 2.0 and math.isnan(single.ci_low)
    nothing = estimate([math.nan])
    assert nothing.n == 0 and math.isnan(nothing.mean)


@pytest.mark.feature("SIM5")
def test_a_higher_confidence_gives_a_wider_interval() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert estimate(values, 0.99).half_width > estimate(values, 0.9).half_width
    with pytest.raises(ValueError, match="confidence"):
        estimate(values, 1.0)
    assert isinstance(estimate(values), Estimate)


# ---------------------------------------------------------------- pooled estimates


def pooled(items: list[ReplicationData]) -> tuple[pd.DataFrame, dict[str, Estimate]]:
    plan = scenario()
    numbers = [item.replication for item in items]
    frames = (chat_frame(items), agent_time_frame(items), visitor_frame(items))
    return kpi_estimates(plan, kpi_sums(plan, *frames, numbers))


@pytest.mark.feature("SIM5", "SIM6")
def test_a_share_pools_the_replications_counts_instead_of_averaging_their_ratios() -> None:
    # One chat in time in the first replication, three chats too late in the second: 1 of 4
    # chats was answered in time (25%), not the 50% a mean of the two ratios would say.
    first = data([chat("answered", 70.0, wait=0.0, handle=1.0)], replication=0)
    late = [chat("answered", 70.0 + i, wait=2.0, handle=1.0) for i in range(3)]
    intervals, whole = pooled([first, data(late, replication=1)])
    level = intervals[(intervals["kpi"] == "service_level") & (intervals["interval"] == 1)]
    assert level["mean"].item() == 0.25
    assert whole["service_level"].mean == 0.25
    assert whole["mean_wait"].mean == pytest.approx(6.0 / 4)  # pooled waits / pooled chats
    assert whole["offered"].mean == 2.0  # a count is a mean per replication
    assert whole["wait_p50"].mean == pytest.approx(2.0)  # the median of the pooled waits
    assert 0.0 <= whole["service_level"].ci_low < 0.25 < whole["service_level"].ci_high <= 1.0


@pytest.mark.feature("SIM5")
def test_estimates_from_few_chats_are_flagged_and_empty_intervals_are_undefined() -> None:
    items = [data([chat("answered", 70.0, wait=0.0, handle=1.0)], replication=r) for r in (0, 1)]
    intervals, whole = pooled(items)
    row = intervals.set_index(["interval", "kpi"])
    assert row.loc[(1, "service_level"), "few"]  # two chats in all
    assert row.loc[(1, "service_level"), "observations"] == 2
    assert not row.loc[(1, "offered"), "few"]  # a count is a finding, however small
    assert math.isnan(row.loc[(2, "service_level"), "mean"])
    assert not row.loc[(2, "service_level"), "few"]
    assert whole["service_level"].few and whole["service_level"].n == 2


@pytest.mark.feature("SIM5")
def test_all_chats_in_time_still_gets_an_interval_below_100_percent() -> None:
    # 200 chats, every one in time, in each of 5 replications: not "100% [100%, 100%]".
    result = share_estimates([[200.0] * 5], [[200.0] * 5])[0]
    assert result.mean == 1.0 and result.ci_high == 1.0
    assert 0.99 < result.ci_low < 1.0
    nothing = share_estimates([[0.0] * 5], [[200.0] * 5])[0]
    assert nothing.mean == 0.0 and nothing.ci_low == 0.0 and 0.0 < nothing.ci_high < 0.01


@pytest.mark.feature("SIM5")
def test_replications_that_disagree_widen_the_interval_beyond_the_binomial_one() -> None:
    calm = share_estimates([[50.0, 50.0, 50.0]], [[100.0, 100.0, 100.0]])[0]
    torn = share_estimates([[10.0, 50.0, 90.0]], [[100.0, 100.0, 100.0]])[0]
    assert calm.mean == torn.mean == 0.5
    assert torn.ci_high - torn.ci_low > 3 * (calm.ci_high - calm.ci_low)
    assert torn.ci_low >= 0.0 and torn.ci_high <= 1.0


@pytest.mark.feature("SIM5")
def test_one_replication_has_no_interval_but_a_value() -> None:
    share = share_estimates([[3.0]], [[4.0]])[0]
    assert share.mean == 0.75 and math.isnan(share.ci_low) and math.isnan(share.ci_high)
    count = count_estimates([[3.0]])[0]
    assert count.mean == 3.0 and math.isnan(count.ci_low)


_REPLICATIONS = st.integers(min_value=2, max_value=8)


@st.composite
def shares(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    replications = draw(_REPLICATIONS)
    trials = draw(st.lists(st.integers(0, 60), min_size=replications, max_size=replications))
    successes = [draw(st.integers(0, t)) for t in trials]
    return [float(s) for s in successes], [float(t) for t in trials]


@pytest.mark.feature("SIM5")
@given(shares())
def test_a_share_and_its_interval_never_leave_0_to_1(data: tuple[list[float], list[float]]) -> None:
    successes, trials = data
    result = share_estimates([successes], [trials])[0]
    if sum(trials) == 0:
        assert math.isnan(result.mean)
        return
    assert 0.0 <= result.ci_low <= result.mean <= result.ci_high <= 1.0


@pytest.mark.feature("SIM5")
@given(
    st.lists(st.tuples(st.floats(0.0, 1e4), st.integers(0, 50)), min_size=2, max_size=8),
    st.sampled_from([(0.0, math.inf), (0.0, 1.0), (1.0, 5.0)]),
)
def test_a_ratio_and_its_interval_stay_in_the_kpis_range(
    rows: list[tuple[float, int]], bounds: tuple[float, float]
) -> None:
    lower, upper = bounds
    counts = [float(n) for _, n in rows]
    # Values within the range: each item of a row is between lower and upper.
    top = upper if math.isfinite(upper) else lower + 100.0
    sums = [
        n * (lower + (top - lower) * (value % 1e3) / 1e3)
        for value, n in zip([v for v, _ in rows], counts, strict=True)
    ]
    result = ratio_estimates([sums], [counts], lower=lower, upper=upper)[0]
    if sum(counts) == 0:
        assert math.isnan(result.mean)
        return
    assert lower - 1e-9 <= result.ci_low <= result.mean <= result.ci_high <= upper + 1e-9


@pytest.mark.feature("SIM5")
@given(st.lists(st.integers(0, 500), min_size=2, max_size=8))
def test_a_count_interval_never_goes_below_zero(counts: list[int]) -> None:
    result = count_estimates([[float(c) for c in counts]])[0]
    assert 0.0 <= result.ci_low <= result.mean <= result.ci_high
    if sum(counts) == 0:
        assert result.ci_high > 0.0  # none seen is not proof that there are none


@pytest.mark.feature("SIM5")
def test_a_quantile_interval_never_goes_below_zero() -> None:
    result = quantile_estimates([0.1], [[0.0, 0.0, 0.5, 0.0]], [40])[0]
    assert result.ci_low >= 0.0 and result.ci_low <= 0.1 <= result.ci_high
    zero = quantile_estimates([0.0], [[0.0, 0.0, 0.0]], [40])[0]
    assert (zero.ci_low, zero.mean, zero.ci_high) == (0.0, 0.0, 0.0)
