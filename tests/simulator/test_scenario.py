"""Scenarios as data: the YAML format, validation that names every bad field, derived values."""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from reference_server.domain.chatflow import AvailabilityMode, RoutingStrategy, Weekday
from simulator.distributions import Distribution, DistributionKind
from simulator.scenario import (
    AgentGroup,
    InvalidData,
    Scenario,
    ScenarioKind,
    SpeedCurve,
    Traffic,
    WeekProfile,
    checked,
    load_scenario,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"


def funnel() -> dict[str, Any]:
    """A small valid funnel scenario as plain data (what a YAML file holds)."""
    return {
        "name": "Shop",
        "start": "2026-03-02T00:00",
        "timezone": "Europe/Oslo",
        "duration_days": 1,
        "warmup_minutes": 60,
        "kpis": {"interval_minutes": 30},
        "traffic": {
            "constant_rate": 100,
            "pages": [
                {
                    "url": "https://shop.example/",
                    "time_on_page_seconds": {"kind": "exponential", "mean": 30},
                }
            ],
        },
        "chats": {"handling_time_minutes": {"kind": "lognormal", "mean": 5, "sd": 3}},
        "agents": [{"id": "agent", "count": 2, "capacity": 2}],
        "chatflows": [
            {"id": "c1", "name": "Chat", "workspace": {"id": "inbox-1"}, "published": True}
        ],
    }


def edit(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with the dotted ``path`` (``a.b[2].c``) set to ``value``."""
    result = copy.deepcopy(data)
    steps: list[str | int] = []
    for part in path.split("."):
        name, *indices = re.split(r"\[(\d+)\]", part)
        steps.append(name)
        steps += [int(i) for i in indices if i]
    target: Any = result
    for step in steps[:-1]:
        if isinstance(target, dict) and step not in target:
            target[step] = {}  # a section the base leaves to its defaults
        target = target[step]
    target[steps[-1]] = value
    return result


def error_paths(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidData) as caught:
        load_scenario(data)
    return caught.value.as_fields()


# ---------------------------------------------------------------- the examples


@pytest.mark.feature("SIM1", "SIM3", "SIM4")
@pytest.mark.parametrize("name", ["web_shop", "support_centre", "around_the_clock"])
def test_every_example_scenario_loads_and_is_a_funnel(name: str) -> None:
    scenario = load_scenario(EXAMPLES / f"{name}.yaml")
    assert scenario.kind is ScenarioKind.FUNNEL
    assert scenario.chatflows and scenario.agents
    assert scenario.duration > scenario.warmup_minutes


@pytest.mark.feature("SIM3", "AV2")
def test_support_centre_example_has_office_hours_in_oslo() -> None:
    scenario = load_scenario(str(EXAMPLES / "support_centre.yaml"))
    settings = scenario.chatflows[0].build.availability
    assert settings.mode is AvailabilityMode.OFFICE_HOURS
    assert settings.timezone == "Europe/Oslo"
    assert scenario.timezone == "Europe/Oslo"


@pytest.mark.feature("SIM3", "RT3")
def test_around_the_clock_example_has_fifty_agents_in_teams_with_skill_rules() -> None:
    scenario = load_scenario(EXAMPLES / "around_the_clock.yaml")
    assert len(scenario.agent_ids) == 50
    assert {team for group in scenario.agents for team in group.team_ids} == {"en", "nb"}
    assert scenario.chatflows[0].build.assignment.skill_rules
    assert scenario.duration == 30 * 1440


# ---------------------------------------------------------------- the format


@pytest.mark.feature("SIM1")
def test_a_scenario_without_pages_or_chatflows_is_a_plain_pool() -> None:
    data = funnel()
    del data["chatflows"]
    data["traffic"] = {"constant_rate": 60}
    scenario = load_scenario(data)
    assert scenario.kind is ScenarioKind.PLAIN_POOL
    assert scenario.assignment.strategy is RoutingStrategy.LEAST_BUSY


@pytest.mark.feature("SIM1")
def test_rates_can_be_given_constant_per_hour_of_week_or_per_weekday() -> None:
    constant = Traffic(constant_rate=12.0)
    assert constant.hourly_rates() == (12.0,) * 168
    week = tuple(float(i) for i in range(168))
    assert Traffic(hourly=week).hourly_rates() == week
    profile = WeekProfile(every_day=(1.0,) * 24, sunday=(2.0,) * 24)
    rates = Traffic(by_weekday=profile).hourly_rates()
    assert rates[: 6 * 24] == (1.0,) * 144
    assert rates[6 * 24 :] == (2.0,) * 24


@pytest.mark.feature("SIM1")
def test_a_weekday_left_out_without_every_day_has_no_arrivals() -> None:
    rates = WeekProfile(monday=(3.0,) * 24).hourly()
    assert rates[:24] == (3.0,) * 24
    assert set(rates[24:]) == {0.0}


@pytest.mark.feature("SIM3")
def test_an_agent_group_of_one_keeps_its_id_and_larger_groups_are_numbered() -> None:
    assert AgentGroup(id="anna").agent_ids == ("anna",)
    assert AgentGroup(id="team", count=3).agent_ids == ("team-1", "team-2", "team-3")
    assert AgentGroup(id="none", count=0).agent_ids == ()


@pytest.mark.feature("SIM3")
def test_the_speed_curve_formula_slows_each_chat_as_the_agent_takes_more() -> None:
    curve = SpeedCurve(slowdown=0.5, base=2.0)
    assert [curve.speed(k) for k in (1, 2, 3)] == [2.0, 2.0 / 1.5, 1.0]
    assert SpeedCurve().speed(4) == 1.0  # linear: every chat as fast as alone


@pytest.mark.feature("SIM3")
def test_the_speed_table_gives_speed_per_load_and_keeps_its_last_value_beyond() -> None:
    curve = SpeedCurve(table=(1.0, 0.8, 0.5))
    assert [curve.speed(k) for k in (1, 2, 3, 4, 9)] == [1.0, 0.8, 0.5, 0.5, 0.5]


@pytest.mark.feature("SIM1")
def test_the_run_is_seven_days_unless_given_in_days_or_minutes() -> None:
    data = funnel()
    del data["duration_days"]
    assert load_scenario(data).duration == 7 * 1440
    assert load_scenario(edit(data, "duration_days", 2.5)).duration == 2.5 * 1440
    assert load_scenario(edit(data, "duration_minutes", 90)).duration == 90


@pytest.mark.feature("SIM1", "AV2")
def test_start_is_wall_time_in_the_scenario_zone_unless_it_has_an_offset() -> None:
    winter = load_scenario(funnel())
    assert winter.start_utc == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    summer = load_scenario(edit(funnel(), "start", "2026-07-01T08:00"))
    assert summer.start_utc == datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
    explicit = load_scenario(edit(funnel(), "start", "2026-07-01T08:00+00:00"))
    assert explicit.start_utc == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert explicit.zone.key == "Europe/Oslo"


@pytest.mark.feature("SIM3")
def test_shift_days_default_to_every_day_and_read_weekday_names() -> None:
    data = edit(funnel(), "agents[0].shifts", [{"start": "08:00", "end": "16:00"}])
    assert load_scenario(data).agents[0].shifts[0].days == tuple(Weekday)
    data = edit(data, "agents[0].shifts[0].days", ["monday", "friday"])
    assert load_scenario(data).agents[0].shifts[0].days == (Weekday.MONDAY, Weekday.FRIDAY)


@pytest.mark.feature("SIM1")
def test_a_scenario_built_in_python_is_checked_like_a_loaded_one() -> None:
    good = Scenario(name="p", traffic=Traffic(constant_rate=1.0), agents=(AgentGroup("a"),))
    assert checked(good) == good
    bad = Scenario(name="p", traffic=Traffic(), agents=(AgentGroup("a", capacity=0),))
    with pytest.raises(InvalidData) as caught:
        checked(bad)
    assert set(caught.value.as_fields()) == {"traffic.constant_rate", "agents[0].capacity"}


# ---------------------------------------------------------------- validation names fields


BAD_FIELDS: list[tuple[str, Any, str]] = [
    ("timezone", "Mars/Olympus", "timezone"),
    ("start", "yesterday", "start"),
    ("start", "2026-03-02T00:00:30", "start"),
    ("duration_minutes", 60, "duration_minutes"),  # with duration_days also given
    ("duration_days", 0, "duration_days"),
    ("warmup_minutes", 2000, "warmup_minutes"),
    ("warmup_minutes", 45, "warmup_minutes"),  # not a whole number of 30-minute intervals
    ("warmup_minutes", -30, "warmup_minutes"),
    ("kpis.interval_minutes", 0, "kpis.interval_minutes"),
    ("kpis.service_level_seconds", -1, "kpis.service_level_seconds"),
    ("kpis.wait_percentile", 100, "kpis.wait_percentile"),
    ("kpis.colour", "red", "kpis.colour"),
    ("traffic.constant_rate", -5, "traffic.constant_rate"),
    ("traffic.hourly", [1.0] * 168, "traffic.constant_rate"),  # two forms at once
    (
        "traffic.special_days",
        [{"date": "2026-02-30", "multiplier": 2}],
        "traffic.special_days[0].date",
    ),
    (
        "traffic.special_days",
        [{"date": "2026-03-02", "multiplier": -1}],
        "traffic.special_days[0].multiplier",
    ),
    (
        "traffic.special_days",
        [{"date": "2026-03-02", "multiplier": 2}, {"date": "2026-03-02", "multiplier": 3}],
        "traffic.special_days[1].date",
    ),
    ("traffic.devices", {"desktop": 0, "mobile": 0}, "traffic.devices.desktop"),
    ("traffic.devices", {"tablet": -1}, "traffic.devices.tablet"),
    ("traffic.segments", [], "traffic.segments"),
    ("traffic.segments", [{"weight": 0}], "traffic.segments"),
    ("traffic.segments", [{"weight": -1}], "traffic.segments[0].weight"),
    ("traffic.segments", [{"identified": True}], "traffic.segments[0].identified"),
    ("traffic.pages[0].url", " ", "traffic.pages[0].url"),
    ("traffic.pages[0].weight", -2, "traffic.pages[0].weight"),
    ("traffic.pages[0].exit_intent_probability", 1.5, "traffic.pages[0].exit_intent_probability"),
    (
        "traffic.pages[0].time_on_page_seconds",
        {"kind": "exponential", "mean": 0},
        "traffic.pages[0].time_on_page_seconds.mean",
    ),
    (
        "traffic.pages[0].time_on_page_seconds",
        {"kind": "gamma", "mean": 2},
        "traffic.pages[0].time_on_page_seconds.kind",
    ),
    ("traffic.continue_probability", 1.0, "traffic.continue_probability"),
    ("traffic.chat_start", {"prompt": 2}, "traffic.chat_start.prompt"),
    (
        "traffic.chat_start",
        {"message_factor": {"wait": -1}},
        "traffic.chat_start.message_factor.wait",
    ),
    ("chats.email_probability", 1.2, "chats.email_probability"),
    (
        "chats.handling_time_minutes",
        {"kind": "lognormal", "mean": 5},
        "chats.handling_time_minutes.sd",
    ),
    (
        "chats.patience_minutes",
        {"kind": "empirical", "values": []},
        "chats.patience_minutes.values",
    ),
    ("chats.csat", {"response_probability": -0.1}, "chats.csat.response_probability"),
    ("chats.csat", {"bands": []}, "chats.csat.bands"),
    ("chats.csat", {"bands": [{"ratings": [1, 1, 1, 1]}]}, "chats.csat.bands[0].ratings"),
    ("chats.csat", {"bands": [{"ratings": [0, 0, 0, 0, 0]}]}, "chats.csat.bands[0].ratings"),
    ("chats.csat", {"bands": [{"ratings": [1, 1, -1, 1, 1]}]}, "chats.csat.bands[0].ratings[2]"),
    ("chats.csat", {"bands": [{"max_wait_minutes": 2}]}, "chats.csat.bands[0]"),
    ("chats.csat", {"bands": [{}, {}]}, "chats.csat.bands"),
    (
        "chats.csat",
        {"bands": [{"max_wait_minutes": 5}, {"max_wait_minutes": 1}, {}]},
        "chats.csat.bands",
    ),
    (
        "chats.csat",
        {"bands": [{"max_wait_minutes": -1}, {}]},
        "chats.csat.bands[0].max_wait_minutes",
    ),
    ("agents[0].id", "", "agents[0].id"),
    ("agents[0].count", -1, "agents[0].count"),
    ("agents[0].capacity", 0, "agents[0].capacity"),
    ("agents[0].speed", {"slowdown": -0.1}, "agents[0].speed.slowdown"),
    ("agents[0].speed", {"base": 0}, "agents[0].speed.base"),
    ("agents[0].speed", {"table": [1.0, 0.0]}, "agents[0].speed.table[1]"),
    ("agents[0].shifts", [{"start": "8:00"}], "agents[0].shifts[0].start"),
    ("agents[0].shifts", [{"start": "08:00", "end": "08:00"}], "agents[0].shifts[0].end"),
    ("agents[0].shifts", [{"start": "00:00", "end": "24:00"}], "agents[0].shifts[0].end"),
    ("agents[0].shifts", [{"days": []}], "agents[0].shifts[0].days"),
    ("agents[0].shifts", [{"days": ["someday"]}], "agents[0].shifts[0].days[0]"),
    (
        "agents[0].shifts",
        [{"breaks": [{"start": "25:00", "minutes": 10}]}],
        "agents[0].shifts[0].breaks[0].start",
    ),
    (
        "agents[0].shifts",
        [{"breaks": [{"start": "12:00", "minutes": 0}]}],
        "agents[0].shifts[0].breaks[0].minutes",
    ),
    ("assignment.user_ids", ["agent-1", "nobody"], "assignment.user_ids[1]"),
    (
        "chatflows[0].build",
        {"assignment": {"user_ids": ["ghost"]}},
        "chatflows[0].build.assignment.user_ids[0]",
    ),
    (
        "chatflows[0].build",
        {"availability": {"timezone": "Nowhere"}},
        "chatflows[0].build.availability.timezone",
    ),
    (
        "chatflows[0].display",
        {"triggers": {"scroll_percentage": 0}},
        "chatflows[0].display.triggers.scroll_percentage",
    ),
    ("chatflows", [], "chatflows"),
    ("traffic.pages", [], "traffic.pages"),
]


@pytest.mark.feature("SIM1", "CF7")
@pytest.mark.parametrize(("path", "value", "reported"), BAD_FIELDS)
def test_a_bad_field_is_reported_under_its_dotted_path(
    path: str, value: Any, reported: str
) -> None:
    assert reported in error_paths(edit(funnel(), path, value))


@pytest.mark.feature("SIM3")
def test_an_agent_id_used_twice_is_reported_on_the_second_group() -> None:
    data = edit(funnel(), "agents", [{"id": "a-1"}, {"id": "a", "count": 2}])
    assert error_paths(data) == {"agents[1].id": "agent id 'a-1' is used twice"}


@pytest.mark.feature("SIM1")
def test_every_bad_field_is_reported_at_once() -> None:
    data = edit(funnel(), "timezone", "Nowhere")
    data = edit(data, "agents[0].capacity", 0)
    data = edit(data, "traffic.pages[0].weight", -1)
    data = edit(data, "traffic.colour", "blue")
    assert set(error_paths(data)) == {
        "timezone",
        "agents[0].capacity",
        "traffic.pages[0].weight",
        "traffic.colour",
    }


@pytest.mark.feature("SIM1")
def test_the_week_profile_wants_24_non_negative_numbers_per_day() -> None:
    bad = {"by_weekday": {"monday": [1.0] * 23, "friday": [-1.0] + [0.0] * 23}}
    fields = error_paths(edit(funnel(), "traffic", {**bad, "pages": funnel()["traffic"]["pages"]}))
    assert set(fields) == {"traffic.by_weekday.monday", "traffic.by_weekday.friday[0]"}


@pytest.mark.feature("SIM1")
def test_the_hourly_form_wants_168_non_negative_numbers() -> None:
    pages = funnel()["traffic"]["pages"]
    assert "traffic.hourly" in error_paths(
        edit(funnel(), "traffic", {"hourly": [1.0], "pages": pages})
    )
    week = [1.0] * 167 + [-1.0]
    assert "traffic.hourly[167]" in error_paths(
        edit(funnel(), "traffic", {"hourly": week, "pages": pages})
    )


# ---------------------------------------------------------------- distributions


GOOD_DISTRIBUTIONS = [
    (Distribution(DistributionKind.CONSTANT, value=2.0), 2.0),
    (Distribution(DistributionKind.EXPONENTIAL, mean=3.0), 3.0),
    (Distribution(DistributionKind.LOGNORMAL, mean=4.0, sd=1.0), 4.0),
    (Distribution(DistributionKind.UNIFORM, low=1.0, high=5.0), 3.0),
    (Distribution(DistributionKind.EMPIRICAL, values=(1.0, 2.0, 6.0)), 3.0),
    (Distribution(DistributionKind.EMPIRICAL, values=(1.0, 4.0), weights=(3.0, 1.0)), 1.75),
]


@pytest.mark.feature("SIM4")
@pytest.mark.parametrize(("distribution", "mean"), GOOD_DISTRIBUTIONS)
def test_each_kind_of_distribution_is_valid_with_its_fields_and_knows_its_mean(
    distribution: Distribution, mean: float
) -> None:
    assert distribution._check() == []
    assert distribution.expected == pytest.approx(mean)


BAD_DISTRIBUTIONS: list[tuple[dict[str, Any], set[str]]] = [
    ({"kind": "constant"}, {"value"}),
    ({"kind": "constant", "value": -1}, {"value"}),
    ({"kind": "exponential", "mean": 2, "sd": 1}, {"sd"}),
    ({"kind": "exponential", "mean": math.inf}, {"mean"}),
    ({"kind": "lognormal", "mean": 2, "sd": 0}, {"sd"}),
    ({"kind": "uniform", "low": 5, "high": 1}, {"high"}),
    ({"kind": "uniform", "low": -1, "high": 1}, {"low"}),
    ({"kind": "empirical", "values": [1, -2]}, {"values[1]"}),
    ({"kind": "empirical", "values": [1, 2], "weights": [1]}, {"weights"}),
    ({"kind": "empirical", "values": [1, 2], "weights": [1, -1]}, {"weights"}),
    ({"kind": "empirical", "values": [1, 2], "weights": [0, 0]}, {"weights"}),
]


@pytest.mark.feature("SIM4")
@pytest.mark.parametrize(("fields", "bad"), BAD_DISTRIBUTIONS)
def test_a_distribution_with_missing_extra_or_impossible_fields_is_refused(
    fields: dict[str, Any], bad: set[str]
) -> None:
    reported = error_paths(edit(funnel(), "chats.handling_time_minutes", fields))
    assert set(reported) == {f"chats.handling_time_minutes.{name}" for name in bad}
