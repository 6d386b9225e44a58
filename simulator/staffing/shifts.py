"""Staffing by shifts (SIM7): a roster of whole shifts, with breaks, that meets the targets.

The interval plan says how many agents of each group must be on the floor in each interval.
People work shifts, though: a *shift template* gives a shift's length, the times it may
start, the weekdays it runs on and its breaks (each allowed at one of several times). A
*roster* says how many agents of each group work each shift *pattern* (a template on a
weekday from a start time, with its breaks placed).

1. **Cover the plan.** Each pattern's coverage of every interval — the minutes its agent is
   available there, from :func:`~simulator.agents.shift_changes`, so breaks and daylight
   saving count exactly as the simulator has them — and the plan give an integer program:
   the fewest paid hours such that every interval has at least the plan's agents on the
   floor. It is solved exactly (HiGHS, through :func:`scipy.optimize.milp`).
2. **Check by simulation.** The roster as a scenario is simulated; where a group's interval
   misses a target, its requirement grows by one and the program is solved again (a few
   times).
3. **Fewer where the simulation allows.** Each pattern in the roster is tried with one agent
   fewer (patterns that share no interval at once) and keeps the cut where every interval
   still meets the targets.

**Shrinkage** is the share of paid time not spent on chats beyond the breaks written in the
shifts (absence, meetings, training). The roster counts agents on the floor; the agents to
schedule per pattern are ``ceil(on the floor / (1 - shrinkage))``. A **maximum occupancy**
is a target ``occupancy<=X``.

The templates live in a YAML file (``livechat staff --shifts shifts.yaml``)::

    shrinkage: 0.25              # optional, 0 to below 1
    max_occupancy: 0.85          # optional
    shifts:
      - name: early
        hours: 8
        earliest: "06:00"        # starts from earliest to latest, every_minutes apart
        latest: "09:00"          # (every_minutes: default the KPI interval)
        days: [monday, tuesday, wednesday, thursday, friday]
        breaks: [{minutes: 30, after_hours: [3.5, 4, 4.5]}]
      - name: evening
        hours: 6
        starts: ["15:00", "16:00"]   # or the start times, one by one
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.optimize import Bounds, LinearConstraint, milp

from reference_server.domain.chatflow import Weekday, parse_hhmm
from reference_server.domain.codec import FieldError, from_dict, join_path
from reference_server.domain.routing import AgentStatus

from ..agents import shift_changes
from ..experiment import ExperimentResult
from ..scenario import AgentGroup, Break, Scenario, Shift
from .groups import StaffGroup
from .plans import DAY, Cell, hhmm
from .search import REPAIRS, Search
from .targets import StaffingError

__all__ = [
    "BreakRule",
    "Pattern",
    "Roster",
    "RosterSpec",
    "ShiftTemplate",
    "build_roster",
    "load_roster_spec",
]

_EVERY_DAY = tuple(Weekday)
_SOLVER_SECONDS = 60.0


@dataclass(frozen=True)
class BreakRule:
    """A break of ``minutes`` that starts ``after_hours`` after the shift starts (one of
    the values given: the roster picks)."""

    minutes: float
    after_hours: tuple[float, ...]

    def _check(self) -> list[FieldError]:
        errors = []
        if not (math.isfinite(self.minutes) and self.minutes > 0):
            errors.append(FieldError("minutes", "must be a finite number > 0"))
        if not self.after_hours:
            errors.append(FieldError("after_hours", "must give at least one time"))
        errors += [
            FieldError(join_path("after_hours", i), "must be a finite number > 0")
            for i, hours in enumerate(self.after_hours)
            if not (math.isfinite(hours) and hours > 0)
        ]
        return errors


@dataclass(frozen=True)
class ShiftTemplate:
    """A kind of shift: ``hours`` long, starting at one of ``starts`` or from ``earliest``
    to ``latest`` every ``every_minutes`` (default: the KPI interval), on ``days``."""

    name: str
    hours: float
    starts: tuple[str, ...] = ()
    earliest: str = ""
    latest: str = ""
    every_minutes: int | None = None
    days: tuple[Weekday, ...] = _EVERY_DAY
    breaks: tuple[BreakRule, ...] = ()

    def _check(self) -> list[FieldError]:
        errors = []
        if not self.name.strip():
            errors.append(FieldError("name", "must not be empty"))
        if not (math.isfinite(self.hours) and 0 < self.hours < 24):
            errors.append(FieldError("hours", "must be more than 0 and less than 24"))
        if bool(self.starts) == bool(self.earliest or self.latest):
            errors.append(FieldError("starts", "give either starts or earliest and latest"))
        if (self.earliest or self.latest) and not (self.earliest and self.latest):
            errors.append(FieldError("latest", "earliest and latest go together"))
        for name, text in [(join_path("starts", i), t) for i, t in enumerate(self.starts)] + [
            ("earliest", self.earliest),
            ("latest", self.latest),
        ]:
            if text:
                try:
                    parse_hhmm(text)
                except ValueError:
                    errors.append(FieldError(name, 'must be a time of day "HH:MM"'))
        if self.every_minutes is not None and self.every_minutes < 1:
            errors.append(FieldError("every_minutes", "must be at least 1"))
        if not self.days:
            errors.append(FieldError("days", "must name at least one weekday"))
        for i, rule in enumerate(self.breaks):
            for after in rule.after_hours:
                if after * 60 + rule.minutes > self.hours * 60:
                    errors.append(
                        FieldError(join_path("breaks", i), "must end before the shift does")
                    )
                    break
        return errors

    def start_minutes(self, width: int) -> list[int]:
        """The minutes of the day a shift may start at."""
        if self.starts:
            return sorted({parse_hhmm(text) % DAY for text in self.starts})
        step = self.every_minutes or width
        first, last = parse_hhmm(self.earliest), parse_hhmm(self.latest)
        if last < first:
            last += DAY
        return sorted({minute % DAY for minute in range(first, last + 1, step)})


@dataclass(frozen=True)
class RosterSpec:
    """The shift templates, and the shrinkage and maximum occupancy to plan with."""

    shifts: tuple[ShiftTemplate, ...]
    shrinkage: float = 0.0
    max_occupancy: float | None = None

    def _check(self) -> list[FieldError]:
        errors = []
        if not self.shifts:
            errors.append(FieldError("shifts", "must have at least one shift template"))
        if not (math.isfinite(self.shrinkage) and 0.0 <= self.shrinkage < 1.0):
            errors.append(FieldError("shrinkage", "must be at least 0 and below 1"))
        if self.max_occupancy is not None and not 0.0 < self.max_occupancy <= 1.0:
            errors.append(FieldError("max_occupancy", "must be above 0 and at most 1"))
        names = [template.name for template in self.shifts]
        for i, name in enumerate(names):
            if name in names[:i]:
                errors.append(
                    FieldError(join_path(join_path("shifts", i), "name"), "is used twice")
                )
        return errors


def load_roster_spec(path: str | Path) -> RosterSpec:
    """Read and validate shift templates from YAML (raises
    :class:`~reference_server.domain.codec.InvalidData` naming every bad field)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return from_dict(RosterSpec, data)


