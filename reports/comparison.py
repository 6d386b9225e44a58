"""The comparison report (QA4, SIM5): what ``livechat compare`` writes.

:func:`write_comparison_outputs` puts three files in a directory:

=====================  ====================================================================
``comparison.csv``     per variant after the baseline and KPI: the baseline's and the
                       variant's pooled values, the paired difference with its 95% interval
                       (``ci_low``, ``ci_high``) and the half-width the interval would have
                       without pairing (``unpaired_half_width``)
``comparison.json``    the variants, the seed and replications, and the same figures
``comparison.html``    the report: one table per variant, one self-contained file
=====================  ====================================================================
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.compare import Comparison, unpaired_half_width

from .html import Section, facts, page, paragraph, table
from .tables import FUNNEL_KPIS, Unit, format_value, json_number, kpi_label, kpi_unit

__all__ = [
    "ComparisonOutputs",
    "comparison_frame",
    "comparison_report",
    "difference_rows",
    "write_comparison_outputs",
]


@dataclass(frozen=True)
class ComparisonOutputs:
    """The files :func:`write_comparison_outputs` wrote."""

    directory: Path
    table: Path
    summary: Path
    report: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.table, self.summary, self.report)


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """One row per variant after the baseline and KPI, in the simulator's units."""
    rows: list[dict[str, Any]] = []
    baseline = comparison.results[0]
    for variant, result in zip(comparison.variants[1:], comparison.results[1:], strict=True):
        for kpi, difference in comparison.differences[variant.name].items():
            before, after = baseline.summary[kpi], result.summary[kpi]
            rows.append(
                {
                    "variant": variant.name,
                    "kpi": kpi,
                    "baseline": before.mean,
                    "value": after.mean,
                    "difference": difference.mean,
                    "ci_low": difference.ci_low,
                    "ci_high": difference.ci_high,
                    "unpaired_half_width": unpaired_half_width(before, after),
                    "n": difference.n,
                }
            )
    return pd.DataFrame(rows)


def _signed(kpi: str, value: float) -> str:
    if math.isnan(value):
        return "–"
    text = format_value(kpi, abs(value))
    if kpi_unit(kpi) is Unit.SHARE:
        text = text.replace("%", " pp")  # a difference of shares is in percentage points
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _verdict(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    if low > 0.0:
        return "higher"
    if high < 0.0:
        return "lower"
    return "no clear difference"


@dataclass(frozen=True)
class DifferenceRow:
    """A KPI's comparison as people read it."""

    label: str
    baseline: str
    value: str
    difference: str
    interval: str
    verdict: str


def difference_rows(comparison: Comparison, variant: str) -> list[DifferenceRow]:
    """The rows of one variant's table (visitor KPIs only in a funnel)."""
    frame = comparison_frame(comparison)
    frame = frame[frame["variant"] == variant]
    scenario = comparison.baseline.scenario
    threshold = scenario.kpis.service_level_seconds
    funnel = bool(scenario.traffic.pages)
    rows = []
    for kpi, before, after, difference, low, high in zip(
        frame["kpi"],
        frame["baseline"],
        frame["value"],
        frame["difference"],
        frame["ci_low"],
        frame["ci_high"],
        strict=True,
    ):
        if kpi in FUNNEL_KPIS and not funnel:
            continue
        interval = "–" if math.isnan(low) else f"{_signed(kpi, low)} to {_signed(kpi, high)}"
        rows.append(
            DifferenceRow(
                kpi_label(kpi, threshold),
                format_value(kpi, before),
                format_value(kpi, after),
                _signed(kpi, difference),
                interval,
                _verdict(low, high),
            )
        )
    return rows


_HOW_TO_READ = (
    "Every variant ran the same replications from the same seed, and each replication draws "
    "its visitors, pages, handling times and patience from its own named random streams, so "
    "replication r of one variant meets the same visitors as replication r of the other. "
    "The difference is estimated from these pairs: its 95% interval is far narrower than "
    "two independent runs would give. 'Higher' or 'lower' means the interval leaves out "
    "zero; differences of shares are in percentage points (pp)."
)


def comparison_report(comparison: Comparison) -> str:
    """The HTML comparison report (one self-contained page)."""
    baseline = comparison.baseline
    sections = [
        Section(
            "The comparison",
            facts(
                [
                    ("Baseline", baseline.name),
                    ("Variants", ", ".join(v.name for v in comparison.variants[1:])),
                    (
                        "Replications",
                        f"{comparison.replications} per variant (seed {comparison.seed})",
                    ),
                ]
            )
            + paragraph(_HOW_TO_READ, note=True),
        )
    ]
    for variant in comparison.variants[1:]:
        rows = difference_rows(comparison, variant.name)
        frame = pd.DataFrame(
            {
                "KPI": [r.label for r in rows],
                baseline.name: [r.baseline for r in rows],
                variant.name: [r.value for r in rows],
                "difference": [r.difference for r in rows],
                "95% interval": [r.interval for r in rows],
                "": [r.verdict for r in rows],
            }
        )
        sections.append(Section(f"{variant.name} against {baseline.name}", table(frame)))
    return page(f"Comparison — {comparison.title}", baseline.scenario.name, sections)


def write_comparison_outputs(comparison: Comparison, directory: Path) -> ComparisonOutputs:
    """Write the comparison's table, summary and report to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    outputs = ComparisonOutputs(
        directory,
        directory / "comparison.csv",
        directory / "comparison.json",
        directory / "comparison.html",
    )
    frame = comparison_frame(comparison)
    frame.to_csv(outputs.table, index=False)
    summary = {
        "title": comparison.title,
        "baseline": comparison.baseline.name,
        "variants": [v.name for v in comparison.variants],
        "replications": comparison.replications,
        "seed": comparison.seed,
        "differences": {
            variant: {
                kpi: {
                    "difference": json_number(e.mean),
                    "ci_low": json_number(e.ci_low),
                    "ci_high": json_number(e.ci_high),
                }
                for kpi, e in by_kpi.items()
            }
            for variant, by_kpi in comparison.differences.items()
        },
    }
    outputs.summary.write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", "utf-8")
    outputs.report.write_text(comparison_report(comparison), encoding="utf-8")
    return outputs
