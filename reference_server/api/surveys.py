"""Customer satisfaction surveys (OP7) and their answers.

Any user (or an API key) reads surveys and answers; creating, changing and deleting needs the
``chatflows`` permission (a chat survey is part of a chatflow's options). A survey that a
chatflow's CSAT option names cannot be deleted, nor moved from chat to email delivery (409
naming the chatflows). Answers are written by the widget when a conversation closes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ..state import server_of
from ..store import surveys as store
from ..store.chatflows import chatflows_using
from .auth import require_user_or_api_key
from .body import PAGE_QUERY, page_of, read_model
from .errors import Conflict, NotFound
from .openapi import operation
from .partial import Patch
from .schemas import Input, Output

__all__ = ["routes"]

PERMISSION = "chatflows"
Delivery = Literal["chat", "email"]


class SurveyIn(Input):
    name: str = Field(min_length=1, max_length=200)
    delivery: Delivery = "chat"
    question: str = Field(min_length=1, max_length=500)


class SurveyPatch(Patch):
    name: str | None = Field(None, min_length=1, max_length=200)
    delivery: Delivery | None = None
    question: str | None = Field(None, min_length=1, max_length=500)


class SurveyOut(Output):
    id: str
    name: str
    delivery: Delivery
    question: str
    created_at: str


class AnswerOut(Output):
    id: str
    conversation_id: str
    rating: int
    comment: str
    created_at: str


class AnswersOut(Output):
    survey: SurveyOut
    count: int
    average_rating: float | None
    answers: list[AnswerOut]


def _survey_out(survey: Mapping[str, Any]) -> dict[str, Any]:
    return SurveyOut.model_validate(
        {**survey, "created_at": survey["created_at"].isoformat()}
    ).model_dump()


def _answer_out(answer: Mapping[str, Any]) -> dict[str, Any]:
    return AnswerOut.model_validate(
        {**answer, "created_at": answer["created_at"].isoformat()}
    ).model_dump()


def _survey_id(request: Request) -> str:
    return str(request.path_params["survey_id"])


async def _survey(db: AsyncConnection, account_id: str, survey_id: str) -> dict[str, Any]:
    survey = await store.get_survey(db, account_id, survey_id)
    if survey is None:
        raise NotFound("no such survey")
    return survey


async def _refuse_if_used(db: AsyncConnection, account_id: str, survey_id: str, what: str) -> None:
    users = await chatflows_using(
        db, account_id, lambda c: c.options.csat.enabled and c.options.csat.survey_id == survey_id
    )
    if users:
        names = ", ".join(repr(c.name) for c in users)
        raise Conflict(f"cannot {what}: the CSAT option of chatflow(s) {names} uses this survey")


@operation(
    "List surveys",
    method="GET",
    tags=("surveys",),
    response=SurveyOut,
    response_list=True,
    auth="user_or_api_key",
    query=PAGE_QUERY,
    errors=(401, 422),
)
@operation(
    "Create a survey (OP7)",
    method="POST",
    tags=("surveys",),
    request=SurveyIn,
    response=SurveyOut,
    status=201,
    auth="user_or_api_key",
    errors=(400, 401, 403, 413, 422),
)
async def surveys(request: Request) -> Response:
    server = server_of(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        limit, offset = page_of(request)
        async with server.engine.connect() as db:
            found = await store.list_surveys(db, principal.account_id, limit=limit, offset=offset)
        return JSONResponse([_survey_out(survey) for survey in found])
    principal = await require_user_or_api_key(request, PERMISSION)
    body = await read_model(request, SurveyIn)
    async with server.engine.begin() as db:
        survey = await store.create_survey(
            db,
            principal.account_id,
            server.clock.now(),
            name=body.name,
            delivery=body.delivery,
            question=body.question,
        )
    return JSONResponse(_survey_out(survey), status_code=201)


@operation(
    "Read a survey",
    method="GET",
    tags=("surveys",),
    response=SurveyOut,
    auth="user_or_api_key",
    errors=(401, 404),
)
@operation(
    "Change a survey",
    method="PATCH",
    tags=("surveys",),
    request=SurveyPatch,
    response=SurveyOut,
    auth="user_or_api_key",
    errors=(400, 401, 403, 404, 409, 413, 422),
)
@operation(
    "Delete a survey and its answers (409 while a chatflow uses it)",
    method="DELETE",
    tags=("surveys",),
    status=204,
    auth="user_or_api_key",
    errors=(401, 403, 404, 409),
)
async def survey(request: Request) -> Response:
    server = server_of(request)
    survey_id = _survey_id(request)
    if request.method == "GET":
        principal = await require_user_or_api_key(request)
        async with server.engine.connect() as db:
            return JSONResponse(_survey_out(await _survey(db, principal.account_id, survey_id)))
    principal = await require_user_or_api_key(request, PERMISSION)
    account_id = principal.account_id
    if request.method == "PATCH":
        changes = (await read_model(request, SurveyPatch)).changes()
        async with server.engine.begin() as db:
            current = await _survey(db, account_id, survey_id)
            if changes.get("delivery", current["delivery"]) != "chat":
                await _refuse_if_used(db, account_id, survey_id, "deliver it by email")
            await store.update_survey(db, account_id, survey_id, changes)
            return JSONResponse(_survey_out(await _survey(db, account_id, survey_id)))
    async with server.engine.begin() as db:
        await _survey(db, account_id, survey_id)
        await _refuse_if_used(db, account_id, survey_id, "delete it")
        await store.delete_survey(db, account_id, survey_id)
    return Response(status_code=204)


@operation(
    "A survey's answers, newest first, with their count and mean rating (OP7)",
    tags=("surveys",),
    response=AnswersOut,
    auth="user_or_api_key",
    query=PAGE_QUERY,
    errors=(401, 404, 422),
)
async def answers(request: Request) -> Response:
    principal = await require_user_or_api_key(request)
    limit, offset = page_of(request)
    survey_id = _survey_id(request)
    async with server_of(request).engine.connect() as db:
        found = await _survey(db, principal.account_id, survey_id)
        count, average = await store.answer_summary(db, survey_id)
        rows = await store.list_answers(db, survey_id, limit=limit, offset=offset)
    return JSONResponse(
        {
            "survey": _survey_out(found),
            "count": count,
            "average_rating": average,
            "answers": [_answer_out(row) for row in rows],
        }
    )


def routes() -> list[BaseRoute]:
    return [
        Route("/surveys", surveys, methods=["GET", "POST"]),
        Route("/surveys/{survey_id}", survey, methods=["GET", "PATCH", "DELETE"]),
        Route("/surveys/{survey_id}/answers", answers, methods=["GET"]),
    ]
