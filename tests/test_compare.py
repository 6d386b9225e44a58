"""Paired comparisons of configurations: ``livechat compare`` (SIM5, QA4)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from reference_server.domain.codec import to_dict
from simulator.compare import (
    compare_variants,
    is_comparison_file,
    load_comparison,
    paired_differences,
)
from simulator.experiment import run_experiment
from simulator.parallel import open_pool
from tests.simulator.test_staffing import pool
from tests.test_cli import run, write

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios" / "comparisons").glob("*.yaml"))


def comparison_file(tmp_path: Path, variants: dict[str, dict[str, object]]) -> Path:
    write(tmp_path / "pool.yaml", pool(agents=[{"id": "a", "count": 6}]))
    path = tmp_path / "more_agents.yaml"
    path.write_text(
        yaml.safe_dump(
            {"name": "Six or seven agents", "scenario": "pool.yaml", "variants": variants},
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    return path


@pytest.mark.feature("SIM5", "QA4")
def test_compare_prints_and_writes_the_paired_difference_of_every_kpi(tmp_path: Path) -> None:
    path = comparison_file(tmp_path, {"six": {}, "seven": {"agents[0].count": 7}})
    out = tmp_path / "out"
    result = run("compare", path, "-r", "4", "-w", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert "seven against six (4 paired replications)" in result.stdout
    frame = pd.read_csv(out / "comparison.csv").set_index("kpi")
    abandonment = frame.loc["abandonment"]
    assert abandonment["difference"] == pytest.approx(
        abandonment["value"] - abandonment["baseline"]
    )
    assert abandonment["ci_high"] < 0.0  # a seventh agent: fewer give up, for sure
    # The same visitors met both: the paired interval is narrower than independent runs'.
    for kpi in ("abandonment", "service_level", "mean_wait"):
        row = frame.loc[kpi]
        assert (row["ci_high"] - row["ci_low"]) / 2 < row["unpaired_half_width"], kpi
    # The same chats arrived (only those still waiting when the run ends differ).
    assert abs(frame.loc["offered", "difference"]) <= 1.0
    summary = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert summary["baseline"] == "six" and summary["variants"] == ["six", "seven"]
    html = (out / "comparison.html").read_text(encoding="utf-8")
    assert "seven against six" in html and "percentage points" in html


@pytest.mark.feature("SIM5")
def test_two_scenario_files_compare_the_second_against_the_first(tmp_path: Path) -> None:
    six = write(tmp_path / "six.yaml", pool(agents=[{"id": "a", "count": 6}]))
    seven = write(tmp_path / "seven.yaml", pool(agents=[{"id": "a", "count": 7}]))
    result = run("compare", six, seven, "-r", "3", "-w", "1", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "seven against six" in result.stdout and "lower" in result.stdout


@pytest.mark.feature("SIM5")
def test_a_variant_against_itself_differs_by_exactly_nothing() -> None:
    scenario = pool()
    first = run_experiment(scenario, 3, 4, workers=1)
    again = run_experiment(scenario, 3, 4, workers=1)
    for kpi, difference in paired_differences(first, again).items():
        if difference.n:
            assert (difference.mean, difference.ci_low, difference.ci_high) == (0, 0, 0), kpi


@pytest.mark.feature("SIM5")
def test_compare_runs_every_variant_on_one_pool_with_one_seed() -> None:
    title, variants = load_comparison(SHIPPED[0])
    with open_pool(1) as one:
        short = [
            type(v)(v.name, type(v.scenario)(**{**v.scenario.__dict__, "duration_days": 0.25}))
            for v in variants
        ]
        comparison = compare_variants(short, 2, 9, one, title=title)
    assert [r.seed for r in comparison.results] == [9, 9]
    assert set(comparison.differences) == {variants[1].name}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_comparison_loads(path: Path) -> None:
    assert is_comparison_file(path)
    title, variants = load_comparison(path)
    assert title and len(variants) >= 2
    base, other = (to_dict(v.scenario) for v in variants[:2])
    assert base != other  # the variant changes something


@pytest.mark.feature("SIM5")
def test_a_bad_comparison_file_names_every_bad_field(tmp_path: Path) -> None:
    path = comparison_file(
        tmp_path,
        {"six": {}, "broken": {"agents[3].count": 7, "agents[0].capacity": 0}},
    )
    result = run("compare", path)
    assert result.exit_code == 2
    assert "variants.broken.agents[3].count: cannot be set: no item [3] there" in result.stderr
    assert "variants.broken.agents[0].capacity: must be at least 1" in result.stderr
    lonely = tmp_path / "lonely.yaml"
    lonely.write_text("scenario: pool.yaml\nvariants: {one: {}}\n", encoding="utf-8")
    result = run("compare", lonely)
    assert result.exit_code == 2 and "variants: must name at least two variants" in result.stderr
    result = run("compare", tmp_path / "pool.yaml")
    assert result.exit_code == 2 and "give two or more scenario files" in result.stderr
