"""Creating and saving chatflows (CF1-CF3, CF6, CF7): every save validates the WHOLE chatflow
— its own rules (``chatflow_from_dict``) and what it names in the account
(``check_references``) — and is refused naming every bad field by its full dotted path.

Edits are functions from the chatflow's plain-dict form to the new plain-dict form, so a
whole replacement (PUT), a section edited alone (CF7) and the publish switch (CF3) all go
through the same validation and the same optimistic-concurrency check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import (
    Chatflow,
    ReferenceContext,
    Workspace,
    chatflow_from_dict,
    chatflow_to_dict,
    check_references,
    new_chatflow,
)
from ..domain.codec import InvalidData
from ..secrets import new_id
from ..store import chatflows as store
from ..store.accounts import account_defaults
from ..store.chatflows import StoredChatflow, VersionConflict
from ..store.inboxes import chat_workspaces
from ..store.knowledge import knowledge_base_ids
from ..store.surveys import chat_survey_ids
from ..store.teams import team_ids
from ..store.users import user_ids
from .errors import Conflict, InvalidChatflow, NotFound

__all__ = [
    "SECTIONS",
    "InvalidChatflow",
    "create_chatflow",
    "edit_chatflow",
    "reference_context",
    "validate",
]

SECTIONS = ("build", "target", "display", "options")

Edit = Callable[[dict[str, Any]], Any]


async def reference_context(db: AsyncConnection, account_id: str) -> ReferenceContext:
    """What the account holds that a chatflow may name (CF1, CF6, BD5, OP7)."""
    seats = await user_ids(db, account_id)
    return ReferenceContext(
        chat_workspaces=frozenset(await chat_workspaces(db, account_id)),
        seated_user_ids=frozenset(user_id for user_id, seated in seats.items() if seated),
        user_ids=frozenset(seats),
        team_ids=frozenset(await team_ids(db, account_id)),
        knowledge_base_ids=frozenset(await knowledge_base_ids(db, account_id)),
        chat_survey_ids=frozenset(await chat_survey_ids(db, account_id)),
    )


async def validate(
    db: AsyncConnection, account_id: str, data: Any, *, references: bool = True
) -> Chatflow:
    """The chatflow ``data`` describes, checked whole; :class:`InvalidChatflow` otherwise.
    With ``references`` the ids it names must exist in the account (CF1, CF6, BD5, OP7)."""
    try:
        chatflow = chatflow_from_dict(data)
    except InvalidData as error:
        raise InvalidChatflow(error.as_fields()) from None
    if references:
        errors = check_references(chatflow, await reference_context(db, account_id))
        if errors:
            raise InvalidChatflow({error.path: error.message for error in errors})
    return chatflow


async def create_chatflow(
    db: AsyncConnection,
    account_id: str,
    now: datetime,
    *,
    name: str,
    workspace: Workspace,
    edit: Edit | None = None,
) -> StoredChatflow:
    """CF1: a new chatflow starting from the account's widget set-up (CF2), changed by
    ``edit`` (e.g. merging the sections a request gave); the server makes the id, which
    ``edit`` cannot change."""
    defaults = await account_defaults(db, account_id)
    chatflow_id = new_id("cfl")
    start = chatflow_to_dict(new_chatflow(chatflow_id, name, workspace, defaults))
    data = _keep_id(edit(start) if edit is not None else start, chatflow_id)
    chatflow = await validate(db, account_id, data)
    return await store.insert_chatflow(db, account_id, chatflow, now)


async def edit_chatflow(
    db: AsyncConnection,
    account_id: str,
    chatflow_id: str,
    now: datetime,
    edit: Edit,
    *,
    if_match: int | None = None,
    references: bool = True,
) -> StoredChatflow:
    """Apply ``edit`` to the stored chatflow's plain-dict form and save the result.

    ``NotFound`` for an unknown chatflow; ``Conflict`` when ``if_match`` is
    not the stored version, or another save came in between; :class:`InvalidChatflow` when
    the result is not valid (``references=False`` skips the account checks, for switching a
    chatflow off, which must always be possible). The id never changes.
    """
    stored = await store.get_chatflow(db, account_id, chatflow_id)
    if stored is None:
        raise NotFound("no such chatflow")
    if if_match is not None and if_match != stored.version:
        raise _changed_meanwhile(stored.version)
    data = _keep_id(edit(chatflow_to_dict(stored.chatflow)), chatflow_id)
    chatflow = await validate(db, account_id, data, references=references)
    try:
        return await store.update_chatflow(db, account_id, chatflow, now, version=stored.version)
    except VersionConflict as error:
        raise _changed_meanwhile(error.current) from None


def _changed_meanwhile(current: int) -> Conflict:
    return Conflict(
        f"the chatflow was changed by someone else (it is at version {current}); "
        "load it again and reapply your change"
    )


def _keep_id(data: Any, chatflow_id: str) -> Any:
    """``data`` with the chatflow's id; an edit that names another id is refused."""
    if not isinstance(data, Mapping):
        return data  # validation names what is wrong with it
    if data.get("id", chatflow_id) != chatflow_id:
        raise InvalidChatflow({"id": "is made by the server and cannot change"})
    return {**data, "id": chatflow_id}
