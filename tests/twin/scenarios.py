"""Small scenarios for the twin's tests, as plain dicts (the YAML form)."""

from __future__ import annotations

from typing import Any

from simulator.scenario import Scenario, load_scenario


def pool(
    *,
    strategy: str = "round_robin",
    agents: int = 2,
    capacity: int = 2,
    rate_per_hour: float = 30.0,
    handling_minutes: float = 6.0,
    patience_minutes: float | None = 2.0,
    minutes: float = 45.0,
    breaks: bool = True,
) -> Scenario:
    """A plain pool (chats straight to routing) on a Monday morning, agents on a shift with
    a break inside the run."""
    shift: dict[str, Any] = {"start": "09:00", "end": "17:00"}
    if breaks:
        shift["breaks"] = [{"start": "09:20", "minutes": 10}]
    data: dict[str, Any] = {
        "name": "Twin pool",
        "start": "2026-01-05T09:00",
        "timezone": "UTC",
        "duration_minutes": minutes,
        "traffic": {"by_weekday": {"every_day": [rate_per_hour] * 24}},
        "chats": {"handling_time_minutes": {"kind": "exponential", "mean": handling_minutes}},
        "agents": [{"id": "a", "count": agents, "capacity": capacity, "shifts": [shift]}],
        "assignment": {"strategy": strategy},
    }
    if patience_minutes is not None:
        data["chats"]["patience_minutes"] = {"kind": "exponential", "mean": patience_minutes}
    return load_scenario(data)


EXAMPLE_WINDOWS = [
    # (file name, start, hours): a few busy hours of each shipped example — shift changes
    # and breaks, full agents and abandonment, the office closing with chats left as
    # messages (support_centre); the lunch break with nobody on duty, on the sale day
    # (web_shop); skill routing across teams at a shift change (around_the_clock).
    ("support_centre.yaml", "2026-05-11T10:30", 2.0),
    ("support_centre.yaml", "2026-05-11T15:30", 1.0),
    ("web_shop.yaml", "2026-03-06T12:00", 2.0),
    ("around_the_clock.yaml", "2026-04-01T07:40", 0.5),
]


def site(
    *,
    mode: str = "user_availability",
    at_capacity: str = "wait_message",
    desktop: str = "prompt",
    mobile: str = "launcher",
    seconds_trigger: int | None = None,
    exit_intent: bool = False,
    capture: str = "when_unavailable",
    agents: int = 2,
    capacity: int = 2,
    visitors_per_hour: float = 120.0,
    patience_minutes: float | None = 2.0,
    minutes: float = 40.0,
    breaks: bool = True,
    language: str = "en",
    known_share: float = 0.0,
    identified_share: float = 0.0,
) -> Scenario:
    """A small website (two pages, one chatflow) on a Monday morning, agents on a shift with
    a break inside the run."""
    shift: dict[str, Any] = {"start": "09:00", "end": "17:00"}
    if breaks:
        shift["breaks"] = [{"start": "09:15", "minutes": 10}]
    triggers: dict[str, Any] = {"exit_intent": exit_intent}
    if seconds_trigger is not None:
        triggers["time_on_page_seconds"] = seconds_trigger
    data: dict[str, Any] = {
        "name": "Twin site",
        "start": "2026-01-05T09:00",
        "timezone": "Europe/Oslo",
        "duration_minutes": minutes,
        "traffic": {
            "by_weekday": {"every_day": [visitors_per_hour] * 24},
            "devices": {"desktop": 0.6, "tablet": 0.1, "mobile": 0.3},
            "segments": [
                {"weight": 1.0 - known_share - identified_share, "known": False},
                {"weight": known_share, "known": True, "properties": {"plan": "pro"}},
                {"weight": identified_share, "known": True, "identified": True},
            ],
            "pages": [
                {"url": "https://shop.test/", "weight": 2},
                {"url": "https://shop.test/help", "weight": 1, "exit_intent_probability": 0.5},
            ],
            "continue_probability": 0.5,
            "chat_start": {"launcher": 0.1, "prompt": 0.2, "open": 0.3},
        },
        "chats": {"handling_time_minutes": {"kind": "exponential", "mean": 6.0}},
        "agents": [{"id": "a", "count": agents, "capacity": capacity, "shifts": [shift]}],
        "chatflows": [
            {
                "id": "shop",
                "name": "Shop",
                "workspace": {"kind": "inbox", "id": "inbox-1"},
                "language": language,
                "published": True,
                "build": {
                    "email_capture": {"when": capture},
                    "availability": {
                        "mode": mode,
                        "timezone": "Europe/Oslo",
                        "office_hours": [
                            {"day": "monday", "start": "09:00", "end": "09:25"},
                        ],
                        "at_capacity_behaviour": at_capacity,
                        "wait_message": "All agents are busy: you are in the queue.",
                        "away_message_enabled": True,
                        "away_message": "We are away: leave a message.",
                    },
                },
                "display": {"desktop": desktop, "mobile": mobile, "triggers": triggers},
            }
        ],
    }
    if patience_minutes is not None:
        data["chats"]["patience_minutes"] = {"kind": "exponential", "mean": patience_minutes}
    return load_scenario(data)
