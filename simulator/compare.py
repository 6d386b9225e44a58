"""Paired comparisons of configurations (SIM5): what changes if we do B instead of A?

Every configuration (a *variant*) runs the same replications from the same seed. Each
replication draws its visitors, their pages, handling times, patience, emails and CSAT
answers from separate named random streams of its seed (:mod:`simulator.streams`), so
replication ``r`` of variant A and replication ``r`` of variant B meet the same visitors:
common random numbers. The difference of every KPI is then estimated from the pairs
(:mod:`simulator.stats`), whose spread is far smaller than either variant's own, so a real
difference shows with fewer replications.

Variants come from several scenario files (``livechat compare A.yaml B.yaml``; the first
is the baseline) or from one *comparison file* that names a scenario and changes to it::

    name: At capacity, hide the launcher or show a wait message?
    scenario: ../examples/web_shop.yaml      # relative to this file
    changes:                                  # applied to every variant (optional)
      duration_days: 2
      agents[0].capacity: 1
    variants:                                 # the first is the baseline
      wait message: {}                        # the scenario as written
      hide launcher:
        chatflows[0].build.availability.at_capacity_behaviour: hide_launcher

A change is a field's path as validation errors write it (``traffic.pages[2].weight``) and
its new value; every variant is validated like a scenario, its errors named under
``variants.<name>``.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from reference_server.domain.codec import FieldError, InvalidData, join_path

from .experiment import ExperimentResult, Progress, run_experiment
from .kpis import KpiKind, kpi_definitions
from .parallel import Pool
from .scenario import Scenario, load_scenario
from .stats import (
    Estimate,
    paired_count_difference,
    paired_quantile_difference,
    paired_ratio_difference,
)

__all__ = [
    "Comparison",
    "Variant",
    "compare_variants",
    "is_comparison_file",
    "load_comparison",
    "paired_differences",
    "unpaired_half_width",
]

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Variant:
    """A named configuration."""

    name: str
    scenario: Scenario


@dataclass(frozen=True, eq=False)
class Comparison:
    """Every variant's experiment, and per variant after the first its paired
    difference from the first (the baseline) for every KPI: ``differences[name][kpi]``."""

    title: str
    variants: tuple[Variant, ...]
    results: tuple[ExperimentResult, ...]
    differences: Mapping[str, Mapping[str, Estimate]]
    seed: int
    replications: int

    @property
    def baseline(self) -> Variant:
        return self.variants[0]


# ---------------------------------------------------------------- reading variants


def _set(data: Any, path: str, value: Any) -> None:
    steps = [(name, index) for name, index in _STEP.findall(path)]
    if not steps:
        raise ValueError("an empty path")
    target = data
    for position, (name, index) in enumerate(steps):
        last = position == len(steps) - 1
        key: str | int = name if name else int(index)
        if isinstance(key, int):
            if not isinstance(target, list) or key >= len(target):
                raise ValueError(f"no item [{key}] there")
        elif not isinstance(target, dict):
            raise ValueError(f"{name!r} is inside something that is not a mapping")
        if last:
            target[key] = copy.deepcopy(value)
            return
        if isinstance(key, str) and key not in target:
            target[key] = {}
        target = target[key]


def _changed(
    base: Mapping[str, Any], changes: Any, where: str
) -> tuple[dict[str, Any], list[FieldError]]:
    # The changes that can be made, made; the others as errors (all of them at once).
    data = copy.deepcopy(dict(base))
    if changes is None:
        return data, []
    if not isinstance(changes, Mapping):
        return data, [FieldError(where, "must map field paths to new values")]
    errors = []
    for path, value in changes.items():
        try:
            _set(data, str(path), value)
        except ValueError as error:
            errors.append(FieldError(join_path(where, str(path)), f"cannot be set: {error}"))
    return data, errors


def _variant(
    name: str, data: Mapping[str, Any], where: str
) -> tuple[Variant | None, list[FieldError]]:
    try:
        return Variant(name, load_scenario(data)), []
    except InvalidData as error:
        return None, [
            FieldError(join_path(where, e.path) if e.path else where, e.message)
            for e in error.errors
        ]


def load_comparison(path: str | Path) -> tuple[str, tuple[Variant, ...]]:
    """The title and variants of a comparison file (see the module docstring). Raises
    :class:`InvalidData` naming every bad field, ``FileNotFoundError`` or
    ``yaml.YAMLError``."""
    file = Path(path)
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise InvalidData([FieldError("", "must be an object")])
    unknown = set(data) - {"name", "description", "scenario", "changes", "variants"}
    errors += [FieldError(str(key), "is not a known setting") for key in sorted(unknown)]
    variants = data.get("variants")
    if not isinstance(variants, Mapping) or len(variants) < 2:
        errors.append(FieldError("variants", "must name at least two variants"))
    source = data.get("scenario")
    if not isinstance(source, str) or not source.strip():
        errors.append(FieldError("scenario", "must be the path of a scenario file"))
    if errors:
        raise InvalidData(errors)
    scenario_file = (file.parent / str(source)).resolve()
    try:
        base = yaml.safe_load(scenario_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidData(
            [FieldError("scenario", f"no scenario file at {scenario_file}")]
        ) from None
    if not isinstance(base, Mapping):
        raise InvalidData([FieldError("scenario", f"{scenario_file} is not a scenario")])
    shared, errors = _changed(base, data.get("changes"), "changes")
    result: list[Variant] = []
    for name, changes in variants.items():  # type: ignore[union-attr]
        where = join_path("variants", str(name))
        changed, problems = _changed(shared, changes, where)
        variant, invalid = _variant(str(name), changed, where)
        errors += problems + invalid
        if variant is not None:
            result.append(variant)
    if errors:
        raise InvalidData(errors)
    title = str(data.get("name") or " vs ".join(v.name for v in result))
    return title, tuple(result)


def is_comparison_file(path: str | Path) -> bool:
    """Whether a YAML file is a comparison file (it has ``variants``) rather than a
    scenario."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return False
    return isinstance(data, Mapping) and "variants" in data


