"""Experiments: explicit seeds, parallel replications, results with confidence intervals."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from simulator.experiment import (
    ExperimentProgress,
    ExperimentResult,
    pool_scenario,
    replication_seeds,
    run_experiment,
    run_replication,
    simulate_pool,
)
from simulator.kpis import KPI_NAMES
from simulator.scenario import InvalidData, load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


def small_pool(**changes: object) -> ExperimentResult:
    options: dict[str, object] = {
        "duration": 600.0,
        "warmup": 60.0,
        "replications": 3,
        "seed": 11,
        "workers": 1,
        "mean_patience": 2.0,
    }
    options.update(changes)
    return simulate_pool(4.0, 1.0, 5, **options)  # type: ignore[arg-type]


@pytest.mark.feature("SIM5")
def test_the_same_seed_gives_identical_records_and_another_seed_does_not() -> None:
    first = small_pool()
    again = small_pool()
    other = small_pool(seed=12)
    pd.testing.assert_frame_equal(first.records, again.records)
    pd.testing.assert_frame_equal(first.agent_time, again.agent_time)
    assert not first.records["arrival"].equals(other.records["arrival"])


@pytest.mark.feature("SIM5")
def test_each_replication_has_its_own_stream_from_the_seed() -> None:
    result = small_pool()
    by_replication = [
        group["arrival"].tolist() for _, group in result.records.groupby("replication")
    ]
    assert len(by_replication) == 3
    assert by_replication[0] != by_replication[1] != by_replication[2]
    seeds = replication_seeds(11, 3)
    alone = run_replication(result.scenario, 2, seeds[2])
    assert [row[3] for row in alone.chats] == by_replication[2]
    assert alone.replication == 2


@pytest.mark.feature("SIM5")
def test_parallel_workers_give_exactly_the_records_of_one_process() -> None:
    calls: list[ExperimentProgress] = []
    parallel = small_pool(workers=2, replications=4)
    serial = run_experiment(parallel.scenario, 4, 11, workers=1, progress=calls.append)
    pd.testing.assert_frame_equal(parallel.records, serial.records)
    pd.testing.assert_frame_equal(parallel.interval_kpis, serial.interval_kpis)
    ends = [(p.done, p.fraction) for p in calls if p.fraction == p.done / 4]
    assert ends[-4:] == [(1, 0.25), (2, 0.5), (3, 0.75), (4, 1.0)]


@pytest.mark.feature("SIM5")
def test_workers_are_spawned_when_other_threads_run_and_still_agree() -> None:
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        calls: list[ExperimentProgress] = []
        spawned = run_experiment(
            pool_scenario(4.0, 1.0, 5, duration=200.0, warmup=0.0),
            2,
            5,
            workers=2,
            progress=calls.append,
        )
    finally:
        stop.set()
        helper.join()
    alone = run_experiment(spawned.scenario, 2, 5, workers=1)
    pd.testing.assert_frame_equal(spawned.records, alone.records)
    assert calls[-1] == ExperimentProgress(2, 2, 1.0)


@pytest.mark.feature("SIM5")
@pytest.mark.parametrize("workers", [1, 2])
def test_progress_moves_with_the_simulated_clock_within_a_replication(workers: int) -> None:
    seen: list[ExperimentProgress] = []
    scenario = pool_scenario(1.0, 1.0, 2, duration=2000.0, warmup=0.0)
    run_experiment(scenario, 2, 1, workers=workers, progress=seen.append)
    assert seen[-1] == ExperimentProgress(2, 2, 1.0)
    within = [p.fraction for p in seen if p.done == 0 and 0.0 < p.fraction < 1.0]
    assert within, "progress only moved when a replication ended"
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)


@pytest.mark.feature("SIM5")
def test_at_least_one_replication_is_needed() -> None:
    with pytest.raises(ValueError, match="replications"):
        run_experiment(pool_scenario(1.0, 1.0, 1), 0, 1)


@pytest.mark.feature("SIM5")
def test_by_default_workers_are_one_per_cpu_but_never_more_than_replications() -> None:
    result = run_experiment(pool_scenario(1.0, 1.0, 1, duration=100.0, warmup=0.0), 1, 1)
    assert result.replications == 1 and result.records["replication"].eq(0).all()


@pytest.mark.feature("SIM5", "SIM6")
def test_every_kpi_has_a_whole_run_estimate_and_per_interval_estimates() -> None:
    result = small_pool()
    assert set(result.summary) == set(KPI_NAMES)
    service = result.summary["service_level"]
    assert service.n == 3 and service.ci_low < service.mean < service.ci_high
    table = result.summary_table()
    assert table.loc["offered", "mean"] == result.summary["offered"].mean
    intervals = result.interval_kpis
    assert list(intervals.columns) == [
        "interval",
        "start",
        "kpi",
        "mean",
        "ci_low",
        "ci_high",
        "n",
        "observations",
        "few",
    ]
    assert set(intervals["kpi"]) == set(KPI_NAMES)
    assert intervals["interval"].min() == 1  # interval 0 is the warm-up
    first = intervals["start"].iloc[0]
    assert str(first.tz) == result.scenario.timezone == "UTC"
    assert first == pd.Timestamp(result.scenario.start_utc) + timedelta(minutes=60)
    assert result.elapsed_seconds > 0


@pytest.mark.feature("SIM5", "SIM6")
def test_the_warm_up_is_excluded_from_the_summary() -> None:
    result = small_pool(warmup=120.0)
    records = result.records
    kind = records["record_type"].astype(str)
    late = records[(records["arrival"] >= 120.0) & kind.isin(["answered", "abandoned"])]
    counted = late.groupby("replication").size()
    assert result.replication_kpis["offered"].tolist() == counted.tolist()
    assert (records["arrival"] < 120.0).any()
    assert result.summary["offered"].mean == pytest.approx(counted.mean())


@pytest.mark.feature("SIM5")
def test_a_pool_built_from_impossible_numbers_is_refused_with_the_field() -> None:
    with pytest.raises(InvalidData) as caught:
        pool_scenario(1.0, 0.0, 2)
    assert "chats.handling_time_minutes.mean" in caught.value.as_fields()


@pytest.mark.feature("SIM5", "SIM3")
def test_a_pool_has_the_asked_agents_patience_and_threshold() -> None:
    plan = pool_scenario(2.0, 3.0, 4, mean_patience=float("inf"), capacity=2, threshold=0.5)
    assert plan.chats.patience_minutes is None
    assert plan.agent_ids == ("agent-1", "agent-2", "agent-3", "agent-4")
    assert plan.kpis.service_level_seconds == 30.0
    assert plan.traffic.constant_rate == 120.0
    no_warmup = pool_scenario(2.0, 3.0, 4, warmup=0.0, duration=100.0)
    assert no_warmup.kpis.interval_minutes == 100.0


@pytest.mark.feature("SIM5", "SIM6")
def test_a_funnel_experiment_reports_visitor_shares_with_intervals() -> None:
    scenario = load_scenario(EXAMPLES / "web_shop.yaml")
    result = run_experiment(scenario, 2, 3, workers=1)
    assert result.summary["visitors"].mean > 1000
    assert 0 < result.summary["chat_rate"].mean < 0.2
    assert set(result.visitors.columns) >= {"visitors", "saw_wait_message", "launcher_hidden"}
    assert (result.records["record_type"] == "left_without_chat").any()
