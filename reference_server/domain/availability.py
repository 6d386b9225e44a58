"""Is chat open right now, and what does the visitor see about it (AV1-AV7)?

Two steps, both pure:

1. :func:`chat_state` decides the :class:`ChatState` from the chatflow's
   :class:`~reference_server.domain.chatflow.AvailabilitySettings`, the agents who may take
   the chat (routing's eligible agents) and ``now``:

   ========================  ===================================================================
   mode                      state
   ========================  ===================================================================
   ``always`` (AV3)          AT_CAPACITY when someone eligible is available and every such agent
                             is at their limit; otherwise AVAILABLE (a 24/7 chat waits for
                             somebody to come online)
   ``office_hours`` (AV2)    OFFLINE outside the hours; inside them as ``user_availability``
   ``user_availability``     AWAY when nobody eligible is available; AT_CAPACITY when every
   (AV1)                     available one is at their limit (AV8); otherwise AVAILABLE
   ========================  ===================================================================

2. :func:`availability_view` turns the state into what the widget shows (AV4-AV7): the
   welcome message with the typical reply time, the away message, the return time, the wait
   message, or no launcher at all.

Office hours are wall-clock times in the account's time zone: "09:00-17:00" means 09:00 on the
clocks in that zone, whatever the UTC offset is that day. An instant is converted to local wall
time and looked up in the week, so the answer never depends on the zone ``now`` is expressed in.
On a spring-forward day the skipped wall times simply never occur (a range starting at 02:30
opens at 03:00, when the clocks jump past it); on a fall-back day the repeated hour is inside
a range both times. :func:`next_opening` returns exactly the first instant at which
:func:`within_office_hours` turns true.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from .chatflow import (
    AtCapacityBehaviour,
    AvailabilityMode,
    AvailabilitySettings,
    Language,
    OfficeHours,
    OfflineBehaviour,
    ReplyTime,
    Weekday,
    parse_hhmm,
)
from .routing import Agent, AgentStatus, has_free_capacity
from .texts import text

__all__ = [
    "AvailabilityView",
    "ChatState",
    "MessageKind",
    "availability_view",
    "chat_state",
    "next_opening",
    "reply_time_text",
    "return_time_text",
    "within_office_hours",
]

_MINUTES_PER_DAY = 1440
_SECONDS_PER_DAY = 86_400
_SECONDS_PER_WEEK = 7 * _SECONDS_PER_DAY
_LOOKAHEAD_DAYS = 8
_DAY_INDEX = {day: i for i, day in enumerate(Weekday)}  # Monday 0, as date.weekday()


class ChatState(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"  # AV5: inside the hours (or user-availability mode), nobody available
    OFFLINE = "offline"  # AV6: outside office hours
    AT_CAPACITY = "at_capacity"  # AV7


class MessageKind(StrEnum):
    """Which bubble the widget shows next to the launcher."""

    WELCOME = "welcome"  # the chatflow's welcome message (the caller has it)
    AWAY = "away"  # AV5 / AV6: the account's away message
    WAIT = "wait"  # AV7: the account's wait message
    RETURN_TIME = "return_time"  # AV6: "We'll be back tomorrow at 09:00"
    NONE = "none"  # launcher hidden: nothing to show


@dataclass(frozen=True, slots=True)
class AvailabilityView:
    """What the widget shows for a :class:`ChatState`.

    ``message`` is the text of the bubble: the account's away or wait message, or the
    localised return-time text; it is empty for ``WELCOME`` (the caller has the welcome
    message) and ``NONE``. ``reply_time_text`` is set only while AVAILABLE (AV4).
    """

    state: ChatState
    launcher_hidden: bool = False
    message_kind: MessageKind = MessageKind.WELCOME
    message: str = ""
    return_at: datetime | None = None
    reply_time_text: str = ""


# ---------------------------------------------------------------- office hours (AV2)


@dataclass(frozen=True, slots=True)
class _Schedule:
    """Office hours as merged half-open intervals in seconds of the local week
    (Monday 00:00 = 0), plus the wall-clock minutes at which some range starts, per weekday."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    openings: tuple[tuple[int, ...], ...]

    def is_open(self, second_of_week: int) -> bool:
        i = bisect_right(self.starts, second_of_week) - 1
        return i >= 0 and second_of_week < self.ends[i]


