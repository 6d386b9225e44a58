"""The exact steady state of a chat pool: N agents who each hold up to K chats at once, each
chat slowed by the others (SIM3, SIM7).

Erlang C and Erlang A treat an agent of capacity K as K independent servers. With a speed
curve that slows each chat as the agent takes more (``speed(k) < 1`` for ``k > 1``) that
is wrong both ways: an agent with one chat works at full speed, a full agent at
``K·speed(K)``. This module solves the continuous-time Markov chain of the pool itself:

- *state*: how many agents hold 0, 1, …, K chats (``n_0 + … + n_K = N``) while nobody
  waits, and the queue length ``q`` while every agent is full;
- *arrivals* (Poisson, rate λ) go to a least busy agent (the routing rule ``least_busy``,
  RT5) — from ``n_k`` to ``n_{k+1}`` for the smallest ``k < K`` with ``n_k > 0`` — or wait
  when every agent is full;
- *completions*: an agent holding ``k`` chats finishes one at rate ``k·speed(k)·μ``
  (processor sharing with exponential work, mean ``1/μ`` alone); when someone waits, the
  freed slot takes them at once;
- *patience*: each waiting visitor gives up at rate θ (exponential patience; none: θ = 0).

While every agent is full the chain is a birth-death chain in ``q`` attached to the
all-full state, so it is summed in closed form; the chain over the occupancy vectors
(``C(N+K, K)`` states: 1,771 for 20 agents of capacity 3) is solved as a sparse linear
system. The figures are exact for exponential handling and patience, Poisson arrivals at a
constant rate and least-busy routing; for other routing rules or distributions they are
an approximation, as Erlang's are. Past :data:`MAX_STATES` states the chain is not solved
(:func:`chat_pool_metrics` returns ``None``) — the staffing report says so.

With a linear speed curve (every chat at speed 1) the pool is the M/M/(N·K)+M queue, and the
figures equal Erlang A's (and Erlang C's without patience); with one agent they are the
birth-death chain of ``tests/simulator/test_validation.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from scipy import sparse
from scipy.linalg import expm
from scipy.sparse.linalg import spsolve

__all__ = [
    "MAX_STATES",
    "ChatPoolResult",
    "chat_pool_metrics",
    "chat_pool_states",
    "fewest_agents",
]

MAX_STATES = 50_000
"""The largest chain of occupancy vectors solved (beyond: no figure)."""

_TAIL = 1e-13  # the queue's probabilities are summed until they fall below this
_MAX_QUEUE = 5_000


@dataclass(frozen=True, slots=True)
class ChatPoolResult:
    """Steady-state figures of a chat pool (rates per time unit, times in that unit).

    ``p_wait``: an arrival finds every agent full. ``p_abandon``: an arrival gives up.
    ``mean_wait``: mean time in queue over all arrivals. ``service_level``: answered within
    the threshold, over all arrivals (abandoned ones count as not in time).
    ``occupancy``: chats held / (N·K). ``mean_concurrency``: chats held per agent.
    ``states``: occupancy vectors in the chain.
    """

    p_wait: float
    p_abandon: float
    mean_wait: float
    service_level: float
    occupancy: float
    mean_concurrency: float
    states: int


def chat_pool_states(agents: int, capacity: int) -> int:
    """How many occupancy vectors N agents of capacity K have: ``C(N+K, K)``."""
    return math.comb(agents + capacity, capacity)


def _vectors(agents: int, capacity: int) -> list[tuple[int, ...]]:
    # Every (n_0, ..., n_K) with sum N, by stars and bars.
    vectors = []
    for bars in combinations(range(agents + capacity), capacity):
        counts = []
        previous = -1
        for bar in bars:
            counts.append(bar - previous - 1)
            previous = bar
        counts.append(agents + capacity - previous - 1)
        vectors.append(tuple(counts))
    return vectors


def _queue_weights(arrival_rate: float, drain: float, patience_rate: float) -> np.ndarray:
    """Relative probabilities of q = 1, 2, … waiting, to that of the all-full state with
    nobody waiting (a birth-death chain: births λ, deaths ``drain + q·θ``); empty when the
    queue would grow without bound."""
    weights = []
    weight = 1.0
    for q in range(1, _MAX_QUEUE + 1):
        weight *= arrival_rate / (drain + q * patience_rate)
        weights.append(weight)
        if weight < _TAIL and (patience_rate > 0 or arrival_rate < drain):
            return np.asarray(weights)
        if patience_rate == 0 and arrival_rate >= drain:
            break
    return np.asarray([])


def _served_within(threshold: float, queue: int, drain: float, patience_rate: float) -> np.ndarray:
    """For a visitor who finds j = 0 … queue-1 others waiting (all agents full): the chance
    of being answered within ``threshold``. States: j ahead, then served, then gone."""
    size = queue + 2
    served, gone = queue, queue + 1
    generator = np.zeros((size, size))
    for j in range(queue):
        moves = drain + j * patience_rate  # the head is taken, or one ahead gives up
        if j == 0:
            generator[j, served] = drain
        else:
            generator[j, j - 1] = moves
        generator[j, gone] = patience_rate
        generator[j, j] = -(moves + patience_rate)
    if threshold <= 0:
        return np.zeros(queue)
    moved = expm(generator * threshold)
    result: np.ndarray = moved[:queue, served]
    return result


def chat_pool_metrics(
    arrival_rate: float,
    mean_handling_time: float,
    mean_patience: float,
    agents: int,
    speeds: Sequence[float],
    threshold: float,
    max_states: int = MAX_STATES,
) -> ChatPoolResult | None:
    """The pool's steady state (see the module docstring). ``speeds[k-1]`` is each chat's
    speed while the agent holds ``k`` chats (``len(speeds)`` is the capacity K);
    ``mean_patience`` may be ``inf``. ``None`` when the chain has more than
    ``max_states`` occupancy vectors, or without patience when the pool cannot keep up."""
    capacity = len(speeds)
    if agents < 1 or capacity < 1:
        raise ValueError("a pool needs at least one agent of capacity 1 or more")
    if chat_pool_states(agents, capacity) > max_states:
        return None
    mu = 1.0 / mean_handling_time
    theta = 0.0 if math.isinf(mean_patience) else 1.0 / mean_patience
    per_agent = [0.0] + [k * speeds[k - 1] * mu for k in range(1, capacity + 1)]
    drain = agents * per_agent[capacity]
    weights = _queue_weights(arrival_rate, drain, theta)
    if arrival_rate > 0 and weights.size == 0:
        return None  # no patience and more chats than the full pool can handle

    vectors = _vectors(agents, capacity)
    index = {vector: i for i, vector in enumerate(vectors)}
    full = index[(0,) * capacity + (agents,)]
    rows, cols, rates = [], [], []
    for i, vector in enumerate(vectors):
        free = next((k for k in range(capacity) if vector[k] > 0), None)
        if free is not None and arrival_rate > 0:  # a least busy agent takes the chat
            target = list(vector)
            target[free] -= 1
            target[free + 1] += 1
            rows.append(i)
            cols.append(index[tuple(target)])
            rates.append(arrival_rate)
        for k in range(1, capacity + 1):
            if vector[k]:  # one of the agents holding k chats finishes one
                target = list(vector)
                target[k] -= 1
                target[k - 1] += 1
                rows.append(i)
                cols.append(index[tuple(target)])
                rates.append(vector[k] * per_agent[k])
    size = len(vectors)
    # The chain of occupancy vectors with the queue's excursions (from and back to the
    # all-full state) left out; its stationary vector ν solves νQ = 0, Σν = 1.
    generator = sparse.csr_matrix((rates, (rows, cols)), shape=(size, size))
    out = np.asarray(generator.sum(axis=1)).ravel()
    q_matrix = (generator - sparse.diags(out)).T.tolil()
    q_matrix[0, :] = np.ones(size)
    right = np.zeros(size)
    right[0] = 1.0
    nu = spsolve(q_matrix.tocsc(), right)
    nu = np.maximum(nu, 0.0)
    nu /= nu.sum()

    total_weight = float(weights.sum()) if weights.size else 0.0
    scale = 1.0 + nu[full] * total_weight
    p_full_empty_queue = nu[full] / scale
    queue_probabilities = p_full_empty_queue * weights  # q = 1, 2, ...
    p_wait = p_full_empty_queue + float(queue_probabilities.sum())
    mean_queue = float((np.arange(1, weights.size + 1) * queue_probabilities).sum())
    held_per_vector = np.array([sum(k * v[k] for k in range(capacity + 1)) for v in vectors])
    mean_held = float((nu * held_per_vector).sum() / scale) + (
        capacity * agents * float(queue_probabilities.sum())
    )
    if arrival_rate <= 0:
        return ChatPoolResult(0.0, 0.0, 0.0, 1.0, 0.0, 0.0, size)
    # An arrival that finds j waiting (j = 0 with the pool just full) is served within the
    # threshold with the chance the tagged-visitor chain gives; others at once.
    ahead = np.concatenate([[p_full_empty_queue], queue_probabilities])
    in_time = _served_within(threshold, ahead.size, drain, theta)
    service_level = (1.0 - p_wait) + float((ahead * in_time).sum())
    return ChatPoolResult(
        p_wait=float(p_wait),
        p_abandon=theta * mean_queue / arrival_rate,
        mean_wait=mean_queue / arrival_rate,
        service_level=float(min(service_level, 1.0)),
        occupancy=mean_held / (agents * capacity),
        mean_concurrency=mean_held / agents,
        states=size,
    )


def fewest_agents(meets: Callable[[int], bool], low: int, high: int) -> int | None:
    """The fewest agents in ``[low, high]`` for which ``meets`` holds, given that it holds
    for every count above one that meets it (binary search); ``None`` when ``high`` does
    not."""
    low = max(low, 1)
    if high < low or not meets(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle + 1
    return high
