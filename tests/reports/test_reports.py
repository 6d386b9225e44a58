"""Reports built with pandas (QA4): the simulation report and its files (SIM5, SIM6) and the
staffing report (SIM7) — self-contained HTML with the KPI table and charts, CSV and JSON."""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from reference_server.domain.codec import to_dict
from reports.simulation import simulation_report, write_simulation_outputs
from reports.staffing import (
    staffing_display_table,
    staffing_report,
    staffing_summary,
    staffing_table,
    write_staffing_outputs,
)
from reports.tables import (
    format_estimate,
    format_value,
    interval_table,
    json_number,
    kpi_label,
    kpi_unit,
    summary_dict,
    summary_table,
)
from simulator.experiment import ExperimentResult, run_experiment
from simulator.scenario import load_scenario
from simulator.staffing import (
    MeetRule,
    StaffingOptions,
    StaffingResult,
    parse_targets,
    run_staffing,
)
from simulator.stats import Estimate
from tests.simulator.test_staffing import pool, shop

PNG = b"\x89PNG\r\n\x1a\n"
IMAGE = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def pool_result() -> ExperimentResult:
    return run_experiment(pool(warmup_minutes=60), 3, 1, workers=1)


@pytest.fixture(scope="module")
def shop_result() -> ExperimentResult:
    """The tiny shop with office hours as its shifts: chats outside them are messages."""
    availability = {
        "mode": "office_hours",
        "office_hours": [{"day": "monday", "start": "01:00", "end": "04:00"}],
        "at_capacity_behaviour": "hide_launcher",
    }
    chatflow = {
        "id": "shop",
        "name": "Shop",
        "workspace": {"id": "inbox-1"},
        "published": True,
        "build": {"availability": availability},
    }
    return run_experiment(shop(chatflows=[chatflow]), 2, 1, workers=1)


@pytest.fixture(scope="module")
def plan() -> StaffingResult:
    targets = parse_targets(["service_level=0.8@20s", "abandonment<=0.1"])
    return run_staffing(pool(), targets, StaffingOptions(replications=2, workers=1))


@pytest.fixture(scope="module")
def rough_plan() -> StaffingResult:
    """A plan held back by its limits: no patience, one round, the confidence-interval rule
    and a target Erlang has no figure for."""
    scenario = pool(
        chats={"handling_time_minutes": {"kind": "exponential", "mean": 2}},
        agents=[{"id": "a", "count": 5, "shifts": [{"start": "01:00", "end": "03:00"}]}],
    )
    options = StaffingOptions(replications=2, workers=1, max_rounds=1, rule=MeetRule.CI)
    return run_staffing(scenario, parse_targets(["mean_wait_answered<=5s"]), options)


def external_references(html: str) -> list[str]:
    """Everything in a page that would make a browser fetch something (a plain link to a
    file beside the report, ``<a href="kpis_by_interval.csv">``, fetches nothing)."""
    found = re.findall(r"""(?:src|action)\s*=\s*["']?(?!data:)[^"'\s>]+""", html, re.I)
    found += re.findall(r"""<(?!a )\w+[^>]*\shref\s*=""", html, re.I)
    found += [
        href
        for href in re.findall(r'<a href="([^"]*)"', html)
        if "/" in href or ":" in href  # only sibling files
    ]
    found += re.findall(r"url\(|@import|<script|<link|<iframe|<object", html, re.I)
    return found


def assert_png(encoded: str) -> None:
    assert base64.b64decode(encoded).startswith(PNG)


# ---------------------------------------------------------------- the simulation report


@pytest.mark.feature("QA4", "SIM5", "SIM6")
def test_the_report_has_the_kpi_table_and_charts_and_needs_nothing_outside_itself(
    pool_result: ExperimentResult,
) -> None:
    html = simulation_report(pool_result)
    assert html.startswith("<!DOCTYPE html>")
    assert external_references(html) == []
    assert '<table class="dataframe" id="kpi-summary">' in html
    for label in ("Service level (answered within 20 s)", "Abandonment (of offered)", "Mean wait"):
        assert label in html
    summary = pool_result.summary["service_level"]
    assert format_value("service_level", summary.mean) in html
    assert (
        f"{format_value('service_level', summary.ci_low)} – "
        f"{format_value('service_level', summary.ci_high)}" in html
    )
    images = IMAGE.findall(html)
    assert len(images) == 5  # chats, service level, waits, agents, the wait histogram
    for image in images:
        assert_png(image)
    for part in ("chats", "waits", "agents"):
        assert f'id="kpi-intervals-{part}"' in html
    assert "<td>Mon 5 Jan 01:00</td>" in html  # an interval's start on one line
    assert "What visitors saw" not in html and 'id="kpi-intervals-visitors"' not in html
    assert "Visitors who chatted" not in html  # a plain pool has no visitors