@lru_cache(maxsize=1024)
def _schedule(office_hours: tuple[OfficeHours, ...]) -> _Schedule:
    # Keyed by the (hashable, frozen) ranges, so each chatflow's hours are parsed once.
    pieces: list[tuple[int, int]] = []
    openings: list[set[int]] = [set() for _ in range(7)]
    for hours in office_hours:
        start, end = parse_hhmm(hours.start), parse_hhmm(hours.end)
        if start == end:
            continue  # empty; validation rejects it, but an unvalidated one must not crash
        if end < start:
            end += _MINUTES_PER_DAY  # through midnight: the range belongs to its start day
        first = (_DAY_INDEX[hours.day] * _MINUTES_PER_DAY + start) * 60 % _SECONDS_PER_WEEK
        last = first + (end - start) * 60
        opening_minute = first // 60
        openings[opening_minute // _MINUTES_PER_DAY].add(opening_minute % _MINUTES_PER_DAY)
        if last <= _SECONDS_PER_WEEK:
            pieces.append((first, last))
        else:  # Sunday night into Monday morning
            pieces += [(first, _SECONDS_PER_WEEK), (0, last - _SECONDS_PER_WEEK)]
    pieces.sort()
    merged: list[tuple[int, int]] = []
    for first, last in pieces:
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return _Schedule(
        starts=tuple(first for first, _ in merged),
        ends=tuple(last for _, last in merged),
        openings=tuple(tuple(sorted(minutes)) for minutes in openings),
    )


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"a time-zone-aware datetime is needed, got {moment!r}")


def _second_of_week(local: datetime) -> int:
    # Whole seconds are enough: every range boundary is a whole minute.
    return local.weekday() * _SECONDS_PER_DAY + local.hour * 3600 + local.minute * 60 + local.second


def _open_at(schedule: _Schedule, zone: ZoneInfo, moment: datetime) -> bool:
    return schedule.is_open(_second_of_week(moment.astimezone(zone)))


def within_office_hours(settings: AvailabilitySettings, now: datetime) -> bool:
    """AV2: is ``now`` (aware) inside the office hours, on the account's wall clock?

    Modes other than ``office_hours`` have no hours, so they are always "within".
    Raises ``ValueError`` for a naive ``now``.
    """
    _require_aware(now)
    if settings.mode is not AvailabilityMode.OFFICE_HOURS:
        return True
    return _open_at(_schedule(settings.office_hours), _zone(settings.timezone), now)


def next_opening(settings: AvailabilitySettings, now: datetime) -> datetime | None:
    """AV6: the first instant after ``now`` at which office hours start, in the account's zone.

    ``None`` when open now, when the mode is not ``office_hours``, when there are no ranges,
    or when nothing opens on the eight calendar days from today (a zone that
    skipped a day can cause that). Raises ``ValueError`` for a naive ``now``.
    In the repeated hour of a fall-back day the result has ``fold=1`` when it is the second
    occurrence; compare it with ``<``/``>`` or in UTC (``==`` across zones is always false
    for such times, PEP 495).
    """
    _require_aware(now)
    if settings.mode is not AvailabilityMode.OFFICE_HOURS:
        return None
    schedule = _schedule(settings.office_hours)
    zone = _zone(settings.timezone)
    if not schedule.starts or _open_at(schedule, zone, now):
        return None
    # Candidates are each range start's wall time (both occurrences on a fall-back day) and
    # the day's clock change (the clocks may jump into a range). The answer is the earliest
    # candidate after now at which the hours are open: the first opening is always one of
    # them, and no open candidate can precede it. Compare in UTC: aware datetimes sharing a
    # tzinfo compare by wall time, ignoring the offset.
    now_utc = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    found: datetime | None = None
    found_on: int | None = None
    for offset in range(_LOOKAHEAD_DAYS):
        if found_on is not None and offset > found_on + 1:
            break  # the day after was scanned too: clocks going back may reorder two days
        for candidate in _candidates(schedule, zone, today + timedelta(days=offset)):
            if (
                candidate > now_utc
                and (found is None or candidate < found)
                and _open_at(schedule, zone, candidate)
            ):
                found = candidate
                found_on = offset if found_on is None else found_on
    return None if found is None else found.astimezone(zone)


def _candidates(schedule: _Schedule, zone: ZoneInfo, day: date) -> list[datetime]:
    result = []
    for minute in schedule.openings[day.weekday()]:
        wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone)
        first, second = wall.astimezone(UTC), wall.replace(fold=1).astimezone(UTC)
        result.append(first)
        if second != first:
            result.append(second)
    change = _clock_change(zone, day)
    if change is not None:
        result.append(change)
    return result


@lru_cache(maxsize=4096)
def _clock_change(zone: ZoneInfo, day: date) -> datetime | None:
    """The instant (UTC) the zone's offset changes during ``day``, if it does."""
    after = day + timedelta(days=1)
    low = int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())
    high = int(datetime(after.year, after.month, after.day, tzinfo=zone).timestamp())
    offset_after = datetime.fromtimestamp(high, zone).utcoffset()
    if datetime.fromtimestamp(low, zone).utcoffset() == offset_after:
        return None
    while high - low > 1:  # offsets change on whole seconds
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


# ---------------------------------------------------------------- state (AV1, AV3, AV7, AV8)


