"""Cookie, data-processing and communication consent (OP3, OP4, OP5, OP8).

The widget asks; the server stores the answers; this module decides what to ask and what the
answers allow. Nothing here stores anything: the visitor's answers so far come in as a
:class:`ConsentGiven` and the chatflow's settings as :class:`OptionsSettings`.

- :func:`consent_plan` — what the widget must show for a chatflow, a language and a visitor:
  the cookie banner and its timing (OP3), the data-processing notice (OP4) and the
  communication checkbox (OP5). Visitors identified through the identification API get no
  cookie banner (OP8). An element that is not shown has empty texts in the plan.
- :func:`show_cookie_banner_now` — whether the banner is due at this moment (before the first
  chat message, or on exit intent), only while the visitor has not answered it.
- :func:`may_send_message` — explicit data-processing consent blocks sending until the visitor
  clicks "I agree"; legitimate interest never blocks; cookie consent never blocks chatting.
- :func:`messages_utk_allowed` — whether the ``messagesUtk`` cookie may be set.

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
    "communication_default_text",
    "consent_plan",
    "effective_text",
    "may_send_message",
    "messages_utk_allowed",
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


@dataclass(frozen=True, slots=True)
class ConsentPlan:
    """What the widget must show. ``cookie_banner`` ``None`` means no banner;
    ``data_processing`` ``None`` means no notice. Texts of elements not shown are empty."""

    cookie_banner: CookieConsentTiming | None
    cookie_text: str
    data_processing: DataProcessingKind | None
    data_processing_text: str
    privacy_policy_url: str
    communication_checkbox: bool
    communication_text: str
    subscription_type: str


@dataclass(frozen=True, slots=True)
class ConsentCheck:
    """Whether a message may be sent, and if not, which consents are missing
    (e.g. ``("data_processing",)``)."""

    allowed: bool
    missing: tuple[str, ...] = ()


class BannerMoment(StrEnum):
    """The two moments at which OP3's cookie banner may appear."""

    BEFORE_CHAT = "before_chat"  # the visitor is about to send their first message
    EXIT_INTENT = "exit_intent"  # the visitor moves to leave the page


# The banner moment each timing setting waits for.
_BANNER_MOMENT = {
    CookieConsentTiming.BEFORE_CHAT: BannerMoment.BEFORE_CHAT,
    CookieConsentTiming.ON_EXIT: BannerMoment.EXIT_INTENT,
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
    options: OptionsSettings, language: Language, identified: bool, company: CompanyNames
) -> ConsentPlan:
    """What the widget must show for consent (OP3 to OP5, OP8)."""
    cookies = options.cookie_consent
    # OP8: identified visitors are known contacts; they never see the cookie banner.
    banner = cookies.timing if cookies.enabled and not identified else None
    cookie_text = ""
    if banner is not None:
        cookie_text = effective_text(cookies.text, "consent.cookies.default", language)

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
    """OP3: the banner shows at the moment its timing names — before the first chat message
    (``before_chat``) or on exit intent (``on_exit``) — and only until the visitor answers."""
    if plan.cookie_banner is None or given.cookies is not None:
        return False
    return _BANNER_MOMENT[plan.cookie_banner] is moment
