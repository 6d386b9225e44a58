"""Staffing targets (SIM7): what a plan must achieve, read from text like
``service_level=0.8@60s`` or ``abandonment<=0.05``, and how an estimate is judged.

Targets are KPIs of :mod:`simulator.kpis` that improve with more agents. A share is a
fraction (``0.8`` or ``80%``); a wait needs its unit (``30s``, ``2m``). ``occupancy<=0.85``
is a *maximum occupancy*: more agents make it smaller, so it is a target like the others
(``--max-occupancy`` adds it).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from ..scenario import Scenario
from ..stats import Estimate

__all__ = [
    "MeetRule",
    "StaffingError",
    "Target",
    "TargetError",
    "parse_targets",
    "resolved_targets",
]


class StaffingError(ValueError):
    """The scenario or the options cannot be staffed as asked (the message says why)."""


class TargetError(StaffingError):
    """A target text could not be read (the message says what is wrong and how to write it)."""


class _Unit(StrEnum):
    SHARE = "share"  # a fraction from 0 to 1
    WAIT = "wait"  # minutes


# KPI -> (unit, whether more agents make it larger). Only KPIs that improve with more agents.
_TARGET_KPIS: dict[str, tuple[_Unit, bool]] = {
    "service_level": (_Unit.SHARE, True),
    "abandonment": (_Unit.SHARE, False),
    "p_wait": (_Unit.SHARE, False),
    "saw_wait_message": (_Unit.SHARE, False),
    "launcher_hidden": (_Unit.SHARE, False),
    "occupancy": (_Unit.SHARE, False),
    "mean_wait": (_Unit.WAIT, False),
    "mean_wait_answered": (_Unit.WAIT, False),
}
_PERCENTILE_KPI = re.compile(r"^wait_p(\d+(?:_\d+)?)$")
_TARGET = re.compile(r"^([A-Za-z_0-9]+)\s*(<=|>=|=)\s*([^@]*?)\s*(?:@\s*(.*?))?$")
_TIME = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|seconds?|m|min|minutes?)$")
_PER_MINUTE = {"s": 60.0, "m": 1.0}  # seconds or minutes in a minute
_KNOWN = "service_level, abandonment, mean_wait, mean_wait_answered, p_wait, wait_pNN, " + (
    "saw_wait_message, launcher_hidden, occupancy"
)
_VISITOR_KPIS = frozenset({"saw_wait_message", "launcher_hidden"})


@dataclass(frozen=True, slots=True)
class Target:
    """One staffing target: ``kpi`` at least (``at_least``) or at most ``bound``.

    ``bound`` is a fraction for shares and minutes for waits. ``threshold_minutes``: the
    service level's "answered within" (``None``: the scenario's ``kpis.service_level_seconds``).
    ``percentile``: for ``wait_pNN``, the NN.
    """

    kpi: str
    bound: float
    at_least: bool = False
    threshold_minutes: float | None = None
    percentile: float | None = None

    @property
    def is_wait(self) -> bool:
        return self.kpi not in _TARGET_KPIS or _TARGET_KPIS[self.kpi][0] is _Unit.WAIT

    def meets(self, value: float) -> bool:
        """Whether a KPI value meets the target (an undefined value, NaN, does)."""
        if math.isnan(value):
            return True
        return value >= self.bound if self.at_least else value <= self.bound

    @property
    def about_visitors(self) -> bool:
        """A share of the site's visitors (not of one group's chats): judged site-wide."""
        return self.kpi in _VISITOR_KPIS

    def meets_estimate(self, estimate: Estimate, rule: MeetRule) -> bool:
        """Whether an estimate meets the target by ``rule`` (see the module docstring)."""
        value = estimate.mean
        if rule is MeetRule.CI:
            end = estimate.ci_low if self.at_least else estimate.ci_high
            value = value if math.isnan(end) else end
        return self.meets(value)

    @property
    def text(self) -> str:
        """The target in the form :func:`parse_targets` reads."""
        sign = ">=" if self.at_least else "<="
        bound = f"{_seconds(self.bound)}s" if self.is_wait else f"{self.bound:g}"
        within = "" if self.threshold_minutes is None else f"@{_seconds(self.threshold_minutes)}s"
        return f"{self.kpi}{sign}{bound}{within}"

    @property
    def label(self) -> str:
        """The target in words, for reports: ``service level ≥ 80% within 60 s``."""
        sign = "≥" if self.at_least else "≤"
        bound = f"{_seconds(self.bound)} s" if self.is_wait else f"{100.0 * self.bound:g}%"
        within = (
            ""
            if self.threshold_minutes is None
            else f" within {_seconds(self.threshold_minutes)} s"
        )
        name = (
            self.kpi.replace("_", " ")
            if self.percentile is None
            else f"{self.percentile:g}th percentile of the wait"
        )
        return f"{name} {sign} {bound}{within}"


def _seconds(minutes: float) -> str:
    return f"{minutes * 60.0:g}"


def _minutes(text: str, what: str) -> float:
    match = _TIME.match(text.strip().lower())
    if match is None:
        raise TargetError(f"{what} needs a time with a unit, e.g. 30s or 2m; got {text!r}")
    return float(match.group(1)) / _PER_MINUTE[match.group(2)[0]]


def _share(text: str, what: str) -> float:
    value = text.strip()
    try:
        number = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
    except ValueError:
        raise TargetError(
            f"{what} needs a fraction from 0 to 1 (0.8 or 80%); got {text!r}"
        ) from None
    if not 0.0 <= number <= 1.0:
        raise TargetError(f"{what} needs a fraction from 0 to 1 (0.8 or 80%); got {text!r}")
    return number


def _parse_one(text: str) -> Target:
    match = _TARGET.match(text.strip())
    if match is None:
        raise TargetError(
            f"cannot read target {text!r}: write KPI<=VALUE, KPI>=VALUE or "
            "service_level=FRACTION@TIME, e.g. service_level=0.8@60s, abandonment<=0.05, "
            "mean_wait<=30s"
        )
    kpi, sign, value, within = match.groups()
    percentile: float | None = None
    found = _PERCENTILE_KPI.match(kpi)
    if found is not None:
        percentile = float(found.group(1).replace("_", "."))
        if not 0.0 < percentile < 100.0:
            raise TargetError(f"{kpi}: the percentile must be between 0 and 100")
        unit, larger_is_better = _Unit.WAIT, False
    elif kpi in _TARGET_KPIS:
        unit, larger_is_better = _TARGET_KPIS[kpi]
    else:
        raise TargetError(f"unknown KPI {kpi!r} in {text!r}: staffing targets are {_KNOWN}")
    wanted = ">=" if larger_is_better else "<="
    if sign not in ("=", wanted):
        raise TargetError(
            f"more agents make {kpi} {'larger' if larger_is_better else 'smaller'}, so a "
            f"staffing target for it reads {kpi}{wanted}VALUE (or {kpi}=VALUE); got {text!r}"
        )
    if within is not None and kpi != "service_level":
        raise TargetError(f"only service_level takes @TIME (answered within); got {text!r}")
    threshold = None if within is None else _minutes(within, "service_level's @TIME")
    bound = _minutes(value, kpi) if unit is _Unit.WAIT else _share(value, kpi)
    # A bound that no finite number of agents can promise would send the search to the cap.
    if unit is _Unit.WAIT and bound <= 0.0:
        raise TargetError(f"{kpi} must be allowed more than 0 s; got {text!r}")
    if unit is _Unit.SHARE and (bound >= 1.0 if larger_is_better else bound <= 0.0):
        limit = "below 1 (100%)" if larger_is_better else "above 0"
        raise TargetError(f"{kpi}'s bound must be {limit}; got {text!r}")
    return Target(kpi, bound, larger_is_better, threshold, percentile)


def parse_targets(texts: Iterable[str]) -> tuple[Target, ...]:
    """Read staffing targets; each text holds one or more, separated by commas.

    Forms: ``service_level=0.8@60s`` (or ``>=``; ``80%``; ``@1m``; without ``@TIME`` the
    scenario's threshold), ``abandonment<=0.05``, ``p_wait<=0.3``, ``mean_wait<=30s``,
    ``mean_wait_answered<=1m``, ``wait_p90<=2m``, ``saw_wait_message<=0.1``,
    ``launcher_hidden<=0.02``. ``=`` means the KPI's better side (at least for the service
    level, at most for the others). Times need a unit (``s`` or ``m``). Raises
    :class:`TargetError` saying what is wrong.
    """
    targets: list[Target] = []
    for text in texts:
        for part in text.split(","):
            if part.strip():
                targets.append(_parse_one(part))
    if not targets:
        raise TargetError("give at least one target, e.g. --target service_level=0.8@60s")
    seen: set[str] = set()
    for target in targets:
        if target.kpi in seen:
            raise TargetError(f"two targets for {target.kpi}: give one")
        seen.add(target.kpi)
    if sum(target.percentile is not None for target in targets) > 1:
        raise TargetError("give at most one wait percentile target (wait_pNN)")
    return tuple(targets)


class MeetRule(StrEnum):
    """When an estimate meets a target."""

    MEAN = "mean"  # the pooled estimate meets the bound
    CI = "ci"  # the whole 95% confidence interval does


def resolved_targets(targets: Sequence[Target], scenario: Scenario) -> tuple[Target, ...]:
    """``targets`` with the service level's threshold filled in from the scenario where the
    text gave none."""
    threshold = scenario.kpis.service_level_seconds / 60.0
    return tuple(
        replace(target, threshold_minutes=threshold)
        if target.kpi == "service_level" and target.threshold_minutes is None
        else target
        for target in targets
    )
