"""Cookie, data-processing and communication consent (OP3, OP4, OP5, OP8).

The widget asks; the server stores the answers; this module decides what to ask and what the
answers allow. Nothing here stores anything: the visitor's answers so far come in as a
:class:`ConsentGiven` and the chatflow's settings as :class:`OptionsSettings`.

- :func:`consent_plan` — what the widget must show for a chatflow, a language and a visitor:
  the cookie banner and its timing (OP3), the data-processing notice (OP4) and the
  communication checkbox (OP5). Visitors identified through the identification API get no
  cookie banner (OP8). An element that is not shown has empty texts in the plan. The page may
  move the banner's moment (the SDK's ``enableWidgetCookieBanner``, :class:`PageBanner`).
- :func:`show_cookie_banner_now` / :func:`cookie_banner_due` — the banner shows at one moment
  (before the visitor starts a chat, on exit intent, or when the widget loads), and only
  while the visitor has not answered it.
- :func:`may_send_message` — explicit data-processing consent blocks sending until the visitor
  clicks "I agree"; legitimate interest never blocks; cookie consent never blocks chatting.
- :func:`messages_utk_allowed` — whether the ``messagesUtk`` cookie may be set.
- Answers outlive a page view and a conversation (:class:`ConsentRecord`, kept by the server
  per visitor): :func:`remember_answers` records them, :func:`consent_for_conversation` says
  what of them holds for a conversation — the cookie answer and the communication checkbox
  always; "I agree" while the chatflow shows the very notice it was given to (a changed or
  another notice is asked for again).

Texts: an empty (or blank) setting text is "reset to default" and means the localised default
from :mod:`texts`. A custom text is the account's own words and is used exactly as written
(no ``{placeholder}`` filling: braces in it are shown as typed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .chatflow import (
    CookieConsentTiming,
    DataProcessingKind,
    Language,
    OptionsSettings,
)
from .texts import text

__all__ = [
    "BannerMoment",
    "CompanyNames",
    "ConsentCheck",
    "ConsentGiven",
    "ConsentPlan",
    "ConsentRecord",
    "PageBanner",
    "communication_default_text",
    "consent_for_conversation",
    "consent_plan",
    "cookie_banner_due",
    "effective_text",
    "may_send_message",
    "messages_utk_allowed",
    "remember_answers",
    "show_cookie_banner_now",
]


@dataclass(frozen=True, slots=True)
class ConsentGiven:
    """What the visitor has answered so far. ``cookies`` is ``None`` until they answer the
    banner; ``data_processing`` is their "I agree" (OP4); ``communication`` the checkbox (OP5)."""

    cookies: bool | None = None
    data_processing: bool = False
    communication: bool = False


@dataclass(frozen=True, slots=True)
class CompanyNames:
    """The names OP5's default checkbox text may use, in order of preference."""

    company_name: str = ""
    account_name: str = ""
    domain: str = ""


class BannerMoment(StrEnum):
    """The moments at which OP3's cookie banner may appear."""

    BEFORE_CHAT = "before_chat"  # the visitor starts writing their first message
    EXIT_INTENT = "exit_intent"  # the visitor moves to leave the page
    WIDGET_LOAD = "widget_load"  # the widget appears (only when the page asks for it)


class PageBanner(StrEnum):
    """The page's say over the banner's moment (the SDK's ``enableWidgetCookieBanner``):
    ``false`` leaves the chatflow's timing, ``true`` / ``"ON_WIDGET_LOAD"`` shows the banner
    as the widget loads, ``"ON_EXIT_INTENT"`` on exit intent. It never adds a banner to a
    chatflow without cookie consent, nor shows one to an identified visitor (OP8)."""

    CHATFLOW = "chatflow"
    ON_WIDGET_LOAD = "on_widget_load"
    ON_EXIT_INTENT = "on_exit_intent"


@dataclass(frozen=True, slots=True)
class ConsentPlan:
    """What the widget must show. ``cookie_banner`` ``None`` means no banner, and
    ``banner_moment`` is when it shows; ``data_processing`` ``None`` means no notice. Texts
    of elements not shown are empty."""

    cookie_banner: CookieConsentTiming | None
    cookie_text: str
    data_processing: DataProcessingKind | None
    data_processing_text: str
    privacy_policy_url: str
    communication_checkbox: bool
    communication_text: str
    subscription_type: str
    banner_moment: BannerMoment | None = None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """A visitor's answers as the server keeps them between page views and conversations:
    the cookie banner's (``None``: not answered), "I agree" with the data-processing notice
    it was given to, and the communication checkbox."""

    cookies: bool | None = None
    data_processing: bool = False
    data_processing_notice: str = ""
    communication: bool = False


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """Whether a message may be sent, and if not, which consents are missing
    (e.g. ``("data_processing",)``)."""

    allowed: bool
    missing: tuple[str, ...] = ()


# The banner moment each timing setting waits for, and each page setting asks for.
_BANNER_MOMENT = {
    CookieConsentTiming.BEFORE_CHAT: BannerMoment.BEFORE_CHAT,
    CookieConsentTiming.ON_EXIT: BannerMoment.EXIT_INTENT,
}
_PAGE_MOMENT = {
    PageBanner.ON_WIDGET_LOAD: BannerMoment.WIDGET_LOAD,
    PageBanner.ON_EXIT_INTENT: BannerMoment.EXIT_INTENT,
}
_ALLOWED = ConsentCheck(allowed=True)
_NEEDS_DATA_PROCESSING = ConsentCheck(allowed=False, missing=("data_processing",))


