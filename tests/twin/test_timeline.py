"""The timeline the twin replays is the simulator's own replication, as named rows."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulator.experiment import replication_seeds
from simulator.records import RecordType
from simulator.scenario import load_scenario
from twin import scenario_window
from twin.timeline import record_timeline, same_as_simulator

from .scenarios import EXAMPLE_WINDOWS, pool


@pytest.mark.parametrize(("name", "start", "hours"), EXAMPLE_WINDOWS)
def test_the_recorded_run_is_exactly_the_simulators_replication(
    name: str, start: str, hours: float
) -> None:
    scenario = scenario_window(load_scenario(Path("scenarios/examples") / name), hours, start)
    seed = replication_seeds(7, 3)[2]
    timeline = record_timeline(scenario, seed)
    assert timeline.chats
    assert same_as_simulator(timeline, seed)


def test_each_chat_keeps_its_patience_and_how_it_ended() -> None:
    timeline = record_timeline(pool(rate_per_hour=60.0), 3)
    abandoned = [c for c in timeline.chats if c.outcome == RecordType.ABANDONED]
    answered = [c for c in timeline.chats if c.outcome == RecordType.ANSWERED]
    assert abandoned and answered
    for chat in abandoned:  # they waited exactly as long as their patience
        assert chat.wait == pytest.approx(chat.patience)
        assert chat.agent is None
    for chat in answered:
        assert chat.agent in ("a-1", "a-2")
        assert chat.wait < chat.patience
        assert math.isnan(chat.ended) or chat.ended > chat.answered_at


def test_agent_changes_follow_the_shifts_and_breaks() -> None:
    timeline = record_timeline(pool(), 1)
    changes = [(c.at, c.agent, c.status) for c in timeline.agent_changes]
    assert changes == [
        (0.0, "a-1", "available"),
        (0.0, "a-2", "available"),
        (20.0, "a-1", "away"),
        (20.0, "a-2", "away"),
        (30.0, "a-1", "available"),
        (30.0, "a-2", "available"),
    ]


def test_a_funnel_chat_records_what_the_widget_showed() -> None:
    scenario = scenario_window(
        load_scenario("scenarios/examples/support_centre.yaml"), 1.0, "2026-05-11T10:30"
    )
    timeline = record_timeline(scenario, 1)
    for chat in timeline.chats:
        assert chat.shown is not None
        assert chat.page.startswith("https://help.example.no/")
        expected = "support-en" if "/en/" in chat.page else "kundeservice"
        assert chat.shown.chatflow == expected
        assert chat.shown.state in ("available", "at_capacity")
