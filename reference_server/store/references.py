"""Who refers to an inbox, a user or a team: the check before deleting or changing one.

Chatflows name a workspace (CF1), the users and teams routing goes to (RT1) and those the
chat heading shows (BD3); the account's widget set-up (CF2) names users and teams the same
way. Deleting something still named there would leave a chatflow that routes to nobody or
points at nothing, so the API refuses it and says where it is used.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import AssignmentSettings, HeadingSettings
from .accounts import account_defaults
from .chatflows import chatflows_using

__all__ = ["chatflows_using_workspace", "uses_of_team", "uses_of_user"]


async def chatflows_using_workspace(
    db: AsyncConnection, account_id: str, inbox_id: str
) -> list[str]:
    """Names of the chatflows whose workspace is this inbox or helpdesk (CF1)."""
    found = await chatflows_using(db, account_id, lambda c: c.workspace.id == inbox_id)
    return [chatflow.name for chatflow in found]


def _names_user(user_id: str, assignment: AssignmentSettings, heading: HeadingSettings) -> bool:
    return user_id in assignment.user_ids or user_id in heading.user_ids


def _names_team(team_id: str, assignment: AssignmentSettings, heading: HeadingSettings) -> bool:
    return team_id in assignment.team_ids or team_id in heading.team_ids


async def uses_of_user(db: AsyncConnection, account_id: str, user_id: str) -> list[str]:
    """Where a user is named in routing or a chat heading: ``"chatflow 'Sales'"`` per
    chatflow and ``"the widget set-up"`` for the account's defaults."""
    found = await chatflows_using(
        db,
        account_id,
        lambda c: _names_user(user_id, c.build.assignment, c.build.heading),
    )
    uses = [f"chatflow {chatflow.name!r}" for chatflow in found]
    defaults = await account_defaults(db, account_id)
    if _names_user(user_id, defaults.assignment, defaults.heading):
        uses.append("the widget set-up")
    return uses


async def uses_of_team(db: AsyncConnection, account_id: str, team_id: str) -> list[str]:
    """As :func:`uses_of_user`, for a team."""
    found = await chatflows_using(
        db,
        account_id,
        lambda c: _names_team(team_id, c.build.assignment, c.build.heading),
    )
    uses = [f"chatflow {chatflow.name!r}" for chatflow in found]
    defaults = await account_defaults(db, account_id)
    if _names_team(team_id, defaults.assignment, defaults.heading):
        uses.append("the widget set-up")
    return uses
