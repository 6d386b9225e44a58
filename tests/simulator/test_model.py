"""The model: visitors, the widget they see, routing, agents at work, and the flat records.

Each test runs one short replication of a small scenario and checks what a capacity planner
would notice in the records: who chatted, when, with whom, and what they saw.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from reference_server.domain.routing import AgentStatus
from simulator.agents import Workload, shift_changes, speed_table
from simulator.distributions import (
    Distribution,
    DistributionKind,
    categorical_sampler,
    sampler,
    uniform_sampler,
)
from simulator.model import simulate
from simulator.records import (
    AGENT_TIME_COLUMNS,
    CHAT_COLUMNS,
    AgentTimeBook,
    ReplicationData,
    agent_time_frame,
    chat_frame,
    visitor_frame,
)
from simulator.scenario import Break, Shift, SpeedCurve, Traffic, load_scenario
from simulator.traffic import arrival_segments

OSLO = ZoneInfo("Europe/Oslo")
MONDAY = "2026-03-02T00:00"  # a Monday; Oslo is at UTC+1 until 29 March


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
            target[step] = {}
        target = target[step]
    target[steps[-1]] = value
    return result


def pool(**changes: Any) -> dict[str, Any]:
    """A plain pool: chats per hour straight to the agents (edit with path=value)."""
    data: dict[str, Any] = {
        "name": "pool",
        "start": MONDAY,
        "timezone": "Europe/Oslo",
        "duration_minutes": 600,
        "kpis": {"interval_minutes": 60},
        "traffic": {"constant_rate": 120},
        "chats": {"handling_time_minutes": {"kind": "exponential", "mean": 2}},
        "agents": [{"id": "a", "count": 3}],
    }
    for path, value in changes.items():
        data = edit(data, path.replace("__", "."), value)
    return data


def site(**changes: Any) -> dict[str, Any]:
    """A one-page site with one chatflow, desktop visitors only (edit with path=value)."""
    data: dict[str, Any] = {
        "name": "site",
        "start": MONDAY,
        "timezone": "Europe/Oslo",
        "duration_minutes": 600,
        "kpis": {"interval_minutes": 60, "visitor_records": True},
        "traffic": {
            "constant_rate": 600,
            "pages": [
                {
                    "url": "https://shop.example/",
                    "time_on_page_seconds": {"kind": "constant", "value": 60},
                }
            ],
            "chat_start": {"launcher": 0.1, "prompt": 0.1, "open": 0.1},
        },
        "chats": {"handling_time_minutes": {"kind": "exponential", "mean": 2}},
        "agents": [{"id": "a", "count": 3, "capacity": 2}],
        "chatflows": [
            {"id": "c1", "name": "Chat", "workspace": {"id": "inbox-1"}, "published": True}
        ],
    }
    for path, value in changes.items():
        data = edit(data, path.replace("__", "."), value)
    return data


def run(data: dict[str, Any], seed: int = 1) -> tuple[pd.DataFrame, ReplicationData]:
    result = simulate(load_scenario(data), seed)
    return chat_frame([result]), result


def chats_of(records: pd.DataFrame) -> pd.DataFrame:
    return records[records["record_type"] != "left_without_chat"]


def kinds(records: pd.DataFrame) -> dict[str, int]:
    counts = records["record_type"].astype(str).value_counts()
    return {str(kind): int(n) for kind, n in counts.items()}


def wall(minutes: float, start: str = MONDAY) -> datetime:
    """Sim minutes as Oslo wall time."""
    origin = datetime.fromisoformat(start).replace(tzinfo=OSLO).astimezone(UTC)
    return (origin + timedelta(minutes=float(minutes))).astimezone(OSLO)


def max_held(frame: pd.DataFrame, agent: str) -> int:
    """The most chats ``agent`` held at once, from the answered records."""
    rows = frame[(frame["agent"] == agent) & (frame["record_type"] == "answered")]
    starts = (rows["arrival"] + rows["wait"]).to_numpy()
    ends = starts + rows["handle_time"].fillna(np.inf).to_numpy()
    events = sorted([(t, 1) for t in starts] + [(t, -1) for t in ends], key=lambda e: (e[0], e[1]))
    held = peak = 0
    for _, step in events:
        held += step
        peak = max(peak, held)
    return peak


# ---------------------------------------------------------------- processor sharing (SIM3)


@pytest.mark.feature("SIM3")
def test_a_lone_chat_takes_its_handling_time() -> None:
    work = Workload(speed_table(SpeedCurve(slowdown=1.0), 2))
    assert work.add(0.0, "a", 4.0) is True
    assert work.next_delay() == 4.0
    assert work.pop_next(4.0) == ("a", False)
    assert len(work) == 0


@pytest.mark.feature("SIM3")
def test_a_second_chat_slows_both_and_the_rest_speeds_up_when_one_ends() -> None:
    # speed(2) = 1/(1 + 1) = 0.5: A (4 min of work) has 2 left when B starts at minute 2;
    # both then go at half speed, A ends at 6; B has 2 left and ends at 8.
    work = Workload(speed_table(SpeedCurve(slowdown=1.0), 2))
    work.add(0.0, "A", 4.0)
    assert work.add(2.0, "B", 4.0) is True
    assert work.next_delay() == pytest.approx(4.0)
    assert work.pop_next(6.0) == ("A", True)
    assert work.next_delay() == pytest.approx(2.0)
    assert work.chats() == ["B"]


@pytest.mark.feature("SIM3")
def test_with_a_linear_curve_a_later_finishing_chat_leaves_the_next_completion_alone() -> None:
    work = Workload(speed_table(SpeedCurve(), 3))
    work.add(0.0, "short", 1.0)
    assert work.add(0.5, "long", 5.0) is False  # the next completion is still "short" at 1
    assert work.add(0.6, "shorter", 0.1) is True
    assert work.pop_next(0.7) == ("shorter", True)


@pytest.mark.feature("SIM3")
def test_a_speed_table_is_used_per_number_of_chats_held() -> None:
    assert speed_table(SpeedCurve(table=(1.0, 0.5)), 3) == [0.0, 1.0, 0.5, 0.5]


# ---------------------------------------------------------------- shifts and breaks (SIM3)


def changes(shifts: list[Shift], start: str = MONDAY, days: float = 1.0) -> list[tuple[str, str]]:
    origin = datetime.fromisoformat(start).replace(tzinfo=OSLO).astimezone(UTC)
    result = shift_changes(shifts, origin, OSLO, days * 1440)
    return [(wall(t, start).strftime("%a %H:%M"), status.value) for t, status in result]


@pytest.mark.feature("SIM3")
def test_an_agent_without_shifts_is_available_the_whole_run() -> None:
    assert changes([]) == [("Mon 00:00", "available")]


@pytest.mark.feature("SIM3")
def test_a_day_shift_with_a_break_becomes_status_changes_in_local_time() -> None:
    shift = Shift(start="08:00", end="16:00", breaks=(Break(start="12:00", minutes=30),))
    assert changes([shift]) == [
        ("Mon 00:00", "offline"),
        ("Mon 08:00", "available"),
        ("Mon 12:00", "away"),
        ("Mon 12:30", "available"),
        ("Mon 16:00", "offline"),
    ]


@pytest.mark.feature("SIM3")
def test_an_overnight_shift_started_the_day_before_is_on_at_the_start_of_the_run() -> None:
    night = Shift(start="22:00", end="06:00", breaks=(Break(start="02:00", minutes=15),))
    assert changes([night]) == [
        ("Mon 00:00", "available"),
        ("Mon 02:00", "away"),
        ("Mon 02:15", "available"),
        ("Mon 06:00", "offline"),
        ("Mon 22:00", "available"),
    ]


@pytest.mark.feature("SIM3", "AV2")
def test_shifts_follow_the_wall_clock_across_the_spring_daylight_saving_change() -> None:
    # 29 March 2026: Oslo skips 02:00-03:00, so a 22:00-06:00 night shift lasts 7 hours.
    sunday = "2026-03-28T12:00"
    night = Shift(start="22:00", end="06:00", days=(Shift().days[5],))  # Saturday nights
    origin = datetime.fromisoformat(sunday).replace(tzinfo=OSLO).astimezone(UTC)
    result = shift_changes([night], origin, OSLO, 1440)
    on, off = result[1][0], result[2][0]
    assert (result[1][1], result[2][1]) == (AgentStatus.AVAILABLE, AgentStatus.OFFLINE)
    assert off - on == 7 * 60
    assert wall(on, sunday).hour == 22 and wall(off, sunday).hour == 6


@pytest.mark.feature("SIM3")
def test_overlapping_shifts_merge_and_breaks_only_count_inside_a_shift() -> None:
    early = Shift(start="06:00", end="12:00", breaks=(Break(start="11:00", minutes=90),))
    late = Shift(start="10:00", end="14:00")
    assert changes([early, late]) == [
        ("Mon 00:00", "offline"),
        ("Mon 06:00", "available"),
        ("Mon 11:00", "away"),
        ("Mon 12:30", "available"),
        ("Mon 14:00", "offline"),
    ]


@pytest.mark.feature("SIM3", "AV8")
def test_no_chat_is_ever_given_to_an_agent_on_a_break_or_off_shift() -> None:
    shift = {"start": "01:00", "end": "08:00", "breaks": [{"start": "03:00", "minutes": 60}]}
    data = pool(
        agents=[{"id": "a", "count": 2, "shifts": [shift]}],
        chats__patience_minutes={"kind": "exponential", "mean": 5},
        chats__handling_time_minutes__mean=10,  # long chats: agents are busy when it starts
    )
    records, _ = run(data)
    answered = records[records["record_type"] == "answered"]
    taken_at = answered["arrival"] + answered["wait"]
    assert len(answered) > 50
    assert ((taken_at >= 60) & (taken_at <= 480)).all()
    assert not ((taken_at > 180) & (taken_at < 240)).any()  # the break: 03:00-04:00
    # Chats held when the break starts are finished, so some end during the break.
    ends = taken_at + answered["handle_time"]
    assert ((ends > 180) & (ends < 240)).any()
    # Before 01:00 nobody works: chats wait until the shift starts (or give up first).
    early = answered[answered["arrival"] < 60]
    assert np.isclose(early["arrival"] + early["wait"], 60.0).sum() == 2  # both agents at once


# ---------------------------------------------------------------- arrivals (SIM1)


@pytest.mark.feature("SIM1")
def test_arrival_rates_follow_the_local_hour_of_the_week() -> None:
    week = [0.0] * 168
    week[9] = 60.0  # Monday 09-10 local time
    traffic = Traffic(hourly=tuple(week))
    origin = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)  # Monday 00:00 in Oslo
    pieces = arrival_segments(traffic, origin, OSLO, 1440)
    busy = [(start, end, rate) for start, end, rate in pieces if rate > 0]
    assert busy == [(540.0, 600.0, 1.0)]
    assert pieces[0][0] == 0.0 and pieces[-1][1] == 1440.0


@pytest.mark.feature("SIM1")
def test_a_run_starting_mid_hour_gets_a_short_first_piece() -> None:
    origin = datetime(2026, 3, 1, 23, 20, tzinfo=UTC)
    pieces = arrival_segments(Traffic(constant_rate=60.0), origin, OSLO, 100)
    assert [(a, b) for a, b, _ in pieces] == [(0.0, 40.0), (40.0, 100.0)]


@pytest.mark.feature("SIM1")
def test_special_days_multiply_the_arrivals_of_that_local_date() -> None:
    data = pool(
        duration_minutes=2 * 1440,
        traffic={"constant_rate": 60, "special_days": [{"date": "2026-03-03", "multiplier": 0}]},
    )
    records, _ = run(data)
    days = records["arrival"] // 1440
    assert (days == 0).sum() > 1000
    assert (days == 1).sum() == 0


@pytest.mark.feature("SIM1")
def test_the_number_of_arrivals_matches_the_rate() -> None:
    records, _ = run(pool(duration_minutes=3000, traffic={"constant_rate": 60}))
    assert abs(len(records) - 3000) < 4 * math.sqrt(3000)


# ---------------------------------------------------------------- routing (SIM2, RT5, AV8)


@pytest.mark.feature("SIM2", "AV8")
def test_capacity_is_never_exceeded_and_chats_are_spread_over_agents() -> None:
    data = pool(
        agents=[{"id": "a", "count": 3, "capacity": 2, "speed": {"slowdown": 0.5}}],
        traffic={"constant_rate": 150},
    )
    records, _ = run(data)
    for agent in ("a-1", "a-2", "a-3"):
        assert max_held(records, agent) == 2


@pytest.mark.feature("SIM3", "RT5")
def test_least_busy_spreads_chats_and_most_busy_fills_one_agent_first() -> None:
    agents = [{"id": "a", "count": 3, "capacity": 4}]
    spread, result = run(pool(agents=agents, traffic={"constant_rate": 40}))
    packed, packed_result = run(
        pool(agents=agents, traffic={"constant_rate": 40}, assignment={"strategy": "most_busy"})
    )
    spread_share = spread["agent"].value_counts(normalize=True)
    packed_share = packed["agent"].value_counts(normalize=True)
    # Least busy: the first idle agent in order gets it, so a-1 gets most but not all.
    assert spread_share["a-1"] < 0.65 and spread_share["a-3"] > 0.05
    assert packed_share["a-1"] > 0.85
    spread_time = agent_time_frame([result]).groupby("agent")["chat_minutes"].sum()
    packed_time = agent_time_frame([packed_result]).groupby("agent")["chat_minutes"].sum()
    assert packed_time["a-1"] > 1.5 * spread_time["a-1"]


@pytest.mark.feature("SIM3", "RT5")
def test_longest_idle_gives_each_chat_to_the_agent_idle_the_longest() -> None:
    data = pool(agents=[{"id": "a", "count": 3}], traffic={"constant_rate": 40})
    idle = run(edit(data, "assignment", {"strategy": "longest_idle"}))[0]
    least = run(data)[0]
    # Least busy picks the first idle agent in order; longest idle rotates over them.
    shares = least["agent"].value_counts(normalize=True)
    assert shares["a-1"] > 0.4 and shares["a-3"] < 0.25
    assert idle["agent"].value_counts(normalize=True).min() > 0.28
    # Nobody has been idle since before the start, so the first three go to all three.
    assert idle.sort_values("arrival")["agent"].tolist()[:3] == ["a-1", "a-2", "a-3"]


@pytest.mark.feature("SIM3", "RT5")
def test_round_robin_hands_chats_out_in_turn() -> None:
    data = pool(
        agents=[{"id": "a", "count": 3, "capacity": 50}], assignment={"strategy": "round_robin"}
    )
    records, _ = run(data)
    order = records.sort_values("arrival")["agent"].tolist()
    assert order[:6] == ["a-1", "a-2", "a-3", "a-1", "a-2", "a-3"]
    assert records["agent"].value_counts().max() - records["agent"].value_counts().min() <= 1


@pytest.mark.feature("SIM3", "RT5")
def test_round_robin_carries_on_from_its_pointer_when_the_queue_is_served() -> None:
    data = pool(
        agents=[{"id": "a", "count": 3}],
        assignment={"strategy": "round_robin"},
        traffic={"constant_rate": 200},
    )
    records, _ = run(data)
    answered = records[records["record_type"] == "answered"]
    assert set(answered["agent"]) == {"a-1", "a-2", "a-3"}
    shares = answered["agent"].value_counts(normalize=True)
    assert (shares > 0.28).all()


@pytest.mark.feature("SIM2", "RT1", "RT3")
def test_skill_rules_send_chats_only_to_agents_with_the_skills() -> None:
    pages = [
        {"url": "https://x.example/billing", "properties": {"topic": "billing"}},
        {"url": "https://x.example/other"},
    ]
    data = site(
        traffic__pages=pages,
        agents=[
            {"id": "billing", "count": 1, "capacity": 1, "skills": ["billing"]},
            {"id": "general", "count": 2, "capacity": 3},
        ],
    )
    rule = {"property": "topic", "value": "billing", "skills": ["billing"]}
    data = edit(data, "chatflows[0].build", {"assignment": {"skill_rules": [rule]}})
    records = chats_of(run(data)[0])
    billing = records[records["page"].str.endswith("/billing") & records["agent"].notna()]
    other = records[records["page"].str.endswith("/other") & records["agent"].notna()]
    assert len(billing) > 20 and len(other) > 20
    assert billing["agent"].str.startswith("billing").all()
    assert other["agent"].str.startswith("general").any()
    # Billing chats wait for the billing agent even while the general agents have room.
    assert billing["queued"].mean() > 0.3 and other["queued"].mean() < 0.05


@pytest.mark.feature("SIM2", "RT2")
def test_with_assignment_off_chats_arrive_unassigned_and_never_queue() -> None:
    records, _ = run(pool(assignment={"enabled": False}))
    assert set(kinds(records)) == {"unassigned"}
    assert records["agent"].isna().all() and not records["queued"].any()
    assert records["wait"].isna().all()


@pytest.mark.feature("SIM4")
def test_visitors_give_up_after_their_patience_and_never_wait_longer() -> None:
    data = pool(
        agents=[{"id": "a", "count": 1}],
        traffic={"constant_rate": 120},
        chats__patience_minutes={"kind": "constant", "value": 1.5},
    )
    records, _ = run(data)
    abandoned = records[records["record_type"] == "abandoned"]
    answered = records[records["record_type"] == "answered"]
    assert len(abandoned) > 100
    assert np.allclose(abandoned["wait"], 1.5)
    assert (answered["wait"] <= 1.5 + 1e-9).all()
    assert abandoned["queued"].all() and abandoned["agent"].isna().all()


@pytest.mark.feature("SIM4", "SIM6")
def test_chats_open_at_the_end_are_recorded_as_waiting_or_still_being_handled() -> None:
    data = pool(
        agents=[{"id": "a", "count": 1}], traffic={"constant_rate": 300}, duration_minutes=30
    )
    records, result = run(data)
    counts = kinds(records)
    assert counts["waiting"] > 10
    unfinished = records[(records["record_type"] == "answered") & records["handle_time"].isna()]
    assert len(unfinished) == 1
    waiting = records[records["record_type"] == "waiting"]
    assert np.allclose(waiting["wait"] + waiting["arrival"], 30.0)
    time = agent_time_frame([result])
    assert time["staffed_minutes"].sum() == pytest.approx(30.0)


@pytest.mark.feature("SIM6")
def test_agent_time_counts_staffed_available_and_chat_minutes_per_interval() -> None:
    data = pool(
        agents=[
            {
                "id": "a",
                "count": 2,
                "capacity": 2,
                "shifts": [
                    {
                        "start": "00:00",
                        "end": "05:00",
                        "breaks": [{"start": "02:00", "minutes": 30}],
                    }
                ],
            }
        ]
    )
    records, result = run(data)
    time = agent_time_frame([result])
    assert list(time.columns) == ["replication", *AGENT_TIME_COLUMNS]
    per_agent = time.groupby("agent").sum(numeric_only=True)
    assert per_agent["available_minutes"].tolist() == pytest.approx([270.0, 270.0])
    assert (per_agent["staffed_minutes"] >= 270.0).all()
    answered = records[records["record_type"] == "answered"]
    assert per_agent["chat_minutes"].sum() == pytest.approx(answered["handle_time"].sum())
    assert (time["capacity"] == 2).all()


# ---------------------------------------------------------------- the funnel (SIM1, SIM2)


@pytest.mark.feature("SIM1", "SIM2", "TG3")
def test_a_page_the_chatflow_excludes_never_shows_the_widget_or_leads_to_a_chat() -> None:
    pages = [{"url": "https://shop.example/"}, {"url": "https://shop.example/privacy"}]
    data = site(traffic__pages=pages)
    data = edit(
        data,
        "chatflows[0].target",
        {"exclusions": [{"field": "page_url", "operator": "contains", "value": "privacy"}]},
    )
    records, result = run(data)
    chats = chats_of(records)
    assert len(chats) > 50
    assert not chats["page"].str.contains("privacy").any()
    counts = visitor_frame([result]).sum()
    assert counts["widget_views"] < counts["page_views"]


@pytest.mark.feature("SIM2", "TG4", "TG6")
def test_each_visitor_gets_the_chatflow_their_page_and_kind_select() -> None:
    data = site(traffic__segments=[{"weight": 1, "known": False}, {"weight": 1, "known": True}])
    vip = {
        "id": "vip",
        "name": "VIP",
        "workspace": {"id": "inbox-2"},
        "published": True,
        "target": {
            "groups": [
                {"rules": [{"field": "visitor", "operator": "is", "value": "known_contact"}]}
            ]
        },
    }
    data["chatflows"].append(vip)
    chats = chats_of(run(data)[0])
    assert set(chats["chatflow"]) == {"c1", "vip"}
    assert 0.3 < (chats["chatflow"] == "vip").mean() < 0.7


@pytest.mark.feature("SIM1", "DS2")
def test_a_time_on_page_trigger_longer_than_the_visit_means_no_widget_and_no_chat() -> None:
    never = edit(site(), "chatflows[0].display", {"triggers": {"time_on_page_seconds": 90}})
    assert len(chats_of(run(never)[0])) == 0
    shown = edit(never, "traffic.pages[0].time_on_page_seconds", {"kind": "constant", "value": 120})
    chats = chats_of(run(shown)[0])
    assert len(chats) > 50
    # One page per visit: the chat starts between the trigger (90 s) and the end (120 s).
    delay = chats["arrival"] - chats["visit_start"]
    assert (delay >= 1.5 - 1e-9).all() and (delay <= 2.0 + 1e-9).all()


@pytest.mark.feature("SIM1", "DS1", "DS2")
def test_prompt_then_open_chats_start_after_the_trigger_fires() -> None:
    display = {"desktop": "prompt_then_open", "triggers": {"time_on_page_seconds": 40}}
    data = edit(site(), "chatflows[0].display", display)
    data = edit(data, "traffic.chat_start", {"launcher": 0.0, "prompt": 0.0, "open": 0.3})
    chats = chats_of(run(data)[0])
    assert len(chats) > 50
    delay = chats["arrival"] - chats["visit_start"]
    assert (delay >= 40 / 60 - 1e-9).all() and (delay <= 1.0 + 1e-9).all()
    # Without the trigger the prompt never opens, and prompts get no chats here.
    untriggered = edit(data, "chatflows[0].display.triggers", {})
    assert len(chats_of(run(untriggered)[0])) == 0


@pytest.mark.feature("SIM1", "DS2")
def test_exit_intent_fires_only_for_visitors_who_move_to_leave() -> None:
    data = edit(site(), "chatflows[0].display", {"triggers": {"exit_intent": True}})
    assert len(chats_of(run(data)[0])) == 0  # nobody shows exit intent
    leaving = edit(data, "traffic.pages[0].exit_intent_probability", 1.0)
    chats = chats_of(run(leaving)[0])
    assert len(chats) > 50


@pytest.mark.feature("SIM1", "DS2")
def test_a_scroll_trigger_fires_only_for_visitors_who_scroll_that_far() -> None:
    data = edit(site(), "chatflows[0].display", {"triggers": {"scroll_percentage": 80}})
    shallow = edit(
        data, "traffic.pages[0].scroll_depth_percent", {"kind": "uniform", "low": 0, "high": 70}
    )
    assert len(chats_of(run(shallow)[0])) == 0
    deep = edit(data, "traffic.pages[0].scroll_depth_percent", {"kind": "constant", "value": 150})
    assert len(chats_of(run(deep)[0])) > 50


@pytest.mark.feature("SIM1", "DS3")
def test_mobile_visitors_chat_at_the_launcher_rate_when_mobile_shows_the_launcher() -> None:
    data = edit(site(), "traffic.devices", {"desktop": 0, "mobile": 1})
    data = edit(data, "traffic.chat_start", {"launcher": 0.0, "prompt": 0.5, "open": 0.5})
    assert len(chats_of(run(data)[0])) == 0
    data = edit(data, "chatflows[0].display", {"mobile": "prompt"})
    chats = chats_of(run(data)[0])
    assert len(chats) > 100 and (chats["device"] == "mobile").all()


@pytest.mark.feature("SIM1", "DS4")
def test_a_visitor_who_minimizes_the_prompt_sees_only_the_launcher_on_later_pages() -> None:
    data = edit(
        site(),
        "traffic.chat_start",
        {"launcher": 1.0, "prompt": 0.0, "open": 0.0, "dismiss_probability": 0.0},
    )
    data = edit(data, "traffic.continue_probability", 0.5)
    assert len(chats_of(run(data)[0])) == 0  # the prompt never leads to a chat here
    dismissing = edit(data, "traffic.chat_start.dismiss_probability", 1.0)
    chats = chats_of(run(dismissing)[0])
    assert len(chats) > 50  # minimized on page 1, the launcher on page 2 gets the chat


@pytest.mark.feature("SIM2", "AV2", "AV6")
def test_outside_office_hours_chats_become_offline_messages_and_never_queue() -> None:
    hours = [{"day": "monday", "start": "03:00", "end": "06:00"}]
    availability = {"mode": "office_hours", "timezone": "Europe/Oslo", "office_hours": hours}
    data = edit(site(), "chatflows[0].build", {"availability": availability})
    records = chats_of(run(data)[0])
    offline = records[records["record_type"] == "offline"]
    inside = records[records["record_type"] != "offline"]
    assert len(offline) > 50 and len(inside) > 20
    hour = records["arrival"] // 60
    assert ((hour >= 3) & (hour < 6))[records["record_type"] != "offline"].all()
    assert not ((hour >= 3) & (hour < 6))[records["record_type"] == "offline"].any()
    assert not offline["queued"].any() and offline["agent"].isna().all()
    assert offline["email_asked"].any()  # BD2: asked while the chat is not available


@pytest.mark.feature("SIM2", "AV6", "SIM6")
def test_a_launcher_hidden_outside_office_hours_means_no_chat_then() -> None:
    hours = [{"day": "monday", "start": "03:00", "end": "06:00"}]
    availability = {
        "mode": "office_hours",
        "timezone": "Europe/Oslo",
        "office_hours": hours,
        "offline_behaviour": "hide_launcher",
    }
    data = edit(site(), "chatflows[0].build", {"availability": availability})
    records, result = run(data)
    chats = chats_of(records)
    hour = chats["arrival"] // 60
    assert len(chats) > 20 and ((hour >= 3) & (hour < 6)).all()
    assert "offline" not in kinds(chats)
    counts = pd.DataFrame(result.visitor_counts)
    assert counts[5].sum() > 0.5 * counts[0].sum()  # most visitors met a hidden launcher
    left = records[records["record_type"] == "left_without_chat"]
    assert left["launcher_hidden"].mean() > 0.5


@pytest.mark.feature("SIM2", "AV7", "SIM6")
def test_visitors_at_capacity_see_the_wait_message_and_their_chats_queue() -> None:
    availability = {"at_capacity_behaviour": "wait_message", "wait_message": "Busy!"}
    data = edit(
        site(agents=[{"id": "a", "count": 1}]), "chatflows[0].build", {"availability": availability}
    )
    data = edit(data, "chats.patience_minutes", {"kind": "exponential", "mean": 2})
    records, result = run(data)
    chats = chats_of(records)
    assert chats["saw_wait_message"].mean() > 0.2
    assert chats.loc[chats["saw_wait_message"], "queued"].mean() > 0.9
    assert sum(row[4] for row in result.visitor_counts) > 0


@pytest.mark.feature("SIM2", "AV7")
def test_a_launcher_hidden_at_capacity_stops_new_chats_while_everyone_is_full() -> None:
    availability = {"at_capacity_behaviour": "hide_launcher"}
    data = edit(
        site(agents=[{"id": "a", "count": 1}]), "chatflows[0].build", {"availability": availability}
    )
    records = chats_of(run(data)[0])
    assert len(records) > 20
    # A chat can only start while the agent has room, so it is taken at once.
    assert not records["queued"].any()
    assert max_held(records, "a") == 1


@pytest.mark.feature("SIM2", "AV1", "AV5")
def test_with_nobody_on_duty_chats_wait_in_vain_and_the_away_message_cuts_the_rate() -> None:
    nobody = {"id": "a", "shifts": [{"start": "20:00", "end": "22:00"}]}
    availability = {"away_message_enabled": True, "away_message": "Away"}
    data = edit(site(agents=[nobody]), "chatflows[0].build", {"availability": availability})
    data = edit(data, "chats.patience_minutes", {"kind": "constant", "value": 1})
    busy = chats_of(run(data)[0])
    assert len(busy) > 50
    # AV5: a chat started while away queues for somebody to come back (the domain's intake,
    # as on the server); nobody does, so the visitors give up
    assert set(kinds(busy)) <= {"abandoned", "waiting"}
    assert busy["queued"].all()
    damped = edit(data, "traffic.chat_start.message_factor", {"away": 0.0})
    assert len(chats_of(run(damped)[0])) == 0


@pytest.mark.feature("SIM2", "RT5", "SIM4")
def test_a_queue_timeout_before_the_visitors_patience_leaves_the_chat_for_later() -> None:
    nobody = {"id": "a", "shifts": [{"start": "20:00", "end": "22:00"}]}
    data = edit(
        site(agents=[nobody]), "chatflows[0].build.assignment", {"queue_timeout_seconds": 30}
    )
    data = edit(data, "chats.patience_minutes", {"kind": "constant", "value": 1})
    chats = chats_of(run(data)[0])
    assert len(chats) > 50
    timed_out = chats[chats["record_type"] == "timed_out"]
    assert set(kinds(chats)) <= {"timed_out", "waiting"} and len(timed_out) > 50
    assert (timed_out["wait"] - 0.5).abs().max() < 1e-9  # exactly the timeout, in minutes


# ---------------------------------------------------------------- email and CSAT (SIM4)


@pytest.mark.feature("SIM4", "BD2", "OP8")
def test_email_is_asked_as_the_chatflow_says_and_left_at_the_visitors_rate() -> None:
    data = site(traffic__segments=[{"weight": 3}, {"weight": 1, "known": True}])
    data = edit(data, "chatflows[0].build", {"email_capture": {"when": "always"}})
    data = edit(data, "chats.email_probability", 0.5)
    chats = chats_of(run(data)[0])
    asked = chats["email_asked"]
    assert 0.65 < asked.mean() < 0.85  # everyone but known contacts (a quarter of visitors)
    assert not (chats["email_left"] & ~asked).any()
    assert 0.35 < chats.loc[asked, "email_left"].mean() < 0.65
    never = edit(data, "chatflows[0].build", {"email_capture": {"when": "never"}})
    assert not chats_of(run(never)[0])["email_asked"].any()


@pytest.mark.feature("SIM4", "OP7")
def test_csat_ratings_are_recorded_for_surveyed_chats_and_depend_on_the_wait() -> None:
    bands = [
        {"max_wait_minutes": 0, "ratings": [0, 0, 0, 0, 1]},
        {"ratings": [1, 0, 0, 0, 0]},
    ]
    data = edit(
        site(agents=[{"id": "a", "count": 1}]),
        "chats.csat",
        {"response_probability": 1.0, "bands": bands},
    )
    data = edit(data, "chats.patience_minutes", {"kind": "exponential", "mean": 5})
    without_survey = chats_of(run(data)[0])
    assert without_survey["csat"].isna().all()
    data = edit(data, "chatflows[0].options", {"csat": {"enabled": True, "survey_id": "s1"}})
    chats = chats_of(run(data)[0])
    finished = chats[(chats["record_type"] == "answered") & chats["handle_time"].notna()]
    assert finished["csat"].notna().all()
    assert chats.loc[chats["record_type"] != "answered", "csat"].isna().all()
    assert set(finished.loc[finished["wait"] == 0, "csat"]) == {5.0}
    assert set(finished.loc[finished["wait"] > 0, "csat"]) == {1.0}


@pytest.mark.feature("SIM4", "OP7")
def test_csat_response_probability_decides_how_many_answer() -> None:
    data = edit(site(), "chats.csat", {"response_probability": 0.3})
    data = edit(data, "chatflows[0].options", {"csat": {"enabled": True, "survey_id": "s1"}})
    chats = chats_of(run(data)[0])
    finished = chats[(chats["record_type"] == "answered") & chats["handle_time"].notna()]
    assert 0.2 < finished["csat"].notna().mean() < 0.4
    assert finished["csat"].dropna().isin([1, 2, 3, 4, 5]).all()


# ---------------------------------------------------------------- records


@pytest.mark.feature("SIM5")
def test_records_are_flat_with_the_documented_columns() -> None:
    records, _ = run(site())
    assert list(records.columns) == ["replication", *CHAT_COLUMNS]
    assert set(kinds(records)) <= {"answered", "abandoned", "waiting", "left_without_chat"}
    assert records["interval"].equals((records["arrival"] // 60).astype(np.int64))


@pytest.mark.feature("SIM6")
def test_without_visitor_records_only_chats_are_recorded_but_visitors_are_counted() -> None:
    records, result = run(edit(site(), "kpis.visitor_records", False))
    assert "left_without_chat" not in kinds(records)
    counts = visitor_frame([result])
    assert counts["visitors"].sum() > 5000
    assert counts["chats_started"].sum() == len(records)


@pytest.mark.feature("SIM5")
def test_empty_inputs_give_empty_frames_with_the_columns() -> None:
    assert list(chat_frame([]).columns) == ["replication", *CHAT_COLUMNS]
    assert list(agent_time_frame([]).columns) == ["replication", *AGENT_TIME_COLUMNS]
    assert "visitors" in visitor_frame([]).columns


@pytest.mark.feature("SIM6")
def test_agent_time_spanning_intervals_is_split_between_them() -> None:
    book = AgentTimeBook(agents=1, interval=30.0, intervals=4)
    book.add(0, 20.0, 95.0, True, 2)
    book.add(0, 95.0, 100.0, False, 0)  # off duty and idle: not counted
    assert book.staffed[0] == [10.0, 30.0, 30.0, 5.0]
    assert book.chat[0] == [20.0, 60.0, 60.0, 10.0]
    book.add(0, 90.0, 90.0, True, 1)  # nothing happens in no time
    assert book.available[0] == [10.0, 30.0, 30.0, 5.0]
    book.add(0, 100.0, 120.0, False, 1)  # on a break, finishing a chat: staffed, not available
    assert book.staffed[0][3] == 25.0 and book.available[0][3] == 5.0


# ------------------------------------------------- common random numbers (issue 13 §5)


def by_chat(records: pd.DataFrame) -> pd.DataFrame:
    return records.set_index("chat_id").sort_index()


@pytest.mark.feature("SIM5")
def test_slower_agents_get_the_same_chats_with_the_same_work_and_patience() -> None:
    data = pool(chats__patience_minutes={"kind": "exponential", "mean": 1})
    quick = by_chat(run(data)[0])
    slow = by_chat(run(edit(data, "chats.handling_time_minutes.mean", 3))[0])
    assert (slow["record_type"] == "abandoned").sum() > (quick["record_type"] == "abandoned").sum()
    pd.testing.assert_series_equal(quick["arrival"], slow["arrival"])
    assert np.allclose(slow["work"], 1.5 * quick["work"])  # the same draw, scaled
    gave_up = (quick["record_type"] == "abandoned") & (slow["record_type"] == "abandoned")
    assert gave_up.sum() > 10
    pd.testing.assert_series_equal(quick["wait"][gave_up], slow["wait"][gave_up])


@pytest.mark.feature("SIM5")
def test_fewer_agents_meet_the_same_visitors_at_the_same_moments() -> None:
    availability = {"at_capacity_behaviour": "hide_launcher"}
    data = edit(
        site(traffic__continue_probability=0.5),
        "chatflows[0].build",
        {"availability": availability},
    )
    many, many_result = run(data)
    few, few_result = run(edit(data, "agents[0].count", 1))
    assert few["launcher_hidden"].sum() > many["launcher_hidden"].sum()  # they see another site
    arrived = [visitor_frame([result])["visitors"] for result in (many_result, few_result)]
    pd.testing.assert_series_equal(*arrived)
    # Visitors still browsing at the end have no record yet; the others came at the same time.
    starts = [frame.set_index("visitor_id")["visit_start"] for frame in (many, few)]
    both = starts[0].index.intersection(starts[1].index)
    assert len(both) > 0.99 * arrived[0].sum() > 5000
    pd.testing.assert_series_equal(starts[0][both], starts[1][both])


# ---------------------------------------------------------------- samplers


@pytest.mark.feature("SIM4")
@pytest.mark.parametrize(
    "distribution",
    [
        Distribution(DistributionKind.CONSTANT, value=2.0),
        Distribution(DistributionKind.EXPONENTIAL, mean=3.0),
        Distribution(DistributionKind.LOGNORMAL, mean=4.0, sd=2.0),
        Distribution(DistributionKind.UNIFORM, low=1.0, high=5.0),
        Distribution(DistributionKind.EMPIRICAL, values=(1.0, 2.0, 6.0)),
        Distribution(DistributionKind.EMPIRICAL, values=(1.0, 4.0), weights=(3.0, 1.0)),
    ],
)
def test_samplers_draw_values_with_the_distributions_mean(distribution: Distribution) -> None:
    draw = sampler(distribution, np.random.default_rng(3), scale=2.0)
    values = np.array([draw.draw() for _ in range(40_000)])
    assert values.mean() == pytest.approx(2.0 * distribution.expected, rel=0.03)
    assert (values >= 0).all()


@pytest.mark.feature("SIM5")
def test_the_same_generator_seed_gives_the_same_draws() -> None:
    first = uniform_sampler(np.random.default_rng(9))
    second = uniform_sampler(np.random.default_rng(9))
    assert [first.draw() for _ in range(500)] == [second.draw() for _ in range(500)]
    one = categorical_sampler([5.0], np.random.default_rng(1))
    assert {one.draw() for _ in range(10)} == {0}
    pick = categorical_sampler([1.0, 3.0], np.random.default_rng(1))
    assert 0.7 < np.mean([pick.draw() for _ in range(4000)]) < 0.8
