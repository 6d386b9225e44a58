"""Display: prompt, launcher or open chat per device, triggers, and the widget's cookies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.availability import AvailabilityView, ChatState, MessageKind
from reference_server.domain.chatflow import (
    DesktopBehaviour,
    DisplaySettings,
    MobileBehaviour,
    Triggers,
)
from reference_server.domain.display import (
    HIDE_WELCOME,
    HIDE_WELCOME_MAX_AGE,
    IS_OPEN,
    IS_OPEN_MAX_AGE,
    MESSAGES_UTK,
    MESSAGES_UTK_MAX_AGE,
    CookieInstruction,
    Device,
    TriggerEvent,
    TriggerKind,
    VisitorCookies,
    WidgetAction,
    WidgetMode,
    cookies_for_action,
    first_trigger_time,
    messages_utk_instruction,
    mode_with_conversation,
    parse_cookies,
    trigger_fires,
    widget_mode,
)

HIDDEN, LAUNCHER, PROMPT, OPEN = (
    WidgetMode.HIDDEN,
    WidgetMode.LAUNCHER,
    WidgetMode.PROMPT,
    WidgetMode.OPEN,
)
D_PROMPT = DesktopBehaviour.PROMPT
D_LAUNCHER = DesktopBehaviour.LAUNCHER
D_POP = DesktopBehaviour.PROMPT_THEN_OPEN
M_PROMPT = MobileBehaviour.PROMPT
M_LAUNCHER = MobileBehaviour.LAUNCHER

WELCOME = AvailabilityView(ChatState.AVAILABLE)
NO_TRIGGERS = Triggers()
AFTER_TEN_SECONDS = Triggers(time_on_page_seconds=10)
NO_COOKIES = VisitorCookies()
MINIMIZED = VisitorCookies(hide_welcome=True)


def mode(
    device: Device,
    desktop: DesktopBehaviour = D_PROMPT,
    mobile: MobileBehaviour = M_LAUNCHER,
    triggers: Triggers = NO_TRIGGERS,
    triggered: bool = False,
    cookies: VisitorCookies = NO_COOKIES,
    view: AvailabilityView = WELCOME,
) -> WidgetMode:
    display = DisplaySettings(desktop=desktop, mobile=mobile, triggers=triggers)
    return widget_mode(display, device, view, cookies, triggered)


# ---------------------------------------------------------------- the decision table


LARGE_SCREENS = [Device.DESKTOP, Device.TABLET]


@pytest.mark.feature("DS1")
@pytest.mark.parametrize("device", LARGE_SCREENS)
@pytest.mark.parametrize(
    ("desktop", "expected"),
    [(D_PROMPT, PROMPT), (D_LAUNCHER, LAUNCHER), (D_POP, PROMPT)],
)
def test_desktop_and_tablet_without_triggers(
    device: Device, desktop: DesktopBehaviour, expected: WidgetMode
) -> None:
    assert mode(device, desktop=desktop) is expected


@pytest.mark.feature("DS3")
@pytest.mark.parametrize(("mobile", "expected"), [(M_PROMPT, PROMPT), (M_LAUNCHER, LAUNCHER)])
def test_mobile_without_triggers(mobile: MobileBehaviour, expected: WidgetMode) -> None:
    # The desktop choice does not matter on a phone.
    assert mode(Device.MOBILE, desktop=D_POP, mobile=mobile) is expected


@pytest.mark.feature("DS1", "DS2")
@pytest.mark.parametrize("device", LARGE_SCREENS)
@pytest.mark.parametrize(
    ("desktop", "before", "after"),
    [
        (D_PROMPT, HIDDEN, PROMPT),
        (D_LAUNCHER, HIDDEN, LAUNCHER),
        (D_POP, PROMPT, OPEN),
    ],
)
def test_desktop_and_tablet_with_a_trigger(
    device: Device, desktop: DesktopBehaviour, before: WidgetMode, after: WidgetMode
) -> None:
    assert mode(device, desktop=desktop, triggers=AFTER_TEN_SECONDS) is before
    assert mode(device, desktop=desktop, triggers=AFTER_TEN_SECONDS, triggered=True) is after


@pytest.mark.feature("DS2", "DS3")
@pytest.mark.parametrize(("mobile", "after"), [(M_PROMPT, PROMPT), (M_LAUNCHER, LAUNCHER)])
def test_mobile_waits_for_the_trigger_before_showing_anything(
    mobile: MobileBehaviour, after: WidgetMode
) -> None:
    assert mode(Device.MOBILE, mobile=mobile, triggers=AFTER_TEN_SECONDS) is HIDDEN
    assert mode(Device.MOBILE, mobile=mobile, triggers=AFTER_TEN_SECONDS, triggered=True) is after


@pytest.mark.feature("DS1")
def test_prompt_then_open_does_not_pop_open_without_any_trigger() -> None:
    assert mode(Device.DESKTOP, desktop=D_POP, triggered=True) is PROMPT


@pytest.mark.feature("AV6", "AV7", "DS1", "DS3")
@pytest.mark.parametrize("device", list(Device))
@pytest.mark.parametrize("state", [ChatState.OFFLINE, ChatState.AT_CAPACITY])
def test_a_hidden_launcher_hides_the_widget_whatever_else_holds(
    device: Device, state: ChatState
) -> None:
    hidden = AvailabilityView(state, launcher_hidden=True, message_kind=MessageKind.NONE)
    reopened = VisitorCookies(is_open=True)
    assert mode(device, desktop=D_POP, mobile=M_PROMPT, view=hidden, cookies=reopened) is HIDDEN


@pytest.mark.feature("DS1", "DS3")
@pytest.mark.parametrize("device", list(Device))
def test_a_chat_open_in_the_last_half_hour_opens_again_on_the_next_page(device: Device) -> None:
    reopened = VisitorCookies(is_open=True)
    assert mode(device, desktop=D_LAUNCHER, triggers=AFTER_TEN_SECONDS, cookies=reopened) is OPEN
    closed = VisitorCookies(is_open=False)
    assert mode(device, desktop=D_LAUNCHER, mobile=M_LAUNCHER, cookies=closed) is LAUNCHER


@pytest.mark.feature("DS4")
@pytest.mark.parametrize("device", list(Device))
@pytest.mark.parametrize("desktop", list(DesktopBehaviour))
@pytest.mark.parametrize("mobile", list(MobileBehaviour))
def test_a_minimized_widget_stays_a_launcher_without_triggers(
    device: Device, desktop: DesktopBehaviour, mobile: MobileBehaviour
) -> None:
    assert mode(device, desktop=desktop, mobile=mobile, cookies=MINIMIZED) is LAUNCHER


@pytest.mark.feature("DS2", "DS4")
@pytest.mark.parametrize(
    ("device", "desktop", "before", "after"),
    [
        (Device.DESKTOP, D_PROMPT, HIDDEN, LAUNCHER),
        (Device.DESKTOP, D_LAUNCHER, HIDDEN, LAUNCHER),
        (Device.DESKTOP, D_POP, LAUNCHER, LAUNCHER),  # never pops open again
        (Device.TABLET, D_POP, LAUNCHER, LAUNCHER),
        (Device.MOBILE, D_POP, HIDDEN, LAUNCHER),
    ],
)
def test_a_minimized_widget_with_triggers_shows_at_most_the_launcher(
    device: Device, desktop: DesktopBehaviour, before: WidgetMode, after: WidgetMode
) -> None:
    common = {"desktop": desktop, "mobile": M_PROMPT, "triggers": AFTER_TEN_SECONDS}
    assert mode(device, cookies=MINIMIZED, **common) is before  # type: ignore[arg-type]
    assert mode(device, cookies=MINIMIZED, triggered=True, **common) is after  # type: ignore[arg-type]


@pytest.mark.feature("AV5", "AV7", "DS1")
@pytest.mark.parametrize(
    "view",
    [
        AvailabilityView(ChatState.AWAY, message_kind=MessageKind.AWAY, message="Away"),
        AvailabilityView(ChatState.AT_CAPACITY, message_kind=MessageKind.WAIT, message="Wait"),
    ],
)
def test_away_and_wait_messages_pop_up_like_the_welcome(view: AvailabilityView) -> None:
    assert mode(Device.DESKTOP, desktop=D_PROMPT, view=view) is PROMPT


# ---------------------------------------------------------------- triggers (DS2)


@pytest.mark.feature("DS2")
@pytest.mark.parametrize(
    ("triggers", "event", "fires"),
    [
        (Triggers(exit_intent=True), TriggerEvent(TriggerKind.EXIT_INTENT), True),
        (Triggers(), TriggerEvent(TriggerKind.EXIT_INTENT), False),
        (Triggers(time_on_page_seconds=10), TriggerEvent(TriggerKind.TIME_ON_PAGE, 9.99), False),
        (Triggers(time_on_page_seconds=10), TriggerEvent(TriggerKind.TIME_ON_PAGE, 10), True),
        (Triggers(time_on_page_seconds=0), TriggerEvent(TriggerKind.TIME_ON_PAGE, 0), True),
        (Triggers(exit_intent=True), TriggerEvent(TriggerKind.TIME_ON_PAGE, 3600), False),
        (Triggers(scroll_percentage=50), TriggerEvent(TriggerKind.SCROLL, 49.9), False),
        (Triggers(scroll_percentage=50), TriggerEvent(TriggerKind.SCROLL, 50), True),
        (Triggers(scroll_percentage=50), TriggerEvent(TriggerKind.SCROLL, 100), True),
        (Triggers(time_on_page_seconds=5), TriggerEvent(TriggerKind.SCROLL, 100), False),
    ],
)
def test_a_trigger_fires_when_enabled_and_its_threshold_is_reached(
    triggers: Triggers, event: TriggerEvent, fires: bool
) -> None:
    assert trigger_fires(triggers, event) is fires


@pytest.mark.feature("DS2", "SIM1")
@pytest.mark.parametrize(
    ("triggers", "stay", "scroll_at", "exit_at", "expected"),
    [
        (Triggers(), 60.0, 5.0, 50.0, None),
        (Triggers(time_on_page_seconds=10), 60.0, None, None, 10.0),
        (Triggers(time_on_page_seconds=10), 8.0, None, None, None),  # left first
        (Triggers(time_on_page_seconds=10), 10.0, None, None, 10.0),  # leaving at that moment
        (Triggers(scroll_percentage=50), 60.0, 4.5, None, 4.5),
        (Triggers(scroll_percentage=50), 60.0, None, 3.0, None),  # never scrolled that far
        (Triggers(exit_intent=True), 60.0, 4.5, 59.0, 59.0),
        (Triggers(exit_intent=True), 60.0, None, None, None),
        (Triggers(True, 30, 50), 60.0, 40.0, 20.0, 20.0),
        (Triggers(True, 30, 50), 60.0, 40.0, None, 30.0),
        (Triggers(True, 30, 50), 25.0, 40.0, None, None),
    ],
)
def test_first_trigger_time_is_the_earliest_enabled_trigger_before_the_visitor_leaves(
    triggers: Triggers,
    stay: float,
    scroll_at: float | None,
    exit_at: float | None,
    expected: float | None,
) -> None:
    assert first_trigger_time(triggers, stay, scroll_at, exit_at) == expected


moments = st.none() | st.floats(min_value=0, max_value=600)


@pytest.mark.feature("DS2", "SIM1")
@settings(max_examples=200, deadline=None)
@given(
    exit_intent=st.booleans(),
    seconds=st.none() | st.integers(min_value=0, max_value=600),
    percent=st.none() | st.integers(min_value=1, max_value=100),
    stay=st.floats(min_value=0, max_value=600),
    scroll_at=moments,
    exit_at=moments,
)
def test_the_simulators_first_trigger_time_agrees_with_the_browser_events(
    exit_intent: bool,
    seconds: int | None,
    percent: int | None,
    stay: float,
    scroll_at: float | None,
    exit_at: float | None,
) -> None:
    """At the first trigger time some event fires a trigger; before it, none does."""
    triggers = Triggers(exit_intent, seconds, percent)
    first = first_trigger_time(triggers, stay, scroll_at, exit_at)

    def events_at(moment: float) -> list[TriggerEvent]:
        happened = [TriggerEvent(TriggerKind.TIME_ON_PAGE, moment)]
        if scroll_at is not None and scroll_at <= moment:
            happened.append(TriggerEvent(TriggerKind.SCROLL, percent or 100))
        if exit_at is not None and exit_at <= moment:
            happened.append(TriggerEvent(TriggerKind.EXIT_INTENT))
        return happened

    def fired_by(moment: float) -> bool:
        return any(trigger_fires(triggers, event) for event in events_at(moment))

    if first is None:
        assert not fired_by(stay)
    else:
        assert first <= stay
        assert fired_by(first)
        assert not fired_by(first - 1e-6)


# ---------------------------------------------------------------- cookies (DS4 and the table)


@pytest.mark.feature("DS4")
def test_cookie_names_and_lifetimes_are_those_of_the_catalogue() -> None:
    assert (MESSAGES_UTK, MESSAGES_UTK_MAX_AGE) == ("messagesUtk", 15_552_000)
    assert (HIDE_WELCOME, HIDE_WELCOME_MAX_AGE) == ("hs-messages-hide-welcome-message", 86_400)
    assert (IS_OPEN, IS_OPEN_MAX_AGE) == ("hs-messages-is-open", 1_800)


@pytest.mark.feature("DS4")
@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (
            WidgetAction.MINIMIZE,
            (
                CookieInstruction("hs-messages-hide-welcome-message", "true", 86_400),
                CookieInstruction("hs-messages-is-open", "false", 1_800),
            ),
        ),
        (WidgetAction.OPEN, (CookieInstruction("hs-messages-is-open", "true", 1_800),)),
        (WidgetAction.CLOSE, (CookieInstruction("hs-messages-is-open", "false", 1_800),)),
    ],
)
def test_each_visitor_action_writes_its_cookies(
    action: WidgetAction, expected: tuple[CookieInstruction, ...]
) -> None:
    assert cookies_for_action(action) == expected


@pytest.mark.feature("DS4")
def test_cookies_written_by_minimizing_read_back_as_minimized_on_the_next_page() -> None:
    jar = {c.name: c.value for c in cookies_for_action(WidgetAction.MINIMIZE)}
    cookies = parse_cookies({**jar, "unrelated": "x"})
    assert cookies == VisitorCookies(hide_welcome=True, is_open=False)
    assert mode(Device.DESKTOP, desktop=D_POP, cookies=cookies) is LAUNCHER


@pytest.mark.feature("DS4", "OP8")
@pytest.mark.parametrize(
    ("jar", "expected"),
    [
        ({}, VisitorCookies()),
        ({IS_OPEN: "true", MESSAGES_UTK: "abc"}, VisitorCookies(is_open=True, messages_utk="abc")),
        ({IS_OPEN: "garbage", HIDE_WELCOME: "false"}, VisitorCookies()),
        ({MESSAGES_UTK: ""}, VisitorCookies()),
    ],
)
def test_parse_cookies(jar: dict[str, str], expected: VisitorCookies) -> None:
    assert parse_cookies(jar) == expected


@pytest.mark.feature("OP8")
@pytest.mark.parametrize(
    ("existing", "allowed", "expected"),
    [
        (None, True, CookieInstruction("messagesUtk", "new-token", 15_552_000)),
        ("old", True, None),
        ("old", False, CookieInstruction("messagesUtk", "", 0)),
        (None, False, None),
        ("", False, None),
    ],
)
def test_messages_utk_is_set_once_for_allowed_visitors_and_removed_otherwise(
    existing: str | None, allowed: bool, expected: CookieInstruction | None
) -> None:
    assert messages_utk_instruction(existing, allowed, "new-token") == expected


@pytest.mark.feature("OP8")
def test_messages_utk_needs_a_token_to_set() -> None:
    with pytest.raises(ValueError, match="new_token"):
        messages_utk_instruction(None, True, "")


@pytest.mark.feature("DS1", "DS3")
@pytest.mark.parametrize(
    ("mode", "with_conversation"),
    [
        (WidgetMode.PROMPT, WidgetMode.LAUNCHER),
        (WidgetMode.LAUNCHER, WidgetMode.LAUNCHER),
        (WidgetMode.OPEN, WidgetMode.OPEN),
        (WidgetMode.HIDDEN, WidgetMode.HIDDEN),
    ],
)
def test_a_conversation_under_way_is_not_invited_to_start_one(
    mode: WidgetMode, with_conversation: WidgetMode
) -> None:
    assert mode_with_conversation(mode) is with_conversation
