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
    minutes: float = 60.0,
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
    # messages (support_centre); the lunch break with nobody on duty (web_shop); skill
    # routing across teams at a shift change (around_the_clock).
    ("support_centre.yaml", "2026-05-11T10:30", 2.0),
    ("support_centre.yaml", "2026-05-11T15:30", 1.0),
    ("web_shop.yaml", "2026-03-02T11:30", 3.0),
    ("around_the_clock.yaml", "2026-04-01T07:40", 0.5),
]
