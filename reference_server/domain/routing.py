"""Who gets a conversation (RT1-RT5, AV8, CF6): pure functions from a snapshot to a decision.

The caller describes the world at one instant — the chatflow's :class:`AssignmentSettings`,
every user as an :class:`Agent` (status, capacity, chats held, seat, teams, skills, idle
time) and the conversation as a :class:`ConversationRequest` — and gets back a decision.
Nothing here stores state, reads a clock or draws a random number: the round-robin pointer
(``last_assigned_id``), the waiting queue and the agents' counters belong to the caller, who
passes them in and keeps what comes back.

The steps, in the order :func:`route` applies them:

1. Assignment switched off (RT2): the conversation arrives unassigned in the inbox and does
   not queue (``UNASSIGNED``).
2. Who may take it at all (:func:`eligible_agents`): users with a seat (CF6) who are named in
   the assignment or belong to a named team (RT1), narrowed by the first skill rule that
   matches the conversation's properties (RT3).
3. The contact's owner, when ``contact_owner_first`` is on and the owner is eligible and can
   take it (RT4).
4. Otherwise one of the eligible users who is available and below their capacity limit
   (:func:`can_take`, AV8), chosen by the chatflow's strategy (RT5).
5. Nobody can take it now: ``QUEUED``. :func:`serve_queue` later hands queued conversations
   out, longest-waiting first, without ever going over a limit (RT5).

How the two entry points use it:

- **The reference server** builds the ``Agent`` snapshots from its store when a visitor starts
  a conversation and calls :func:`route`. ``ASSIGNED`` assigns the conversation,
  ``UNASSIGNED`` puts it in the unassigned view, ``QUEUED`` appends it to the waiting queue.
  Whenever capacity may have freed (a chat closed or was transferred, an agent became
  available, a limit was raised), it calls :func:`serve_queue` with the waiting conversations
  and stores the assignments, the agents' new counters and the round-robin pointer, in one
  transaction, so that conversations starting at once never push anyone over their limit.
  Status changes and chat ends go through :func:`with_status` and :func:`with_chat_ended`.
- **The simulator** keeps a tuple of ``Agent`` as its state. An arriving visitor is routed
  with :func:`route`; :func:`with_chat_started` / :func:`with_chat_ended` update the agent
  as chats begin and end, :func:`with_status` as shifts and breaks change their status,
  and :func:`serve_queue` runs after every end, status change or shift start — as
  :func:`serve_ordered_queue` while its queue, kept in the order chats joined, is already in
  :func:`queue_order` (the same decisions without the sort). Who leaves
  the queue without an agent is :mod:`~reference_server.domain.intake`'s rule.
  Because both call the same functions, the simulated policy is the server's policy (SIM2).

Round robin: ``last_assigned_id`` is the agent the previous round-robin choice went to. A
caller of :func:`route` should set it to ``decision.agent_id`` when ``decision.reason`` is
``"round_robin"`` (assignments to the contact's owner do not move it, so owners do not make
the rotation skip anyone); :func:`serve_queue` does exactly that.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter

from .chatflow import AssignmentSettings, AwayChats, RoutingStrategy, SkillRule
from .snapshots import slot_init

__all__ = [
    "Agent",
    "AgentStatus",
    "Assignment",
    "ConversationRequest",
    "QueueResult",
    "QueuedConversation",
    "RoutingDecision",
    "RoutingOutcome",
    "can_take",
    "eligible_agents",
    "has_free_capacity",
    "load",
    "requeues_open_chats",
    "queue_order",
    "route",
    "serve_ordered_queue",
    "serve_queue",
    "with_chat_ended",
    "with_chat_started",
    "with_status",
]


class AgentStatus(StrEnum):
    """CV4: an agent's status, set from the inbox."""

    AVAILABLE = "available"
    AWAY = "away"
    OFFLINE = "offline"


@slot_init
@dataclass(frozen=True, slots=True)
class Agent:
    """A user as routing sees them at one instant.

    ``capacity`` is the most chats they may hold at once (AV8); ``None`` is no limit.
    ``idle_since`` is when they last had nothing to do (for longest idle), in the caller's
    time unit (seconds since the epoch on the server, minutes in the simulator).
    """

    id: str
    status: AgentStatus = AgentStatus.AVAILABLE
    capacity: int | None = None
    active_chats: int = 0
    has_seat: bool = True
    team_ids: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    idle_since: float = 0.0


@slot_init
@dataclass(frozen=True, slots=True)
class ConversationRequest:
    """A conversation to be routed: its properties (language, page, topic, … for RT3),
    the contact's owner (RT4), when it started waiting (for the FIFO queue) and when it
    started (``started_at``: among chats waiting since the same instant — agents handing
    chats back as they start one break together — the older chat goes first)."""

    id: str
    properties: Mapping[str, str] = field(default_factory=dict)
    contact_owner_id: str | None = None
    waiting_since: float = 0.0
    started_at: float = 0.0