# ---------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Pattern:
    """A shift as one agent works it: template, weekday, start (minute of the day) and the
    breaks placed (minute of the day each starts at, and its length)."""

    template: str
    weekday: int
    start: int
    minutes: int
    breaks: tuple[tuple[int, float], ...] = ()

    @property
    def end(self) -> int:
        return (self.start + self.minutes) % DAY

    @property
    def hours(self) -> float:
        return self.minutes / 60.0

    def shift(self) -> Shift:
        end = self.start + self.minutes
        return Shift(
            start=hhmm(self.start),
            end="24:00" if end == DAY else hhmm(end % DAY),
            days=(_EVERY_DAY[self.weekday],),
            breaks=tuple(Break(hhmm(at % DAY), minutes) for at, minutes in self.breaks),
        )

    @property
    def label(self) -> str:
        day = _EVERY_DAY[self.weekday].value[:3].title()
        text = f"{self.template} {day} {hhmm(self.start)}-{hhmm(self.end)}"
        if self.breaks:
            text += " break " + ", ".join(hhmm(at % DAY) for at, _ in self.breaks)
        return text

    @property
    def key(self) -> str:
        """A name usable as an agent group id."""
        day = _EVERY_DAY[self.weekday].value[:3]
        parts = [self.template, day, hhmm(self.start).replace(":", "")]
        parts += [f"b{hhmm(at % DAY).replace(':', '')}" for at, _ in self.breaks]
        return "-".join(parts)


def patterns(spec: RosterSpec, width: int) -> list[Pattern]:
    """Every pattern the templates allow."""
    result = []
    for template in spec.shifts:
        length = round(template.hours * 60)
        placements = itertools.product(
            *[
                [(round(after * 60), rule.minutes) for after in rule.after_hours]
                for rule in template.breaks
            ]
        )
        placed = list(placements)
        for day in template.days:
            weekday = _EVERY_DAY.index(day)
            for start in template.start_minutes(width):
                for breaks in placed:
                    at = tuple((start + offset, minutes) for offset, minutes in breaks)
                    result.append(Pattern(template.name, weekday, start, length, at))
    return result


