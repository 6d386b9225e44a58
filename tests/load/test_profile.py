"""How many users a load run needs when, and the small rules of a run (durations, loopback
targets, the run's tag in page URLs). Nothing here imports Locust."""

from __future__ import annotations

import math
from typing import Any

import pytest

from load.profile import (
    HEADROOM,
    SpikeProfile,
    StepProfile,
    arrival_rate,
    scenario_visitor_users,
    session_seconds,
)
from load.run import is_loopback, parse_duration
from load.stage import tagged_url
from simulator.scenario import Scenario, load_scenario

pytestmark = pytest.mark.feature("QA2")


def scenario(**changes: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "Pool",
        "start": "2026-03-02T00:00",  # a Monday
        "timezone": "UTC",
        "traffic": {"constant_rate": 36},
        "chats": {
            "handling_time_minutes": {"kind": "exponential", "mean": 4},
            "patience_minutes": {"kind": "exponential", "mean": 2},
        },
        "agents": [{"id": "a", "count": 2}],
    }
    data.update(changes)
    return load_scenario(data)


def test_a_scenario_hour_passes_in_a_minute_at_speedup_sixty() -> None:
    hours = [0.0] * 24
    hours[1] = 60.0  # 60 chats an hour from 01:00 on Mondays
    model = scenario(traffic={"by_weekday": {"monday": hours}})
    assert arrival_rate(model, 59.0, 60.0) == 0.0  # 00:59 scenario time
    assert arrival_rate(model, 61.0, 60.0) == pytest.approx(60 / 3600 * 60)  # 01:01: 1 a second
    assert arrival_rate(model, 121.0, 60.0) == 0.0  # 02:01


def test_arrivals_follow_the_scenario_time_zone_and_special_days() -> None:
    model = scenario(
        timezone="Europe/Oslo",
        start="2026-03-02T00:00",
        traffic={
            "by_weekday": {"every_day": [float(h) for h in range(24)]},
            "special_days": [{"date": "2026-03-02", "multiplier": 0.5}],
        },
    )
    # 10 real seconds at 360× is one scenario hour: 01:00-02:00 Oslo time, rate 1/h halved.
    assert arrival_rate(model, 10.5, 360.0) == pytest.approx(1 * 0.5 / 3600 * 360)
    # A day later the special day is over: 01:00 on Tuesday has its full rate.
    assert arrival_rate(model, (24 + 1) * 10 + 0.5, 360.0) == pytest.approx(1 / 3600 * 360)


def test_a_plain_pool_visitor_stays_for_its_patience_and_handling_time_compressed() -> None:
    assert session_seconds(scenario(), 60.0) == pytest.approx((4 + 2) * 60 / 60)
    assert session_seconds(scenario(chats={}), 60.0) == pytest.approx(5.0)  # default handling


def test_a_funnel_visitor_stays_for_its_page_views_and_maybe_a_chat() -> None:
    model = load_scenario("scenarios/examples/web_shop.yaml")
    traffic = model.traffic
    views = 1 / (1 - traffic.continue_probability)
    assert session_seconds(model, 1.0) > views * min(
        p.time_on_page_seconds.expected for p in traffic.pages
    )


def test_visitor_users_give_the_rate_with_headroom_and_none_when_nobody_comes() -> None:
    model = scenario()
    rate = 36 / 3600 * 60  # 0.6 a second
    expected = math.ceil(rate * session_seconds(model, 60.0) * HEADROOM)
    assert scenario_visitor_users(model, 5.0, 60.0) == expected
    assert scenario_visitor_users(scenario(traffic={"constant_rate": 0}), 5.0, 60.0) == 0


def test_the_step_shape_adds_users_every_step_up_to_the_limit() -> None:
    step = StepProfile(step_users=5, step_seconds=10, max_users=12)
    assert [step.users(t) for t in (0, 9.9, 10, 25, 100)] == [5, 5, 10, 12, 12]


def test_the_spike_shape_jumps_for_its_length_then_falls_back() -> None:
    spike = SpikeProfile(base_users=2, peak_users=30, spike_at_seconds=10, spike_seconds=5)
    assert [spike.users(t) for t in (0, 9.99, 10, 14.9, 15, 60)] == [2, 2, 30, 30, 2, 2]


@pytest.mark.parametrize(
    ("text", "seconds"), [("30", 30), ("30s", 30), ("10m", 600), ("1h30m", 5400), ("1.5m", 90)]
)
def test_durations_read_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0s", "ten minutes", "5x", "m"])
def test_a_duration_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_only_this_machine_is_a_target_without_the_explicit_flag() -> None:
    assert is_loopback("http://127.0.0.1:8000")
    assert is_loopback("http://127.3.4.5:8000")
    assert is_loopback("http://localhost:8000")
    assert is_loopback("http://[::1]:8000")
    assert not is_loopback("https://chat.example.com")
    assert not is_loopback("http://10.0.0.5:8000")


def test_the_run_tag_joins_the_page_query() -> None:
    assert tagged_url("https://shop.test/", "ab12") == "https://shop.test/?load-run=ab12"
    assert (
        tagged_url("https://shop.test/p?x=1#top", "ab12")
        == "https://shop.test/p?x=1&load-run=ab12#top"
    )


def test_a_run_may_begin_later_in_the_scenario_week() -> None:
    hours = [0.0] * 24
    hours[10] = 36.0
    model = scenario(traffic={"by_weekday": {"every_day": hours}})
    assert arrival_rate(model, 0.0, 60.0) == 0.0  # Monday 00:00
    assert arrival_rate(model, 0.0, 60.0, skip_hours=10) == pytest.approx(36 / 3600 * 60)
    assert scenario_visitor_users(model, 0.0, 60.0, skip_hours=10) > 0


def test_the_simulated_comparison_covers_the_same_stretch_of_the_scenario() -> None:
    from load.compare import simulated_scenario

    model = simulated_scenario(scenario(timezone="Europe/Oslo"), 120.0, 60.0, skip_hours=10.5)
    assert model.start == "2026-03-02T10:30"
    assert model.duration == 120.0  # two real minutes at 60×: two scenario hours
    assert model.warmup_minutes == 0.0
