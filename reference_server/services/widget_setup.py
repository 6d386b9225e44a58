"""CF2: validating the account's first-time widget set-up, the defaults new chatflows start
from.

The set-up is checked as a chatflow made from it would be (CF7 and CF6): the shape and values
by the domain codec, the users and teams it names by
:func:`~reference_server.domain.chatflow.check_references` against what the account holds —
so routing never names a user without a seat, and a chatflow created from these defaults is
valid from the start.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import (
    AccountDefaults,
    Workspace,
    WorkspaceKind,
    check_references,
    new_chatflow,
)
from ..domain.codec import FieldError, InvalidData, from_dict
from .chatflows import reference_context

__all__ = ["validate_widget_defaults"]

_PROBE = Workspace(kind=WorkspaceKind.INBOX, id="widget-setup")


async def validate_widget_defaults(
    db: AsyncConnection, account_id: str, data: Any
) -> AccountDefaults:
    """The set-up from its plain-dict form; ``InvalidData`` naming every bad field, with
    paths relative to the set-up (``assignment.user_ids[0]``)."""
    defaults = from_dict(AccountDefaults, data)
    context = await reference_context(db, account_id)
    probe = new_chatflow("widget-setup", "widget set-up", _PROBE, defaults)
    context = replace(context, chat_workspaces=frozenset({(_PROBE.kind.value, _PROBE.id)}))
    errors = [
        FieldError(error.path.removeprefix("build."), error.message)
        for error in check_references(probe, context)
        if error.path.startswith("build.")
    ]
    if errors:
        raise InvalidData(errors)
    return defaults
