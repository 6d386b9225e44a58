"""What every persona of a load run shares: the run's plan (from ``LOADTEST_PLAN``, see
:mod:`load.plan`), its scenario and speed-up, and :class:`LoadUser`, the abstract Locust
user with the target and a random stream of its own. Every duration of the scenario is
divided by the speed-up (:func:`minutes_sampler`)."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import numpy as np
from locust import HttpUser

from simulator.distributions import sampler

from .plan import Plan, read_plan

__all__ = ["PLAN", "SCENARIO", "SENT_AT", "SPEEDUP", "WIDGET", "LoadUser", "minutes_sampler"]

PLAN: Plan = read_plan()
SCENARIO = PLAN.scenario
SPEEDUP = PLAN.speedup
SENT_AT = re.compile(r"\[sent (\d+\.\d+)\]")  # the visitor's send time in its question
WIDGET = f"/widget/v1/{PLAN.cast.account_id}"


def minutes_sampler(distribution: Any, rng: np.random.Generator) -> Any:
    """Real seconds from a scenario distribution in minutes."""
    return sampler(distribution, rng, 60.0 / SPEEDUP)


_USER_NUMBERS = itertools.count()


class LoadUser(HttpUser):
    """What every persona shares: the plan's target, a random stream of its own."""

    abstract = True
    host = PLAN.target

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        # With a seed, each user of this process draws from its own reproducible stream.
        number = next(_USER_NUMBERS)
        self.rng = np.random.default_rng(None if PLAN.seed is None else (PLAN.seed, number))
        self.uniform = self.rng.random

    def elapsed(self) -> float:
        return time.time() - PLAN.started_at

    def ws_url(self, path: str) -> str:
        return re.sub(r"^http", "ws", PLAN.target) + path
