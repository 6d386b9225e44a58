"""What a visitor tells us in a conversation: an email address (BD2, OP6), consent (OP4,
OP5) and a satisfaction answer (OP7).

- :func:`capture_email`: the domain's ``normalise_email`` and ``match_contact`` — an address
  that matches a contact (ignoring case) links it; one that matches none creates a contact,
  a marketing contact when the chatflow's OP6 switch is on. The conversation and the visitor
  are linked to the contact. Identified visitors (OP8) are contacts already: 409.
- :func:`give_consent`: stores what the visitor agreed to on the conversation (shown to
  agents, CV2) and on the visitor (kept for later conversations); communication consent
  (OP5) subscribes a known contact to the chatflow's subscription type.
  :func:`give_visitor_consent`: the same answers before any conversation exists.
- :func:`answer_csat`: once the conversation is closed, one answer per conversation to the
  chatflow's chat survey (``survey_on_close`` via ``survey_for``, ``validate_csat_answer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..domain.chatflow import Language
from ..domain.consent import ConsentGiven, consent_for_conversation
from ..domain.conversation import (
    ConversationStatus,
    InvalidAnswer,
    InvalidEmail,
    email_key,
    match_contact,
    normalise_email,
    validate_csat_answer,
)
from ..secrets import new_id
from ..state import Server
from ..store import conversations as store
from ..store.contacts import ContactExists, add_subscription, create_contact, find_contact_by_email
from ..store.visitors import link_contact
from .announce import announce_conversation
from .conversations import survey_for
from .errors import Conflict, NotFound, ValidationFailed
from .visitor_consent import given_json, plan_for, record_answers, send_json

__all__ = ["answer_csat", "capture_email", "give_consent", "give_visitor_consent"]


async def capture_email(
    server: Server, conversation: Mapping[str, Any], email: str
) -> dict[str, Any]:
    """BD2: link or create the contact for ``email``; returns ``{contact_id, created}``."""
    try:
        address = normalise_email(email)
    except InvalidEmail as error:
        raise ValidationFailed(str(error), fields={"email": str(error)}) from None
    account_id = conversation["account_id"]
    now = server.clock.now()
    async with server.engine.connect() as db:
        visitor = await store.get_visitor(db, account_id, conversation["visitor_id"])
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
    if visitor is not None and visitor["identified"]:
        raise Conflict(
            "an identified visitor is a known contact already", code="already_identified"
        )
    marketing = chatflow.options.marketing_contacts if chatflow is not None else False
    for attempt in range(2):  # a second try when someone created the same contact meanwhile
        try:
            async with server.engine.begin() as db:
                found = await find_contact_by_email(db, account_id, address)
                known = {email_key(found["email"]): found["id"]} if found else {}
                match = match_contact(address, known, marketing)
                if match.create:
                    contact = await create_contact(
                        db, account_id, now, email=address, marketing=match.marketing_contact
                    )
                    contact_id = contact["id"]
                else:
                    assert match.contact_id is not None
                    contact_id = match.contact_id
                await store.update_conversation(db, conversation["id"], {"contact_id": contact_id})
                await link_contact(db, conversation["visitor_id"], contact_id)
            break
        except (ContactExists, IntegrityError):
            if attempt == 1:
                raise
    updated = {**conversation, "contact_id": contact_id}
    await announce_conversation(server, "updated", updated)
    return {"contact_id": contact_id, "created": match.create}


async def give_consent(
    server: Server,
    conversation: Mapping[str, Any],
    *,
    data_processing: bool | None,
    cookies: bool | None,
    communication: bool | None,
) -> dict[str, Any]:
    """Store the visitor's answers (fields left None are kept); returns the consent given."""
    current = dict(conversation["consent"] or {})
    if data_processing is not None:
        current["data_processing"] = data_processing
    if cookies is not None:
        current["cookies"] = cookies
    if communication is not None:
        current["communication"] = communication
    given = ConsentGiven(
        cookies=current.get("cookies"),
        data_processing=bool(current.get("data_processing")),
        communication=bool(current.get("communication")),
    )
    stored = {
        "cookies": given.cookies,
        "data_processing": given.data_processing,
        "communication": given.communication,
    }
    account_id = conversation["account_id"]
    plan = None
    async with server.engine.begin() as db:
        await store.update_conversation(db, conversation["id"], {"consent": stored})
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
        visitor = await store.get_visitor(db, account_id, conversation["visitor_id"])
        contact_id = conversation["contact_id"] or (visitor["contact_id"] if visitor else None)
        option = chatflow.options.communication_consent if chatflow is not None else None
        if given.communication and contact_id and option is not None and option.enabled:
            await add_subscription(db, account_id, contact_id, option.subscription_type)
        if chatflow is not None and visitor is not None:
            # The visitor's answers outlive this conversation (the domain says how far).
            plan = plan_for(chatflow, identified=bool(visitor["identified"]))
            await record_answers(
                db,
                visitor,
                plan,
                cookies=cookies,
                data_processing=data_processing,
                communication=communication,
            )
    await announce_conversation(server, "updated", {**conversation, "consent": stored})
    status = ConversationStatus(conversation["status"])
    language = Language(conversation["language"])
    return {**stored, "send": send_json(plan, given, status, language)}


