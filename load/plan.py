"""A load run's plan: everything the Locust processes need, written by ``livechat load`` as
one JSON file whose path is in the ``LOADTEST_PLAN`` environment variable (Locust's workers,
here or on other machines, read the same file). Nothing here imports Locust."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from simulator.scenario import Scenario, load_scenario

from .stage import Cast

__all__ = ["PLAN_VARIABLE", "Plan", "read_plan"]

PLAN_VARIABLE = "LOADTEST_PLAN"
SHAPES = ("scenario", "step", "spike")


@dataclass(frozen=True)
class Plan:
    target: str  # the server's origin, http://host:port
    scenario_path: str
    speedup: float
    duration_seconds: float
    max_users: int
    cast: Cast
    out_dir: str
    shape: str = "scenario"  # scenario | step | spike
    step_users: int = 5
    step_seconds: float = 10.0
    spike_at_seconds: float = 10.0
    spike_seconds: float = 10.0
    think_seconds: float = 1.0  # between visitors of one user, for the step and spike shapes
    skip_hours: float = 0.0  # the run begins this many scenario hours after its start
    workers: int = 1  # Locust processes that run users
    started_at: float = 0.0  # Unix time the run began (pacing and shift clocks)
    seed: int | None = None

    @cached_property
    def scenario(self) -> Scenario:
        return load_scenario(self.scenario_path)

    @property
    def fixed_users(self) -> int:
        """Agents, and the one admin."""
        return len(self.cast.agents) + 1

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["cast"] = self.cast.to_json()
        return data

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        return path

    def started(self, at: float) -> Plan:
        return replace(self, started_at=at)


def read_plan(path: str | None = None) -> Plan:
    """The plan at ``path`` (default: the file named by ``LOADTEST_PLAN``)."""
    where = path or os.environ.get(PLAN_VARIABLE)
    if not where:
        raise RuntimeError(f"set {PLAN_VARIABLE} to a plan written by `livechat load`")
    data = json.loads(Path(where).read_text(encoding="utf-8"))
    return Plan(**{**data, "cast": Cast.from_json(data["cast"])})
