"""How many users a load run needs when: the scenario's arrival profile compressed in time,
and the step and spike profiles of stress tests. Pure functions of the scenario and the
seconds since the run began — the load shapes (:mod:`load.shapes`) call them every tick,
and the visitors pace their arrivals by them. Nothing here imports Locust.

Time compression: with ``speedup`` 60, one scenario hour passes in one real minute, so a
scenario rate of ``r`` arrivals per hour becomes ``r × 60 / 3600`` per real second, and
every duration the scenario gives (time on page, patience, handling time) is divided by 60.

Users from rates: each visitor user lives one visitor after another, so ``rate × (mean
session length) × headroom`` users give the rate with room for long sessions; each user
then waits an exponential time between visitors with mean ``visitor users / rate``, which
makes the arrivals of all users together Poisson at the scenario's rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from simulator.scenario import Scenario, ScenarioKind

__all__ = [
    "HEADROOM",
    "StepProfile",
    "SpikeProfile",
    "arrival_rate",
    "scenario_visitor_users",
    "session_seconds",
]

HEADROOM = 3.0  # visitor users per visitor expected at once


def arrival_rate(
    scenario: Scenario, elapsed_seconds: float, speedup: float, skip_hours: float = 0.0
) -> float:
    """Arrivals per real second ``elapsed_seconds`` into the run (visitors in a funnel,
    chats in a plain pool): the scenario's rate for that hour of its week, special days
    included, compressed by ``speedup``; the run begins ``skip_hours`` scenario hours after
    the scenario's start (a run of the busy afternoon)."""
    moment = scenario.start_utc + timedelta(hours=skip_hours, seconds=elapsed_seconds * speedup)
    local = moment.astimezone(scenario.zone)
    hourly = scenario.traffic.hourly_rates()[local.weekday() * 24 + local.hour]
    for day in scenario.traffic.special_days:
        if day.date == local.date().isoformat():
            hourly *= day.multiplier
    return hourly / 3600.0 * speedup


def session_seconds(scenario: Scenario, speedup: float) -> float:
    """A visitor's expected time on the site in real seconds (an upper estimate: a chat
    counts with its whole patience and its whole handling time)."""
    chats = scenario.chats
    chat_minutes = chats.handling_time_minutes.expected
    if chats.patience_minutes is not None:
        chat_minutes += chats.patience_minutes.expected
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        return chat_minutes * 60.0 / speedup
    traffic = scenario.traffic
    weights = [page.weight for page in traffic.pages]
    page_seconds = sum(
        w * page.time_on_page_seconds.expected
        for w, page in zip(weights, traffic.pages, strict=True)
    ) / sum(weights)
    views = 1.0 / (1.0 - traffic.continue_probability)
    chance = max(traffic.chat_start.launcher, traffic.chat_start.prompt, traffic.chat_start.open)
    return (views * page_seconds + min(1.0, views * chance) * chat_minutes * 60.0) / speedup


def scenario_visitor_users(
    scenario: Scenario, elapsed_seconds: float, speedup: float, skip_hours: float = 0.0
) -> int:
    """Visitor users needed ``elapsed_seconds`` into the run (0 while nobody arrives)."""
    rate = arrival_rate(scenario, elapsed_seconds, speedup, skip_hours)
    if rate <= 0.0:
        return 0
    return max(1, math.ceil(rate * session_seconds(scenario, speedup) * HEADROOM))


@dataclass(frozen=True)
class StepProfile:
    """``step_users`` more users every ``step_seconds``, up to ``max_users``."""

    step_users: int
    step_seconds: float
    max_users: int

    def users(self, elapsed_seconds: float) -> int:
        steps = 1 + math.floor(max(elapsed_seconds, 0.0) / self.step_seconds)
        return min(self.max_users, self.step_users * steps)


@dataclass(frozen=True)
class SpikeProfile:
    """``base_users``, then ``peak_users`` from ``spike_at_seconds`` for ``spike_seconds``,
    then ``base_users`` again."""

    base_users: int
    peak_users: int
    spike_at_seconds: float
    spike_seconds: float

    def users(self, elapsed_seconds: float) -> int:
        inside = 0.0 <= elapsed_seconds - self.spike_at_seconds < self.spike_seconds
        return self.peak_users if inside else self.base_users
