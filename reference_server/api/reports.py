"""Reports under ``/api/v1/reports``: the chat KPIs of a window (``GET /reports/chats``), for
admins and for API keys with the ``reports:read`` scope — load tests read them beside what
their visitors measured, capacity planners beside the simulator's figures."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..services.errors import Forbidden, ValidationFailed
from ..services.reports import ChatReportQuery, chat_report
from ..state import server_of
from .auth import require_user_or_api_key
from .openapi import QueryParam, operation, text
from .schemas import Output

__all__ = ["routes"]


class ChatReportOut(Output):
    since: str
    until: str
    service_level_seconds: float
    chats: int
    offered: int
    answered: int
    abandoned: int
    waiting: int
    answered_in_time: int
    service_level: float | None
    abandonment: float | None
    mean_wait_seconds: float | None
    wait_percentiles_seconds: dict[str, float | None]


THRESHOLD = QueryParam(
    "service_level_seconds",
    "the service level's threshold in seconds (a load test compressing time asks for less "
    "than a second); 0 to 86400, default 60",
    {"type": "number", "minimum": 0, "maximum": 86_400, "default": 60},
)


def _threshold(request: Request) -> float:
    raw = request.query_params.get("service_level_seconds")
    if raw is None:
        return 60.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 86_400.0:  # NaN fails too
        raise ValidationFailed(
            "bad query parameter", fields={"service_level_seconds": "must be 0 to 86400"}
        )
    return value


def _moment(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = raw.strip().upper()
        if "T" in value:  # an offset's "+" unescaped in a query string arrives as a space
            value = value.replace(" ", "+")
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            "bad query parameter",
            fields={name: "must be a date and time, e.g. 2026-03-02T10:00:00Z"},
        ) from None


@operation(
    "Chat KPIs of the conversations that arrived in a window",
    tags=("reports",),
    response=ChatReportOut,
    auth="user_or_api_key",
    query=(
        text("since", "start of the window (ISO 8601; default: an hour before until)"),
        text("until", "end of the window (ISO 8601; default and at most: now)"),
        THRESHOLD,
    ),
    errors=(401, 403, 422),
)
async def chats(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    if principal.kind == "user" and principal.role != "admin":
        raise Forbidden("reports are for admins")
    query = ChatReportQuery(
        since=_moment(request, "since"),
        until=_moment(request, "until"),
        service_level_seconds=_threshold(request),
    )
    return JSONResponse(await chat_report(server_of(request), principal.account_id, query))


def routes() -> list[BaseRoute]:
    return [Route("/reports/chats", chats, methods=["GET"])]