class RoutingOutcome(StrEnum):
    """What happens to a conversation that starts now."""

    ASSIGNED = "assigned"  # to ``RoutingDecision.agent_id``
    QUEUED = "queued"  # waits for capacity or for someone to qualify (RT5)
    UNASSIGNED = "unassigned"  # assignment is off: it lands in the inbox's unassigned view (RT2)


@slot_init
@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """The outcome of :func:`route`, with a short machine-friendly ``reason``.

    Reasons: ``"assignment_off"`` (UNASSIGNED); ``"contact_owner"`` or the strategy's value
    ``"round_robin"`` / ``"least_busy"`` / ``"most_busy"`` / ``"longest_idle"`` (ASSIGNED);
    ``"no_capacity"`` (an eligible user is available but every available one is at their
    limit), ``"nobody_available"`` (no eligible user is available) or
    ``"no_eligible_agent"`` (nobody qualifies at all) (QUEUED).
    """

    outcome: RoutingOutcome
    agent_id: str | None
    reason: str


@slot_init
@dataclass(frozen=True, slots=True)
class QueuedConversation:
    """A conversation in the waiting queue, with the assignment rules of its chatflow."""

    request: ConversationRequest
    assignment: AssignmentSettings


@slot_init
@dataclass(frozen=True, slots=True)
class Assignment:
    """One conversation handed out by :func:`serve_queue`; ``reason`` as in RoutingDecision."""

    conversation_id: str
    agent_id: str
    reason: str


@slot_init
@dataclass(frozen=True, slots=True)
class QueueResult:
    """What :func:`serve_queue` did: the assignments in the order they were made, every agent
    with their new ``active_chats`` (same order as given) and the round-robin pointer to keep.
    Conversations not named in ``assignments`` are still waiting."""

    assignments: tuple[Assignment, ...]
    agents: tuple[Agent, ...]
    last_assigned_id: str | None


_ASSIGNMENT_OFF = RoutingDecision(RoutingOutcome.UNASSIGNED, None, "assignment_off")
_NO_ELIGIBLE = RoutingDecision(RoutingOutcome.QUEUED, None, "no_eligible_agent")
_NO_CAPACITY = RoutingDecision(RoutingOutcome.QUEUED, None, "no_capacity")
_NOBODY_AVAILABLE = RoutingDecision(RoutingOutcome.QUEUED, None, "nobody_available")
_REASONS = {strategy: strategy.value for strategy in RoutingStrategy}  # Enum.value is slow
_ROUND_ROBIN = RoutingStrategy.ROUND_ROBIN.value
_QUEUE_ORDER = attrgetter("request.waiting_since", "request.started_at")  # queue_order
_AVAILABLE = AgentStatus.AVAILABLE
_LEAST_BUSY = RoutingStrategy.LEAST_BUSY


# ---------------------------------------------------------------- capacity (AV8)


def has_free_capacity(agent: Agent) -> bool:
    """AV8: the agent holds fewer chats than their limit (``None`` is no limit)."""
    return agent.capacity is None or agent.active_chats < agent.capacity


def can_take(agent: Agent) -> bool:
    """The agent is available and below their limit: they may be given a chat now."""
    # has_free_capacity written out: routing asks this of every candidate on every decision.
    capacity = agent.capacity
    return agent.status is _AVAILABLE and (capacity is None or agent.active_chats < capacity)


def load(agent: Agent) -> float:
    """Share of the limit in use: ``active_chats / capacity``; 0 for an unlimited agent.

    A limit of 0 (takes no chats) counts as full: 1.0, or infinity while still holding chats.
    """
    if agent.capacity is None:
        return 0.0
    if agent.capacity <= 0:
        return math.inf if agent.active_chats > 0 else 1.0
    return agent.active_chats / agent.capacity


def _changed(agent: Agent, status: AgentStatus, active_chats: int, idle_since: float) -> Agent:
    # The agent after a change of status or load. Built field by field rather than with
    # dataclasses.replace: this runs on every chat start and end of a simulation, and
    # replace() costs several times as much.
    return Agent(
        agent.id,
        status,
        agent.capacity,
        active_chats,
        agent.has_seat,
        agent.team_ids,
        agent.skills,
        idle_since,
    )


def with_chat_started(agent: Agent) -> Agent:
    """The agent after being given one more chat."""
    return _changed(agent, agent.status, agent.active_chats + 1, agent.idle_since)


