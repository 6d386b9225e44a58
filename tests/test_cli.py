"""The capacity planner's commands: ``livechat simulate`` and ``livechat staff`` (SIM5-SIM7,
QA4), driven in-process with typer's CliRunner."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from livechat.cli import app
from reference_server.domain.codec import to_dict
from simulator.scenario import Scenario
from tests.simulator.test_staffing import pool, shop

runner = CliRunner()


def write(path: Path, scenario: Scenario | dict[str, Any] | str) -> Path:
    if isinstance(scenario, str):
        path.write_text(scenario, encoding="utf-8")
    else:
        data = to_dict(scenario) if isinstance(scenario, Scenario) else scenario
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write(tmp_path / "tiny.yaml", pool(warmup_minutes=60))


# ---------------------------------------------------------------- livechat simulate


@pytest.mark.feature("SIM5", "SIM6", "QA4")
def test_simulate_writes_records_kpis_a_summary_and_the_report(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("simulate", tiny, "--replications", "2", "--seed", "5", "-w", "1", "--out", out)
    assert result.exit_code == 0, result.output
    for name in ("records.csv", "kpis_by_interval.csv", "summary.json", "report.html"):
        assert (out / name).stat().st_size > 0
        assert str(out / name) in result.stdout
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["replications"] == 2 and summary["seed"] == 5
    level = summary["kpis"]["service_level"]
    assert level["ci_low"] <= level["mean"] <= level["ci_high"] and level["n"] == 2
    assert "Service level (answered within 20 s)" in result.stdout
    assert "95% interval" in result.stdout
    assert "Visitors" not in result.stdout  # a plain pool has no visitor KPIs
    assert "2/2 replications" in result.stderr and "left" in result.stderr  # the progress bar
    # The real wall time, and where it went.
    assert re.search(r"Done in \d+\.\d s: simulation \d+\.\d s on this process", result.stdout)


@pytest.mark.feature("SIM5")
def test_simulate_writes_under_out_by_default_and_runs_the_days_asked(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("simulate", tiny, "-r", "1", "-w", "1", "--days", "0.125")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "tiny" / "summary.json").read_text("utf-8"))
    assert summary["duration_minutes"] == 180.0
    assert summary["kpis"]["service_level"]["ci_low"] is None  # one replication: no interval


@pytest.mark.feature("SIM5")
def test_a_bad_scenario_exits_with_2_and_lists_every_bad_field(tmp_path: Path) -> None:
    bad = write(
        tmp_path / "bad.yaml",
        {
            "name": "Bad",
            "traffic": {"constant_rate": -1},
            "agents": [{"id": "a", "count": -2}],
            "colour": "blue",
        },
    )
    result = run("simulate", bad)
    assert result.exit_code == 2
    assert "is not a valid scenario (3 problem(s))" in result.stderr
    assert "traffic.constant_rate: must be a finite number >= 0" in result.stderr
    assert "agents[0].count: must be 0 or more" in result.stderr
    assert "colour: is not a known setting" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.feature("SIM5")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no scenario file at"),
        ("directory", "is a directory, not a scenario file"),
        ("name: [unclosed", "is not valid YAML"),
        (b"\xff\xfe\x00bad", "cannot read"),
        ("- just\n- a list\n", "(root): must be an object"),
    ],
)
def test_a_file_that_is_not_a_scenario_exits_with_2_and_says_why(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "scenario.yaml"
    if content == "directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    for command in ("simulate", "staff"):
        result = run(command, path)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert "Traceback" not in result.output


@pytest.mark.feature("SIM5")
def test_days_that_break_the_scenario_and_a_scenario_without_agents_exit_with_2(
    tiny: Path, tmp_path: Path
) -> None:
    result = run("simulate", tiny, "--days", "0.01")
    assert result.exit_code == 2
    assert "with --days 0.01 is not a valid scenario" in result.stderr
    assert "warmup_minutes: must be shorter than the run" in result.stderr
    empty = write(tmp_path / "empty.yaml", pool(agents=[]))
    result = run("simulate", empty)
    assert result.exit_code == 2 and "has no agents" in result.stderr


# ---------------------------------------------------------------- livechat staff


@pytest.mark.feature("SIM7", "QA4")
def test_staff_prints_the_plan_beside_erlang_and_writes_the_table_and_chart(
    tmp_path: Path,
) -> None:
    scenario = write(tmp_path / "pool.yaml", pool())
    out = tmp_path / "plan"
    result = run(
        "staff", scenario, "--target", "service_level=0.8@20s", "-t", "abandonment<=0.1",
        "-r", "2", "-w", "1", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Erlang" in result.stdout and "Mon 02:00" in result.stdout
    assert "service level ≥ 80% within 20 s; abandonment ≤ 10%" in result.stdout
    assert "The plan meets every target in every open interval." in result.stdout
    assert "Agent-hours on the floor: plan" in result.stdout
    for name in ("staffing.csv", "staffing.json", "staffing.png", "staffing.html"):
        assert (out / name).stat().st_size > 0
    plan = out / "plan_scenario.yaml"
    again = run("simulate", plan, "-r", "1", "-w", "1", "--out", tmp_path / "again")
    assert again.exit_code == 0, again.output


@pytest.mark.feature("SIM7", "AV2")
def test_staff_totals_match_their_columns_and_office_hours_decide_what_is_open(
    tmp_path: Path,
) -> None:
    # Agents are on shift 01:00-04:00 as written, but the office opens at 02:00: the hour
    # from 01:00 is closed for every method, though two agents sit in it as written.
    hours = [{"day": "monday", "start": "02:00", "end": "04:00"}]
    office = {"mode": "office_hours", "timezone": "UTC", "office_hours": hours}
    flow = {**to_dict(shop())["chatflows"][0]}
    flow["build"] = {**flow["build"], "availability": office}
    scenario = write(tmp_path / "office.yaml", shop(chatflows=[flow]))
    out = tmp_path / "plan"
    result = run("staff", scenario, "-r", "2", "-w", "1", "--out", out)
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "staffing.csv")
    assert table["open"].tolist() == [False, False, True, True, False]
    closed = table[~table["open"]]
    columns = ["agents", "erlang_c", "erlang_a", "chat_pool", "chats_per_hour"]
    assert (closed[columns] == 0).all().all()
    assert closed["as_written"].tolist()[1] == 8.0  # someone sat there as written
    totals = json.loads((out / "staffing.json").read_text(encoding="utf-8"))["agent_hours"]
    shown = ["as_written", "erlang_c", "erlang_a", "chat_pool", "agents"]
    for column in shown:
        assert totals[column] == pytest.approx(table[column].sum())  # one-hour intervals
    # The console's footer is the sum of its columns, and the same totals.
    footer = next(line for line in result.stdout.splitlines() if "agent-hours" in line)
    numbers = [float(cell) for cell in footer.split()[1:6]]
    assert numbers == pytest.approx([totals[column] for column in shown], abs=0.05)
    assert "Mon 01:00" in result.stdout and "Mon 00:00" not in result.stdout
    assert "3 interval(s) closed (outside office hours" in result.stdout


@pytest.mark.feature("SIM7")
def test_staff_with_shift_templates_writes_a_roster_that_simulate_runs(tmp_path: Path) -> None:
    scenario = write(tmp_path / "pool.yaml", pool())
    shifts = tmp_path / "shifts.yaml"
    shifts.write_text(
        "shrinkage: 0.2\n"
        "shifts:\n"
        "  - {name: short, hours: 2, earliest: '00:00', latest: '02:00', days: [monday]}\n",
        encoding="utf-8",
    )
    out = tmp_path / "plan"
    result = run("staff", scenario, "-t", "service_level=0.8@20s", "--shifts", shifts,
                 "-r", "2", "-w", "1", "--out", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Roster:" in result.stdout and "to schedule with 20% shrinkage" in result.stdout
    roster = pd.read_csv(out / "roster.csv")
    assert set(roster["shift"]) == {"short"}
    assert (roster["to_schedule"] >= roster["on_the_floor"]).all()
    again = run("simulate", out / "roster_scenario.yaml", "-r", "1", "-w", "1",
                "--out", tmp_path / "again")  # fmt: skip
    assert again.exit_code == 0, again.output
    summary = json.loads((out / "staffing.json").read_text(encoding="utf-8"))
    assert summary["roster"]["people_on_the_floor"] == roster["on_the_floor"].sum()
    bad = tmp_path / "bad.yaml"
    bad.write_text("shifts: [{name: x, hours: 30, starts: ['08:00']}]\n", encoding="utf-8")
    refused = run("staff", scenario, "--shifts", bad)
    assert refused.exit_code == 2
    assert "is not a valid shift file" in refused.stderr
    assert "shifts[0].hours: must be more than 0 and less than 24" in refused.stderr


@pytest.mark.feature("SIM7")
def test_staff_says_when_the_plan_misses_stops_early_or_leaves_hours_closed(
    tmp_path: Path,
) -> None:
    scenario = write(
        tmp_path / "short.yaml",
        pool(agents=[{"id": "a", "count": 5, "shifts": [{"start": "01:00", "end": "03:00"}]}]),
    )
    result = run(
        "staff", scenario, "-t", "mean_wait_answered<=1s", "--max-rounds", "1", "--rule", "ci",
        "-r", "2", "-w", "1", "--out", tmp_path / "out",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 interval(s) closed (outside office hours, or nobody on shift" in result.stdout
    assert "The plan misses a target in 2 interval(s)" in result.stdout
    assert "The search stopped before it could settle every interval" in result.stdout


@pytest.mark.feature("SIM7")
def test_staff_warns_when_a_smaller_plan_keeps_visitors_from_chatting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = write(tmp_path / "shop.yaml", shop())
    result = run("staff", scenario, "-r", "2", "-w", "1")  # the default target
    assert result.exit_code == 0, result.output
    assert "service level ≥ 80% within 30 s" in result.stdout
    assert "hid the launcher or showed the wait message" in result.stdout
    assert "launcher_hidden<=0.02" in result.stdout
    assert (tmp_path / "out" / "shop-staffing" / "staffing.html").exists()


@pytest.mark.feature("SIM7")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-t", "servce_level=0.8"], "unknown KPI 'servce_level'"),
        (["-t", "mean_wait<=30"], "mean_wait needs a time with a unit"),
        (["--group", "nope"], "no agent group 'nope'"),
        (["--days", "9"], "at most 7"),
    ],
)
def test_staff_refuses_what_it_cannot_do_with_exit_2(
    tiny: Path, args: list[str], message: str
) -> None:
    result = run("staff", tiny, *args, "-w", "1")
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.feature("SIM5", "SIM7")
def test_the_commands_are_listed_in_the_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "simulate" in result.stdout and "staff" in result.stdout