# ---------------------------------------------------------------- the differences


def paired_differences(
    baseline: ExperimentResult, other: ExperimentResult, confidence: float = 0.95
) -> dict[str, Estimate]:
    """Per KPI, ``other - baseline`` over the whole run, from paired replications (both
    run with the same seed and number of replications)."""
    if baseline.sums is None or other.sums is None:
        raise ValueError("both experiments need their sums (run_experiment keeps them)")
    if baseline.replications != other.replications or baseline.seed != other.seed:
        raise ValueError("paired replications need the same seed and number of replications")
    a, b = baseline.sums.by_replication, other.sums.by_replication
    percentile_a = baseline.scenario.kpis.wait_percentile
    if percentile_a != other.scenario.kpis.wait_percentile:
        raise ValueError("both variants must count the same wait percentile")
    result: dict[str, Estimate] = {}
    for kpi in kpi_definitions(percentile_a):
        column = kpi.numerator
        if kpi.kind is KpiKind.COUNT:
            result[kpi.name] = paired_count_difference(a[column], b[column], confidence)
        elif kpi.kind is KpiKind.QUANTILE:
            observations = float(min(a[kpi.denominator].sum(), b[kpi.denominator].sum()))
            result[kpi.name] = paired_quantile_difference(
                baseline.sums.pooled_percentile_run,
                other.sums.pooled_percentile_run,
                a[column],
                b[column],
                observations,
                confidence,
            )
        else:
            span = kpi.upper - kpi.lower
            result[kpi.name] = paired_ratio_difference(
                a[column],
                a[kpi.denominator],
                b[column],
                b[kpi.denominator],
                confidence,
                span=span if math.isfinite(span) else math.inf,
            )
    return result


def compare_variants(
    variants: Sequence[Variant],
    replications: int,
    seed: int,
    pool: Pool,
    *,
    title: str = "",
    progress: Progress | None = None,
    on_variant: Any = None,
) -> Comparison:
    """Run every variant with the same seed and replications on ``pool`` and estimate each
    one's paired differences from the first. ``on_variant(name)`` is called before each."""
    if len(variants) < 2:
        raise ValueError("a comparison needs at least two variants")
    if replications < 2:
        raise ValueError("paired differences need at least two replications")
    results = []
    for variant in variants:
        if on_variant is not None:
            on_variant(variant.name)
        results.append(
            run_experiment(variant.scenario, replications, seed, progress=progress, pool=pool)
        )
    differences = {
        variant.name: paired_differences(results[0], result)
        for variant, result in zip(variants[1:], results[1:], strict=True)
    }
    return Comparison(
        title or " vs ".join(v.name for v in variants),
        tuple(variants),
        tuple(results),
        differences,
        seed,
        replications,
    )


def unpaired_half_width(baseline: Estimate, other: Estimate) -> float:
    """The half-width the difference's interval would have without pairing (independent
    runs): the two intervals' half-widths combined in quadrature."""
    return float(np.hypot(baseline.half_width, other.half_width))
