"""Chatflows (CF1, CF3, CF4, CF6, CF7): list, create, read, replace, edit by section, publish,
delete and preview.

Any user (or an API key) reads; creating and editing needs the ``chatflows`` permission (CF6).
Every save validates the whole chatflow — its own rules and the ids it names in the account —
and a refusal is a 422 whose ``fields`` name every bad field by its full dotted path
(``build.availability.office_hours[0].start``). Each save raises ``version`` by one; send
``If-Match: <version>`` to refuse the save (409) when someone else saved in between. Responses
carry the version as the ``ETag``.

Editing a section (``PATCH /chatflows/{id}/{section}``) and the whole chatflow
(``PATCH /chatflows/{id}``) take a JSON Merge Patch (RFC 7396): objects merge key by key, lists
and values replace, ``null`` removes a key so the field takes its default.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.availability import ChatState
from ..domain.chatflow import MAX_PRIORITY, Workspace, WorkspaceKind, chatflow_to_dict
from ..domain.display import Device
from ..services import chatflows as service
from ..services.widget_config import decide
from ..state import server_of
from ..store import chatflows as store
from ..store.chatflows import StoredChatflow
from .auth import Principal, require_user_or_api_key
from .body import PAGE_QUERY, page_of, parse_model, read_json, read_model
from .errors import BadRequest, NotFound, ValidationFailed
from .openapi import choice, operation
from .partial import merge_patch
from .schemas import Input, Output
from .settings_schemas import nullable, typed

__all__ = ["routes"]

PERMISSION = "chatflows"
READ_ONLY = ("version", "created_at", "updated_at")  # in responses; ignored in requests


class WorkspaceIn(Input):
    kind: Literal["inbox", "helpdesk"] = "inbox"
    id: str = Field(min_length=1, max_length=40)


# The sections stay plain dicts that the domain's codec validates (naming every bad field);
# their documentation is the schema generated from the settings model.
Section = dict[str, Any]
PatchOf = dict[str, Any] | None
BuildOut = Annotated[Section, typed("BuildSettings")]
TargetOut = Annotated[Section, typed("TargetSettings")]
DisplayOut = Annotated[Section, typed("DisplaySettings")]
OptionsOut = Annotated[Section, typed("OptionsSettings")]
BuildPatch = Annotated[PatchOf, nullable("BuildSettingsPatch")]
TargetPatch = Annotated[PatchOf, nullable("TargetSettingsPatch")]
DisplayPatch = Annotated[PatchOf, nullable("DisplaySettingsPatch")]
OptionsPatch = Annotated[PatchOf, nullable("OptionsSettingsPatch")]


class ChatflowCreateIn(Input):
    """A new chatflow: it starts from the account's widget set-up (CF2); the sections given
    are merged over that start (JSON Merge Patch)."""

    name: str = Field(min_length=1, max_length=200)
    workspace: WorkspaceIn
    language: Literal["en", "nb"] | None = None
    priority: int | None = Field(default=None, ge=0, le=MAX_PRIORITY)
    published: bool | None = None
    build: BuildPatch = None
    target: TargetPatch = None
    display: DisplayPatch = None
    options: OptionsPatch = None


class ChatflowOut(Output):
    id: str
    name: str
    workspace: Annotated[dict[str, Any], typed("Workspace")]
    language: Literal["en", "nb"]
    published: bool
    priority: int
    build: BuildOut
    target: TargetOut
    display: DisplayOut
    options: OptionsOut
    version: int
    created_at: str
    updated_at: str


class PreviewOut(Output):
    """What the widget shows for the chatflow on a device (see the widget config)."""

    chatflow_id: str
    language: str
    texts: dict[str, str]
    accent_color: str
    heading: dict[str, Any]
    welcome_message: str
    availability: dict[str, Any]
    display: dict[str, Any]
    consent: dict[str, Any]
    email_capture: dict[str, Any]
    knowledge_base: dict[str, Any]
    csat: dict[str, Any]


def _out(stored: StoredChatflow) -> dict[str, Any]:
    return {
        **chatflow_to_dict(stored.chatflow),
        "version": stored.version,
        "created_at": _iso(stored.created_at),
        "updated_at": _iso(stored.updated_at),
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _response(stored: StoredChatflow, status: int = 200) -> Response:
    return JSONResponse(_out(stored), status_code=status, headers={"ETag": f'"{stored.version}"'})


def _if_match(request: Request) -> int | None:
    """The version named by ``If-Match`` (``3``, ``"3"`` or ``W/"3"``); ``*`` is any."""
    raw = request.headers.get("if-match")
    if raw is None or raw.strip() == "*":
        return None
    text = raw.strip().removeprefix("W/").strip('"')
    if not text.isdigit():
        raise BadRequest("If-Match must be the chatflow's version, e.g. If-Match: 3")
    return int(text)


def _chatflow_id(request: Request) -> str:
    return str(request.path_params["chatflow_id"])


async def _save(
    request: Request, principal: Principal, edit: service.Edit, *, references: bool = True
) -> Response:
    if_match = _if_match(request)
    server = server_of(request)
    async with server.engine.begin() as db:
        stored = await service.edit_chatflow(
            db,
            principal.account_id,
            _chatflow_id(request),
            server.clock.now(),
            edit,
            if_match=if_match,
            references=references,
        )
    return _response(stored)


async def _object_body(request: Request) -> dict[str, Any]:
    """The JSON object sent, without the read-only fields a client may echo from a GET."""
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ValidationFailed("the request is not valid", fields={"(body)": "must be an object"})
    return {key: value for key, value in body.items() if key not in READ_ONLY}


async def _get(db: AsyncConnection, account_id: str, chatflow_id: str) -> StoredChatflow:
    stored = await store.get_chatflow(db, account_id, chatflow_id)
    if stored is None:
        raise NotFound("no such chatflow")
    return stored


# ---------------------------------------------------------------- endpoints


@operation(
    "List chatflows",
    tags=("chatflows",),
    response=ChatflowOut,
    response_list=True,
    auth="user_or_api_key",
    query=PAGE_QUERY,
    errors=(401, 422),
)
async def list_chatflows(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    limit, offset = page_of(request)
    async with server_of(request).engine.connect() as db:
        found = await store.list_chatflows(db, principal.account_id, limit=limit, offset=offset)
    return JSONResponse([_out(stored) for stored in found])


@operation(
    "Create a chatflow (CF1; starts from the widget set-up, CF2)",
    tags=("chatflows",),
    request=ChatflowCreateIn,
    response=ChatflowOut,
    status=201,
    auth="user_or_api_key",
    errors=(400, 401, 403, 413, 422),
)
async def create_chatflow(request: Request) -> Response:
    principal = await require_user_or_api_key(request, PERMISSION)
    body = parse_model(ChatflowCreateIn, await read_json(request))
    changes = body.model_dump(exclude={"name", "workspace"}, exclude_none=True)
    server = server_of(request)
    workspace = Workspace(WorkspaceKind(body.workspace.kind), body.workspace.id)
    async with server.engine.begin() as db:
        stored = await service.create_chatflow(
            db,
            principal.account_id,
            server.clock.now(),
            name=body.name,
            workspace=workspace,
            edit=lambda start: merge_patch(start, changes),
        )
    return _response(stored, 201)


async def get_chatflow(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    async with server_of(request).engine.connect() as db:
        stored = await _get(db, principal.account_id, _chatflow_id(request))
    return _response(stored)


@operation(
    "Replace a chatflow (whole; validated whole, CF7)",
    method="PUT",
    tags=("chatflows",),
    request="Chatflow",
    response=ChatflowOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 409, 413, 422),
)
@operation(
    "Edit a chatflow (JSON Merge Patch; validated whole, CF7)",
    method="PATCH",
    tags=("chatflows",),
    request="ChatflowPatch",
    response=ChatflowOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 409, 413, 422),
)
@operation(
    "Delete a chatflow",
    method="DELETE",
    tags=("chatflows",),
    status=204,
    auth="user_or_api_key",
    errors=(401, 403, 404),
)
@operation(
    "Read a chatflow",
    method="GET",
    tags=("chatflows",),
    response=ChatflowOut,
    auth="user_or_api_key",
    errors=(401, 404),
)
async def chatflow(request: Request) -> Response:
    if request.method == "GET":
        return await get_chatflow(request)
    if request.method == "DELETE":
        return await delete_chatflow(request)
    principal = await require_user_or_api_key(request, PERMISSION)
    body = await _object_body(request)
    if request.method == "PUT":
        return await _save(request, principal, lambda _current: body)
    return await _save(request, principal, lambda current: merge_patch(current, body))


async def delete_chatflow(request: Request) -> Response:
    principal = await require_user_or_api_key(request, PERMISSION)
    async with server_of(request).engine.begin() as db:
        deleted = await store.delete_chatflow(db, principal.account_id, _chatflow_id(request))
    if not deleted:
        raise NotFound("no such chatflow")
    return Response(status_code=204)


async def patch_section(request: Request) -> Response:
    """Any other section name: a 404 that names the sections."""
    await require_user_or_api_key(request, PERMISSION)
    section = str(request.path_params["section"])
    raise NotFound(f"no section {section!r}; sections are {', '.join(service.SECTIONS)}")


_SECTION_SCHEMAS = {
    "build": "BuildSettings",
    "target": "TargetSettings",
    "display": "DisplaySettings",
    "options": "OptionsSettings",
}


def section_endpoint(section: str) -> Any:
    """``PATCH /chatflows/{id}/{section}``: a JSON Merge Patch of one section (CF7)."""

    @operation(
        f"Edit the {section} section of a chatflow (JSON Merge Patch; validated whole, CF7)",
        tags=("chatflows",),
        request=f"{_SECTION_SCHEMAS[section]}Patch",
        response=ChatflowOut,
        auth="user_or_api_key",
        errors=(400, 401, 403, 404, 409, 413, 422),
    )
    async def patch(request: Request) -> Response:
        principal = await require_user_or_api_key(request, PERMISSION)
        body = await _object_body(request)
        return await _save(
            request,
            principal,
            lambda current: {**current, section: merge_patch(current.get(section), body)},
        )

    patch.__name__ = f"patch_{section}"
    return patch


@operation(
    "Publish a chatflow: it appears on pages (CF3)",
    tags=("chatflows",),
    response=ChatflowOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 409, 422),
)
async def publish(request: Request) -> Response:
    principal = await require_user_or_api_key(request, PERMISSION)
    return await _save(request, principal, lambda current: {**current, "published": True})


@operation(
    "Unpublish a chatflow (CF3)",
    tags=("chatflows",),
    response=ChatflowOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 409),
)
async def unpublish(request: Request) -> Response:
    principal = await require_user_or_api_key(request, PERMISSION)
    return await _save(
        request, principal, lambda current: {**current, "published": False}, references=False
    )


@operation(
    "Preview the widget on a device (CF4): triggers count as fired, targeting is ignored",
    tags=("chatflows",),
    response=PreviewOut,
    auth="user_or_api_key",
    query=(choice("device", ("desktop", "tablet", "mobile"), "desktop"),),
    errors=(401, 404, 422),
)
async def preview(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    raw = request.query_params.get("device", Device.DESKTOP.value)
    try:
        device = Device(raw)
    except ValueError:
        raise ValidationFailed(
            "bad query parameter", fields={"device": "must be desktop, tablet or mobile"}
        ) from None
    server = server_of(request)
    async with server.engine.connect() as db:
        stored = await _get(db, principal.account_id, _chatflow_id(request))
        decision = await decide(
            db,
            principal.account_id,
            stored.chatflow,
            server.clock.now(),
            device=device,
            triggered=True,
        )
    return JSONResponse(PreviewOut.model_validate(decision).model_dump())


class DraftPreviewIn(Input):
    """CF4: a chatflow as the console holds it (saved or not) and how to show it."""

    chatflow: Annotated[dict[str, Any], typed("Chatflow")]
    device: Device = Device.DESKTOP
    state: ChatState | None = Field(
        None, description="show the widget in this availability state (default: the real one)"
    )


class DraftPreviewOut(PreviewOut):
    """What the widget shows for the draft: the same answer as the widget's config call for
    a new visitor (the widget mounts with it as it is), with ``display.mode`` before any
    trigger and ``display.mode_when_triggered`` after."""

    presentation: dict[str, Any]
    send: dict[str, Any]


@operation(
    "Preview an unsaved chatflow (CF4): the widget config it would give, in a state",
    tags=("chatflows",),
    request=DraftPreviewIn,
    response=DraftPreviewOut,
    auth="user_or_api_key",
    errors=(400, 401, 413, 422),
)
async def preview_draft(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    body = await read_model(request, DraftPreviewIn)
    server = server_of(request)
    draft = {**body.chatflow, "id": body.chatflow.get("id") or "preview"}
    async with server.engine.connect() as db:
        chatflow = await service.validate(db, principal.account_id, draft)
        decision = await decide(
            db,
            principal.account_id,
            chatflow,
            server.clock.now(),
            device=body.device,
            state=body.state,
        )
    DraftPreviewOut.model_validate(decision)  # the documented shape holds
    return JSONResponse(decision)


def routes() -> list[BaseRoute]:
    return [
        Route("/chatflows", list_chatflows, methods=["GET"]),
        Route("/chatflows", create_chatflow, methods=["POST"]),
        Route("/chatflow-previews", preview_draft, methods=["POST"]),
        Route("/chatflows/{chatflow_id}", chatflow, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route("/chatflows/{chatflow_id}/publish", publish, methods=["POST"]),
        Route("/chatflows/{chatflow_id}/unpublish", unpublish, methods=["POST"]),
        Route("/chatflows/{chatflow_id}/preview", preview, methods=["GET"]),
        *(
            Route(
                f"/chatflows/{{chatflow_id}}/{section}",
                section_endpoint(section),
                methods=["PATCH"],
            )
            for section in service.SECTIONS
        ),
        Route("/chatflows/{chatflow_id}/{section}", patch_section, methods=["PATCH"]),
    ]
