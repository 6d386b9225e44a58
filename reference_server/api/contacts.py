"""Contacts (OP5, OP6, RT4, TG4): read and written by users and, for CRM sync, by
server-to-server callers with an API key.

An address belongs to one contact of the account (409 otherwise); it is stored as the domain
normalises it and matched ignoring case. ``owner_id`` (RT4) must be a user of the account.
``PATCH`` merges ``properties`` (a ``null`` value removes a property); every other field is
replaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.conversation import MAX_EMAIL_LENGTH, InvalidEmail, normalise_email
from ..state import server_of
from ..store.contacts import (
    ContactExists,
    create_contact,
    delete_contact,
    get_contact,
    list_contacts,
    update_contact,
)
from ..store.users import user_ids
from .auth import require_user_or_api_key
from .body import PAGE_QUERY, page_of, read_model
from .errors import Conflict, NotFound, ValidationFailed
from .openapi import operation, text
from .partial import Patch, merge_patch
from .schemas import Input, Output

__all__ = ["routes"]

MAX_PROPERTIES = 100
PropertyName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
PropertyValue = Annotated[str, StringConstraints(max_length=1000)]
Subscription = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=40)]


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return normalise_email(value)
    except InvalidEmail as error:
        raise ValueError(str(error)) from None


def _unique(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


class ContactIn(Input):
    email: str | None = Field(None, max_length=MAX_EMAIL_LENGTH)
    name: str = Field("", max_length=200)
    owner_id: UserId | None = Field(None, description="the contact owner (RT4)")
    properties: dict[PropertyName, PropertyValue] = Field(
        default_factory=dict, max_length=MAX_PROPERTIES
    )
    marketing: bool = Field(False, description="a marketing contact (OP6)")
    subscriptions: list[Subscription] = Field(
        default_factory=list, max_length=50, description="subscription types agreed to (OP5)"
    )

    check_email = field_validator("email")(_email)
    dedupe = field_validator("subscriptions")(_unique)


class ContactPatch(Patch):
    NULLABLE = frozenset({"email", "owner_id"})

    email: str | None = Field(None, max_length=MAX_EMAIL_LENGTH)
    name: str | None = Field(None, max_length=200)
    owner_id: UserId | None = None
    properties: dict[PropertyName, PropertyValue | None] | None = Field(
        None, max_length=MAX_PROPERTIES, description="merged; a null value removes a property"
    )
    marketing: bool | None = None
    subscriptions: list[Subscription] | None = Field(None, max_length=50)

    check_email = field_validator("email")(_email)
    dedupe = field_validator("subscriptions")(_unique)


class ContactOut(Output):
    id: str
    email: str | None
    name: str
    owner_id: str | None
    properties: dict[str, str]
    marketing: bool
    subscriptions: list[str]
    created_at: str


def _out(contact: Mapping[str, Any]) -> dict[str, Any]:
    return ContactOut.model_validate(
        {**contact, "created_at": contact["created_at"].isoformat()}
    ).model_dump()


def _taken(error: ContactExists | None = None) -> Conflict:
    where = f"contact {error.contact_id} has it" if error is not None else "is in use"
    return Conflict("another contact has this email address", fields={"email": where})


async def _check_owner(db: AsyncConnection, account_id: str, owner_id: str | None) -> None:
    if owner_id is not None and owner_id not in await user_ids(db, account_id):
        raise ValidationFailed(
            "unknown owner", fields={"owner_id": f"no user {owner_id!r} in this account"}
        )


@operation(
    "List contacts, or find one by email",
    tags=("contacts",),
    response=ContactOut,
    response_list=True,
    auth="user_or_api_key",
    query=(
        text("email", "only the contact with this address (any case)"),
        *PAGE_QUERY,
    ),
    errors=(401, 422),
)
async def list_all(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    limit, offset = page_of(request)
    email = request.query_params.get("email")
    if email is not None and len(email) > MAX_EMAIL_LENGTH:
        raise ValidationFailed(
            "bad query parameter",
            fields={"email": f"must be at most {MAX_EMAIL_LENGTH} characters"},
        )
    async with server_of(request).engine.connect() as db:
        contacts = await list_contacts(
            db, principal.account_id, email=email, limit=limit, offset=offset
        )
    return JSONResponse([_out(contact) for contact in contacts])


@operation(
    "Create a contact",
    tags=("contacts",),
    request=ContactIn,
    response=ContactOut,
    status=201,
    auth="user_or_api_key",
    errors=(400, 401, 409, 422),
)
async def create(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    body = await read_model(request, ContactIn)
    server = server_of(request)
    try:
        async with server.engine.begin() as db:
            await _check_owner(db, principal.account_id, body.owner_id)
            contact = await create_contact(
                db,
                principal.account_id,
                server.clock.now(),
                email=body.email,
                name=body.name,
                owner_id=body.owner_id,
                properties=body.properties,
                marketing=body.marketing,
                subscriptions=body.subscriptions,
            )
    except ContactExists as error:
        raise _taken(error) from None
    except IntegrityError:  # the same address created at the same instant
        raise _taken() from None
    return JSONResponse(_out(contact), status_code=201)


@operation(
    "Read a contact",
    tags=("contacts",),
    response=ContactOut,
    auth="user_or_api_key",
    errors=(401, 404),
)
async def read(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    async with server_of(request).engine.connect() as db:
        contact = await get_contact(db, principal.account_id, request.path_params["contact_id"])
    if contact is None:
        raise NotFound("no such contact")
    return JSONResponse(_out(contact))


@operation(
    "Change a contact",
    tags=("contacts",),
    request=ContactPatch,
    response=ContactOut,
    auth="user_or_api_key",
    errors=(400, 401, 404, 409, 422),
)
async def patch(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    changes = (await read_model(request, ContactPatch)).changes()
    contact_id = request.path_params["contact_id"]
    try:
        async with server_of(request).engine.begin() as db:
            contact = await get_contact(db, principal.account_id, contact_id)
            if contact is None:
                raise NotFound("no such contact")
            if "owner_id" in changes:
                await _check_owner(db, principal.account_id, changes["owner_id"])
            if "properties" in changes:
                merged = merge_patch(contact["properties"], changes["properties"])
                if len(merged) > MAX_PROPERTIES:
                    raise ValidationFailed(
                        "too many properties",
                        fields={"properties": f"a contact has at most {MAX_PROPERTIES} properties"},
                    )
                changes["properties"] = merged
            await update_contact(db, principal.account_id, contact_id, changes)
            contact = await get_contact(db, principal.account_id, contact_id)
    except ContactExists as error:
        raise _taken(error) from None
    except IntegrityError:
        raise _taken() from None
    assert contact is not None
    return JSONResponse(_out(contact))


@operation(
    "Delete a contact", tags=("contacts",), status=204, auth="user_or_api_key", errors=(401, 404)
)
async def delete(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    contact_id = request.path_params["contact_id"]
    async with server_of(request).engine.begin() as db:
        if await get_contact(db, principal.account_id, contact_id) is None:
            raise NotFound("no such contact")
        await delete_contact(db, principal.account_id, contact_id)
    return Response(status_code=204)


def routes() -> list[BaseRoute]:
    return [
        Route("/contacts", list_all, methods=["GET"]),
        Route("/contacts", create, methods=["POST"]),
        Route("/contacts/{contact_id}", read, methods=["GET"]),
        Route("/contacts/{contact_id}", patch, methods=["PATCH"]),
        Route("/contacts/{contact_id}", delete, methods=["DELETE"]),
    ]
