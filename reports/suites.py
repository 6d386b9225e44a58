"""The scenario suites' report (QA1, QA4): JUnit XML results into a feature × target matrix of
passed, failed and skipped scenarios, as one self-contained HTML page.

Each test case of a suite run carries its ``target`` and ``features`` as JUnit properties
(the suite plugin writes them); a case without them (an ordinary test) is left out. An
expected failure (a known divergence, ``xfail``) counts as ``xfailed``, not as passed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .html import Section, details, page, paragraph, table

__all__ = ["OUTCOMES", "feature_matrix", "read_results", "suite_report"]

OUTCOMES = ("passed", "failed", "skipped", "xfailed")


def _outcome(case: ET.Element) -> tuple[str, str]:
    for kind in ("failure", "error"):
        found = case.find(kind)
        if found is not None:
            return "failed", found.get("message", "")
    skipped = case.find("skipped")
    if skipped is not None:
        if skipped.get("type") == "pytest.xfail":
            return "xfailed", skipped.get("message", "")
        return "skipped", skipped.get("message", "")
    return "passed", ""


def read_results(paths: Sequence[str | Path]) -> pd.DataFrame:
    """One row per scenario and target: ``suite``, ``scenario``, ``target``, ``features``
    (a list), ``outcome`` and ``message``."""
    rows = []
    for path in paths:
        for case in ET.parse(path).getroot().iter("testcase"):
            properties = {item.get("name"): item.get("value", "") for item in case.iter("property")}
            if "target" not in properties:
                continue
            outcome, message = _outcome(case)
            name = case.get("name", "")
            rows.append(
                {
                    "suite": case.get("classname", "").removeprefix("scenarios.suites."),
                    "scenario": name.rsplit("[", 1)[0],
                    "target": properties["target"],
                    "features": properties.get("features", "").split(),
                    "outcome": outcome,
                    "message": message,
                }
            )
    columns = ["suite", "scenario", "target", "features", "outcome", "message"]
    return pd.DataFrame(rows, columns=columns)


def feature_matrix(results: pd.DataFrame, features: Sequence[str] = ()) -> pd.DataFrame:
    """Feature × target: the scenarios passed, failed, skipped and xfailed in each cell
    (e.g. ``2 passed, 1 skipped``); ``features`` lists every ID to show, covered or not."""
    exploded = results.explode("features").rename(columns={"features": "feature"})
    exploded = exploded.dropna(subset=["feature"])
    counts = exploded.groupby(["feature", "target", "outcome"]).size().unstack(fill_value=0)
    for outcome in OUTCOMES:
        if outcome not in counts.columns:
            counts[outcome] = 0

    def cell(row: pd.Series) -> str:
        return ", ".join(f"{row[o]} {o}" for o in OUTCOMES if row[o]) or "–"

    cells = counts.apply(cell, axis=1).unstack(fill_value="–")
    order = list(features) or sorted(cells.index, key=_feature_key)
    return cells.reindex(order).fillna("none").rename_axis(index="feature", columns=None)


def _feature_key(fid: str) -> tuple[str, int]:
    head = fid.rstrip("0123456789")
    return head, int(fid[len(head) :] or 0)


def suite_report(paths: Sequence[str | Path], features: Sequence[str] = ()) -> str:
    """The HTML page: totals per target, the feature × target matrix, every failure and
    skip with its message."""
    results = read_results(paths)
    totals = (
        results.groupby(["target", "outcome"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(OUTCOMES), fill_value=0)
        .rename_axis(columns=None)
        .reset_index()
        if len(results)
        else pd.DataFrame()
    )
    matrix = feature_matrix(results, features).reset_index() if len(results) else pd.DataFrame()
    notable = results[results["outcome"] != "passed"][["suite", "scenario", "target", "outcome"]]
    messages = results[results["outcome"] != "passed"]["message"].str.slice(0, 300)
    notable = notable.assign(why=messages)
    sections = [
        Section("Totals per target", table(totals)),
        Section(
            "Features × targets",
            paragraph(
                "Scenarios per feature ID and target. 'none': no scenario covers the feature; "
                "skipped: the target cannot express a step; xfailed: a known divergence.",
                note=True,
            )
            + table(matrix),
        ),
        Section(
            "Failed, skipped and expected failures",
            details(f"{len(notable)} scenarios", table(notable)) if len(notable) else "–",
        ),
    ]
    subtitle = f"{len(results)} scenario runs from {', '.join(str(p) for p in paths)}"
    return page("Scenario suites", subtitle, sections)
