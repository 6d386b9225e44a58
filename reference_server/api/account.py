"""The account: names and time zone (OP5, AV2), the first-time widget set-up (CF2), the
tracking code (CF5) and API keys for server-to-server callers.

``PATCH /account`` edits ``widget_defaults`` as a JSON Merge Patch (RFC 7396): send only what
changes; ``null`` puts a setting back to the product default. The result is validated whole,
as a chatflow made from it would be.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.codec import InvalidData, join_path, to_dict
from ..services.widget_setup import validate_widget_defaults
from ..state import server_of
from ..store.accounts import (
    API_KEY_SCOPES,
    account_defaults,
    create_api_key,
    delete_api_key,
    get_account,
    list_api_keys,
    update_account,
)
from .auth import require_user
from .body import PAGE_QUERY, page_of, read_model
from .errors import NotFound, ValidationFailed
from .openapi import operation
from .partial import Patch, merge_patch
from .schemas import Input, Output
from .settings_schemas import nullable, typed

__all__ = ["routes"]

_DOMAIN = re.compile(r"^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
MAX_SETTING_TEXT = 2000  # any one text inside the widget set-up
MAX_SETTING_ITEMS = 500  # any one list inside it


class AccountOut(Output):
    id: str
    name: str
    company_name: str
    domain: str
    timezone: str
    widget_defaults: Annotated[dict[str, Any], typed("AccountDefaults")]
    created_at: str


class AccountPatch(Patch):
    name: str | None = Field(None, min_length=1, max_length=200)
    company_name: str | None = Field(None, max_length=200)
    domain: str | None = Field(None, max_length=255, description="e.g. acme.com (no scheme)")
    timezone: str | None = Field(
        None, min_length=1, max_length=64, description="IANA time zone, e.g. Europe/Oslo"
    )
    widget_defaults: Annotated[dict[str, Any] | None, nullable("AccountDefaultsPatch")] = Field(
        None, description="CF2 set-up, merged into the current one (RFC 7396)"
    )

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                raise ValueError("must be an IANA time zone, e.g. Europe/Oslo") from None
        return value

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value:
            value = value.lower()
            if not _DOMAIN.match(value):
                raise ValueError("must be a domain name such as acme.com (no scheme or path)")
        return value


class TrackingCodeOut(Output):
    account_id: str
    loader_url: str
    snippet: str


ApiKeyScope = Literal[API_KEY_SCOPES]  # type: ignore[valid-type]


class ApiKeyIn(Input):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[ApiKeyScope] = Field(
        min_length=1,
        max_length=len(API_KEY_SCOPES),
        description="what the key may do: <area>:read (GET) or <area>:write (everything)",
    )
    expires_in_days: int = Field(90, ge=1, le=730, description="the key stops working then")


class ApiKeyOut(Output):
    id: str
    name: str
    scopes: list[str]
    expires_at: str
    created_at: str


class NewApiKeyOut(ApiKeyOut):
    key: str = Field(description="the key itself: shown this once, only its hash is stored")


def _account_out(account: Mapping[str, Any]) -> dict[str, Any]:
    return AccountOut.model_validate(
        {**account, "created_at": account["created_at"].isoformat()}
    ).model_dump()


def _key_out(key: Mapping[str, Any]) -> dict[str, Any]:
    return ApiKeyOut.model_validate(
        {
            **key,
            "expires_at": key["expires_at"].isoformat(),
            "created_at": key["created_at"].isoformat(),
        }
    ).model_dump()


def _oversize(data: Any, path: str) -> dict[str, str]:
    """Texts and lists inside the set-up beyond the limits, by path."""
    if isinstance(data, str) and len(data) > MAX_SETTING_TEXT:
        return {path: f"must be at most {MAX_SETTING_TEXT} characters"}
    if isinstance(data, list):
        if len(data) > MAX_SETTING_ITEMS:
            return {path: f"must have at most {MAX_SETTING_ITEMS} items"}
        found: dict[str, str] = {}
        for i, item in enumerate(data):
            found.update(_oversize(item, join_path(path, i)))
        return found
    if isinstance(data, dict):
        found = {}
        for key, item in data.items():
            found.update(_oversize(item, join_path(path, str(key))))
        return found
    return {}


@operation("Read the account", tags=("account",), response=AccountOut, errors=(401, 403))
async def read_account(request: Request) -> Response:
    principal = await require_user(request)
    async with server_of(request).engine.connect() as db:
        account = await get_account(db, principal.account_id)
    return JSONResponse(_account_out(account))


@operation(
    "Change the account and its widget set-up (CF2)",
    tags=("account",),
    request=AccountPatch,
    response=AccountOut,
)
async def patch_account(request: Request) -> Response:
    principal = await require_user(request, "users")
    changes = (await read_model(request, AccountPatch)).changes()
    if "widget_defaults" in changes:
        too_big = _oversize(changes["widget_defaults"], "widget_defaults")
        if too_big:
            raise ValidationFailed("the widget set-up is not valid", fields=too_big)
    async with server_of(request).engine.begin() as db:
        if "widget_defaults" in changes:
            current = to_dict(await account_defaults(db, principal.account_id))
            merged = merge_patch(current, changes["widget_defaults"])
            try:
                changes["widget_defaults"] = await validate_widget_defaults(
                    db, principal.account_id, merged
                )
            except InvalidData as invalid:
                fields = {
                    join_path("widget_defaults", path) if path else "widget_defaults": text
                    for path, text in invalid.as_fields().items()
                }
                raise ValidationFailed("the widget set-up is not valid", fields=fields) from None
        await update_account(db, principal.account_id, changes)
        account = await get_account(db, principal.account_id)
    return JSONResponse(_account_out(account))


@operation(
    "The tracking code for the account's websites (CF5)",
    tags=("account",),
    response=TrackingCodeOut,
    errors=(401, 403),
)
async def tracking_code(request: Request) -> Response:
    principal = await require_user(request)
    server = server_of(request)
    loader = f"{server.settings.public_url.rstrip('/')}/embed/{principal.account_id}.js"
    snippet = (
        f'<script type="text/javascript" id="livechat-loader" '
        f'src="{html.escape(loader)}" async defer></script>'
    )
    out = TrackingCodeOut(account_id=principal.account_id, loader_url=loader, snippet=snippet)
    return JSONResponse(out.model_dump())


@operation(
    "List the API keys",
    tags=("account",),
    response=ApiKeyOut,
    response_list=True,
    query=PAGE_QUERY,
    errors=(401, 403, 422),
)
async def list_keys(request: Request) -> Response:
    principal = await require_user(request, "users")
    limit, offset = page_of(request)
    async with server_of(request).engine.connect() as db:
        keys = await list_api_keys(db, principal.account_id, limit=limit, offset=offset)
    return JSONResponse([_key_out(key) for key in keys])


@operation(
    "Create an API key (shown once)",
    tags=("account",),
    request=ApiKeyIn,
    response=NewApiKeyOut,
    status=201,
    errors=(400, 401, 403, 422),
)
async def create_key(request: Request) -> Response:
    principal = await require_user(request, "users")
    body = await read_model(request, ApiKeyIn)
    server = server_of(request)
    now = server.clock.now()
    async with server.engine.begin() as db:
        key, secret = await create_api_key(
            db,
            principal.account_id,
            now,
            name=body.name,
            scopes=body.scopes,
            expires_at=now + timedelta(days=body.expires_in_days),
        )
    return JSONResponse({**_key_out(key), "key": secret}, status_code=201)


@operation("Revoke an API key", tags=("account",), status=204, errors=(401, 403, 404))
async def delete_key(request: Request) -> Response:
    principal = await require_user(request, "users")
    async with server_of(request).engine.begin() as db:
        deleted = await delete_api_key(db, principal.account_id, request.path_params["key_id"])
    if not deleted:
        raise NotFound("no such API key")
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/account", read_account, methods=["GET"]),
        Route("/account", patch_account, methods=["PATCH"]),
        Route("/account/tracking-code", tracking_code, methods=["GET"]),
        Route("/account/api-keys", list_keys, methods=["GET"]),
        Route("/account/api-keys", create_key, methods=["POST"]),
        Route("/account/api-keys/{key_id}", delete_key, methods=["DELETE"]),
    ]
