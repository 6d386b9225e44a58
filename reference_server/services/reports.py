"""The chat report: KPIs of the conversations that arrived in a window (for load tests and
capacity planners comparing a live server with the simulator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.chat_kpis import chat_kpis
from ..state import Server
from ..store.reports import chats_arrived_between
from .errors import ValidationFailed

__all__ = ["ChatReportQuery", "chat_report"]

LONGEST_WINDOW = timedelta(days=31)


@dataclass(frozen=True)
class ChatReportQuery:
    """``until`` left out: now; ``since`` left out: an hour before ``until``."""

    since: datetime | None = None
    until: datetime | None = None
    service_level_seconds: float = 60.0


async def chat_report(server: Server, account_id: str, query: ChatReportQuery) -> dict[str, Any]:
    now = server.clock.now()
    until = min(query.until or now, now)  # the future has no chats yet
    try:
        since = query.since or until - timedelta(hours=1)
    except OverflowError:
        raise ValidationFailed("bad window", fields={"until": "is too early"}) from None
    if since > until:
        raise ValidationFailed("bad window", fields={"since": "must not be after until"})
    if until - since > LONGEST_WINDOW:
        raise ValidationFailed("bad window", fields={"since": "the window is at most 31 days"})
    async with server.engine.connect() as db:
        chats = await chats_arrived_between(db, account_id, since, until)
    kpis = chat_kpis(chats, service_level_seconds=query.service_level_seconds)
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "service_level_seconds": query.service_level_seconds,
        "chats": kpis.chats,
        "offered": kpis.offered,
        "answered": kpis.answered,
        "abandoned": kpis.abandoned,
        "waiting": kpis.waiting,
        "answered_in_time": kpis.answered_in_time,
        "service_level": kpis.service_level,
        "abandonment": kpis.abandonment,
        "mean_wait_seconds": kpis.mean_wait_seconds,
        "wait_percentiles_seconds": {
            f"p{q:g}": value for q, value in kpis.wait_percentiles_seconds
        },
    }