async def give_visitor_consent(
    server: Server,
    account_id: str,
    visitor_id: str,
    chatflow_id: str,
    *,
    data_processing: bool | None,
    cookies: bool | None,
    communication: bool | None,
) -> dict[str, Any]:
    """The visitor answers before any conversation (e.g. "I agree" in an empty chat): the
    answers are kept for the conversations to come. Returns the consent that holds for a new
    conversation on ``chatflow_id`` and whether the visitor may now write."""
    async with server.engine.begin() as db:
        chatflow = await store.load_chatflow(db, account_id, chatflow_id)
        visitor = await store.get_visitor(db, account_id, visitor_id)
        if chatflow is None or not chatflow.published:
            raise ValidationFailed(
                "no such chatflow", fields={"chatflow_id": "no published chatflow has this id"}
            )
        if visitor is None:
            raise NotFound("no such visitor")
        plan = plan_for(chatflow, identified=bool(visitor["identified"]))
        record = await record_answers(
            db,
            visitor,
            plan,
            cookies=cookies,
            data_processing=data_processing,
            communication=communication,
        )
    given = consent_for_conversation(plan, record)
    return {"given": given_json(given), "send": send_json(plan, given, None, chatflow.language)}


async def answer_csat(
    server: Server, conversation: Mapping[str, Any], rating: int, comment: str
) -> dict[str, Any]:
    """OP7: store the visitor's answer to the chat survey (409 when not closed, when the
    chatflow has no survey, or when this conversation was answered already)."""
    if conversation["status"] != ConversationStatus.CLOSED.value:
        raise Conflict("the survey is answered once the conversation is closed", code="not_closed")
    account_id = conversation["account_id"]
    async with server.engine.connect() as db:
        chatflow = await store.load_chatflow(db, account_id, conversation["chatflow_id"])
        existing = await store.csat_answer(db, conversation["id"])
        survey = await survey_for(db, account_id, chatflow)
    if survey is None:
        raise Conflict("this chat has no satisfaction survey", code="no_survey")
    survey_id = survey["survey_id"]
    try:
        rating, comment = validate_csat_answer(rating, comment)
    except InvalidAnswer as error:
        field = "rating" if str(error).startswith("the rating") else "comment"
        raise ValidationFailed(str(error), fields={field: str(error)}) from None
    if existing is not None:
        raise Conflict("this conversation's survey was answered already", code="already_answered")
    row = {
        "id": new_id("ans"),
        "survey_id": survey_id,
        "conversation_id": conversation["id"],
        "rating": rating,
        "comment": comment,
        "created_at": server.clock.now(),
    }
    try:
        async with server.engine.begin() as db:
            await store.insert_csat_answer(db, row)
    except IntegrityError:
        raise Conflict(
            "this conversation's survey was answered already", code="already_answered"
        ) from None
    await announce_conversation(server, "updated", conversation)
    return {
        "survey_id": survey_id,
        "rating": rating,
        "comment": comment,
        "created_at": row["created_at"].isoformat(),
    }
