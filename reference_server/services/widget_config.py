"""What the widget shows on one page view, decided by the domain's rules (the public widget
API's ``config`` call and the chatflow preview, CF4).

:func:`widget_config` answers a page's loader: who the visitor is (CV7 identification, the
``messagesUtk`` cookie or a session token), which published chatflow applies (TG1-TG6), and
:func:`decide` composes the rest from domain calls — texts (OP1), heading (BD3, BD4), welcome
message (BD1), availability (AV1-AV7) over routing's eligible agents as they are now, display mode
and triggers (DS1-DS4), consent (OP3-OP5, OP8), email capture (BD2), the help tab (BD5),
CSAT (OP7) and the cookies the loader must write.

The answer is plain JSON-ready data (see ``api/widget.py`` for its documented shape). It
carries decisions, not settings, for the widget to show: the presentation of a new
conversation and of the visitor's open one (:mod:`.presentation`), the prompt's text, the
moment the cookie banner is due, the consent that already holds and whether the visitor may
write (and why not) — each from the domain.

What a page view reads comes through the process's kept reads when the server has them
(:mod:`.page_view_cache`: the account's chatflows, people and agents, the visitor's row),
which every committed write moves on: an agent's status change shows in the very next answer,
and a returning visitor's page view in the steady state opens no transaction at all. The
answer for what it depends on (availability, device, cookies, consent) is composed once per
account view; availability itself is decided on every call against the clock.

Visitors: a token presented by the ``messagesUtk`` cookie (or, when cookies are not allowed,
the ``visitor_token`` the widget kept for the session) names the visitor; an unknown or
missing one gets a new visitor. Identified visitors (valid email + token) are the contact's
own visitors: an anonymous visitor's token is never reused for them (someone else may have
used that browser), and an identified visitor's token without a valid identification starts
a new anonymous visitor. The visitor token is the ``messagesUtk`` value whenever that cookie
is allowed. A ``messagesUtk`` cookie the server issued counts as the visitor's earlier "yes"
to chat cookies when the page does not say otherwise (the cookie is only ever set after one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.availability import AvailabilityView, ChatState
from ..domain.chatflow import Chatflow, Language
from ..domain.consent import (
    ConsentGiven,
    ConsentRecord,
    PageBanner,
    consent_for_conversation,
    cookie_banner_due,
    messages_utk_allowed,
)
from ..domain.conversation import (
    SenderKind,
    email_capture_text,
    should_ask_for_email,
    survey_on_close,
)
from ..domain.display import (
    CookieInstruction,
    Device,
    VisitorCookies,
    WidgetMode,
    messages_utk_instruction,
    mode_with_conversation,
    parse_cookies,
    widget_mode,
)
from ..domain.header import prompt_text
from ..domain.targeting import PageView, Visitor, select_chatflow
from ..domain.texts import TEXTS
from ..store import contacts
from ..store.identification import resolve_identification
from ..store.messages import visitor_unread_counts
from ..store.visitors import (
    consent_record,
    create_visitor,
    save_consent_record,
    touch_visitor,
    visitor_seen_due,
)
from .page_view_cache import (
    AccountView,
    KnownVisitor,
    PageViewCache,
    read_account_view,
    read_visitor,
)
from .presentation import (
    Surroundings,
    availability_of,
    heading_of_chatflow,
    page_presentation,
    person_json,
    surroundings,
)
from .visitor_consent import given_json, plan_for, send_json

__all__ = [
    "ConfigRequest",
    "cookie_json",
    "decide",
    "widget_config",
]


@dataclass(frozen=True)
class ConfigRequest:
    """What the loader sends: the page, the device, the page's cookies (name → value), the
    session's visitor token, the identification pair, the cookie-consent answer and the
    page's cookie-banner setting (the SDK's ``enableWidgetCookieBanner``)."""

    url: str
    device: Device = Device.DESKTOP
    cookies: Mapping[str, str] = field(default_factory=dict)
    visitor_token: str | None = None
    identification_email: str | None = None
    identification_token: str | None = None
    consent_cookies: bool | None = None
    page_banner: PageBanner = PageBanner.CHATFLOW
    page_properties: Mapping[str, str] = field(default_factory=dict)  # RT3, the page's own


def cookie_json(instruction: CookieInstruction) -> dict[str, Any]:
    return {
        "name": instruction.name,
        "value": instruction.value,
        "max_age_seconds": instruction.max_age_seconds,
    }


Connect = Callable[[], Awaitable[AsyncConnection]]  # the page view's transaction, on demand


@dataclass(frozen=True)
class _Visitor:
    row: dict[str, Any] | None  # a stored visitor to go on with, or None: make one
    token: str | None
    contact_id: str | None
    identified: bool
    has_conversations: bool = False


class _Reads:
    """What a page view reads, through the process's kept reads when there are any."""

    def __init__(self, connect: Connect, account_id: str, cache: PageViewCache | None) -> None:
        self.connect, self.account_id, self.cache = connect, account_id, cache

    async def account(self) -> AccountView:
        if self.cache is not None:
            return await self.cache.account(self.connect, self.account_id)
        return await read_account_view(await self.connect(), self.account_id)

    async def visitor(self, token: str) -> KnownVisitor | None:
        if self.cache is not None:
            return await self.cache.visitor(self.connect, self.account_id, token)
        return await read_visitor(await self.connect(), self.account_id, token)


