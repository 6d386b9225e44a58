"""What the widget shows on a page, and when (DS1-DS4), and the cookies that remember it.

:func:`widget_mode` combines the chatflow's display settings (``DisplaySettings``), the
visitor's device, the :class:`~reference_server.domain.availability.AvailabilityView`, the
visitor's cookies and whether a trigger has fired into one :class:`WidgetMode`. The
server's widget script and the simulator's visitors both ask it, so a simulated visitor sees
the launcher exactly when a real one would (SIM2).

Triggers (DS2) are events the page reports (:class:`TriggerEvent`); :func:`trigger_fires`
says whether one meets the chatflow's thresholds, and :func:`first_trigger_time` gives the
simulator the moment the first trigger would fire during a page view.

Cookies (FEATURES.md, "Cookies"):

==========================================  =================================  ==========
cookie                                      set when                           lifetime
==========================================  =================================  ==========
``messagesUtk``                             first load of an anonymous,        180 days
                                            consenting visitor
``hs-messages-hide-welcome-message``        the visitor minimizes (DS4)        24 hours
``hs-messages-is-open``                     the visitor opens or closes chat   30 minutes
==========================================  =================================  ==========

This module only plans cookies (:class:`CookieInstruction`); the server writes the
``Set-Cookie`` headers and the widget script the ``document.cookie`` writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from .availability import AvailabilityView
from .chatflow import DesktopBehaviour, DisplaySettings, MobileBehaviour, Triggers

__all__ = [
    "HIDE_WELCOME",
    "HIDE_WELCOME_MAX_AGE",
    "IS_OPEN",
    "IS_OPEN_MAX_AGE",
    "MESSAGES_UTK",
    "MESSAGES_UTK_MAX_AGE",
    "CookieInstruction",
    "Device",
    "TriggerEvent",
    "TriggerKind",
    "VisitorCookies",
    "WidgetAction",
    "WidgetMode",
    "cookies_for_action",
    "first_trigger_time",
    "messages_utk_instruction",
    "mode_with_conversation",
    "parse_cookies",
    "trigger_fires",
    "widget_mode",
]

MESSAGES_UTK = "messagesUtk"
HIDE_WELCOME = "hs-messages-hide-welcome-message"
IS_OPEN = "hs-messages-is-open"
MESSAGES_UTK_MAX_AGE = 180 * 24 * 60 * 60  # 180 days, in seconds
HIDE_WELCOME_MAX_AGE = 24 * 60 * 60  # 24 hours (DS4)
IS_OPEN_MAX_AGE = 30 * 60  # 30 minutes


class Device(StrEnum):
    """The visitor's device; a tablet behaves as a desktop (DS1), triggers apply on all."""

    DESKTOP = "desktop"
    TABLET = "tablet"
    MOBILE = "mobile"


class WidgetMode(StrEnum):
    HIDDEN = "hidden"  # nothing on the page
    LAUNCHER = "launcher"  # the launcher button alone
    PROMPT = "prompt"  # the launcher and the welcome / away / wait bubble
    OPEN = "open"  # the chat window open


# ---------------------------------------------------------------- visitor cookies


@dataclass(frozen=True, slots=True)
class VisitorCookies:
    """The widget's cookies as the page sent them. ``is_open`` is ``None`` when the cookie is
    absent (or expired): the visitor has not opened or closed the chat in the last 30 min."""

    hide_welcome: bool = False
    is_open: bool | None = None
    messages_utk: str | None = None


def parse_cookies(cookies: Mapping[str, str]) -> VisitorCookies:
    """The widget's cookies from all the page's cookies (name → value); others are ignored,
    and an unreadable value counts as absent."""
    is_open = cookies.get(IS_OPEN)
    return VisitorCookies(
        hide_welcome=cookies.get(HIDE_WELCOME) == "true",
        is_open={"true": True, "false": False}.get(is_open) if is_open is not None else None,
        messages_utk=cookies.get(MESSAGES_UTK) or None,
    )


# ---------------------------------------------------------------- triggers (DS2)


class TriggerKind(StrEnum):
    EXIT_INTENT = "exit_intent"  # the pointer leaves toward the top of the window
    TIME_ON_PAGE = "time_on_page"  # value: seconds since the page loaded
    SCROLL = "scroll"  # value: percentage of the page scrolled


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    kind: TriggerKind
    value: float = 0


def trigger_fires(triggers: Triggers, event: TriggerEvent) -> bool:
    """DS2: does ``event`` fire one of the chatflow's enabled triggers (threshold reached)?"""
    if event.kind is TriggerKind.EXIT_INTENT:
        return triggers.exit_intent
    if event.kind is TriggerKind.TIME_ON_PAGE:
        seconds = triggers.time_on_page_seconds
        return seconds is not None and event.value >= seconds
    percent = triggers.scroll_percentage
    return percent is not None and event.value >= percent


def first_trigger_time(
    triggers: Triggers,
    time_on_page_available: float,
    scroll_reached_at: float | None,
    exit_intent_at: float | None,
) -> float | None:
    """For the simulator: when (seconds after the page loaded) the first enabled trigger fires.

    ``time_on_page_available`` is how long the visitor stays on the page;
    ``scroll_reached_at`` when they reach the chatflow's scroll percentage and
    ``exit_intent_at`` when they move to leave (``None``: never). A trigger fires only while
    the visitor is on the page (leaving at the very moment still counts). ``None`` when no
    trigger fires.
    """
    moments = []
    seconds = triggers.time_on_page_seconds
    if seconds is not None:
        moments.append(float(seconds))
    if triggers.scroll_percentage is not None and scroll_reached_at is not None:
        moments.append(scroll_reached_at)
    if triggers.exit_intent and exit_intent_at is not None:
        moments.append(exit_intent_at)
    first = min(moments, default=None)
    return first if first is not None and first <= time_on_page_available else None


