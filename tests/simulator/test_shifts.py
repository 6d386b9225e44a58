"""Staffing by shifts and per-skill groups (SIM7): rosters of whole shifts with breaks,
shrinkage, a maximum occupancy, and groups judged on their own queues."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from reference_server.domain.codec import InvalidData, from_dict
from simulator.experiment import run_experiment
from simulator.scenario import Traffic, load_scenario
from simulator.staffing import (
    RosterSpec,
    StaffingError,
    StaffingOptions,
    horizon_scenario,
    parse_targets,
    run_staffing,
    scheduled,
    staff_groups,
)
from simulator.staffing.shifts import cover, coverage, patterns
from tests.simulator.test_staffing import MONDAY, pool

TARGETS = parse_targets(["service_level=0.8@20s"])


def spec(**changes: Any) -> RosterSpec:
    data: dict[str, Any] = {
        "shifts": [
            {
                "name": "two-hour",
                "hours": 2,
                "earliest": "00:00",
                "latest": "02:00",
                "days": ["monday"],
            }
        ]
    }
    data.update(changes)
    return from_dict(RosterSpec, data)


# ---------------------------------------------------------------- patterns and cover


@pytest.mark.feature("SIM7")
def test_a_pattern_covers_its_intervals_less_its_break() -> None:
    roster = spec(
        shifts=[
            {
                "name": "morning",
                "hours": 4,
                "starts": ["00:00"],
                "days": ["monday"],
                "breaks": [{"minutes": 30, "after_hours": [2, 3]}],
            }
        ]
    )
    scenario = horizon_scenario(pool(), None, TARGETS)
    found = patterns(roster, 60)
    assert [p.label for p in found] == [
        "morning Mon 00:00-04:00 break 02:00",
        "morning Mon 00:00-04:00 break 03:00",
    ]
    assert coverage(scenario, found[0], 60).tolist() == [1.0, 1.0, 0.5, 1.0]
    assert found[0].shift().breaks[0].start == "02:00"


@pytest.mark.feature("SIM7")
def test_the_cover_is_the_fewest_paid_hours_that_meet_every_interval() -> None:
    # Two-hour shifts from 00:00, 01:00 or 02:00 for needs of 1, 2, 2, 1 agents: two shifts
    # (00:00 and 02:00) leave 01:00 short; three are needed, and three suffice.
    matrix = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]], dtype=float)
    counts = cover(np.array([1.0, 2.0, 2.0, 1.0]), matrix, np.array([2.0, 2.0, 2.0]))
    assert counts.sum() == 3 and (matrix @ counts >= [1, 2, 2, 1]).all()
    assert cover(np.zeros(4), matrix, np.array([2.0, 2.0, 2.0])).sum() == 0


@pytest.mark.feature("SIM7")
def test_a_bad_shift_file_names_every_bad_field() -> None:
    with pytest.raises(InvalidData) as caught:
        from_dict(
            RosterSpec,
            {
                "shrinkage": 1.2,
                "shifts": [
                    {"name": "x", "hours": 30, "starts": ["25:00"]},
                    {"name": "y", "hours": 2, "starts": ["08:00"], "earliest": "07:00"},
                    {
                        "name": "z",
                        "hours": 2,
                        "starts": ["08:00"],
                        "breaks": [{"minutes": 30, "after_hours": [1.8]}],
                    },
                ],
            },
        )
    paths = {error.path: error.message for error in caught.value.errors}
    assert paths["shrinkage"] == "must be at least 0 and below 1"
    assert paths["shifts[0].hours"] == "must be more than 0 and less than 24"
    assert paths["shifts[0].starts[0]"] == 'must be a time of day "HH:MM"'
    assert paths["shifts[1].starts"] == "give either starts or earliest and latest"
    assert paths["shifts[2].breaks[0]"] == "must end before the shift does"


# ---------------------------------------------------------------- rosters


@pytest.mark.feature("SIM7", "SIM3")
def test_a_roster_of_whole_shifts_meets_the_targets_and_runs_as_a_scenario() -> None:
    options = StaffingOptions(replications=3, workers=1, roster=spec(shrinkage=0.25))
    result = run_staffing(pool(), TARGETS, options)
    roster = result.roster
    assert roster is not None and roster.converged and all(roster.meets.values())
    # Every interval has at least the plan's agents on the floor, or the simulation showed
    # the targets met with fewer.
    for row in result.rows:
        assert row.roster is not None and row.roster >= 1.0
    shifts = [(p.start, count) for by in roster.counts.values() for p, count in by.items()]
    assert all(start in (0, 60, 120) for start, _ in shifts)
    assert roster.paid_hours() == 2.0 * roster.agents
    assert roster.scheduled(3) == 4  # 3 on the floor with 25% shrinkage
    # The roster scenario has exactly these agents at work (nobody chats, so nobody
    # overstays a shift to finish a chat).
    quiet = replace(roster.scenario, traffic=Traffic(constant_rate=0.0))
    check = run_experiment(quiet, 1, 1, workers=1)
    staffed = check.interval_kpis[check.interval_kpis["kpi"] == "staffed_agents"]
    assert staffed["mean"].tolist() == [row.roster for row in result.rows]


@pytest.mark.feature("SIM7")
def test_a_plan_no_template_can_cover_is_refused() -> None:
    late = spec(shifts=[{"name": "late", "hours": 2, "starts": ["02:00"], "days": ["monday"]}])
    with pytest.raises(StaffingError, match="no shift template covers Mon 00:00"):
        run_staffing(pool(), TARGETS, StaffingOptions(replications=1, workers=1, roster=late))


@pytest.mark.feature("SIM7")
def test_shrinkage_and_maximum_occupancy_shape_the_plan() -> None:
    assert [scheduled(n, 0.3) for n in (0, 1, 7, 10)] == [0, 2, 10, 15]
    options = StaffingOptions(replications=2, workers=1, shrinkage=0.3, max_occupancy=0.5)
    result = run_staffing(pool(), TARGETS, options)
    assert [t.kpi for t in result.targets] == ["service_level", "occupancy"]
    assert all(row.scheduled == scheduled(row.agents, 0.3) for row in result.rows)
    assert all(row.kpis["occupancy"].mean <= 0.5 for row in result.rows)
    plain = run_staffing(pool(), TARGETS, StaffingOptions(replications=2, workers=1))
    assert result.agent_hours() > plain.agent_hours()


# ---------------------------------------------------------------- per-skill groups


def bilingual(**changes: Any) -> dict[str, Any]:
    """Norwegian and English chatflows with skill rules; a bilingual agent, two Norwegian
    speakers and one English speaker; many Norwegian visitors, few English ones."""

    def flow(flow_id: str, language: str, path: str) -> dict[str, Any]:
        return {
            "id": flow_id,
            "name": flow_id,
            "workspace": {"id": "inbox"},
            "language": language,
            "published": True,
            "build": {
                "assignment": {
                    "skill_rules": [
                        {"property": "language", "value": language, "skills": [language]}
                    ]
                },
                "availability": {"mode": "always"},
            },
            "target": {
                "groups": [
                    {"rules": [{"field": "page_url", "operator": "contains", "value": path}]}
                ]
            },
            "display": {"desktop": "prompt", "mobile": "prompt"},
        }

    data: dict[str, Any] = {
        "name": "Two languages",
        "start": MONDAY,
        "duration_minutes": 180,
        "kpis": {"interval_minutes": 60, "service_level_seconds": 30},
        "traffic": {
            "constant_rate": 600,
            "pages": [
                {
                    "url": "https://x.example/no/",
                    "weight": 4,
                    "time_on_page_seconds": {"kind": "exponential", "mean": 30},
                },
                {
                    "url": "https://x.example/en/",
                    "weight": 1,
                    "time_on_page_seconds": {"kind": "exponential", "mean": 30},
                },
            ],
            "chat_start": {"prompt": 0.1},
        },
        "chats": {
            "handling_time_minutes": {"kind": "exponential", "mean": 3},
            "patience_minutes": {"kind": "exponential", "mean": 2},
        },
        "agents": [
            {"id": "kari", "count": 1, "skills": ["nb", "en"]},
            {"id": "ola", "count": 2, "skills": ["nb"]},
            {"id": "emma", "count": 1, "skills": ["en"]},
        ],
        "chatflows": [flow("norsk", "nb", "/no/"), flow("english", "en", "/en/")],
    }
    data.update(changes)
    return data


@pytest.mark.feature("SIM7", "RT3")
def test_each_queue_has_a_home_group_and_a_multi_skilled_group_is_kept_as_written() -> None:
    groups = {group.id: group for group in staff_groups(load_scenario(bilingual()))}
    assert set(groups) == {"en+nb", "nb", "en"}
    assert groups["nb"].home == {("norsk", "https://x.example/no/")}
    assert groups["en"].home == {("english", "https://x.example/en/")}
    assert not groups["en+nb"].planned and groups["en+nb"].written_ids == ("kari",)
    (one,) = staff_groups(load_scenario(bilingual()), one_pool="ola")
    assert one.template.skills == ("en", "nb") and len(one.home) == 2


@pytest.mark.feature("SIM7", "RT3")
def test_per_skill_groups_are_staffed_for_their_own_queues() -> None:
    scenario = load_scenario(bilingual())
    result = run_staffing(scenario, TARGETS, StaffingOptions(replications=3, workers=1))
    by_group: dict[str, list[Any]] = {}
    for row in result.rows:
        by_group.setdefault(row.group, []).append(row)
    assert set(by_group) == {"nb", "en"}
    # Four in five visitors read Norwegian: that queue has the demand, and the agents.
    nb_demand = sum(r.chats_per_hour for r in by_group["nb"])
    en_demand = sum(r.chats_per_hour for r in by_group["en"])
    assert nb_demand > 2.5 * en_demand
    assert sum(r.agents for r in by_group["nb"]) > sum(r.agents for r in by_group["en"])
    assert result.meets
    # The plan keeps the bilingual agent and staffs the two groups with their own skills.
    agents = {g.id: g.skills for g in result.plan_scenario.agents}
    assert agents["kari"] == ("nb", "en")
    assert {skills for name, skills in agents.items() if name.startswith("nb-")} == {("nb",)}
    # Each group's KPIs are those of its own chats.
    nb_offered = sum(r.kpis["offered"].mean for r in by_group["nb"])
    en_offered = sum(r.kpis["offered"].mean for r in by_group["en"])
    total = result.final.summary["offered"].mean
    assert nb_offered + en_offered == pytest.approx(total)
    assert replace(result.options, group="ola").group == "ola"
