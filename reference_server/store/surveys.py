"""Customer satisfaction surveys (OP7) and their answers.

A survey delivered by ``chat`` may be named by a chatflow's CSAT option; the widget shows it
when the conversation closes and the answers land in ``survey_answers`` (written by the
conversations slice, read here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from ..secrets import new_id
from . import schema as t

__all__ = [
    "answer_summary",
    "chat_survey_ids",
    "create_survey",
    "delete_survey",
    "get_survey",
    "list_answers",
    "list_surveys",
    "update_survey",
]

_s = t.surveys
_ans = t.survey_answers


async def list_surveys(
    db: AsyncConnection, account_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    rows = (
        await db.execute(
            sa.select(_s)
            .where(_s.c.account_id == account_id)
            .order_by(_s.c.created_at, _s.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return [dict(row) for row in rows]


async def get_survey(db: AsyncConnection, account_id: str, survey_id: str) -> dict[str, Any] | None:
    row = (
        (await db.execute(sa.select(_s).where(_s.c.account_id == account_id, _s.c.id == survey_id)))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


async def chat_survey_ids(db: AsyncConnection, account_id: str) -> set[str]:
    """OP7: the surveys a chatflow's CSAT option may name (delivered by chat)."""
    rows = (
        await db.execute(
            sa.select(_s.c.id).where(_s.c.account_id == account_id, _s.c.delivery == "chat")
        )
    ).all()
    return {row.id for row in rows}


async def create_survey(
    db: AsyncConnection, account_id: str, now: datetime, *, name: str, delivery: str, question: str
) -> dict[str, Any]:
    row = {
        "id": new_id("srv"),
        "account_id": account_id,
        "name": name,
        "delivery": delivery,
        "question": question,
        "created_at": now,
    }
    await db.execute(_s.insert().values(**row))
    return row


async def update_survey(
    db: AsyncConnection, account_id: str, survey_id: str, values: Mapping[str, Any]
) -> None:
    if values:
        await db.execute(
            _s.update()
            .where(_s.c.account_id == account_id, _s.c.id == survey_id)
            .values(**dict(values))
        )


async def delete_survey(db: AsyncConnection, account_id: str, survey_id: str) -> bool:
    """Remove a survey with its answers."""
    await db.execute(_ans.delete().where(_ans.c.survey_id == survey_id))
    result = await db.execute(
        _s.delete().where(_s.c.account_id == account_id, _s.c.id == survey_id)
    )
    return result.rowcount > 0


async def list_answers(
    db: AsyncConnection, survey_id: str, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The survey's answers, newest first."""
    rows = (
        await db.execute(
            sa.select(_ans)
            .where(_ans.c.survey_id == survey_id)
            .order_by(_ans.c.created_at.desc(), _ans.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).mappings()
    return [dict(row) for row in rows]


async def answer_summary(db: AsyncConnection, survey_id: str) -> tuple[int, float | None]:
    """How many answers the survey has, and their mean rating (``None`` without answers)."""
    row = (
        await db.execute(
            sa.select(sa.func.count(), sa.func.avg(_ans.c.rating)).where(
                _ans.c.survey_id == survey_id
            )
        )
    ).one()
    count, average = row
    return int(count), (round(float(average), 2) if average is not None else None)
