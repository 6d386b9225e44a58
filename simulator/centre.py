"""The chat centre: routing, the waiting queue, agents' workloads and the records (SIM2-SIM4).

:class:`ChatCentre` holds the state of one replication — every agent as the domain's
:class:`~reference_server.domain.routing.Agent` snapshot, the waiting queue, each agent's
:class:`~simulator.agents.Workload` — and changes it only through the domain's rules:

- a visitor's chat is routed with :func:`routing.route`; ``ASSIGNED`` starts it at once,
  ``QUEUED`` puts it in the queue, ``UNASSIGNED`` (assignment off) records it as such;
- whenever capacity may have freed (a chat ended, an agent came back), the queue is handed
  out with :func:`routing.serve_queue`, longest-waiting first (with
  :func:`routing.serve_ordered_queue` while the queue is already in that order, as chats
  joining in time order keep it);
- an agent's counters change with :func:`routing.with_chat_started` and
  :func:`routing.with_chat_ended`, and :func:`routing.can_take` says who may get a chat.

Speed: routing only ever picks an agent who :func:`~routing.can_take` a chat, so the centre
keeps the indices of those agents (updated with ``can_take`` whenever an agent changes) and
gives ``route``/``serve_queue`` just them, in the pool's order — plus the agent the round-robin
pointer stands on, whom the rotation counts from. The decision is the one the functions
make with every agent; the cost is per free agent instead of per agent.

The centre also keeps ``epoch``, a counter that moves whenever any agent's status or
``can_take`` changes: availability (:func:`availability.chat_state`) can only change then
(or with the office-hours clock), so visitors' widget views are cached per epoch.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Mapping
from functools import partial
from typing import cast

import numpy as np
import simpy

from reference_server.domain.chatflow import AssignmentSettings, RoutingStrategy
from reference_server.domain.conversation import validate_csat_answer
from reference_server.domain.intake import WaitEnd, end_of_wait, wait_deadline
from reference_server.domain.routing import (
    Agent,
    AgentStatus,
    ConversationRequest,
    QueuedConversation,
    RoutingOutcome,
    can_take,
    queue_order,
    requeues_open_chats,
    route,
    serve_ordered_queue,
    serve_queue,
    with_chat_ended,
    with_chat_started,
    with_status,
)

from .agents import Workload, speed_table
from .distributions import categorical_sampler, sampler, uniform_sampler
from .records import AgentTimeBook, ChatRecord, RecordType
from .scenario import CsatModel, Scenario
from .streams import Streams

__all__ = ["Chat", "ChatCentre", "Visit"]

_ASSIGNED = RoutingOutcome.ASSIGNED
_UNASSIGNED = RoutingOutcome.UNASSIGNED
_ROUND_ROBIN = RoutingStrategy.ROUND_ROBIN.value
_AVAILABLE = AgentStatus.AVAILABLE
_NAN = math.nan
_ANSWERED_RECORD = RecordType.ANSWERED.value
_ABANDONED_RECORD = RecordType.ABANDONED.value
_TIMED_OUT_RECORD = RecordType.TIMED_OUT.value
_WAITING_RECORD = RecordType.WAITING.value
_OFFLINE_RECORD = RecordType.OFFLINE.value
_UNASSIGNED_RECORD = RecordType.UNASSIGNED.value
_new_record = tuple.__new__  # a ChatRecord from all its fields, a third of its __new__'s cost


class Visit:
    """What a chat's visitor did and saw before it (funnel scenarios; SIM4, SIM6)."""

    __slots__ = (
        "device",
        "email_asked",
        "email_left",
        "flow",
        "launcher_hidden",
        "page",
        "saw_wait",
        "survey",
        "visit_start",
        "visitor_id",
    )

    def __init__(
        self, visitor_id: int, visit_start: float, flow: str, page: str, device: str
    ) -> None:
        self.visitor_id = visitor_id
        self.visit_start = visit_start
        self.flow = flow
        self.page = page
        self.device = device
        self.saw_wait = False  # AV7: the wait message was shown
        self.launcher_hidden = False  # AV6/AV7: the launcher was hidden on some page
        self.email_asked = False  # BD2
        self.email_left = False
        self.survey = False  # OP7: a CSAT survey is shown when the chat closes


