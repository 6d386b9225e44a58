"""Teams (RT1: route to a team; BD3: show a team in the chat heading).

Any user of the account reads teams; the ``users`` permission creates, changes and deletes
them and sets their members. A team that a chatflow or the widget set-up names cannot be
deleted (409, saying where it is used). Changing members may make someone eligible for
waiting conversations, so the queue is served afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..services.capacity import on_capacity_changed
from ..state import server_of
from ..store.references import uses_of_team
from ..store.teams import create_team, delete_team, get_team, list_teams, set_members, update_team
from ..store.users import user_ids
from .auth import require_user
from .body import PAGE_QUERY, page_of, read_model
from .errors import Conflict, NotFound, ValidationFailed
from .openapi import operation
from .partial import Patch
from .schemas import Input, Output
from .users import AvatarUrl

__all__ = ["routes"]

UserId = Annotated[str, StringConstraints(min_length=1, max_length=40)]
MAX_MEMBERS = 1000


class TeamIn(Input):
    name: str = Field(min_length=1, max_length=200)
    avatar_url: AvatarUrl = ""
    user_ids: list[UserId] = Field(default_factory=list, max_length=MAX_MEMBERS)


class TeamPatch(Patch):
    name: str | None = Field(None, min_length=1, max_length=200)
    avatar_url: AvatarUrl | None = None


class MembersIn(Input):
    user_ids: list[UserId] = Field(max_length=MAX_MEMBERS)


class TeamOut(Output):
    id: str
    name: str
    avatar_url: str
    user_ids: list[str]
    created_at: str


def _out(team: Mapping[str, Any]) -> dict[str, Any]:
    return TeamOut.model_validate(
        {**team, "created_at": team["created_at"].isoformat()}
    ).model_dump()


async def _check_users(db: AsyncConnection, account_id: str, ids: Sequence[str]) -> None:
    known = await user_ids(db, account_id)
    unknown = {
        f"user_ids[{i}]": f"no user {user_id!r} in this account"
        for i, user_id in enumerate(ids)
        if user_id not in known
    }
    if unknown:
        raise ValidationFailed("unknown users", fields=unknown)


@operation(
    "List teams",
    tags=("teams",),
    response=TeamOut,
    response_list=True,
    query=PAGE_QUERY,
    errors=(401, 403, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user(request)
    limit, offset = page_of(request)
    async with server_of(request).engine.connect() as db:
        teams = await list_teams(db, principal.account_id, limit=limit, offset=offset)
    return JSONResponse([_out(team) for team in teams])


@operation(
    "Create a team",
    tags=("teams",),
    request=TeamIn,
    response=TeamOut,
    status=201,
    errors=(400, 401, 403, 422),
)
async def create(request: Request) -> Response:
    principal = await require_user(request, "users")
    body = await read_model(request, TeamIn)
    server = server_of(request)
    async with server.engine.begin() as db:
        await _check_users(db, principal.account_id, body.user_ids)
        team = await create_team(
            db,
            principal.account_id,
            server.clock.now(),
            name=body.name,
            avatar_url=body.avatar_url,
            user_ids=body.user_ids,
        )
    if team["user_ids"]:
        await on_capacity_changed(server, principal.account_id)
    return JSONResponse(_out(team), status_code=201)


@operation("Read a team", tags=("teams",), response=TeamOut, errors=(401, 403, 404))
async def read(request: Request) -> Response:
    principal = await require_user(request)
    async with server_of(request).engine.connect() as db:
        team = await get_team(db, principal.account_id, request.path_params["team_id"])
    if team is None:
        raise NotFound("no such team")
    return JSONResponse(_out(team))


@operation(
    "Change a team",
    tags=("teams",),
    request=TeamPatch,
    response=TeamOut,
    errors=(400, 401, 403, 404, 422),
)
async def patch(request: Request) -> Response:
    principal = await require_user(request, "users")
    changes = (await read_model(request, TeamPatch)).changes()
    team_id = request.path_params["team_id"]
    async with server_of(request).engine.begin() as db:
        if await get_team(db, principal.account_id, team_id) is None:
            raise NotFound("no such team")
        await update_team(db, principal.account_id, team_id, changes)
        team = await get_team(db, principal.account_id, team_id)
    assert team is not None
    return JSONResponse(_out(team))


@operation(
    "Set a team's members",
    tags=("teams",),
    request=MembersIn,
    response=TeamOut,
    errors=(400, 401, 403, 404, 422),
)
async def put_members(request: Request) -> Response:
    principal = await require_user(request, "users")
    body = await read_model(request, MembersIn)
    team_id = request.path_params["team_id"]
    server = server_of(request)
    async with server.engine.begin() as db:
        if await get_team(db, principal.account_id, team_id) is None:
            raise NotFound("no such team")
        await _check_users(db, principal.account_id, body.user_ids)
        await set_members(db, team_id, body.user_ids)
        team = await get_team(db, principal.account_id, team_id)
    assert team is not None
    await on_capacity_changed(server, principal.account_id)
    return JSONResponse(_out(team))


@operation("Delete a team", tags=("teams",), status=204, errors=(401, 403, 404, 409))
async def delete(request: Request) -> Response:
    principal = await require_user(request, "users")
    team_id = request.path_params["team_id"]
    async with server_of(request).engine.begin() as db:
        if await get_team(db, principal.account_id, team_id) is None:
            raise NotFound("no such team")
        uses = await uses_of_team(db, principal.account_id, team_id)
        if uses:
            raise Conflict("the team is named in " + ", ".join(uses) + ": remove it there first")
        await delete_team(db, principal.account_id, team_id)
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/teams", list_all, methods=["GET"]),
        Route("/teams", create, methods=["POST"]),
        Route("/teams/{team_id}", read, methods=["GET"]),
        Route("/teams/{team_id}", patch, methods=["PATCH"]),
        Route("/teams/{team_id}", delete, methods=["DELETE"]),
        Route("/teams/{team_id}/members", put_members, methods=["PUT"]),
    ]