async def _who(
    reads: _Reads,
    request: ConfigRequest,
    cookies: VisitorCookies,
    now: datetime,
) -> _Visitor:
    contact_id: str | None = None
    if request.identification_email and request.identification_token:
        contact_id = await resolve_identification(
            await reads.connect(),
            reads.account_id,
            request.identification_email,
            request.identification_token,
            now,
        )
    identified = contact_id is not None
    for token in (cookies.messages_utk, request.visitor_token):
        known = await reads.visitor(token) if token else None
        if known is None:
            continue
        row = known.row
        if row["identified"] != identified or (identified and row["contact_id"] != contact_id):
            continue  # never carry a visitor across an identification boundary
        if not identified:
            contact_id = row["contact_id"]  # e.g. linked by email capture (BD2)
        return _Visitor(row, token, contact_id, identified, known.has_conversations)
    return _Visitor(None, None, contact_id, identified)


async def _contact(reads: _Reads, contact_id: str | None) -> dict[str, Any] | None:
    if contact_id is None:
        return None
    found: dict[str, Any] | None = await contacts.get_contact(
        await reads.connect(), reads.account_id, contact_id
    )
    return found


def _targeting_visitor(contact: dict[str, Any] | None) -> Visitor:
    """TG4: a visitor with a contact record is known; its properties are the contact's
    (with its email and name), as text."""
    if contact is None:
        return Visitor(known=False)
    properties = {str(k): "" if v is None else str(v) for k, v in contact["properties"].items()}
    for name in ("email", "name"):
        if contact.get(name):
            properties.setdefault(name, str(contact[name]))
    return Visitor(known=True, properties=properties)


_CHOICES_KEPT = 1024  # per account view: the pages (URL, device) anonymous visitors view


def _chatflow_for(
    seen: AccountView, request: ConfigRequest, contact: dict[str, Any] | None
) -> Chatflow | None:
    """TG6 on this page view; for a visitor without a contact the choice depends only on the
    page and the view's chatflows, so it is kept with the view (gone when they change)."""
    if contact is not None:
        page = PageView(request.url, request.device.value, _targeting_visitor(contact))
        return select_chatflow(seen.chatflows, page)
    key = (request.url, request.device)
    choices = seen.choices
    if key in choices:
        return choices[key]
    if len(choices) >= _CHOICES_KEPT:
        choices.clear()
    chosen = choices[key] = select_chatflow(
        seen.chatflows, PageView(request.url, request.device.value, _targeting_visitor(None))
    )
    return chosen


