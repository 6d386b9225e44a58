"""Moments and settings the browser tests share."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["MONDAY_EVENING", "OFFICE_MONDAY", "OSLO", "office_hours"]

OSLO = ZoneInfo("Europe/Oslo")
OFFICE_MONDAY = datetime(2026, 1, 5, 10, 0, tzinfo=OSLO)  # inside the demo's 08:00-16:00
MONDAY_EVENING = datetime(2026, 1, 5, 20, 0, tzinfo=OSLO)  # outside them
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def office_hours(**availability: Any) -> dict[str, Any]:
    """A chatflow's ``build`` section: open 08:00-16:00 Oslo time on weekdays."""
    return {
        "availability": {
            "mode": "office_hours",
            "timezone": "Europe/Oslo",
            "office_hours": [{"day": day, "start": "08:00", "end": "16:00"} for day in WEEKDAYS],
            **availability,
        }
    }
