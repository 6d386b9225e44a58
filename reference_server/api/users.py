"""Users: admins and agents (CF6), their status (CV4), capacity limit (AV8) and skills (RT3).

Who may do what:

- any user of the account reads users;
- the ``users`` permission creates, changes and deletes users; only an admin makes, changes
  or deletes an admin;
- every user changes their own name, avatar and password — but nobody changes their own
  role, permissions or seat, and nobody deletes themselves;
- a user sets their own status; the ``users`` permission sets anyone's.

A status change is published on ``account:{id}:inbox`` as ``{"type": "agent_status", ...}``;
whenever capacity may have freed (status, capacity, seat, skills) the waiting queue is
served (:func:`~reference_server.services.capacity.on_capacity_changed`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, field_validator
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.chatflow import link_problem
from ..domain.conversation import InvalidEmail, normalise_email
from ..domain.routing import AgentStatus
from ..passwords import MIN_LENGTH, password_problem
from ..services.agent_status import change_status
from ..services.capacity import on_capacity_changed
from ..state import server_of
from ..store.references import uses_of_user
from ..store.users import (
    count_admins,
    create_user,
    delete_user,
    email_in_use,
    end_sessions,
    get_user,
    list_users,
    update_user,
)
from .auth import Principal, require_user
from .body import PAGE_QUERY, page_of, read_model
from .errors import Conflict, Forbidden, NotFound, ValidationFailed
from .openapi import operation
from .partial import Patch
from .schemas import Input, Output

__all__ = ["AvatarUrl", "grantable_roles", "routes", "you_may"]

SELF_SERVICE = frozenset({"name", "avatar_url", "password"})
NOT_ON_ONESELF = frozenset({"role", "permissions", "has_seat"})
ROUTING_FIELDS = frozenset({"capacity", "has_seat", "skills"})


def _email_in_use() -> Conflict:
    return Conflict("a user with this email address exists already", fields={"email": "is in use"})


def _url(value: str) -> str:
    problem = link_problem(value)  # no javascript:, no //other.site
    if problem:
        raise ValueError(problem)
    return value


AvatarUrl = Annotated[str, Field(max_length=500), AfterValidator(_url)]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Permission = Literal["chatflows", "users"]
Role = Literal["admin", "agent"]


def _email(value: str) -> str:
    try:
        return normalise_email(value).lower()
    except InvalidEmail as error:
        raise ValueError(str(error)) from None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _password_fields(password: str, email: str) -> dict[str, str]:
    problem = password_problem(password, email)
    return {"password": problem} if problem else {}


class UserIn(Input):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(
        min_length=MIN_LENGTH,
        max_length=200,
        description="at least 10 characters, not a common password, not the e-mail address",
    )
    role: Role = "agent"
    permissions: list[Permission] = Field(default_factory=list, max_length=2)
    has_seat: bool = True
    capacity: int | None = Field(None, ge=1, le=100, description="most chats at once (AV8)")
    skills: list[Skill] = Field(default_factory=list, max_length=50)
    avatar_url: AvatarUrl = ""

    check_email = field_validator("email")(_email)
    dedupe = field_validator("permissions", "skills")(_unique)


class UserPatch(Patch):
    NULLABLE = frozenset({"capacity"})

    email: str | None = Field(None, min_length=3, max_length=254)
    name: str | None = Field(None, min_length=1, max_length=200)
    password: str | None = Field(
        None, min_length=MIN_LENGTH, max_length=200, description="ends every other session"
    )
    role: Role | None = None
    permissions: list[Permission] | None = Field(None, max_length=2)
    has_seat: bool | None = None
    capacity: int | None = Field(None, ge=1, le=100, description="null: no limit")
    skills: list[Skill] | None = Field(None, max_length=50)
    avatar_url: AvatarUrl | None = None

    check_email = field_validator("email")(_email)
    dedupe = field_validator("permissions", "skills")(_unique)


class StatusIn(Input):
    status: AgentStatus


class UserOut(Output):
    id: str
    email: str
    name: str
    avatar_url: str
    role: Role
    permissions: list[str]
    has_seat: bool
    status: AgentStatus
    capacity: int | None
    active_chats: int
    skills: list[str]
    idle_since: str | None
    created_at: str
    you_may: list[str] = Field(
        description="what the caller may do to this user: the fields they may change, "
        "'status' and 'delete' (the same checks that refuse the rest)"
    )


def _out(user: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
    idle = user["idle_since"]
    return UserOut.model_validate(
        {
            **user,
            "idle_since": idle.isoformat() if idle is not None else None,
            "created_at": user["created_at"].isoformat(),
            "you_may": you_may(principal, user),
        }
    ).model_dump(mode="json")


def grantable_roles(principal: Principal) -> list[str]:
    """The roles ``principal`` may give a new or existing user (the check of a create)."""
    if not principal.can("users"):
        return []
    allowed = []
    for role in ("agent", "admin"):
        try:
            _may_manage(principal, None, role)
        except Forbidden:
            continue
        allowed.append(role)
    return allowed


PATCHABLE = (
    *sorted(SELF_SERVICE),
    "email",
    "role",
    "permissions",
    "has_seat",
    "capacity",
    "skills",
)


def you_may(principal: Principal, target: Mapping[str, Any]) -> list[str]:
    """The fields ``principal`` may change on ``target`` (probing the checks a change goes
    through; a role change is probed as one to or from admin), then ``status``, ``delete``."""
    allowed = []
    for name in PATCHABLE:
        try:
            _check_patch(principal, target, {name: "admin" if name == "role" else None})
        except Forbidden:
            continue
        allowed.append(name)
    oneself = principal.user_id == target["id"]
    if oneself or principal.can("users"):
        allowed.append("status")
    if principal.can("users") and not oneself:
        try:
            _may_manage(principal, target["role"], None)
            allowed.append("delete")
        except Forbidden:
            pass
    return allowed


def _may_manage(principal: Principal, target_role: str | None, new_role: str | None) -> None:
    if principal.role != "admin" and "admin" in (target_role, new_role):
        raise Forbidden("only an admin may make, change or remove an admin")


@operation(
    "List users",
    tags=("users",),
    response=UserOut,
    response_list=True,
    query=PAGE_QUERY,
    errors=(401, 403, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user(request)
    limit, offset = page_of(request)
    async with server_of(request).engine.connect() as db:
        users = await list_users(db, principal.account_id, limit=limit, offset=offset)
    return JSONResponse([_out(user, principal) for user in users])


@operation(
    "Create a user",
    tags=("users",),
    request=UserIn,
    response=UserOut,
    status=201,
    errors=(400, 401, 403, 409, 422),
)
async def create(request: Request) -> Response:
    principal = await require_user(request, "users")
    body = await read_model(request, UserIn)
    weak = _password_fields(body.password, body.email)
    if weak:
        raise ValidationFailed("choose a stronger password", fields=weak)
    _may_manage(principal, None, body.role)
    server = server_of(request)
    try:
        async with server.engine.begin() as db:
            if await email_in_use(db, body.email):
                raise _email_in_use()
            user = await create_user(
                db, principal.account_id, server.clock.now(), **body.model_dump()
            )
    except IntegrityError:  # the same address created at the same instant
        raise _email_in_use() from None
    return JSONResponse(_out(user, principal), status_code=201)


@operation("Read a user", tags=("users",), response=UserOut, errors=(401, 403, 404))
async def read(request: Request) -> Response:
    principal = await require_user(request)
    async with server_of(request).engine.connect() as db:
        user = await get_user(db, principal.account_id, request.path_params["user_id"])
    if user is None:
        raise NotFound("no such user")
    return JSONResponse(_out(user, principal))


def _check_patch(
    principal: Principal, target: Mapping[str, Any], changes: Mapping[str, Any]
) -> None:
    oneself = principal.user_id == target["id"]
    if not principal.can("users"):
        if not oneself:
            raise Forbidden("you need the 'users' permission to change other users")
        others = sorted(set(changes) - SELF_SERVICE)
        if others:
            raise Forbidden(
                "you may change your own name, avatar and password only",
                fields={name: "needs the 'users' permission" for name in others},
            )
        return
    if oneself:
        barred = sorted(set(changes) & NOT_ON_ONESELF)
        if barred:
            raise Forbidden(
                "nobody changes their own role, permissions or seat",
                fields={name: "ask another admin" for name in barred},
            )
    _may_manage(principal, target["role"], changes.get("role"))


@operation(
    "Change a user",
    tags=("users",),
    request=UserPatch,
    response=UserOut,
    errors=(400, 401, 403, 404, 409, 422),
)
async def patch(request: Request) -> Response:
    principal = await require_user(request)
    changes = (await read_model(request, UserPatch)).changes()
    user_id = request.path_params["user_id"]
    server = server_of(request)
    async with server.engine.begin() as db:
        target = await get_user(db, principal.account_id, user_id)
        if target is None:
            raise NotFound("no such user")
        _check_patch(principal, target, changes)
        if "password" in changes:
            weak = _password_fields(changes["password"], changes.get("email", target["email"]))
            if weak:
                raise ValidationFailed("choose a stronger password", fields=weak)
            # a new password ends every session but the one that set it
            await end_sessions(db, user_id, keep=principal.session_hash)
        if "email" in changes and await email_in_use(db, changes["email"], except_user=user_id):
            raise _email_in_use()
        demoted = target["role"] == "admin" and changes.get("role", "admin") != "admin"
        if demoted and await count_admins(db, principal.account_id) <= 1:
            raise Conflict("the account needs at least one admin")
        await update_user(db, principal.account_id, user_id, changes)
        user = await get_user(db, principal.account_id, user_id)
    assert user is not None
    if ROUTING_FIELDS & set(changes):
        await on_capacity_changed(server, principal.account_id)
    return JSONResponse(_out(user, principal))


@operation("Delete a user", tags=("users",), status=204, errors=(401, 403, 404, 409))
async def delete(request: Request) -> Response:
    principal = await require_user(request, "users")
    user_id = request.path_params["user_id"]
    async with server_of(request).engine.begin() as db:
        target = await get_user(db, principal.account_id, user_id)
        if target is None:
            raise NotFound("no such user")
        if user_id == principal.user_id:
            raise Conflict("you cannot delete yourself")
        _may_manage(principal, target["role"], None)
        if target["role"] == "admin" and await count_admins(db, principal.account_id) <= 1:
            raise Conflict("the account needs at least one admin")
        if target["active_chats"]:
            raise Conflict(
                f"the user holds {target['active_chats']} open conversation(s): "
                "transfer or close them first"
            )
        uses = await uses_of_user(db, principal.account_id, user_id)
        if uses:
            raise Conflict("the user is named in " + ", ".join(uses) + ": remove them there first")
        await delete_user(db, principal.account_id, user_id)
    return Response(status_code=204)


@operation(
    "Set a user's status (CV4)",
    tags=("users",),
    request=StatusIn,
    response=UserOut,
    errors=(400, 401, 403, 404, 422),
)
async def put_status(request: Request) -> Response:
    principal = await require_user(request)
    body = await read_model(request, StatusIn)
    user_id = request.path_params["user_id"]
    server = server_of(request)
    async with server.engine.connect() as db:
        if await get_user(db, principal.account_id, user_id) is None:
            raise NotFound("no such user")
    if user_id != principal.user_id and not principal.can("users"):
        raise Forbidden("you may set your own status only")
    await change_status(server, principal.account_id, user_id, body.status)
    async with server.engine.connect() as db:
        user = await get_user(db, principal.account_id, user_id)
    if user is None:
        raise NotFound("no such user")
    return JSONResponse(_out(user, principal))


def routes() -> list[BaseRoute]:
    return [
        Route("/users", list_all, methods=["GET"]),
        Route("/users", create, methods=["POST"]),
        Route("/users/{user_id}", read, methods=["GET"]),
        Route("/users/{user_id}", patch, methods=["PATCH"]),
        Route("/users/{user_id}", delete, methods=["DELETE"]),
        Route("/users/{user_id}/status", put_status, methods=["PUT"]),
    ]