@pytest.mark.feature("QA4", "SIM6")
def test_a_funnel_report_shows_what_visitors_saw_and_the_chats_by_page(
    shop_result: ExperimentResult,
) -> None:
    html = simulation_report(shop_result)
    assert len(IMAGE.findall(html)) == 6
    assert "What visitors saw" in html and "Visitors whose launcher was hidden" in html
    assert 'id="kpi-intervals-visitors"' in html
    assert "Chats by chatflow" in html and "<td>shop</td>" in html
    assert "Chats by page" in html and "https://shop.example/" in html  # as text only
    assert "<th>answered (of every chat started)</th>" in html
    assert "answered_share" not in html and "chats_per_replication" not in html
    # Offline messages make the answered share by page lower than the service level: a
    # sentence says why.
    assert "How the figures fit together" in html and "became messages left offline" in html
    assert external_references(html) == []


@pytest.mark.feature("QA4", "SIM5", "SIM6")
def test_records_kpis_per_interval_and_the_summary_are_written_beside_the_report(
    pool_result: ExperimentResult, tmp_path: Path
) -> None:
    outputs = write_simulation_outputs(pool_result, tmp_path / "run")
    assert [path.name for path in outputs.paths] == [
        "records.csv",
        "kpis_by_interval.csv",
        "summary.json",
        "report.html",
    ]
    records = pd.read_csv(outputs.records)
    assert len(records) == len(pool_result.records)
    assert {"replication", "record_type", "arrival", "wait", "agent"} <= set(records.columns)
    intervals = pd.read_csv(outputs.kpis_by_interval)
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
    assert sorted(intervals["interval"].unique()) == [1, 2, 3]  # the warm-up hour is left out
    summary = json.loads(outputs.summary.read_text(encoding="utf-8"))
    assert summary["replications"] == 3 and summary["seed"] == 1
    level = summary["kpis"]["service_level"]
    expected = pool_result.summary["service_level"]
    assert (level["mean"], level["ci_low"], level["ci_high"], level["n"]) == (
        expected.mean,
        expected.ci_low,
        expected.ci_high,
        3,
    )
    assert summary["kpis"]["csat_mean"]["mean"] is None  # undefined: nobody answered a survey
    report = outputs.report.read_text(encoding="utf-8")
    assert report == simulation_report(pool_result, outputs)
    # The report links the full tables written beside it, and loads nothing.
    assert '<a href="kpis_by_interval.csv">' in report and '<a href="records.csv">' in report
    assert external_references(report) == []


@pytest.mark.feature("QA4", "SIM6")
def test_a_run_without_chats_or_without_waits_still_gets_a_report() -> None:
    quiet = run_experiment(pool(traffic={"constant_rate": 0}), 2, 1, workers=1)
    assert "No chat was offered." in simulation_report(quiet)
    calm = run_experiment(pool(agents=[{"id": "a", "count": 40}]), 2, 1, workers=1)
    assert "100.0% of offered chats did not wait." in simulation_report(calm)


# ---------------------------------------------------------------- tables and formats


@pytest.mark.feature("QA4")
def test_kpi_values_are_shown_in_their_units() -> None:
    assert format_value("service_level", 0.8312) == "83.1%"
    assert format_value("mean_wait", 0.7) == "42.0 s"
    assert format_value("wait_p90", 1.5) == "90.0 s"
    assert format_value("mean_handle_time", 7.3) == "7.30 min"
    assert format_value("offered", 1234.4) == "1,234"
    assert format_value("offered", 12.25) == "12.2"
    assert format_value("staffed_agents", 4.25) == "4.25"
    assert format_value("service_level", math.nan) == "–"
    assert format_estimate("abandonment", Estimate(0.05, 0.04, 0.06, 5)) == "5.0% [4.0%, 6.0%]"
    assert format_estimate("abandonment", Estimate(0.05, math.nan, math.nan, 1)) == "5.0%"
    assert kpi_label("wait_p99_5") == "99.5th percentile of the wait"
    assert kpi_label("service_level") == "Service level"
    assert kpi_label("service_level", 45.0) == "Service level (answered within 45 s)"
    assert kpi_unit("occupancy").value == "share" and kpi_unit("wait_p90").value == "wait"
    assert json_number(math.nan) is None and json_number(math.inf) is None
    assert json_number(0.5) == 0.5