async def widget_config(
    connect: Connect,
    account_id: str,
    request: ConfigRequest,
    now: datetime,
    *,
    before_new_visitor: Callable[[], Awaitable[None]] | None = None,
    cache: PageViewCache | None = None,
) -> dict[str, Any] | None:
    """The widget's configuration for one page view, or ``None`` when no published chatflow
    applies (TG6). ``LookupError`` for an unknown account. Writes: a new visitor when needed
    (``before_new_visitor`` runs first: the abuse limits may refuse it), a contact for a
    first identification. ``connect`` gives the transaction to read and write through; with
    a ``cache`` a returning visitor's page view may need none."""
    reads = _Reads(connect, account_id, cache)
    seen = await reads.account()
    cookies = parse_cookies(request.cookies)
    who = await _who(reads, request, cookies, now)
    contact = await _contact(reads, who.contact_id)
    chatflow = _chatflow_for(seen, request, contact)
    if chatflow is None:
        return None

    if who.row is None:
        if before_new_visitor is not None:
            await before_new_visitor()
        _, token = await create_visitor(
            await connect(),
            account_id,
            now,
            contact_id=who.contact_id if who.identified else None,
            identified=who.identified,
        )
    else:
        token = str(who.token)
        if visitor_seen_due(who.row, now):
            await touch_visitor(await connect(), who.row, now)

    # OP3: the banner's answer on this page, else the one the server keeps, else a
    # messagesUtk cookie the server issued (only ever set after a yes).
    answered = request.consent_cookies
    record = consent_record(who.row)
    remembered = who.row is not None and cookies.messages_utk == token
    if answered is None:
        answered = record.cookies if record.cookies is not None else (True if remembered else None)
    elif who.row is not None and answered != record.cookies:
        before, record = record, replace(record, cookies=answered)
        await save_consent_record(await connect(), who.row["id"], before, record)
    given = ConsentGiven(cookies=answered)
    allowed = messages_utk_allowed(chatflow.options, who.identified, given)
    existing = cookies.messages_utk
    # The visitor token is the cookie's value: a cookie holding anything else is replaced.
    instruction = messages_utk_instruction(
        existing if (existing == token or not allowed) else None, allowed, token
    )

    config = await decide(
        None,
        account_id,
        chatflow,
        now,
        around=seen.around,
        device=request.device,
        url=request.url,
        cookies=cookies,
        identified=who.identified,
        contact=contact,
        triggered=False,
        record=record if record.cookies == answered else replace(record, cookies=answered),
        page_banner=request.page_banner,
        page_properties=request.page_properties,
        answers=seen.answers,
        eligible_kept=seen.eligible,
    )
    config["visitor"] = {"token": token, "identified": who.identified}
    config["cookies"] = [cookie_json(instruction)] if instruction is not None else []
    config["conversation"] = None
    config["unread"] = []
    if who.row is not None and who.has_conversations:
        config["conversation"] = await open_conversation(
            await connect(), account_id, who.row["id"], now
        )
    if config["conversation"] is not None:
        # A conversation under way: no bubble inviting a new one (its own header speaks).
        display = config["display"] = dict(config["display"])
        for key in ("mode", "mode_when_triggered"):
            display[key] = mode_with_conversation(WidgetMode(display[key])).value
        display["prompt_text"] = ""
    if who.row is not None and who.has_conversations:
        counts = await visitor_unread_counts(
            await connect(),
            account_id,
            who.row["id"],
            sender_kinds=(SenderKind.AGENT, SenderKind.SYSTEM),
        )
        config["unread"] = [{"conversation_id": k, "unread": n} for k, n in sorted(counts.items())]
    return config


async def open_conversation(
    db: AsyncConnection, account_id: str, visitor_id: str, now: datetime
) -> dict[str, Any] | None:
    """The visitor's newest conversation that is not closed, as its visitor sees it (with
    its own presentation), or ``None``."""
    # Imported here: conversations imports this module's neighbours, not the reverse.
    from . import conversations

    found = await conversations.open_visitor_conversation(db, account_id, visitor_id)
    if found is None:
        return None
    [view] = await conversations.visitor_views_in(db, account_id, [found], now)
    return view


