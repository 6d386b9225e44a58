"""A visitor's consent between page views and conversations (OP3-OP5), and what the widget
is told about it.

The server keeps each visitor's answers (the domain's ``ConsentRecord``, on the visitor row),
so the widget never works from page memory: a reload, another page or a new conversation
after a close gets the consent the domain says still holds (``consent_for_conversation``).
Answers come from the consent endpoint and frame, and from a ``start``; a ``start`` never
withdraws an "I agree" (older widgets send ``data_processing: false`` for "not clicked on
this page").

:func:`send_json` is the decision the widget shows (may the visitor write, and if not, why,
in the conversation's language) — the domain's ``visitor_may_send``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.chatflow import Chatflow, Language
from ..domain.consent import (
    CompanyNames,
    ConsentCheck,
    ConsentGiven,
    ConsentPlan,
    ConsentRecord,
    PageBanner,
    consent_for_conversation,
    consent_plan,
    may_send_message,
    remember_answers,
)
from ..domain.conversation import ConversationStatus, refusal_text, visitor_may_send
from ..store.visitors import consent_record, save_consent_record

__all__ = [
    "answers_at_start",
    "given_json",
    "plan_for",
    "record_answers",
    "send_json",
]


def plan_for(
    chatflow: Chatflow,
    *,
    identified: bool,
    company: CompanyNames | None = None,
    page_banner: PageBanner = PageBanner.CHATFLOW,
) -> ConsentPlan:
    """The chatflow's consent plan (the company names only matter for OP5's default text)."""
    return consent_plan(
        chatflow.options, chatflow.language, identified, company or CompanyNames(), page_banner
    )


def given_json(given: ConsentGiven) -> dict[str, Any]:
    return {
        "cookies": given.cookies,
        "data_processing": given.data_processing,
        "communication": given.communication,
    }


def send_json(
    plan: ConsentPlan | None,
    given: ConsentGiven,
    status: ConversationStatus | None,
    language: Language,
) -> dict[str, Any]:
    """May the visitor write in a conversation in ``status`` (``None``: a new one), and if
    not, the refusal's code, its localised text and the consents missing. ``plan`` is
    ``None`` when the conversation's chatflow is gone (nothing left to consent to)."""
    check = may_send_message(plan, given) if plan is not None else ConsentCheck(allowed=True)
    decision = visitor_may_send(status, check)
    return {
        "allowed": decision.allowed,
        "reason": decision.refusal.value if decision.refusal is not None else None,
        "message": refusal_text(decision.refusal, language) if decision.refusal else "",
        "missing": list(decision.missing),
    }


def answers_at_start(
    visitor: Mapping[str, Any] | None, plan: ConsentPlan, answered: ConsentGiven | None
) -> tuple[ConsentRecord, ConsentGiven]:
    """The visitor's record after a ``start`` with ``answered`` (None: no answers sent), and
    the consent the new conversation holds."""
    record = consent_record(visitor)
    if answered is not None:
        record = remember_answers(
            record,
            plan,
            cookies=answered.cookies,
            data_processing=True if answered.data_processing else None,
            communication=answered.communication if answered.communication else None,
        )
    return record, consent_for_conversation(plan, record)


async def record_answers(
    db: AsyncConnection,
    visitor: Mapping[str, Any],
    plan: ConsentPlan,
    *,
    cookies: bool | None = None,
    data_processing: bool | None = None,
    communication: bool | None = None,
) -> ConsentRecord:
    """Store the visitor's new answers (None: unchanged) and return the record."""
    before = consent_record(visitor)
    record = remember_answers(
        before,
        plan,
        cookies=cookies,
        data_processing=data_processing,
        communication=communication,
    )
    if record != before:
        await save_consent_record(db, visitor["id"], record)
    return record