def chat_state(
    settings: AvailabilitySettings, eligible_agents: Sequence[Agent], now: datetime
) -> ChatState:
    """AV1-AV3, AV7: the chat's state for agents who may take it (routing's eligible agents).

    Raises ``ValueError`` for a naive ``now``.
    """
    if not within_office_hours(settings, now):
        return ChatState.OFFLINE
    anyone_available = False
    for agent in eligible_agents:
        if agent.status == AgentStatus.AVAILABLE:
            if has_free_capacity(agent):
                return ChatState.AVAILABLE
            anyone_available = True
    if anyone_available:
        return ChatState.AT_CAPACITY
    if settings.mode is AvailabilityMode.ALWAYS:
        return ChatState.AVAILABLE  # 24/7: the chat is open and waits for someone
    return ChatState.AWAY


# ---------------------------------------------------------------- what the visitor sees


def availability_view(
    settings: AvailabilitySettings, state: ChatState, now: datetime, language: Language
) -> AvailabilityView:
    """AV4-AV7: what the widget shows in ``state``.

    ======================  ==============================================================
    state / behaviour       view
    ======================  ==============================================================
    AVAILABLE               WELCOME, with the reply-time text unless reply time is NONE
    AWAY                    AWAY + away message if the away message is on, else WELCOME
    OFFLINE return time     RETURN_TIME + "back tomorrow at 09:00" and ``return_at``
                            (WELCOME when nothing opens within eight days)
    OFFLINE away message    AWAY + away message
    OFFLINE / AT_CAPACITY   ``launcher_hidden``, NONE
    hide launcher
    OFFLINE / AT_CAPACITY   WELCOME
    do nothing
    AT_CAPACITY wait msg    WAIT + wait message
    ======================  ==============================================================
    """
    if state is ChatState.AVAILABLE:
        return AvailabilityView(
            state, reply_time_text=reply_time_text(settings.reply_time, language)
        )
    if state is ChatState.AWAY:
        if settings.away_message_enabled:
            return AvailabilityView(
                state, message_kind=MessageKind.AWAY, message=settings.away_message
            )
        return AvailabilityView(state)
    if state is ChatState.OFFLINE:
        behaviour = settings.offline_behaviour
        if behaviour is OfflineBehaviour.RETURN_TIME:
            opening = next_opening(settings, now)
            if opening is None:
                return AvailabilityView(state)
            return AvailabilityView(
                state,
                message_kind=MessageKind.RETURN_TIME,
                message=return_time_text(opening, now, language),
                return_at=opening,
            )
        if behaviour is OfflineBehaviour.AWAY_MESSAGE:
            return AvailabilityView(
                state, message_kind=MessageKind.AWAY, message=settings.away_message
            )
        if behaviour is OfflineBehaviour.HIDE_LAUNCHER:
            return AvailabilityView(state, launcher_hidden=True, message_kind=MessageKind.NONE)
        return AvailabilityView(state)
    if settings.at_capacity_behaviour is AtCapacityBehaviour.WAIT_MESSAGE:
        return AvailabilityView(state, message_kind=MessageKind.WAIT, message=settings.wait_message)
    if settings.at_capacity_behaviour is AtCapacityBehaviour.HIDE_LAUNCHER:
        return AvailabilityView(state, launcher_hidden=True, message_kind=MessageKind.NONE)
    return AvailabilityView(state)


def reply_time_text(reply_time: ReplyTime, language: Language) -> str:
    """AV4: "The team typically replies in a few minutes." ("" for ``ReplyTime.NONE``)."""
    if reply_time is ReplyTime.NONE:
        return ""
    return text(language, f"reply_time.{reply_time.value}")


def return_time_text(opening: datetime, now: datetime, language: Language) -> str:
    """AV6: "We'll be back today at 13:00" / "tomorrow at 09:00" / "on Monday at 09:00".

    Days are counted on the calendar of ``opening``'s zone. Seven or more days ahead, the
    weekday alone would be ambiguous, so the date is named ("on Monday 8 April at 09:00").
    Raises ``ValueError`` for a naive ``opening`` or ``now``.
    """
    _require_aware(opening)
    _require_aware(now)
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    clock = f"{opening.hour:02d}:{opening.minute:02d}"
    weekday = text(language, f"weekday.{opening.weekday()}")
    if days == 0:
        return text(language, "return_time.today", time=clock)
    if days == 1:
        return text(language, "return_time.tomorrow", time=clock)
    if 2 <= days <= 6:
        return text(language, "return_time.weekday", weekday=weekday, time=clock)
    when = text(
        language,
        "date.long",
        weekday=weekday,
        day=str(opening.day),
        month=text(language, f"month.{opening.month}"),
    )
    return text(language, "return_time.date", date=when, time=clock)