def coverage(scenario: Scenario, pattern: Pattern, width: int) -> np.ndarray:
    """Per interval of ``scenario``: the share of it the pattern's agent is available."""
    count = math.ceil(scenario.duration / width)
    covered = np.zeros(count)
    changes = shift_changes(
        (pattern.shift(),), scenario.start_utc, scenario.zone, scenario.duration
    )
    ends = [moment for moment, _ in changes[1:]] + [scenario.duration]
    for (begin, status), end in zip(changes, ends, strict=True):
        if status is not AgentStatus.AVAILABLE:
            continue
        for index in range(int(begin // width), min(math.ceil(end / width), count)):
            overlap = min(end, (index + 1) * width) - max(begin, index * width)
            covered[index] += max(overlap, 0.0) / width
    return covered


def cover(
    requirement: np.ndarray,
    matrix: np.ndarray,
    hours: np.ndarray,
) -> np.ndarray:
    """The fewest paid hours of patterns (columns of ``matrix``) that give every interval
    (rows) at least ``requirement`` agents: an integer program solved exactly."""
    needed = requirement > 0
    if not needed.any():
        return np.zeros(matrix.shape[1])
    rows = matrix[needed]
    solution = milp(
        c=hours,
        constraints=LinearConstraint(rows, lb=requirement[needed] - 1e-9, ub=np.inf),
        integrality=np.ones(matrix.shape[1]),
        bounds=Bounds(0, np.inf),
        options={"time_limit": _SOLVER_SECONDS},
    )
    if solution.x is None:
        raise StaffingError(f"the shift templates cannot cover the plan ({solution.message})")
    counts: np.ndarray = np.round(solution.x)
    return counts


# ---------------------------------------------------------------- the roster


@dataclass(frozen=True, eq=False)
class Roster:
    """A roster found by :func:`build_roster`.

    ``counts[group][pattern]``: agents on the floor working the pattern; ``scheduled``:
    with shrinkage. ``floor[cell]``: agents on the floor the roster gives each cell on
    average (breaks taken out). ``meets``: per cell of the horizon, whether the last
    simulation met every target. ``scenario``: the roster as a scenario.
    """

    spec: RosterSpec
    counts: Mapping[str, Mapping[Pattern, int]]
    floor: Mapping[Cell, float]
    meets: Mapping[Cell, bool]
    scenario: Scenario
    final: ExperimentResult
    converged: bool
    simulations: int
    estimates: Mapping[str, Mapping[str, Mapping[int, Any]]] = field(default_factory=dict)

    def scheduled(self, on_the_floor: int) -> int:
        from .sizing import scheduled

        return scheduled(on_the_floor, self.spec.shrinkage)

    @property
    def agents(self) -> int:
        """Agents on the floor over every pattern (a person per pattern worked)."""
        return sum(sum(by.values()) for by in self.counts.values())

    def paid_hours(self, with_shrinkage: bool = False) -> float:
        total = 0.0
        for by_pattern in self.counts.values():
            for pattern, count in by_pattern.items():
                people = self.scheduled(count) if with_shrinkage else count
                total += people * pattern.hours
        return total


def roster_agents(
    counts: Mapping[str, Mapping[Pattern, int]], groups: Sequence[StaffGroup]
) -> tuple[AgentGroup, ...]:
    """The roster's agent groups: per group and pattern worked, ``count`` agents with that
    shift (groups kept as written keep their shifts)."""
    result: list[AgentGroup] = []
    for group in groups:
        if not group.planned:
            result += group.written
            continue
        for pattern, count in sorted(counts.get(group.id, {}).items(), key=lambda p: p[0].label):
            if count > 0:
                result.append(
                    replace(
                        group.template,
                        id=f"{group.id}-{pattern.key}",
                        count=count,
                        shifts=(pattern.shift(),),
                    )
                )
    return tuple(result)


def _roster_ids(counts: Mapping[str, Mapping[Pattern, int]], group: StaffGroup) -> tuple[str, ...]:
    agents = roster_agents({group.id: counts.get(group.id, {})}, [group])
    return tuple(agent_id for agent in agents for agent_id in agent.agent_ids)


def build_roster(
    search: Search,
    plan: Mapping[Cell, int],
    spec: RosterSpec,
    max_rounds: int,
    progress_stage: Callable[[str], None] | None = None,
) -> Roster:
    """A roster that covers ``plan`` and meets the targets (see the module docstring)."""
    scenario, width = search.scenario, search.width
    options = patterns(spec, width)
    if not options:
        raise StaffingError("the shift templates allow no shift")
    matrix = np.column_stack([coverage(scenario, p, width) for p in options])
    hours = np.array([p.hours for p in options])
    slots = search.slots
    requirement = {
        group.id: np.array([float(plan.get((group.id, slot), 0)) for slot in slots])
        for group in search.planned
    }
    for group in search.planned:
        short = (requirement[group.id] > 0) & (matrix.max(axis=1) <= 0)
        if short.any():
            first = slots[int(np.argmax(short))]
            raise StaffingError(
                f"no shift template covers {first.label} for group {group.id!r}: add a "
                "template or start times that do"
            )

    def solve() -> dict[str, dict[Pattern, int]]:
        result = {}
        for group in search.planned:
            counts = cover(requirement[group.id], matrix, hours)
            result[group.id] = {options[i]: int(c) for i, c in enumerate(counts) if c > 0}
        return result

    def check(
        counts: Mapping[str, Mapping[Pattern, int]], text: str
    ) -> tuple[ExperimentResult, dict[Cell, bool]]:
        roster = replace(scenario, agents=roster_agents(counts, search.groups))
        result = search.simulate(roster, f"roster: {text}")
        ids = {group.id: _roster_ids(counts, group) for group in search.planned}
        return result, search.meeting_with(result, ids)

    rounds = 0
    converged = True
    counts = solve()
    result, meets = check(counts, "checking the shifts")
    rounds += 1
    # Repair: one more agent on the floor where a cell misses, and cover again.
    repairs = 0
    while not all(meets.values()):
        if repairs >= REPAIRS or rounds >= max_rounds:
            converged = False
            break
        repairs += 1
        for (name, slot), ok in meets.items():
            if not ok:
                for index in search.evaluated[slot]:
                    requirement[name][index] += 1
        counts = solve()
        result, meets = check(counts, "more agents where the shifts missed")
        rounds += 1
    # Fewer: one agent less on patterns that share no interval, where the targets allow and
    # every open interval keeps at least min_agents on the floor.
    column = {p: i for i, p in enumerate(options)}
    floor_needed = {
        name: np.minimum(needed, float(search.settings.min_agents))
        for name, needed in requirement.items()
    }

    def on_floor(name: str, by_pattern: Mapping[Pattern, int]) -> np.ndarray:
        total = np.zeros(matrix.shape[0])
        for pattern, count in by_pattern.items():
            total += count * matrix[:, column[pattern]]
        return total

    tried: set[tuple[str, Pattern]] = set()
    while converged and rounds < max_rounds:
        batch: list[tuple[str, Pattern]] = []
        used = np.zeros(matrix.shape[0], dtype=bool)
        for name, by_pattern in counts.items():
            present = on_floor(name, by_pattern)
            for pattern in sorted(by_pattern, key=lambda p: p.label):
                covered = matrix[:, column[pattern]] > 0
                if (name, pattern) in tried or (used & covered).any():
                    continue
                tried.add((name, pattern))
                if (present - matrix[:, column[pattern]] < floor_needed[name] - 1e-9).any():
                    continue  # an open interval would be left with too few
                batch.append((name, pattern))
                used |= covered
        if not batch:
            break
        trial = {name: dict(by) for name, by in counts.items()}
        for name, pattern in batch:
            trial[name][pattern] -= 1
            if not trial[name][pattern]:
                del trial[name][pattern]
        trial_result, trial_meets = check(trial, "one agent fewer on some shifts")
        rounds += 1
        for name, pattern in batch:
            worked = [slots[i] for i in np.nonzero(matrix[:, column[pattern]] > 0)[0]]
            if all(trial_meets.get((name, slot), True) for slot in worked):
                counts[name][pattern] -= 1
                if not counts[name][pattern]:
                    del counts[name][pattern]
        if counts == trial:  # every cut was kept: the trial is the roster's simulation
            result, meets = trial_result, trial_meets
    if rounds and (result.scenario.agents != roster_agents(counts, search.groups)):
        result, meets = check(counts, "checking the shifts")
        rounds += 1
    floor: dict[Cell, float] = {}
    for group in search.planned:
        total = on_floor(group.id, counts.get(group.id, {}))
        for index in search.horizon:
            floor[(group.id, slots[index])] = float(total[index])
    ids = {group.id: _roster_ids(counts, group) for group in search.planned}
    return Roster(
        spec=spec,
        counts=counts,
        floor=floor,
        meets=meets,
        scenario=replace(scenario, agents=roster_agents(counts, search.groups)),
        final=result,
        converged=converged and all(meets.values()),
        simulations=rounds,
        estimates=search.estimates_with(result, ids, [*search.kpis, "occupancy"]),
    )