def effective_text(custom: str, default_key: str, language: Language, **values: str) -> str:
    """``custom`` when it has any non-blank text, else the localised default ``default_key``
    with ``values`` filled in ("reset to default" sets the text to ``""``)."""
    if custom.strip():
        return custom
    return text(language, default_key, **values)


def communication_default_text(company: CompanyNames, language: Language) -> str:
    """OP5's default checkbox text, naming the first non-blank of the company name, the
    account name and the company domain (or "us" when the account has none of them)."""
    for name in (company.company_name, company.account_name, company.domain):
        if name.strip():
            return text(language, "consent.communication.default", company=name.strip())
    fallback = text(language, "consent.communication.company_fallback")
    return text(language, "consent.communication.default", company=fallback)


def consent_plan(
    options: OptionsSettings,
    language: Language,
    identified: bool,
    company: CompanyNames,
    page_banner: PageBanner = PageBanner.CHATFLOW,
) -> ConsentPlan:
    """What the widget must show for consent (OP3 to OP5, OP8)."""
    cookies = options.cookie_consent
    # OP8: identified visitors are known contacts; they never see the cookie banner.
    banner = cookies.timing if cookies.enabled and not identified else None
    cookie_text = ""
    moment = None
    if banner is not None:
        cookie_text = effective_text(cookies.text, "consent.cookies.default", language)
        moment = _PAGE_MOMENT.get(page_banner, _BANNER_MOMENT[banner])

    processing = options.data_processing_consent
    processing_kind = processing.kind if processing.enabled else None
    processing_text = ""
    if processing.enabled:
        processing_text = effective_text(
            processing.text, "consent.data_processing.default", language
        )

    communication = options.communication_consent
    communication_text = ""
    if communication.enabled:
        # The default names the company, so it is built only when it is needed.
        communication_text = communication.text
        if not communication_text.strip():
            communication_text = communication_default_text(company, language)

    return ConsentPlan(
        cookie_banner=banner,
        cookie_text=cookie_text,
        data_processing=processing_kind,
        data_processing_text=processing_text,
        privacy_policy_url=processing.privacy_policy_url if processing.enabled else "",
        communication_checkbox=communication.enabled,
        communication_text=communication_text,
        subscription_type=communication.subscription_type if communication.enabled else "",
        banner_moment=moment,
    )


def may_send_message(plan: ConsentPlan, given: ConsentGiven) -> ConsentCheck:
    """OP4: with explicit data-processing consent, nothing is sent before "I agree".
    Legitimate interest, cookie answers and the communication checkbox never block."""
    if plan.data_processing is DataProcessingKind.EXPLICIT and not given.data_processing:
        return _NEEDS_DATA_PROCESSING
    return _ALLOWED


def messages_utk_allowed(options: OptionsSettings, identified: bool, given: ConsentGiven) -> bool:
    """Whether the ``messagesUtk`` cookie may be set: never for identified visitors (OP8);
    with cookie consent on, only after the visitor accepted cookies (OP3)."""
    if identified:
        return False
    if options.cookie_consent.enabled:
        return given.cookies is True
    return True


def show_cookie_banner_now(plan: ConsentPlan, given: ConsentGiven, moment: BannerMoment) -> bool:
    """OP3: the banner shows at the moment its timing names — as the visitor starts a chat
    (``before_chat``), on exit intent (``on_exit``), or as the widget loads when the page asks
    for that — and only until the visitor answers."""
    return cookie_banner_due(plan, given) is moment


def cookie_banner_due(plan: ConsentPlan, given: ConsentGiven) -> BannerMoment | None:
    """OP3: the one moment at which the banner will show to this visitor (``None``: it will
    not, because there is no banner or the visitor has answered it)."""
    if given.cookies is not None:
        return None
    return plan.banner_moment


def remember_answers(
    record: ConsentRecord,
    plan: ConsentPlan,
    *,
    cookies: bool | None = None,
    data_processing: bool | None = None,
    communication: bool | None = None,
) -> ConsentRecord:
    """The record after the visitor answered under ``plan`` (``None``: not answered now, the
    record keeps what it had). "I agree" is remembered with the notice it was given to."""
    notice = record.data_processing_notice
    if data_processing is not None:
        notice = plan.data_processing_text if data_processing else ""
    return ConsentRecord(
        cookies=record.cookies if cookies is None else cookies,
        data_processing=record.data_processing if data_processing is None else data_processing,
        data_processing_notice=notice,
        communication=record.communication if communication is None else communication,
    )


def consent_for_conversation(plan: ConsentPlan, record: ConsentRecord) -> ConsentGiven:
    """What of the visitor's remembered answers holds for a conversation under ``plan``: the
    cookie answer and the communication checkbox, and "I agree" (OP4) only while the plan
    shows the very notice it was given to — a changed or another notice is asked again."""
    agreed = record.data_processing and (
        plan.data_processing is None or record.data_processing_notice == plan.data_processing_text
    )
    return ConsentGiven(
        cookies=record.cookies, data_processing=agreed, communication=record.communication
    )