def with_chat_ended(agent: Agent, now: float) -> Agent:
    """The agent after one of their chats ended; with none left they are idle from ``now``."""
    if agent.active_chats <= 0:
        return agent  # nothing to end: the counter never goes below 0
    if agent.active_chats == 1:
        return _changed(agent, agent.status, 0, now)
    return _changed(agent, agent.status, agent.active_chats - 1, agent.idle_since)


def with_status(agent: Agent, status: AgentStatus, now: float) -> Agent:
    """CV4: the agent after a status change at ``now``.

    Longest idle (RT5) counts from the moment an agent could take a chat and had none: one
    who becomes available with no chat is idle from ``now`` (the time away or off duty does
    not count); one coming back to chats they kept stays busy until the last ends
    (:func:`with_chat_ended`). Setting the status an agent already has changes nothing.
    """
    if agent.status is status:
        return agent
    idle_since = agent.idle_since
    if status is AgentStatus.AVAILABLE and agent.active_chats == 0:
        idle_since = now
    return _changed(agent, status, agent.active_chats, idle_since)


def requeues_open_chats(assignment: AssignmentSettings, status: AgentStatus) -> bool:
    """Does an agent's open chat on a chatflow with ``assignment`` go back to the waiting
    queue when the agent takes ``status``? Only when they stop being available and the
    chatflow says so (``away_chats``); otherwise they keep it."""
    return status is not AgentStatus.AVAILABLE and assignment.away_chats is AwayChats.REQUEUE


# ---------------------------------------------------------------- eligibility (RT1, RT3, CF6)


_NO_SKILLS: frozenset[str] = frozenset()


def _required_skills(rules: Sequence[SkillRule], properties: Mapping[str, str]) -> frozenset[str]:
    # RT3: the first matching rule alone decides; later rules are not combined with it.
    for rule in rules:
        if properties.get(rule.property) == rule.value:
            return frozenset(rule.skills)
    return _NO_SKILLS


def eligible_agents(
    assignment: AssignmentSettings, agents: Sequence[Agent], request: ConversationRequest
) -> tuple[Agent, ...]:
    """Who may take this conversation, whatever their status and load, in input order.

    An eligible agent has a seat (CF6), is named in ``assignment.user_ids`` or belongs to one
    of ``assignment.team_ids`` (RT1; with neither list set every seated agent qualifies) and
    has every skill of the first skill rule whose property equals the conversation's (RT3).
    """
    return tuple(_eligible(assignment, agents, request))


def _eligible(
    assignment: AssignmentSettings, agents: Sequence[Agent], request: ConversationRequest
) -> list[Agent]:
    # eligible_agents as a list: route asks it on every decision.
    user_ids = assignment.user_ids
    team_ids = assignment.team_ids
    anyone = not user_ids and not team_ids
    rules = assignment.skill_rules
    skills = _required_skills(rules, request.properties) if rules else _NO_SKILLS
    if anyone and not skills:  # the usual case
        return [agent for agent in agents if agent.has_seat]
    return [
        agent
        for agent in agents
        if agent.has_seat
        and (anyone or agent.id in user_ids or not agent.team_ids.isdisjoint(team_ids))
        and skills <= agent.skills
    ]


# ---------------------------------------------------------------- choosing (RT2, RT4, RT5)


def route(
    assignment: AssignmentSettings,
    agents: Sequence[Agent],
    request: ConversationRequest,
    last_assigned_id: str | None = None,
) -> RoutingDecision:
    """Decide who gets ``request`` now (see the module docstring for the order of the steps).

    Never picks an agent who is not eligible, not available or at their limit, and never
    queues a conversation while an eligible agent could take it. ``last_assigned_id`` is the
    round-robin pointer (the agent the previous round-robin choice went to).
    """
    if not assignment.enabled:
        return _ASSIGNMENT_OFF
    eligible = _eligible(assignment, agents, request)
    if not eligible:
        return _NO_ELIGIBLE
    owner_id = request.contact_owner_id
    if assignment.contact_owner_first and owner_id is not None:
        for agent in eligible:
            if agent.id == owner_id and can_take(agent):
                return RoutingDecision(RoutingOutcome.ASSIGNED, agent.id, "contact_owner")
    strategy = assignment.strategy
    if strategy is _LEAST_BUSY:
        chosen = _least_busy(eligible)
    else:
        free = [agent for agent in eligible if can_take(agent)]
        chosen = _choose(strategy, free, agents, last_assigned_id) if free else None
    if chosen is None:
        if any(agent.status is _AVAILABLE for agent in eligible):
            return _NO_CAPACITY
        return _NOBODY_AVAILABLE
    return RoutingDecision(RoutingOutcome.ASSIGNED, chosen.id, _REASONS[strategy])