@pytest.mark.feature("QA4", "SIM5")
def test_the_tables_keep_the_simulators_units_with_confidence_columns(
    pool_result: ExperimentResult,
) -> None:
    summary = summary_table(pool_result)
    assert summary.loc["mean_wait", "unit"] == "wait"
    assert summary.loc["mean_wait", "mean"] == pool_result.summary["mean_wait"].mean
    assert summary.loc["service_level", "n"] == 3
    assert summary.loc["csat_mean", "n"] == 0  # nobody answered a survey
    wide = interval_table(pool_result, ["offered", "service_level"])
    assert list(wide.columns) == [
        "interval",
        "start",
        "offered",
        "offered_ci_low",
        "offered_ci_high",
        "service_level",
        "service_level_ci_low",
        "service_level_ci_high",
    ]
    assert len(wide) == 3
    every = interval_table(pool_result)
    assert "wait_p90_ci_high" in every.columns
    assert summary_dict(pool_result)["kind"] == "plain_pool"


# ---------------------------------------------------------------- the staffing report


@pytest.mark.feature("QA4", "SIM7")
def test_the_staffing_report_has_the_plan_the_erlang_figures_and_a_chart(
    plan: StaffingResult,
) -> None:
    html = staffing_report(plan)
    assert external_references(html) == []
    assert 'id="staffing-a"' in html and "Erlang A" in html and "Erlang C" in html
    assert "<th>chat pool</th>" in html  # the exact chain of agents holding several chats
    assert "service level ≥ 80% within 20 s; abandonment ≤ 10%" in html
    assert "meets every target in every open interval" in html
    (image,) = IMAGE.findall(html)
    assert_png(image)
    shown = staffing_display_table(plan)
    assert shown["plan"].tolist() == [row.agents for row in plan.rows]
    assert shown["Erlang A"].tolist() == [row.erlang_a for row in plan.rows]
    assert set(shown["result"]) == {"meets"}


@pytest.mark.feature("QA4", "SIM7")
def test_a_plan_held_back_by_its_limits_says_so(rough_plan: StaffingResult) -> None:
    html = staffing_report(rough_plan)
    assert "misses a target (the search stopped at its limit)" in html
    assert "whole 95% confidence interval" in html and "none (nobody gives up)" in html
    shown = staffing_display_table(rough_plan)
    assert shown["result"].tolist()[0] == "closed" and "MISSES" in shown["result"].tolist()
    opened = [row.open for row in rough_plan.rows]
    assert {c for c, o in zip(shown["Erlang C"], opened, strict=True) if o} == {"–"}
    assert {c for c, o in zip(shown["Erlang C"], opened, strict=True) if not o} == {0}
    assert staffing_summary(rough_plan)["erlang_patience_minutes"] is None


@pytest.mark.feature("QA4", "SIM7")
def test_the_staffing_files_hold_the_table_the_chart_and_a_runnable_plan(
    plan: StaffingResult, tmp_path: Path
) -> None:
    outputs = write_staffing_outputs(plan, tmp_path / "plan")
    assert [path.name for path in outputs.paths] == [
        "staffing.csv",
        "staffing.json",
        "staffing.png",
        "staffing.html",
        "plan_scenario.yaml",
    ]
    table = pd.read_csv(outputs.table)
    assert table["agents"].tolist() == [row.agents for row in plan.rows]
    assert {"service_level_ci_low", "as_written_abandonment", "erlang_c", "meets"} <= set(
        table.columns
    )
    assert staffing_table(plan)["erlang_c"].dtype == "Int64"
    summary = json.loads(outputs.summary.read_text(encoding="utf-8"))
    assert summary["targets"] == ["service_level>=0.8@20s", "abandonment<=0.1"]
    assert summary["agent_hours"]["agents"] == sum(row.agents for row in plan.rows)
    assert summary["meets"] is True
    assert outputs.chart.read_bytes().startswith(PNG)
    loaded = load_scenario(outputs.plan_scenario)
    assert to_dict(loaded) == to_dict(plan.plan_scenario)
    assert len(loaded.agent_ids) == max(row.agents for row in plan.rows)