class Chat:
    """One chat, from the moment the visitor starts it (mutable; the centre fills it in)."""

    __slots__ = (
        "agent",
        "answered_at",
        "arrival",
        "assignment",
        "number",
        "patience",
        "queued",
        "request",
        "visit",
        "work",
    )

    def __init__(
        self,
        number: int,
        arrival: float,
        work: float,
        patience: float,
        assignment: AssignmentSettings,
        properties: Mapping[str, str],
    ) -> None:
        self.number = number
        self.arrival = arrival
        self.work = work
        self.patience = patience
        self.assignment = assignment
        self.request = ConversationRequest(str(number), properties, None, arrival, arrival)
        self.agent = -1
        self.answered_at = _NAN
        self.queued: QueuedConversation | None = None
        self.visit: Visit | None = None


class _Csat:
    """OP7 answers: whether a visitor answers, and their rating by how long they waited."""

    __slots__ = ("_limits", "_probability", "_ratings", "_uniform")

    def __init__(self, model: CsatModel, rng: np.random.Generator) -> None:
        self._probability = model.response_probability
        self._limits = [
            math.inf if band.max_wait_minutes is None else band.max_wait_minutes
            for band in model.bands
        ]
        self._ratings = [categorical_sampler(band.ratings, rng) for band in model.bands]
        self._uniform = uniform_sampler(rng)

    def answer(self, wait: float) -> int | None:
        if self._uniform.draw() >= self._probability:
            return None
        band = bisect_left(self._limits, wait)
        rating, _comment = validate_csat_answer(int(self._ratings[band].draw()) + 1, "")
        return rating