# ---------------------------------------------------------------- the widget's mode (DS1-DS4)


def widget_mode(
    display: DisplaySettings,
    device: Device,
    view: AvailabilityView,
    cookies: VisitorCookies,
    triggered: bool,
) -> WidgetMode:
    """DS1-DS4, AV6/AV7: what the widget shows. The first row that applies wins:

    ====  ================================================  ===================================
    #     situation                                         mode
    ====  ================================================  ===================================
    1     availability hides the launcher (AV6, AV7)        HIDDEN
    2     ``hs-messages-is-open`` says "true"               OPEN (the visitor had it open)
    3     a trigger is enabled and has not fired yet:
          desktop/tablet ``prompt`` or ``launcher``         HIDDEN (loads when it fires)
          desktop/tablet ``prompt_then_open``               PROMPT
          mobile (either)                                   HIDDEN
    4     no trigger enabled, or one has fired:
          desktop/tablet ``prompt``                         PROMPT
          desktop/tablet ``launcher``                       LAUNCHER
          desktop/tablet ``prompt_then_open``               OPEN once a trigger fired, else
                                                            PROMPT (no triggers: no pop-open)
          mobile ``prompt``                                 PROMPT
          mobile ``launcher``                               LAUNCHER
    ====  ================================================  ===================================

    ``hs-messages-hide-welcome-message`` (DS4, the visitor minimized within 24 hours) then
    turns PROMPT and OPEN from rows 3-4 into LAUNCHER: minimized stays minimized, across
    pages and chatflows, and a trigger no longer pops anything up. HIDDEN stays HIDDEN.
    A visitor's click is not modelled here: it opens the chat and sets ``is-open``.
    """
    if view.launcher_hidden:
        return WidgetMode.HIDDEN
    if cookies.is_open:
        return WidgetMode.OPEN
    mode = _configured_mode(display, device, triggered)
    if cookies.hide_welcome and mode is not WidgetMode.HIDDEN:
        return WidgetMode.LAUNCHER
    return mode


def mode_with_conversation(mode: WidgetMode) -> WidgetMode:
    """A visitor with a conversation under way is not invited to start one: the prompt (the
    welcome, away or return-time bubble of this page's chatflow) gives way to the launcher.
    Every other mode stays: an open chat stays open, a hidden widget hidden."""
    return WidgetMode.LAUNCHER if mode is WidgetMode.PROMPT else mode


def _configured_mode(display: DisplaySettings, device: Device, triggered: bool) -> WidgetMode:
    waiting = display.triggers.any and not triggered
    if device is Device.MOBILE:
        if waiting:
            return WidgetMode.HIDDEN
        if display.mobile is MobileBehaviour.PROMPT:
            return WidgetMode.PROMPT
        return WidgetMode.LAUNCHER
    behaviour = display.desktop
    if behaviour is DesktopBehaviour.PROMPT_THEN_OPEN:
        return WidgetMode.OPEN if display.triggers.any and triggered else WidgetMode.PROMPT
    if waiting:
        return WidgetMode.HIDDEN
    if behaviour is DesktopBehaviour.PROMPT:
        return WidgetMode.PROMPT
    return WidgetMode.LAUNCHER


# ---------------------------------------------------------------- cookie plans


@dataclass(frozen=True, slots=True)
class CookieInstruction:
    """One cookie to write; ``max_age_seconds`` 0 deletes it."""

    name: str
    value: str
    max_age_seconds: int


class WidgetAction(StrEnum):
    MINIMIZE = "minimize"  # the visitor minimizes or dismisses the widget (DS4)
    OPEN = "open"
    CLOSE = "close"


_ACTION_COOKIES: dict[WidgetAction, tuple[CookieInstruction, ...]] = {
    WidgetAction.MINIMIZE: (
        CookieInstruction(HIDE_WELCOME, "true", HIDE_WELCOME_MAX_AGE),
        CookieInstruction(IS_OPEN, "false", IS_OPEN_MAX_AGE),
    ),
    WidgetAction.OPEN: (CookieInstruction(IS_OPEN, "true", IS_OPEN_MAX_AGE),),
    WidgetAction.CLOSE: (CookieInstruction(IS_OPEN, "false", IS_OPEN_MAX_AGE),),
}


def cookies_for_action(action: WidgetAction) -> tuple[CookieInstruction, ...]:
    """The cookies a visitor's action writes (DS4 and the open/closed memory)."""
    return _ACTION_COOKIES[action]


def messages_utk_instruction(
    existing: str | None, allowed: bool, new_token: str
) -> CookieInstruction | None:
    """The ``messagesUtk`` cookie on a widget load (OP8; ``allowed`` comes from consent.py).

    Not allowed and present: delete it. Allowed and absent: set ``new_token`` for 180 days.
    Otherwise leave it as it is (``None``). Raises ``ValueError`` for an empty ``new_token``
    when one is needed.
    """
    if not allowed:
        return CookieInstruction(MESSAGES_UTK, "", 0) if existing else None
    if existing:
        return None
    if not new_token:
        raise ValueError("new_token must not be empty")
    return CookieInstruction(MESSAGES_UTK, new_token, MESSAGES_UTK_MAX_AGE)
