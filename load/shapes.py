"""Load shapes (Locust's ``LoadTestShape``): the scenario's arrival profile compressed in
time, a step shape and a spike shape for stress tests. Each asks :mod:`load.profile` how
many users the moment needs; the agents and the admin (fixed users) come on top."""

from __future__ import annotations

from locust import LoadTestShape

from .plan import Plan
from .profile import SpikeProfile, StepProfile, scenario_visitor_users

__all__ = ["ScenarioShape", "SpikeShape", "StepShape", "shape_for"]

SpawnTick = tuple[int, float] | None


class _Bounded(LoadTestShape):
    """Every shape stops at the plan's duration and never exceeds its user limit."""

    abstract = True
    plan: Plan

    def visitors(self, elapsed: float) -> int:
        raise NotImplementedError

    def tick(self) -> SpawnTick:
        elapsed = float(self.get_run_time())  # type: ignore[no-untyped-call]
        if elapsed >= self.plan.duration_seconds:
            return None
        fixed = self.plan.fixed_users
        users = min(self.plan.max_users, fixed + self.visitors(elapsed))
        return max(users, min(fixed, self.plan.max_users)), float(max(users, 1))


class ScenarioShape(_Bounded):
    """The scenario's hour-of-week arrivals, ``speedup`` times faster."""

    abstract = True

    def visitors(self, elapsed: float) -> int:
        plan = self.plan
        return scenario_visitor_users(plan.scenario, elapsed, plan.speedup, plan.skip_hours)


class StepShape(_Bounded):
    abstract = True

    def visitors(self, elapsed: float) -> int:
        plan = self.plan
        return StepProfile(plan.step_users, plan.step_seconds, plan.max_users).users(elapsed)


class SpikeShape(_Bounded):
    abstract = True

    def visitors(self, elapsed: float) -> int:
        plan = self.plan
        peak = max(plan.max_users - plan.fixed_users, plan.step_users)
        profile = SpikeProfile(plan.step_users, peak, plan.spike_at_seconds, plan.spike_seconds)
        return profile.users(elapsed)


_SHAPES: dict[str, type[_Bounded]] = {
    "scenario": ScenarioShape,
    "step": StepShape,
    "spike": SpikeShape,
}


def shape_for(plan: Plan) -> type[LoadTestShape]:
    """The plan's shape as the one concrete shape class of a locustfile."""
    base = _SHAPES[plan.shape]
    return type(f"{base.__name__}ForRun", (base,), {"plan": plan, "abstract": False})
