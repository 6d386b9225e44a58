"""The agent inbox's use cases (CV2, RT6) beyond the life cycle itself: which actions the
calling agent may take on each conversation (decided by :mod:`reference_server.domain.inbox`
and enforced here for the server's own endpoints), the list rows with their unread counts and
last messages, and how many conversations each view holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..domain.conversation import ConversationStatus
from ..domain.inbox import AgentAction, agent_actions, is_supervisor, needs_supervisor
from ..state import Server
from ..store import conversations as store
from ..store import inbox as inbox_store
from .errors import Forbidden, ValidationFailed
from .views import conversation_view, iso

__all__ = [
    "SORTS",
    "VIEWS",
    "Actor",
    "actions_of",
    "inbox_list",
    "require_allowed",
    "view_counts",
    "with_actions",
]

VIEWS = {
    "unassigned": (ConversationStatus.UNASSIGNED.value, ConversationStatus.WAITING.value),
    "mine": (ConversationStatus.ASSIGNED.value,),
    "all": (
        ConversationStatus.UNASSIGNED.value,
        ConversationStatus.WAITING.value,
        ConversationStatus.ASSIGNED.value,
    ),
    "closed": (ConversationStatus.CLOSED.value,),
}
"""CV2: the inbox views and the statuses each shows (``mine``: assigned to the caller)."""

SORTS = ("newest", "waiting")
"""``newest`` first, or ``waiting``: longest waiting first (then oldest)."""

PREVIEW_LENGTH = 140


@dataclass(frozen=True)
class Actor:
    """An agent acting in the inbox: who, and whether they supervise (admin or ``users``)."""

    user_id: str
    supervisor: bool

    @classmethod
    def of(cls, user_id: str, role: str | None, permissions: frozenset[str]) -> Actor:
        return cls(user_id, is_supervisor(role, permissions))


def actions_of(conversation: Mapping[str, Any], actor: Actor | None) -> list[str]:
    """The actions ``actor`` may take, in the order the inbox shows them (none for an API
    key, which reads but never acts)."""
    if actor is None:
        return []
    allowed = agent_actions(
        ConversationStatus(conversation["status"]),
        conversation["assignee_id"],
        actor.user_id,
        supervisor=actor.supervisor,
    )
    return [action.value for action in AgentAction if action in allowed]


def with_actions(conversation: Mapping[str, Any], actor: Actor | None) -> dict[str, Any]:
    """The agents' view of a conversation with the caller's actions."""
    return {**conversation_view(conversation), "actions": actions_of(conversation, actor)}


def require_allowed(conversation: Mapping[str, Any], actor: Actor, action: AgentAction) -> None:
    """403 when only a supervisor may take ``action`` on this colleague's conversation. A
    refusal for the conversation's status is left to the life-cycle table (409)."""
    if needs_supervisor(
        action,
        ConversationStatus(conversation["status"]),
        conversation["assignee_id"],
        actor.user_id,
        supervisor=actor.supervisor,
    ):
        raise Forbidden(
            f"cannot {action.value}: a colleague holds this conversation "
            "(only an admin or a user with the 'users' permission may take it over)"
        )


async def inbox_list(
    server: Server,
    account_id: str,
    actor: Actor | None,
    view: str,
    *,
    sort: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """A page of a view: each conversation with the caller's actions, the visitor's unread
    messages and the last message (a preview). ``unassigned`` is longest-waiting first unless
    ``sort`` says otherwise."""
    if view not in VIEWS:
        raise ValidationFailed(
            "bad query parameter", fields={"view": f"must be one of {', '.join(VIEWS)}"}
        )
    if sort is not None and sort not in SORTS:
        raise ValidationFailed(
            "bad query parameter", fields={"sort": f"must be one of {', '.join(SORTS)}"}
        )
    if view == "mine" and actor is None:
        raise ValidationFailed(
            "bad query parameter", fields={"view": "'mine' needs a logged-in user, not an API key"}
        )
    waiting_first = sort == "waiting" if sort is not None else view == "unassigned"
    async with server.engine.connect() as db:
        rows = await store.list_conversations(
            db,
            account_id,
            statuses=VIEWS[view],
            assignee_id=actor.user_id if view == "mine" and actor is not None else None,
            oldest_first=waiting_first,
            limit=limit,
            offset=offset,
        )
        ids = [row["id"] for row in rows]
        unread = await inbox_store.unread_counts(db, ids)
        last = await inbox_store.last_messages(db, {r["id"]: r["last_sequence"] for r in rows})
    result = []
    for row in rows:
        item = with_actions(row, actor)
        item["unread_count"] = unread.get(row["id"], 0)
        message = last.get(row["id"])
        item["last_message"] = (
            None
            if message is None
            else {
                "sender_kind": message["sender_kind"],
                "text": message["text"][:PREVIEW_LENGTH],
                "created_at": iso(message["created_at"]),
            }
        )
        result.append(item)
    return result


async def view_counts(server: Server, account_id: str, actor: Actor | None) -> dict[str, int]:
    """How many conversations each view holds right now."""
    async with server.engine.connect() as db:
        by_status, mine = await inbox_store.count_by_status(
            db, account_id, actor.user_id if actor is not None else None
        )
    counts = {view: sum(by_status.get(s, 0) for s in statuses) for view, statuses in VIEWS.items()}
    counts["mine"] = mine
    return counts