async def decide(
    db: AsyncConnection | None,
    account_id: str,
    chatflow: Chatflow,
    now: datetime,
    *,
    device: Device,
    url: str = "",
    cookies: VisitorCookies | None = None,
    identified: bool = False,
    contact: Mapping[str, Any] | None = None,
    triggered: bool = False,
    state: ChatState | None = None,
    record: ConsentRecord | None = None,
    page_banner: PageBanner = PageBanner.CHATFLOW,
    page_properties: Mapping[str, str] | None = None,
    around: Surroundings | None = None,
    answers: dict[Any, dict[str, Any]] | None = None,
    eligible_kept: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """Everything the widget shows for ``chatflow`` (without the visitor part). The preview
    (CF4) calls it with no cookies and an unknown visitor, and may ask for the widget in a
    given availability ``state`` instead of the agents' real one. ``record`` is the
    visitor's remembered consent (with this page's cookie answer). ``around`` as already
    read, else read through ``db``. ``answers`` keeps answers for reuse: the caller
    promises ``chatflow`` and ``around`` stay as they are while it keeps them (the answer
    depends on nothing else than the key below); the caller may change the top level of
    the dict it gets, and ``display`` only after copying it. ``eligible_kept``, on the same
    promise, keeps who routing could give the chat to (see :func:`availability_of`)."""
    cookies = cookies or VisitorCookies()
    record = record or ConsentRecord()

    # AV1-AV7 over the agents routing could give this chat to (or the state the preview
    # asks for); BD3, BD4 heading. (LookupError for an unknown account.)
    if around is None:
        if db is None:
            raise ValueError("decide needs the surroundings or a connection to read them")
        around = await surroundings(db, account_id)
    view = availability_of(
        chatflow,
        around,
        url,
        now,
        state=state,
        page_properties=page_properties,
        eligible_kept=eligible_kept,
    )
    owner_id = contact.get("owner_id") if contact is not None else None
    known_email = bool(contact is not None and contact.get("email"))

    def compose() -> dict[str, Any]:
        return _compose(
            chatflow,
            around,
            view,
            device,
            cookies,
            identified,
            owner_id,
            known_email,
            triggered,
            record,
            page_banner,
        )

    if answers is None:
        return compose()
    # Only what the answer depends on: not the messagesUtk token, nor the visitor.
    key = (
        chatflow.id,
        view,
        device,
        cookies.hide_welcome,
        cookies.is_open,
        identified,
        owner_id,
        known_email,
        triggered,
        record,
        page_banner,
    )
    kept = answers.get(key)
    if kept is None:
        if len(answers) >= _ANSWERS_KEPT:
            answers.clear()
        kept = answers[key] = compose()
    return dict(kept)


_ANSWERS_KEPT = 256  # per account view: distinct pages' answers (availability, device, …)


def _compose(
    chatflow: Chatflow,
    around: Surroundings,
    view: AvailabilityView,
    device: Device,
    cookies: VisitorCookies,
    identified: bool,
    owner_id: str | None,
    known_email: bool,
    triggered: bool,
    record: ConsentRecord,
    page_banner: PageBanner,
) -> dict[str, Any]:
    language: Language = chatflow.language
    build, display, options = chatflow.build, chatflow.display, chatflow.options
    state = view.state
    people = heading_of_chatflow(chatflow, around, owner_id)

    consent = plan_for(
        chatflow, identified=identified, company=around.company, page_banner=page_banner
    )
    given = consent_for_conversation(consent, record)
    banner_at = cookie_banner_due(consent, given)
    ask_email = should_ask_for_email(
        build.email_capture, state is ChatState.AVAILABLE, identified, known_email
    )
    survey_id = survey_on_close(options.csat)
    triggers = display.triggers
    return {
        "chatflow_id": chatflow.id,
        "language": language.value,
        "texts": dict(TEXTS[language]),
        "accent_color": display.accent_color,
        "heading": {
            "kind": build.heading.kind.value,
            "people": [person_json(p) for p in people],
            "brand_alias": build.heading.brand_alias,
        },
        "welcome_message": build.welcome_message,
        "presentation": page_presentation(chatflow, people, view, around.company),
        "availability": {
            "state": view.state.value,
            "launcher_hidden": view.launcher_hidden,
            "message_kind": view.message_kind.value,
            "message": view.message,
            "return_at": view.return_at.isoformat() if view.return_at is not None else None,
            "reply_time_text": view.reply_time_text,
        },
        "display": {
            "mode": widget_mode(display, device, view, cookies, triggered).value,
            "mode_when_triggered": widget_mode(display, device, view, cookies, True).value,
            "prompt_text": prompt_text(view, build.welcome_message),
            "device": device.value,
            "desktop": display.desktop.value,
            "mobile": display.mobile.value,
            "triggers": {
                "exit_intent": triggers.exit_intent,
                "time_on_page_seconds": triggers.time_on_page_seconds,
                "scroll_percentage": triggers.scroll_percentage,
            },
        },
        "consent": {
            "cookie_banner": consent.cookie_banner.value if consent.cookie_banner else None,
            "banner_at": banner_at.value if banner_at is not None else None,
            "cookie_text": consent.cookie_text,
            "data_processing": consent.data_processing.value if consent.data_processing else None,
            "data_processing_text": consent.data_processing_text,
            "privacy_policy_url": consent.privacy_policy_url,
            "communication_checkbox": consent.communication_checkbox,
            "communication_text": consent.communication_text,
            "subscription_type": consent.subscription_type,
            "given": given_json(given),
        },
        "send": send_json(consent, given, None, language),
        "email_capture": {
            "ask": ask_email,
            "when": build.email_capture.when.value,
            "text": email_capture_text(build.email_capture, language),
        },
        "knowledge_base": {
            "enabled": build.knowledge_base.enabled,
            "id": build.knowledge_base.knowledge_base_id if build.knowledge_base.enabled else None,
        },
        "csat": {"enabled": survey_id is not None, "survey_id": survey_id},
    }