class ChatCentre:
    """Routing, the queue and the agents of one replication (see the module docstring)."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        streams: Streams,
        intervals: int,
    ) -> None:
        self.env = env
        self._timeout = env.timeout
        agents: list[Agent] = []
        capacities: list[int] = []
        speeds: list[list[float]] = []
        for group in scenario.agents:
            table = speed_table(group.speed, group.capacity)
            for agent_id in group.agent_ids:
                agents.append(
                    Agent(
                        id=agent_id,
                        status=AgentStatus.OFFLINE if group.shifts else _AVAILABLE,
                        capacity=group.capacity,
                        has_seat=group.has_seat,
                        team_ids=frozenset(group.team_ids),
                        skills=frozenset(group.skills),
                    )
                )
                capacities.append(group.capacity)
                speeds.append(table)
        self.agents = agents
        self.ids = tuple(agent.id for agent in agents)
        self.capacities = tuple(capacities)
        self._index = {agent_id: i for i, agent_id in enumerate(self.ids)}
        self._workloads = [Workload(table) for table in speeds]
        # Each agent's one pending completion (SimPy cannot unschedule an event: a stale
        # one loses its callback, and fires doing nothing).
        self._pending: list[simpy.Event | None] = [None] * len(agents)
        self._on_completion = [partial(self._completed, j) for j in range(len(agents))]
        self._since = [0.0] * len(agents)
        self._is_free = [can_take(agent) for agent in agents]
        self._free = [i for i, free in enumerate(self._is_free) if free]
        self._free_agents = [agents[j] for j in self._free]  # the same, as routing sees them
        self.epoch = 0
        self._last_assigned_id: str | None = None
        self._pointer = -1
        self._queue: dict[str, Chat] = {}
        self._waiting: dict[str, QueuedConversation] = {}  # the same, as routing sees them
        self._in_order = True  # _waiting is in the domain's queue_order
        self._last_key = (-math.inf, -math.inf)  # queue_order of the chat that queued last
        self._interval = scenario.kpis.interval_minutes
        self.time = AgentTimeBook(len(agents), self._interval, intervals)
        self.records: list[ChatRecord] = []
        self._handling = sampler(scenario.chats.handling_time_minutes, streams.handling)
        patience = scenario.chats.patience_minutes
        self._patience = None if patience is None else sampler(patience, streams.patience)
        self._csat = _Csat(scenario.chats.csat, streams.csat)
        self._chats = 0

    # -------------------------------------------------------------- chats

    def new_chat(
        self, arrival: float, assignment: AssignmentSettings, properties: Mapping[str, str]
    ) -> Chat:
        """A chat a visitor starts at ``arrival``, with its handling work and patience."""
        self._chats += 1
        patience = math.inf if self._patience is None else self._patience.draw()
        return Chat(self._chats, arrival, self._handling.draw(), patience, assignment, properties)

    def offer(self, chat: Chat) -> bool:
        """Route a chat the visitor has just started (RT1-RT5). Returns whether it waits in
        the queue (false: assigned at once, or assignment is off)."""
        now = self.env.now
        agents = self.agents
        candidates = self._free_agents if self._pointer < 0 else self._candidates()[1]
        decision = route(chat.assignment, candidates, chat.request, self._last_assigned_id)
        outcome = decision.outcome
        if outcome is _ASSIGNED:
            agent_id: str = decision.agent_id  # type: ignore[assignment]
            j = self._index[agent_id]
            if decision.reason == _ROUND_ROBIN:
                self._last_assigned_id = agent_id
                self._pointer = j
            self._set_agent(j, with_chat_started(agents[j]), now)
            chat.agent = j
            chat.answered_at = now
            if self._workloads[j].add(now, chat, chat.work):
                self._schedule(j)
            return False
        if outcome is _UNASSIGNED:
            self._record(chat, _UNASSIGNED_RECORD, now)
            return False
        self._enqueue(chat)
        return True

    def _enqueue(self, chat: Chat) -> None:
        # The queue keeps the order chats joined in; while that is also the domain's
        # queue_order (chats join in time order, so nearly always), it is served as it is.
        queued = chat.queued = QueuedConversation(chat.request, chat.assignment)
        key = queue_order(queued)
        if not self._queue:
            self._in_order = True
        elif key < self._last_key:
            self._in_order = False
        self._last_key = key
        self._queue[chat.request.id] = chat
        self._waiting[chat.request.id] = queued

    def waits_can_end(self, assignment: AssignmentSettings) -> bool:
        """Can a queued chat of a chatflow with ``assignment`` stop waiting other than by
        being taken, while its visitor stays (patience, or a queue timeout: the domain's
        ``wait_deadline`` gives one)? If not, :meth:`expect_end_of_wait` has nothing to do."""
        return self._patience is not None or wait_deadline(assignment, 0.0) is not None

    def expect_end_of_wait(self, chat: Chat, *, patience: bool = True) -> None:
        """A chat has just queued: its visitor's patience (SIM4) and its chatflow's queue
        timeout (RT5) may end the wait, as the domain's ``end_of_wait`` decides when each
        comes. One timeout each whose callback does nothing if the chat was taken meanwhile:
        the equivalent of ``yield taken | env.timeout(patience)``, without a process."""
        if patience and chat.patience != math.inf:
            self._timeout(chat.patience, chat).callbacks.append(self.patience_over)
        # Seconds, as the domain counts them; the callback gets the deadline itself, so the
        # domain compares the very number it computed.
        deadline = wait_deadline(chat.assignment, chat.request.waiting_since * 60.0)
        if deadline is not None:
            delay = max(deadline / 60.0 - self.env.now, 0.0)
            self._timeout(delay, (chat, deadline)).callbacks.append(self._queue_timeout)

    def end_chat(self, chat: Chat) -> None:
        """The agent closes ``chat`` now, whatever work it had left (scripted scenarios, as
        in the scenario suites): capacity frees as when a chat's work is done."""
        j = chat.agent
        now = self.env.now
        self._cancel(j)  # the completion scheduled before is stale now
        if self._workloads[j].remove(now, chat):
            self._schedule(j)
        self._set_agent(j, with_chat_ended(self.agents[j], now), now)
        self._record(chat, _ANSWERED_RECORD, now)
        if self._queue and self._free:
            self._serve()

    def patience_over(self, event: simpy.Event) -> None:
        """The patience of a waiting visitor ran out (``event.value`` is the chat): they say
        goodbye, which ends the wait unless an agent has taken the chat meanwhile (SIM4)."""
        chat = cast(Chat, event.value)
        if chat.request.id in self._queue:
            now = self.env.now * 60.0
            waiting_since = chat.request.waiting_since * 60.0
            end = end_of_wait(chat.assignment, waiting_since, now, now, said_goodbye=True)
            self._end_wait(chat, end)

    def visitor_left(self, chat: Chat) -> None:
        """The visitor of a queued chat closed the page now (their connection went, as the
        server sees it): the wait ends when the domain says they are gone for good, unless
        an agent takes the chat first (``end_of_wait``: ``VISITOR_RETURN_SECONDS`` later)."""
        if chat.request.id not in self._queue:
            return
        gone_since = self.env.now * 60.0
        deadline = wait_deadline(chat.assignment, chat.request.waiting_since * 60.0, gone_since)
        assert deadline is not None  # the visitor's going always sets one
        delay = max(deadline / 60.0 - self.env.now, 0.0)
        self._timeout(delay, (chat, deadline, gone_since)).callbacks.append(self._visitor_gone)

    def _visitor_gone(self, event: simpy.Event) -> None:
        chat, deadline, gone_since = cast(tuple[Chat, float, float], event.value)
        if chat.request.id in self._queue:
            waiting_since = chat.request.waiting_since * 60.0
            self._end_wait(chat, end_of_wait(chat.assignment, waiting_since, deadline, gone_since))

    def _queue_timeout(self, event: simpy.Event) -> None:
        chat, deadline = cast(tuple[Chat, float], event.value)
        if chat.request.id in self._queue:
            end = end_of_wait(chat.assignment, chat.request.waiting_since * 60.0, deadline)
            if end is not WaitEnd.WAITING:  # WAITING: requeued since, a later timeout stands
                self._end_wait(chat, end)

    def _end_wait(self, chat: Chat, end: WaitEnd) -> None:
        # ABANDONED: the chat closes; TIMED_OUT: it is left for later (the server's
        # unassigned view), after waiting.
        del self._queue[chat.request.id]
        del self._waiting[chat.request.id]
        kind = _ABANDONED_RECORD if end is WaitEnd.ABANDONED else _TIMED_OUT_RECORD
        self._record(chat, kind, self.env.now)

    def offline(self, chat: Chat) -> None:
        """A chat started while the widget said offline (AV6): a message is left for later
        (an ``offline`` record), nothing queues (the domain's ``intake``)."""
        self._record(chat, _OFFLINE_RECORD, self.env.now)

    def set_status(self, j: int, status: AgentStatus) -> None:
        """Agent ``j`` starts a shift, a break, or goes off duty (CV4, SIM3): the domain's
        ``with_status`` (idle from the return), and their open chats stay or go back to the
        queue as each chat's chatflow says (``requeues_open_chats``)."""
        agent = self.agents[j]
        if agent.status is status:
            return
        now = self.env.now
        self._set_agent(j, with_status(agent, status, now), now)
        if status is not _AVAILABLE and len(self._workloads[j]):
            self._hand_back(j, status, now)
        if self._queue and self._free:
            self._serve()

    def _hand_back(self, j: int, status: AgentStatus, now: float) -> None:
        workload = self._workloads[j]
        if not any(requeues_open_chats(chat.assignment, status) for chat in workload.chats()):
            return
        self._cancel(j)  # the scheduled completion is stale: the chats change
        agent = self.agents[j]
        for chat, remaining in workload.take_all(now):
            if not requeues_open_chats(chat.assignment, status):
                workload.add(now, chat, remaining)
                continue
            agent = with_chat_ended(agent, now)
            chat.agent = -1
            chat.answered_at = _NAN
            chat.work = remaining  # what is left of it, for whoever takes it next
            chat.request = ConversationRequest(
                chat.request.id, chat.request.properties, None, now, chat.arrival
            )
            self._enqueue(chat)
            self.expect_end_of_wait(chat, patience=False)  # they are mid-conversation
        self._set_agent(j, agent, now)
        if len(workload):
            self._schedule(j)

    def status_setter(self, j: int) -> Callable[[AgentStatus], None]:
        return lambda status: self.set_status(j, status)

    # -------------------------------------------------------------- agents

    def _candidates(self) -> tuple[list[int], list[Agent]]:
        # Agents who can take a chat, plus the one the round-robin pointer stands on: their
        # indices and the agents themselves (the lists kept, not copies, when nobody is added).
        free = self._free
        free_agents = self._free_agents
        pointer = self._pointer
        if pointer < 0 or self._is_free[pointer]:
            return free, free_agents
        at = bisect_left(free, pointer)
        return (
            [*free[:at], pointer, *free[at:]],
            [*free_agents[:at], self.agents[pointer], *free_agents[at:]],
        )

    def _set_agent(self, j: int, agent: Agent, now: float) -> None:
        # Agent j changes now: count its time in the old state first (SIM6 occupancy).
        agents = self.agents
        old = agents[j]
        since = self._since[j]
        if now > since:
            self.time.add(j, since, now, old.status is _AVAILABLE, old.active_chats)
            self._since[j] = now
        agents[j] = agent
        free = can_take(agent)
        is_free = self._is_free
        if free is not is_free[j]:
            is_free[j] = free
            at = bisect_left(self._free, j)
            if free:
                self._free.insert(at, j)
                self._free_agents.insert(at, agent)
            else:
                del self._free[at]
                del self._free_agents[at]
            self.epoch += 1
            return
        if free:  # still free, with one chat more or less
            self._free_agents[bisect_left(self._free, j)] = agent
        if old.status is not agent.status:
            self.epoch += 1

    def _begin(self, j: int, chat: Chat, now: float) -> None:
        chat.agent = j
        chat.answered_at = now
        if self._workloads[j].add(now, chat, chat.work):
            self._schedule(j)

    def _schedule(self, j: int) -> None:
        # A new completion event; any earlier one for this agent is now stale (_cancel,
        # written out: this runs on every chat).
        pending = self._pending[j]
        if pending is not None and pending.callbacks:
            pending.callbacks.clear()
        event = self._pending[j] = self._timeout(self._workloads[j].next_delay())
        event.callbacks.append(self._on_completion[j])

    def _cancel(self, j: int) -> None:
        pending = self._pending[j]
        if pending is not None:
            if pending.callbacks:  # None once it has fired
                pending.callbacks.clear()
            self._pending[j] = None

    def _completed(self, j: int, _event: simpy.Event) -> None:
        now = self.env.now
        chat, more = self._workloads[j].pop_next(now)
        if more:
            self._schedule(j)
        self._set_agent(j, with_chat_ended(self.agents[j], now), now)
        self._record(chat, _ANSWERED_RECORD, now)
        if self._queue and self._free:
            self._serve()

    def _serve(self) -> None:
        # Copies: _set_agent below changes the free lists (which _candidates may return),
        # and the positions of the agents given back must stay those given to serve.
        indices, before = self._free, self._free_agents
        if self._pointer >= 0:
            indices, before = self._candidates()
        indices = indices.copy()
        before = before.copy()
        waiting = self._waiting.values()
        if self._in_order:
            result = serve_ordered_queue(waiting, before, self._last_assigned_id)
        else:
            result = serve_queue(list(waiting), before, self._last_assigned_id)
        if result.last_assigned_id != self._last_assigned_id:
            self._last_assigned_id = result.last_assigned_id
            self._pointer = (
                -1 if result.last_assigned_id is None else self._index[result.last_assigned_id]
            )
        if not result.assignments:
            return
        now = self.env.now
        for position, agent in enumerate(result.agents):
            if agent is not before[position]:
                self._set_agent(indices[position], agent, now)
        for assignment in result.assignments:
            chat = self._queue.pop(assignment.conversation_id)
            del self._waiting[assignment.conversation_id]
            self._begin(self._index[assignment.agent_id], chat, now)

    # -------------------------------------------------------------- records

    def _record(self, chat: Chat, kind: str, now: float) -> None:
        # ``kind`` is a RecordType value; ``now`` NaN: answered and still going at the end.
        answered = chat.agent >= 0
        wait = (chat.answered_at if answered else now) - chat.arrival
        handle = now - chat.answered_at if kind == _ANSWERED_RECORD else _NAN
        if kind in (_OFFLINE_RECORD, _UNASSIGNED_RECORD):
            wait = _NAN
        agent = self.ids[chat.agent] if answered else None
        interval = int(chat.arrival // self._interval)
        queued = chat.queued is not None
        visit = chat.visit
        if visit is None:  # a plain pool: every field given, without the keyword defaults
            self.records.append(
                _new_record(
                    ChatRecord,
                    (
                        kind,
                        chat.number,
                        -1,
                        chat.arrival,
                        _NAN,
                        wait,
                        handle,
                        chat.work,
                        agent,
                        interval,
                        "",
                        "",
                        "",
                        queued,
                        False,
                        False,
                        False,
                        False,
                        None,
                    ),
                )
            )
            return
        # OP7: the survey shows when the chat closes, so only chats that ended answer it.
        ended = kind == _ANSWERED_RECORD and not math.isnan(handle)
        self.records.append(
            ChatRecord(
                kind,
                chat.number,
                visit.visitor_id,
                chat.arrival,
                visit.visit_start,
                wait,
                handle,
                chat.work,
                agent,
                interval,
                chatflow=visit.flow,
                page=visit.page,
                device=visit.device,
                queued=queued,
                saw_wait_message=visit.saw_wait,
                launcher_hidden=visit.launcher_hidden,
                email_asked=visit.email_asked,
                email_left=visit.email_left,
                csat=self._csat.answer(wait) if visit.survey and ended else None,
            )
        )

    def close(self, now: float) -> None:
        """End of the run: chats still held are answered (handle time unknown), chats still
        queued are ``waiting``; every agent's time is counted up to ``now``."""
        for j, workload in enumerate(self._workloads):
            self._set_agent(j, self.agents[j], now)  # count its time up to the end
            for chat in sorted(workload.chats(), key=lambda c: c.number):
                self._record(chat, _ANSWERED_RECORD, _NAN)  # NaN: still going
        for chat in self._queue.values():
            self._record(chat, _WAITING_RECORD, now)
        self._queue.clear()
        self._waiting.clear()
