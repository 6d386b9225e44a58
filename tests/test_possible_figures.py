"""No report, console table or CSV file shows an impossible figure (SIM5, SIM6, QA4).

Every shipped example scenario is simulated as a planner would (``livechat simulate`` for a
day, three replications), and staffed (``livechat staff``) where that is quick; then every
figure the commands print or write is read back: no share below 0% or above 100%, no time
or count below 0, in the console, ``summary.json``, ``kpis_by_interval.csv``,
``staffing.csv`` and the HTML reports.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from reports.tables import Unit, kpi_unit
from tests.test_cli import run

EXAMPLES = sorted(
    (Path(__file__).resolve().parent.parent / "scenarios" / "examples").glob("*.yaml")
)
NEGATIVE = re.compile(r"(?<![\w.])[-−]\s?\d")  # "-0.1%", "− 3 s", not "2026-03-02"
PERCENT = re.compile(r"(\d[\d,]*\.?\d*)%")


def assert_in_range(kpi: str, *values: float) -> None:
    for value in values:
        if math.isnan(value):
            continue
        assert value >= 0.0, f"{kpi}: {value}"
        if kpi_unit(kpi) is Unit.SHARE:
            assert value <= 1.0, f"{kpi}: {value}"


def assert_text_possible(text: str, where: str) -> None:
    # Dates and times are not figures: drop ISO dates and clock times before looking.
    figures = re.sub(r"\d{4}-\d{2}-\d{2}(T[\d:+\-.]*)?|\d{2}:\d{2}(-\d{2}:\d{2})?", "", text)
    assert not NEGATIVE.findall(figures), f"a negative figure in {where}"
    over = [p for p in PERCENT.findall(figures) if float(p.replace(",", "")) > 100.0]
    assert not over, f"shares above 100% in {where}: {over}"


def cells(html: str) -> str:
    """The text of every table cell of a report (charts and styles left out)."""
    return "\n".join(re.findall(r"<td>(.*?)</td>", html))


@pytest.mark.slow
@pytest.mark.feature("SIM5", "SIM6", "QA4")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_simulating_an_example_shows_only_possible_figures(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("simulate", example, "--days", "1", "-r", "3", "-w", "2", "--out", out)
    assert result.exit_code == 0, result.output
    assert_text_possible(result.stdout, "the console")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for kpi, figure in summary["kpis"].items():
        values = [figure[key] for key in ("mean", "ci_low", "ci_high")]
        assert_in_range(kpi, *(math.nan if v is None else v for v in values))
    intervals = pd.read_csv(out / "kpis_by_interval.csv")
    for kpi, rows in intervals.groupby("kpi"):
        assert_in_range(str(kpi), *rows[["mean", "ci_low", "ci_high"]].to_numpy().ravel())
    assert_text_possible(cells((out / "report.html").read_text(encoding="utf-8")), "the report")


@pytest.mark.slow
@pytest.mark.feature("SIM7", "QA4")
def test_a_staffing_plan_shows_only_possible_figures(tmp_path: Path) -> None:
    example = next(path for path in EXAMPLES if path.stem == "support_centre")
    out = tmp_path / "plan"
    targets = ["-t", "service_level=0.8@45s", "-t", "abandonment<=0.05"]
    result = run("staff", example, "--days", "1", "-r", "2", "-w", "2", *targets, "--out", out)
    assert result.exit_code == 0, result.output
    assert_text_possible(result.stdout, "the console")
    table = pd.read_csv(out / "staffing.csv")
    for kpi in ("service_level", "abandonment", "occupancy"):
        columns = [c for c in table.columns if c == kpi or c.startswith(f"{kpi}_ci")]
        assert_in_range(kpi, *table[columns].to_numpy(dtype=float).ravel())
    assert_text_possible(cells((out / "staffing.html").read_text(encoding="utf-8")), "the report")
