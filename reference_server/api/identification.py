"""The visitor identification API (CV7): a site's own server, with an API key, asks for a
token for the email address of a user logged in on its site, and gives email and token to
the widget on its pages (``identificationEmail`` / ``identificationToken``). The widget sends
both with its config request; the visitor is then treated as that contact (OP8: no cookie
banner, no ``messagesUtk`` cookie, no email question). Tokens last 12 hours.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..domain.conversation import InvalidEmail, normalise_email
from ..state import server_of
from ..store.identification import create_identification_token
from .auth import require_api_key
from .body import read_model
from .openapi import operation
from .schemas import Input, Output

__all__ = ["routes"]


class IdentificationIn(Input):
    email: str = Field(min_length=3, max_length=254)
    first_name: str = Field("", max_length=200)
    last_name: str = Field("", max_length=200)

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        try:
            return normalise_email(value)
        except InvalidEmail as error:
            raise ValueError(str(error)) from None


class IdentificationOut(Output):
    token: str
    expires_at: str


@operation(
    "Create a visitor identification token for an email address (CV7; API key only)",
    tags=("identification",),
    request=IdentificationIn,
    response=IdentificationOut,
    auth="api_key",
    errors=(400, 401, 403, 413, 422),
)
async def create_token(request: Request) -> Response:
    principal = await require_api_key(request)
    body = await read_model(request, IdentificationIn)
    server = server_of(request)
    async with server.engine.begin() as db:
        token, expires_at = await create_identification_token(
            db,
            principal.account_id,
            server.clock.now(),
            email=body.email,
            first_name=body.first_name,
            last_name=body.last_name,
        )
    return JSONResponse(
        IdentificationOut(token=token, expires_at=expires_at.isoformat()).model_dump()
    )


def routes() -> list[BaseRoute]:
    return [Route("/visitor-identification/tokens", create_token, methods=["POST"])]
