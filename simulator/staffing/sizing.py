"""Analytic staffing figures (SIM7): the fewest agents Erlang C, Erlang A or the exact
chat-pool chain say meet the targets, for one interval's demand.

- *Erlang C and A* (:mod:`simulator.analytic`): an agent who takes up to ``K`` chats is ``K``
  Erlang servers, so ``agents = ceil(c / K)``; each server's mean handling time is the
  scenario's divided by the speed curve at ``K`` chats, ``AHT / speed(K)``. With a linear
  speed curve (``slowdown: 0``) this is exact; with a slowdown it is the pessimistic reading
  (when chats queue, every agent is full). Patience enters Erlang A by its mean.
- *The chat pool* (:mod:`simulator.chat_pool`): the exact chain of N agents each holding up
  to K chats, each chat at ``speed(k)`` while the agent holds ``k`` — neither the
  pessimistic nor the optimistic reading. Solved while the chain is small enough
  (:data:`~simulator.chat_pool.MAX_STATES`); otherwise there is no figure.

All three are steady-state figures for Poisson arrivals at the interval's rate, exponential
handling and (Erlang A, chat pool) exponential patience: beside the simulated plan they say
how far the scenario's real distributions, routing and funnel move the answer. Figures are
agents on the floor; :func:`scheduled` adds shrinkage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

from ..analytic import erlang_a_metrics, erlang_c_metrics, servers_needed
from ..chat_pool import MAX_STATES, chat_pool_metrics, chat_pool_states, fewest_agents
from .targets import StaffingError, Target

__all__ = ["ErlangModel", "chat_pool_agents", "erlang_agents", "scheduled"]


class ErlangModel(StrEnum):
    C = "erlang_c"  # M/M/c: nobody gives up
    A = "erlang_a"  # M/M/c+M: exponential patience
    POOL = "chat_pool"  # the exact chain of agents holding several chats (chat_pool.py)


_Spec = tuple[float, str, float, bool]  # (threshold, figure, bound, whether at least)


def _erlang_specs(model: ErlangModel, targets: Sequence[Target]) -> list[_Spec]:
    # Per target the model has a figure for: which figure, at which threshold, which bound.
    specs: list[_Spec] = []
    for target in targets:
        kpi = target.kpi
        if kpi == "service_level":
            if target.threshold_minutes is None:
                raise StaffingError("the service level target needs its threshold (@TIME)")
            specs.append((target.threshold_minutes, "service_level", target.bound, True))
        elif kpi in ("mean_wait", "p_wait"):
            specs.append((0.0, kpi, target.bound, False))
        elif kpi == "abandonment" and model is not ErlangModel.C:
            specs.append((0.0, "p_abandon", target.bound, False))
        elif kpi == "occupancy":
            specs.append((0.0, "occupancy", target.bound, False))
        elif target.percentile is not None and model is ErlangModel.C:
            # Nobody gives up in M/M/c: the NN-th percentile of the wait is at most t
            # exactly when P(W <= t) >= NN%.
            specs.append((target.bound, "service_level", target.percentile / 100.0, True))
    return specs


def erlang_agents(
    model: ErlangModel,
    arrival_rate: float,
    handling_time: float,
    patience: float,
    targets: Sequence[Target],
    capacity: int = 1,
) -> int | None:
    """The fewest agents Erlang C or Erlang A says meet every target it has a figure for.

    ``arrival_rate``: chats per minute; ``handling_time``: mean minutes per chat per server;
    ``patience``: mean minutes (``inf``: nobody gives up; Erlang C ignores it). An agent is
    ``capacity`` servers. Erlang C has figures for ``service_level``, ``mean_wait``,
    ``p_wait`` and ``wait_pNN``; Erlang A for ``service_level``, ``abandonment``,
    ``mean_wait`` and ``p_wait`` (over all arrivals, as the simulator counts them).
    ``None``: the model has a figure for none of the targets, or no staffing up to ten
    standard deviations above the load meets them. No arrivals need 0 agents.
    """
    specs = _erlang_specs(model, targets)
    if not specs:
        return None
    load = arrival_rate * handling_time
    if load <= 0.0:
        return 0

    def meets(servers: int) -> bool:
        for threshold, figure, bound, at_least in specs:
            if model is ErlangModel.C:
                value = getattr(
                    erlang_c_metrics(arrival_rate, handling_time, servers, threshold), figure
                )
            else:
                value = getattr(
                    erlang_a_metrics(arrival_rate, handling_time, patience, servers, threshold),
                    figure,
                )
            if (value < bound) if at_least else (value > bound):
                return False
        return True

    # M/M/c is unstable at c <= load; M/M/c+M is stable with any c >= 1.
    low = math.floor(load) + 1 if model is ErlangModel.C else 1
    high = math.ceil(load + 10.0 * math.sqrt(load) + 20.0)
    try:
        servers = servers_needed(meets, low, high)
    except ValueError:
        return None
    return math.ceil(servers / capacity)


def chat_pool_agents(
    arrival_rate: float,
    handling_time: float,
    patience: float,
    speeds: Sequence[float],
    targets: Sequence[Target],
    max_states: int = MAX_STATES,
) -> int | None:
    """The fewest agents the exact chat-pool chain says meet every target it has a figure
    for (service level, abandonment, mean wait, P(wait), occupancy). ``handling_time``:
    the mean with one chat (the chain slows it by ``speeds``). ``None``: no figure for
    these targets, or the chain for enough agents has more than ``max_states`` states."""
    specs = _erlang_specs(ErlangModel.POOL, targets)
    if not specs:
        return None
    capacity = len(speeds)
    fastest = capacity * speeds[capacity - 1]  # chats an agent finishes per AHT when full
    load = arrival_rate * handling_time
    if load <= 0.0:
        return 0
    # The pessimistic Erlang reading (every agent full) bounds the count from above; every
    # chat at full speed would bound it from below.
    pessimistic = erlang_agents(
        ErlangModel.A if math.isfinite(patience) else ErlangModel.C,
        arrival_rate,
        handling_time / speeds[capacity - 1],
        patience,
        [t for t in targets if t.percentile is None],
        capacity,
    )
    high = max(pessimistic or 0, math.ceil(load / fastest) + 1) + capacity
    while high > 1 and chat_pool_states(high, capacity) > max_states:
        high -= 1
    low = max(1, math.floor(load / max(k * s for k, s in enumerate(speeds, start=1))))
    threshold = next((t for t, figure, _, _ in specs if figure == "service_level"), 0.0)

    def meets(agents: int) -> bool:
        figures = chat_pool_metrics(
            arrival_rate, handling_time, patience, agents, speeds, threshold, max_states
        )
        if figures is None:
            return False
        for _, figure, bound, at_least in specs:
            value = getattr(figures, figure)
            if (value < bound) if at_least else (value > bound):
                return False
        return True

    return fewest_agents(meets, low, high)


def scheduled(on_the_floor: float, shrinkage: float) -> int:
    """Agents to schedule so that ``on_the_floor`` are there after ``shrinkage`` (the share
    of paid time not spent on chats: absence, meetings, training — breaks written in the
    shifts excluded)."""
    if on_the_floor <= 0:
        return 0
    return math.ceil(on_the_floor / (1.0 - shrinkage) - 1e-9)