def _least_busy(eligible: Sequence[Agent]) -> Agent | None:
    # RT5 least busy: fewest chats, then lowest load, then input order — in one pass over
    # the agents who can take a chat, stopping at the first one holding none (nobody is
    # less busy). The simulator routes every chat through here.
    best: Agent | None = None
    fewest = 0
    lowest: float | None = None  # the best one's load, worked out at the first tie
    for agent in eligible:
        capacity = agent.capacity  # can_take, written out
        chats = agent.active_chats
        if agent.status is not _AVAILABLE or (capacity is not None and chats >= capacity):
            continue
        if chats == 0:
            return agent
        if best is None or chats < fewest:
            best, fewest, lowest = agent, chats, None
        elif chats == fewest:
            if lowest is None:
                lowest = load(best)
            share = load(agent)
            if share < lowest:
                best, lowest = agent, share
    return best


def _choose(
    strategy: RoutingStrategy,
    free: list[Agent],
    agents: Sequence[Agent],
    last_assigned_id: str | None,
) -> Agent:
    # min/max return the first of equals, so remaining ties go by input order.
    if strategy is RoutingStrategy.MOST_BUSY:
        return max(free, key=lambda agent: agent.active_chats)
    if strategy is RoutingStrategy.LONGEST_IDLE:
        return min(free, key=lambda agent: agent.idle_since)
    return _next_round_robin(free, agents, last_assigned_id)


def _next_round_robin(
    free: list[Agent], agents: Sequence[Agent], last_assigned_id: str | None
) -> Agent:
    # Positions come from the full list, so the rotation carries on from where the last
    # agent stands even when that agent is now full, away or not eligible for this one.
    if last_assigned_id is not None:
        free_by_id = {agent.id: agent for agent in free}
        past_last = False
        for agent in agents:
            if past_last and agent.id in free_by_id:
                return free_by_id[agent.id]
            if agent.id == last_assigned_id:
                past_last = True
    return free[0]  # no pointer, an unknown one, or wrapping round to the start


# ---------------------------------------------------------------- the waiting queue (RT5)


def queue_order(queued: QueuedConversation) -> tuple[float, float]:
    """Where a waiting conversation stands in the queue (RT5), as a sort key: the longest
    waiting first, then the older chat; equal keys keep the order they queued in."""
    request = queued.request
    return (request.waiting_since, request.started_at)


def serve_queue(
    queue: Sequence[QueuedConversation],
    agents: Sequence[Agent],
    last_assigned_id: str | None = None,
) -> QueueResult:
    """Hand out waiting conversations, longest-waiting first (RT5).

    Each conversation is routed with :func:`route` against the agents as they stand after
    the assignments made before it in this call, so nobody goes over their limit however
    many conversations wait. One that cannot be placed keeps waiting without holding up later
    ones that other agents could take. Conversations whose chatflow has assignment off are
    never handed out here (they belong in the unassigned view, not the queue).
    Cost: O(queue x agents), and it stops as soon as nobody can take anything.

    The queue may come in any order: it is put in :func:`queue_order` (a stable sort) and
    handed to :func:`serve_ordered_queue`.
    """
    if not any(can_take(agent) for agent in agents):  # nothing to sort
        return QueueResult((), tuple(agents), last_assigned_id)
    return serve_ordered_queue(sorted(queue, key=_QUEUE_ORDER), agents, last_assigned_id)


def serve_ordered_queue(
    queue: Iterable[QueuedConversation],
    agents: Sequence[Agent],
    last_assigned_id: str | None = None,
) -> QueueResult:
    """:func:`serve_queue` for a queue already in :func:`queue_order` — as a caller keeping
    its queue in that order as conversations join has it: no sorting, and the queue is read
    only as far as someone can take a conversation (one completion usually reads one).
    Given the sorted queue, the decisions are :func:`serve_queue`'s, which calls this.
    """
    current = list(agents)
    free_count = len([agent for agent in current if can_take(agent)])
    if not free_count:
        return QueueResult((), tuple(current), last_assigned_id)
    position = {agent.id: i for i, agent in enumerate(current)}
    assignments: list[Assignment] = []
    for queued in queue:
        decision = route(queued.assignment, current, queued.request, last_assigned_id)
        if decision.agent_id is None:
            continue
        i = position[decision.agent_id]
        taken = with_chat_started(current[i])
        current[i] = taken
        if decision.reason == _ROUND_ROBIN:
            last_assigned_id = decision.agent_id
        assignments.append(Assignment(queued.request.id, decision.agent_id, decision.reason))
        if not has_free_capacity(taken):
            free_count -= 1
            if not free_count:
                break
    return QueueResult(tuple(assignments), tuple(current), last_assigned_id)
