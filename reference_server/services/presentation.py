"""How the widget presents a chatflow, and a conversation on it (BD1, BD3, BD4, AV4-AV7, OP1).

A *presentation* is everything the widget's window shows about who answers: the language and
its texts, the accent colour, the header (people and one line, the domain's
:mod:`~reference_server.domain.header`) and the welcome bubble. The page's chatflow has one
(what a new conversation looks like); each conversation has its own, from its own chatflow,
so an open conversation keeps its heading, colour, texts and welcome message on every page
until it ends, and its header follows the conversation's real state (its agent once
assigned, no "we're away" beside them).

Availability is computed over the agents routing could give the chat to, as they are now
(read on every call, or kept until the next write that changes them: see
:mod:`.page_view_cache`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.availability import AvailabilityView, ChatState, availability_view, chat_state
from ..domain.chatflow import Chatflow, Language
from ..domain.consent import CompanyNames, consent_plan
from ..domain.conversation import ConversationStatus, Person, chat_heading, sender_shown
from ..domain.header import Header, conversation_header, page_header
from ..domain.intake import routing_properties
from ..domain.routing import Agent, ConversationRequest, eligible_agents
from ..domain.texts import TEXTS
from ..store.accounts import get_account
from ..store.people import heading_people
from ..store.users import agents_snapshot

__all__ = [
    "Surroundings",
    "availability_of",
    "conversation_presentation",
    "heading_of_chatflow",
    "page_presentation",
    "person_json",
    "surroundings",
    "widget_texts",
]

_WIDGET_TEXTS = ("widget.", "email_capture.")


def widget_texts(language: Language) -> dict[str, str]:
    """The widget's own texts in ``language`` (OP1): the chrome and the defaults it shows."""
    return {key: value for key, value in TEXTS[language].items() if key.startswith(_WIDGET_TEXTS)}


def person_json(person: Person) -> dict[str, str]:
    return {"id": person.id, "name": person.name, "avatar_url": person.avatar_url}


@dataclass(frozen=True)
class Surroundings:
    """What presentations read from the account, once per answer: its people by id, its
    teams' members (BD3), its agents as routing sees them now (AV1) and the names OP5's
    default text may use."""

    users: Mapping[str, Person]
    teams: Mapping[str, tuple[Person, ...]]
    agents: Sequence[Agent]
    company: CompanyNames


async def surroundings(db: AsyncConnection, account_id: str) -> Surroundings:
    users, teams = await heading_people(db, account_id)
    account = await get_account(db, account_id)
    company = CompanyNames(
        company_name=account["company_name"], account_name=account["name"], domain=account["domain"]
    )
    return Surroundings(users, teams, await agents_snapshot(db, account_id), company)


_ELIGIBLE_KEPT = 1024  # per account view: the pages (and their properties) chats come from


def availability_of(
    chatflow: Chatflow,
    around: Surroundings,
    url: str,
    now: datetime,
    *,
    state: ChatState | None = None,
    page_properties: Mapping[str, str] | None = None,
    eligible_kept: dict[Any, tuple[Agent, ...]] | None = None,
) -> AvailabilityView:
    """AV1-AV7 for a chat on ``chatflow`` from ``url`` (or in ``state``, for a preview),
    with the routing properties the page declares (RT3). ``eligible_kept`` keeps who routing
    could give such a chat to, by chatflow and page: the caller promises ``chatflow`` and
    ``around`` stay as they are while it keeps them (states still follow the clock)."""
    build = chatflow.build
    if state is None:
        # RT3: as a chat from this page would be routed.
        key = None
        eligible = None
        if eligible_kept is not None:
            key = (chatflow.id, url, tuple((page_properties or {}).items()))
            eligible = eligible_kept.get(key)
        if eligible is None:
            properties = routing_properties(chatflow, url, page_properties or {})
            request = ConversationRequest(id="", properties=properties)
            eligible = eligible_agents(build.assignment, around.agents, request)
            if eligible_kept is not None:
                if len(eligible_kept) >= _ELIGIBLE_KEPT:
                    eligible_kept.clear()
                eligible_kept[key] = eligible
        state = chat_state(build.availability, eligible, now)
    return availability_view(build.availability, state, now, chatflow.language)


def heading_of_chatflow(
    chatflow: Chatflow, around: Surroundings, owner_id: str | None
) -> tuple[Person, ...]:
    """BD3: who the chatflow's heading shows (the contact's owner when it says so)."""
    owner = around.users.get(owner_id) if owner_id else None
    return chat_heading(chatflow.build.heading, around.users, around.teams, owner)


def _presentation(
    chatflow: Chatflow, header: Header, people: Sequence[Person], company: CompanyNames
) -> dict[str, Any]:
    first = people[0] if people else None
    # OP4, OP5: the notice and the checkbox of this chatflow (identification only changes
    # the cookie banner, which belongs to the page, not to a conversation).
    plan = consent_plan(chatflow.options, chatflow.language, False, company)
    return {
        "chatflow_id": chatflow.id,
        "language": chatflow.language.value,
        "texts": widget_texts(chatflow.language),
        "accent_color": chatflow.display.accent_color,
        "brand_alias": chatflow.build.heading.brand_alias,
        "header": {
            "people": [person_json(person) for person in header.people],
            "line": header.line,
        },
        "welcome": {
            "text": chatflow.build.welcome_message,
            "sender": person_json(first) if first is not None else None,
        },
        "consent": {
            "data_processing": plan.data_processing.value if plan.data_processing else None,
            "data_processing_text": plan.data_processing_text,
            "privacy_policy_url": plan.privacy_policy_url,
            "communication_checkbox": plan.communication_checkbox,
            "communication_text": plan.communication_text,
        },
    }


def page_presentation(
    chatflow: Chatflow, people: Sequence[Person], view: AvailabilityView, company: CompanyNames
) -> dict[str, Any]:
    """What a new conversation on ``chatflow`` looks like."""
    return _presentation(chatflow, page_header(people, view), people, company)


def conversation_presentation(
    chatflow: Chatflow,
    conversation: Mapping[str, Any],
    around: Surroundings,
    owner_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """What ``conversation`` looks like: its own chatflow's identity, and a header that
    follows its status (its agent once assigned, as the visitor sees them, BD4)."""
    people = heading_of_chatflow(chatflow, around, owner_id)
    status = ConversationStatus(conversation["status"])
    agent = None
    if conversation["assignee_id"]:
        found = around.users.get(conversation["assignee_id"])
        if found is not None:
            agent = sender_shown(chatflow.build.heading, found)
    view = availability_of(chatflow, around, conversation["page_url"] or "", now)
    header = conversation_header(people, view, status, agent)
    return _presentation(chatflow, header, people, around.company)
