"""Chat by chat: what the simulator decided against what the server did.

For each chat of the timeline, :func:`compare` checks

- ``chatflow`` — the chatflow the widget's config chose for the page (TG1-TG6);
- ``availability`` — the availability state the widget showed (AV1-AV7);
- ``widget mode`` — hidden, launcher, prompt or open (DS1-DS4; the triggered mode when a
  trigger had fired on that page view);
- ``email asked`` — whether the widget asked for an email address (BD2);
- ``outcome`` — answered, abandoned (the visitor gave up waiting), offline (a message left
  while offline: never routed), unassigned (assignment off), timed_out (left the queue at
  the chatflow's queue timeout), waiting (still queued at the end), or ``not started`` (the
  visitor could not click);
- ``assignee`` — who answered it (every routing strategy is deterministic);
- ``wait`` — from start to answer (to giving up, when abandoned), to the second;
- ``queue order`` — among chats that waited and were answered, the order they were taken.

Widget fields are compared only in funnel scenarios (a plain pool has no widget). Every
difference is one :class:`Mismatch`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.records import RecordType

from .replay import ServerChat
from .timeline import SimChat

__all__ = ["WAIT_TOLERANCE_SECONDS", "Mismatch", "compare", "server_outcome"]

WAIT_TOLERANCE_SECONDS = 0.5
"""Waits agree "to the second": within half a second of each other (both clocks run the same
timeline to the microsecond, so an honest difference is far larger)."""

NOT_STARTED = "not started"
TIMED_OUT = "timed_out"  # the simulator's record type for a chat past the queue timeout


@dataclass(frozen=True)
class Mismatch:
    chat: int
    arrival: float  # minutes from the start of the run
    field: str
    simulator: str
    server: str


def server_outcome(chat: ServerChat) -> str:
    """The server's outcome in the simulator's words (its record types)."""
    if not chat.started:
        return NOT_STARTED
    if not math.isnan(chat.assigned_at):
        return RecordType.ANSWERED.value
    if chat.status == "waiting":
        return RecordType.WAITING.value
    if chat.status == "unassigned":
        # AV6: a chat started while the widget said offline is a message left for later; one
        # unassigned from the start had assignment off (RT2); one that was routed and ended
        # up unassigned left the queue at the queue timeout (RT5).
        if chat.state == "offline":
            return RecordType.OFFLINE.value
        if chat.start_status == "unassigned":
            return RecordType.UNASSIGNED.value
        return TIMED_OUT
    if chat.status == "closed" and chat.left_at is not None:
        return RecordType.ABANDONED.value
    return f"{chat.status} (never assigned)"


def _server_wait(chat: ServerChat) -> float:
    # Seconds: to the answer, or to the moment the visitor gave up.
    if not math.isnan(chat.assigned_at):
        return (chat.assigned_at - chat.created_at) * 60.0
    if chat.left_at is not None:
        return (chat.left_at - chat.created_at) * 60.0
    return math.nan


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.1f} s"
    return str(value)


def _queue_ranks(pairs: Sequence[tuple[int, float]]) -> dict[int, int]:
    # Chat number → its place among those taken from the queue (1 = first).
    ordered = sorted((when, number) for number, when in pairs if not math.isnan(when))
    return {number: place for place, (_when, number) in enumerate(ordered, start=1)}


def compare(sim_chats: Sequence[SimChat], server_chats: Sequence[ServerChat]) -> list[Mismatch]:
    """Every difference between the simulator's chats and the server's, chat by chat."""
    found: list[Mismatch] = []
    both_queued = [
        (sim, srv)
        for sim, srv in zip(sim_chats, server_chats, strict=True)
        if sim.queued
        and sim.outcome == RecordType.ANSWERED
        and not math.isnan(srv.assigned_at)
        and srv.assigned_at > srv.created_at
    ]
    sim_ranks = _queue_ranks([(sim.number, sim.answered_at) for sim, _ in both_queued])
    server_ranks = _queue_ranks([(srv.number, srv.assigned_at) for _, srv in both_queued])

    for sim, srv in zip(sim_chats, server_chats, strict=True):
        found += _chat_mismatches(sim, srv, sim_ranks, server_ranks)
    return found


def _chat_mismatches(
    sim: SimChat, srv: ServerChat, sim_ranks: dict[int, int], server_ranks: dict[int, int]
) -> list[Mismatch]:
    found: list[Mismatch] = []

    def differ(field: str, simulator: object, server: object) -> None:
        found.append(Mismatch(sim.number, sim.arrival, field, _text(simulator), _text(server)))

    shown = sim.shown
    if shown is not None:
        if shown.chatflow != srv.chatflow:
            differ("chatflow", shown.chatflow, srv.chatflow)
        if shown.state != srv.state:
            differ("availability", shown.state, srv.state)
        if shown.mode != srv.mode:
            differ("widget mode", shown.mode, srv.mode)
        if srv.email_asked is not None and shown.email_asked != srv.email_asked:
            differ("email asked", shown.email_asked, srv.email_asked)
    outcome = server_outcome(srv)
    if sim.outcome != outcome:
        differ("outcome", sim.outcome, outcome)
        return found  # the rest follows from it
    if sim.outcome == RecordType.ANSWERED and sim.agent != srv.agent:
        differ("assignee", sim.agent, srv.agent)
    sim_wait = sim.wait * 60.0
    server_wait = _server_wait(srv)
    waits_known = not (math.isnan(sim_wait) and math.isnan(server_wait))
    # Still waiting at the end on both: each waited until the end of the run. Timed out on
    # both: each waited the chatflow's queue timeout (the server keeps no time for it).
    if (
        waits_known
        and outcome not in (RecordType.WAITING, TIMED_OUT)
        and not (abs(sim_wait - server_wait) <= WAIT_TOLERANCE_SECONDS)
    ):
        differ("wait", sim_wait, server_wait)
    if sim_ranks.get(sim.number) != server_ranks.get(sim.number):
        differ("queue order", sim_ranks.get(sim.number), server_ranks.get(sim.number))
    return found
