"""What an agent may do with a conversation in the inbox (CV2, RT6).

The inbox shows an action only when :func:`agent_actions` allows it, and the server refuses
the same action (:func:`needs_supervisor` for a colleague's conversation; the life-cycle
table for the conversation's status), so a button is never offered
that the server then turns down. The table, for an agent looking at a conversation::

    status / held by        everyone                           supervisors also
    WAITING, UNASSIGNED     reply, note, claim, assign, close  -
    ASSIGNED to them        reply, note, transfer, close       -
    ASSIGNED to a colleague reply, note, close                 transfer
    CLOSED                  note, reopen                       -

Nobody claims or assigns a conversation someone holds: it is transferred (RT6). Its holder
passes it on; anyone else needs to supervise — be an admin or have the ``users``
permission (:func:`is_supervisor`) — to take it from a colleague. Everyone may help out in a
colleague's conversation (reply, note) and close it, as in the seed product's shared inbox.

Each action that changes the status is also in the life-cycle table of
:mod:`.conversation` (``transition``): this module only narrows who may take it.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from enum import StrEnum

from .chatflow import AssignmentSettings, RoutingStrategy
from .conversation import ConversationStatus
from .routing import Agent, ConversationRequest, RoutingDecision, route

__all__ = [
    "AgentAction",
    "SUPERVISOR_PERMISSION",
    "agent_actions",
    "is_supervisor",
    "needs_supervisor",
    "team_transfer",
]

SUPERVISOR_PERMISSION = "users"


class AgentAction(StrEnum):
    REPLY = "reply"  # a message to the visitor
    NOTE = "note"  # an internal note, seen by agents only
    CLAIM = "claim"  # take it oneself (RT6)
    ASSIGN = "assign"  # give a waiting or unassigned conversation to someone
    TRANSFER = "transfer"  # move a held conversation to another user or team (RT6)
    CLOSE = "close"
    REOPEN = "reopen"


_A = AgentAction
_S = ConversationStatus
_OPEN_TO_ALL = frozenset({_A.REPLY, _A.NOTE, _A.CLAIM, _A.ASSIGN, _A.CLOSE})
_HOLDER = frozenset({_A.REPLY, _A.NOTE, _A.TRANSFER, _A.CLOSE})
_COLLEAGUE = frozenset({_A.REPLY, _A.NOTE, _A.CLOSE})
_CLOSED = frozenset({_A.NOTE, _A.REOPEN})


def is_supervisor(role: str | None, permissions: Set[str]) -> bool:
    """Admins and users with the ``users`` permission supervise the inbox."""
    return role == "admin" or SUPERVISOR_PERMISSION in permissions


def agent_actions(
    status: ConversationStatus, assignee_id: str | None, agent_id: str, *, supervisor: bool
) -> frozenset[AgentAction]:
    """The actions ``agent_id`` may take on a conversation in ``status`` held by
    ``assignee_id`` (None: nobody)."""
    if status is _S.CLOSED:
        return _CLOSED
    if status is not _S.ASSIGNED:
        return _OPEN_TO_ALL
    if assignee_id == agent_id or supervisor:
        return _HOLDER
    return _COLLEAGUE


def needs_supervisor(
    action: AgentAction,
    status: ConversationStatus,
    assignee_id: str | None,
    agent_id: str,
    *,
    supervisor: bool,
) -> bool:
    """True when ``action`` is refused only because a colleague holds the conversation
    (a supervisor could take it). A refusal for the conversation's status is the
    life-cycle table's (``transition``), whoever asks."""
    if action in agent_actions(status, assignee_id, agent_id, supervisor=supervisor):
        return False
    return action in agent_actions(status, assignee_id, agent_id, supervisor=True)


def team_transfer(
    team_id: str, agents: Sequence[Agent], request: ConversationRequest, holder_id: str | None
) -> RoutingDecision:
    """RT6: a transfer to a team goes to its least busy member who can take the conversation
    now (seat, available, below their limit; the conversation's skill rules do not apply: a
    person chose the team), never back to its current holder. ``QUEUED`` when nobody can."""
    others = [agent for agent in agents if agent.id != holder_id]
    to_team = AssignmentSettings(team_ids=(team_id,), strategy=RoutingStrategy.LEAST_BUSY)
    return route(to_team, others, request)
