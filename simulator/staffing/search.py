"""The search by simulation (SIM7): the fewest agents per group and interval that meet the
targets.

Every simulation runs ``replications`` replications from the same ``seed``: common random
numbers, so every plan meets the same visitors, chats, handling times and patience
(:mod:`simulator.streams`), and a change in a KPI comes from the change of plan, not from
the noise of fresh draws. From a starting plan (Erlang A's):

- *up*: cells (a group's interval of the week) that miss a target get more agents (1, 1,
  2, 4, … in successive rounds) until every cell meets them;
- *down*: below the fewest seen to meet, galloping (1, 2, 4 fewer) until a count misses,
  then halving the gap — every second interval of each group at once, since an interval's
  KPIs depend on its neighbours only through the backlog they leave;
- *repair*: the plan as a whole is simulated, and a cell that misses now (its neighbours
  changed since it was tried) gets one agent more, a few times.

A cell is judged on its group's home chats (:func:`~simulator.staffing.plans.group_estimates`)
and, for targets on what visitors see, on the whole site. It is *minimal* when one agent
fewer was seen to miss (or it is at ``min_agents``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from ..experiment import ExperimentResult, Progress, run_experiment
from ..parallel import Pool
from ..scenario import Scenario
from ..stats import Estimate
from .groups import StaffGroup
from .plans import Cell, Slot, group_estimates, plan_agents, planned_ids, slots_of
from .targets import MeetRule, Target

__all__ = ["REPAIRS", "Search", "SearchSettings"]

REPAIRS = 3  # rounds of "one more agent where the whole plan misses" at the end


class SearchSettings:
    """What every simulation of a search shares."""

    def __init__(
        self,
        replications: int,
        seed: int,
        rule: MeetRule,
        min_agents: int,
        max_agents: int,
        max_rounds: int,
    ) -> None:
        self.replications = replications
        self.seed = seed
        self.rule = rule
        self.min_agents = min_agents
        self.max_agents = max_agents
        self.max_rounds = max_rounds


class Search:
    """The state of one staffing search over ``scenario`` (the horizon)."""

    def __init__(
        self,
        scenario: Scenario,
        groups: Sequence[StaffGroup],
        targets: tuple[Target, ...],
        settings: SearchSettings,
        width: int,
        pool: Pool,
        progress: Progress | None = None,
        on_stage: Callable[[str], None] | None = None,
    ) -> None:
        self.scenario = scenario
        self.groups = tuple(groups)
        self.targets = targets
        self.settings = settings
        self.width = width
        self.pool = pool
        self.progress = progress
        self.on_stage = on_stage
        self.simulations = 0
        self.rounds = 0  # simulations of the search (the pilot not counted)
        self.slots: list[Slot] = slots_of(scenario, width)
        self.first = round(scenario.warmup_minutes / width)
        self.horizon = range(self.first, len(self.slots))
        self.evaluated: dict[Slot, list[int]] = {}
        for index in self.horizon:
            self.evaluated.setdefault(self.slots[index], []).append(index)
        self.kpis = list(dict.fromkeys(t.kpi for t in targets))
        self.planned = [group for group in self.groups if group.planned]
        # One group home to every chat and every agent: the experiment's own estimates.
        self.whole = len(self.groups) == 1

    def stage(self, text: str) -> None:
        if self.on_stage is not None:
            self.on_stage(text)

    def with_agents(self, plan: Mapping[Cell, int]) -> Scenario:
        return replace(self.scenario, agents=plan_agents(plan, self.groups, self.width))

    def simulate(self, scenario: Scenario, text: str) -> ExperimentResult:
        self.simulations += 1
        self.stage(text)
        return run_experiment(
            scenario,
            self.settings.replications,
            self.settings.seed,
            progress=self.progress,
            pool=self.pool,
        )

    def estimates_with(
        self,
        result: ExperimentResult,
        ids: Mapping[str, Sequence[str]],
        kpis: Sequence[str],
    ) -> dict[str, dict[str, dict[int, Estimate]]]:
        """Per planned group, per KPI and interval: the estimates over the group's home
        chats and its agents (``ids[group]``)."""
        return {
            group.id: group_estimates(result, group, ids[group.id], kpis, everything=self.whole)
            for group in self.planned
        }

    def ids(self, plan: Mapping[Cell, int]) -> dict[str, tuple[str, ...]]:
        """The agent ids of each planned group under ``plan``."""
        return {group.id: planned_ids(plan, group) for group in self.planned}

    def meeting_with(
        self, result: ExperimentResult, ids: Mapping[str, Sequence[str]]
    ) -> dict[Cell, bool]:
        """Per cell of the horizon: whether every target is met in each of its intervals."""
        rule = self.settings.rule
        own = [t for t in self.targets if not t.about_visitors]
        site = [t for t in self.targets if t.about_visitors]
        values = self.estimates_with(result, ids, [t.kpi for t in own])
        everywhere = group_estimates(result, self.groups[0], (), [t.kpi for t in site], True)

        def meets(group: str, index: int) -> bool:
            return all(t.meets_estimate(values[group][t.kpi][index], rule) for t in own) and all(
                t.meets_estimate(everywhere[t.kpi][index], rule) for t in site
            )

        return {
            (group.id, slot): all(meets(group.id, index) for index in indices)
            for group in self.planned
            for slot, indices in self.evaluated.items()
        }

    def meeting(self, result: ExperimentResult, plan: Mapping[Cell, int]) -> dict[Cell, bool]:
        return self.meeting_with(result, self.ids(plan))

    def check(
        self, plan: Mapping[Cell, int], text: str
    ) -> tuple[ExperimentResult, dict[Cell, bool]]:
        result = self.simulate(self.with_agents(plan), f"round {self.rounds + 1}: {text}")
        self.rounds += 1
        return result, self.meeting(result, plan)

    def run(
        self, plan: dict[Cell, int], searched: list[Cell]
    ) -> tuple[ExperimentResult, dict[Cell, bool], set[Cell], bool]:
        """Search from ``plan`` (changed in place); returns the final simulation of the plan,
        whether each cell meets the targets, the cells known to be minimal, and whether the
        search finished within ``max_rounds`` simulations (the plan found is always checked
        by a simulation of its own, even past that)."""
        settings = self.settings
        floor, cap, budget = settings.min_agents, settings.max_agents, settings.max_rounds
        low = {cell: floor - 1 for cell in searched}  # the most agents seen to miss
        high: dict[Cell, int | None] = dict.fromkeys(searched)  # the fewest seen to meet
        finished = True

        # Up: raise the cells that have never met the targets, by 1, 1, 2, 4, ...
        streak = dict.fromkeys(searched, 0)
        while True:
            _, meets = self.check(plan, "checking the plan")
            pending = [cell for cell in searched if high[cell] is None]
            for cell in pending:
                if meets[cell]:
                    high[cell] = plan[cell]
                else:
                    low[cell] = plan[cell]
            pending = [cell for cell in pending if high[cell] is None and plan[cell] < cap]
            if not pending:
                break
            if self.rounds >= budget:
                finished = False
                break
            for cell in pending:
                streak[cell] += 1
                plan[cell] = min(plan[cell] + 2 ** max(streak[cell] - 2, 0), cap)

        # Down: every second interval of each group at once.
        position = {}
        for group in self.planned:
            mine = sorted(
                (cell for cell in searched if cell[0] == group.id),
                key=lambda cell: self.evaluated[cell[1]][0],
            )
            position.update({cell: i for i, cell in enumerate(mine)})
        step = dict.fromkeys(searched, 1)
        galloping = dict.fromkeys(searched, True)
        while True:
            todo = {c for c in searched if (h := high[c]) is not None and h - low[c] > 1}
            if not todo:
                break
            if self.rounds >= budget:
                finished = False
                break
            for parity in (0, 1):
                trial_cells = [c for c in todo if position[c] % 2 == parity]
                if not trial_cells or self.rounds >= budget:
                    continue
                trial = dict(plan)
                for cell in trial_cells:
                    upper = plan[cell]  # == high[cell]
                    trial[cell] = (
                        max(low[cell] + 1, upper - step[cell])
                        if galloping[cell]
                        else (low[cell] + upper) // 2
                    )
                _, trial_meets = self.check(trial, "fewer agents in some intervals")
                for cell in trial_cells:
                    if trial_meets[cell]:
                        plan[cell] = high[cell] = trial[cell]
                        step[cell] *= 2
                    else:
                        low[cell] = trial[cell]
                        galloping[cell] = False

        # The plan as a whole: one agent more where a cell misses now, a few times.
        repairs = 0
        while True:
            result, meets = self.check(plan, "checking the plan")
            missing = [c for c in searched if not meets[c] and plan[c] < cap]
            for cell in missing:
                low[cell] = max(low[cell], plan[cell])
            if not missing:
                break
            if self.rounds >= budget or repairs >= REPAIRS:
                finished = False
                break
            repairs += 1
            for cell in missing:
                plan[cell] += 1
        minimal = {c for c in searched if low[c] >= plan[c] - 1 or plan[c] <= floor}
        return result, meets, minimal, finished


def starting_count(figure: int | None, rate: float, handling: float, capacity: int) -> int:
    """Where the search starts in a cell: Erlang A's figure, else the offered load."""
    if figure is not None:
        return figure
    return math.ceil(rate * handling / capacity)
