"""Availability: office hours on the account's wall clock, chat state and what visitors see."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.availability import (
    AvailabilityView,
    ChatState,
    MessageKind,
    availability_view,
    chat_state,
    next_opening,
    reply_time_text,
    return_time_text,
    within_office_hours,
)
from reference_server.domain.chatflow import (
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
from reference_server.domain.routing import Agent, AgentStatus

OSLO = ZoneInfo("Europe/Oslo")
WEEKDAYS = tuple(Weekday)
MON, TUE, WED, THU, FRI, SAT, SUN = WEEKDAYS
ZONES = (
    "UTC",
    "Europe/Oslo",
    "America/New_York",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
)


def office(*hours: OfficeHours, zone: str = "Europe/Oslo", **extra: object) -> AvailabilitySettings:
    return AvailabilitySettings(
        mode=AvailabilityMode.OFFICE_HOURS,
        timezone=zone,
        office_hours=hours,
        **extra,  # type: ignore[arg-type]
    )


WEEKDAYS_9_TO_5 = office(*(OfficeHours(day, "09:00", "17:00") for day in (MON, TUE, WED, THU, FRI)))


def oslo(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=OSLO, fold=fold)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def open_at(settings_: AvailabilitySettings, moment: datetime) -> bool:
    return within_office_hours(settings_, moment)


# ---------------------------------------------------------------- office hours (AV2)


@pytest.mark.feature("AV2")
def test_weekday_hours_open_at_nine_and_close_at_five_oslo_time() -> None:
    tuesday = (2024, 1, 9)
    assert not open_at(WEEKDAYS_9_TO_5, oslo(*tuesday, 8, 59, 59))
    assert open_at(WEEKDAYS_9_TO_5, oslo(*tuesday, 9, 0))
    assert open_at(WEEKDAYS_9_TO_5, oslo(*tuesday, 16, 59, 59))
    assert not open_at(WEEKDAYS_9_TO_5, oslo(*tuesday, 17, 0))
    assert not open_at(WEEKDAYS_9_TO_5, oslo(2024, 1, 13, 12, 0))  # Saturday


@pytest.mark.feature("AV2")
def test_the_same_instant_in_utc_is_judged_on_the_oslo_clock() -> None:
    # 08:30 UTC is 09:30 in Oslo in winter: open, although 08:30 is before nine.
    assert open_at(WEEKDAYS_9_TO_5, utc(2024, 1, 9, 8, 30))
    assert not open_at(WEEKDAYS_9_TO_5, utc(2024, 1, 9, 16, 30))  # 17:30 in Oslo


@pytest.mark.feature("AV2")
def test_several_ranges_a_day_leave_the_lunch_break_closed() -> None:
    split = office(OfficeHours(MON, "09:00", "11:30"), OfficeHours(MON, "12:30", "17:00"))
    monday = (2024, 1, 8)
    assert open_at(split, oslo(*monday, 10, 0))
    assert not open_at(split, oslo(*monday, 12, 0))
    assert open_at(split, oslo(*monday, 13, 0))
    assert next_opening(split, oslo(*monday, 12, 0)) == oslo(*monday, 12, 30)


@pytest.mark.feature("AV2")
def test_overlapping_ranges_count_as_one_opening() -> None:
    overlapping = office(OfficeHours(MON, "09:00", "13:00"), OfficeHours(MON, "12:00", "17:00"))
    assert open_at(overlapping, oslo(2024, 1, 8, 12, 59))
    assert open_at(overlapping, oslo(2024, 1, 8, 16, 0))
    assert next_opening(overlapping, oslo(2024, 1, 8, 17, 0)) == oslo(2024, 1, 15, 9, 0)


@pytest.mark.feature("AV2")
def test_a_friday_night_range_through_midnight_covers_early_saturday() -> None:
    late = office(OfficeHours(FRI, "22:00", "02:00"))
    assert not open_at(late, oslo(2024, 1, 12, 21, 59))
    assert open_at(late, oslo(2024, 1, 12, 23, 0))
    assert open_at(late, oslo(2024, 1, 13, 1, 0))  # Saturday 01:00
    assert not open_at(late, oslo(2024, 1, 13, 2, 0))
    assert not open_at(late, oslo(2024, 1, 12, 1, 0))  # Friday 01:00 belongs to Thursday


@pytest.mark.feature("AV2")
def test_a_sunday_night_range_runs_into_monday_morning() -> None:
    late = office(OfficeHours(SUN, "22:00", "02:00"))
    assert open_at(late, oslo(2024, 1, 15, 1, 0))  # Monday 01:00
    assert not open_at(late, oslo(2024, 1, 15, 2, 0))
    assert not open_at(late, oslo(2024, 1, 14, 1, 0))  # Sunday 01:00


@pytest.mark.feature("AV2")
def test_an_end_of_2400_means_midnight() -> None:
    evening = office(OfficeHours(MON, "20:00", "24:00"))
    assert open_at(evening, oslo(2024, 1, 8, 23, 59, 59))
    assert not open_at(evening, oslo(2024, 1, 9, 0, 0))


@pytest.mark.feature("AV2")
def test_hours_ending_at_midnight_and_starting_at_midnight_make_no_opening_at_midnight() -> None:
    # Monday 20:00-24:00 and Tuesday 00:00-02:00 are one stretch, so nothing "opens" at 00:00.
    stretch = office(OfficeHours(MON, "20:00", "24:00"), OfficeHours(TUE, "00:00", "02:00"))
    assert open_at(stretch, oslo(2024, 1, 9, 0, 0))
    assert next_opening(stretch, oslo(2024, 1, 9, 3, 0)) == oslo(2024, 1, 15, 20, 0)


@pytest.mark.feature("AV2")
def test_an_empty_unvalidated_range_is_never_open() -> None:
    empty = office(OfficeHours(MON, "10:00", "10:00"))
    assert not open_at(empty, oslo(2024, 1, 8, 10, 0))
    assert next_opening(empty, oslo(2024, 1, 8, 10, 0)) is None


@pytest.mark.feature("AV2")
def test_office_hours_mode_without_ranges_is_always_closed() -> None:
    assert not open_at(office(), oslo(2024, 1, 8, 12, 0))
    assert next_opening(office(), oslo(2024, 1, 8, 12, 0)) is None


@pytest.mark.feature("AV1", "AV3")
@pytest.mark.parametrize("mode", [AvailabilityMode.ALWAYS, AvailabilityMode.USER_AVAILABILITY])
def test_modes_without_office_hours_are_always_within_them(mode: AvailabilityMode) -> None:
    settings_ = AvailabilitySettings(mode=mode, office_hours=(OfficeHours(MON),))
    assert within_office_hours(settings_, oslo(2024, 1, 13, 3, 0))
    assert next_opening(settings_, oslo(2024, 1, 13, 3, 0)) is None


@pytest.mark.feature("AV2")
def test_a_naive_time_is_refused() -> None:
    naive = datetime(2024, 1, 8, 12, 0)
    with pytest.raises(ValueError, match="time-zone-aware"):
        within_office_hours(WEEKDAYS_9_TO_5, naive)
    with pytest.raises(ValueError, match="time-zone-aware"):
        next_opening(WEEKDAYS_9_TO_5, naive)
    with pytest.raises(ValueError, match="time-zone-aware"):
        chat_state(AvailabilitySettings(), (), naive)
    with pytest.raises(ValueError, match="time-zone-aware"):
        return_time_text(oslo(2024, 1, 8, 9, 0), naive, Language.EN)


# ---------------------------------------------------------------- daylight-saving changes


@pytest.mark.feature("AV2")
def test_nine_oclock_stays_nine_oclock_on_the_spring_forward_day() -> None:
    # Oslo, Sunday 2024-03-31: 02:00 CET jumps to 03:00 CEST (01:00 UTC).
    sunday = office(OfficeHours(SUN, "09:00", "17:00"))
    assert not open_at(sunday, utc(2024, 3, 31, 6, 59, 59))
    assert open_at(sunday, utc(2024, 3, 31, 7, 0))  # 09:00 CEST
    assert not open_at(sunday, utc(2024, 3, 31, 15, 0))  # 17:00 CEST
    assert next_opening(sunday, utc(2024, 3, 31, 0, 0)) == utc(2024, 3, 31, 7, 0)


@pytest.mark.feature("AV2")
def test_a_range_starting_in_the_skipped_hour_opens_when_the_clocks_jump() -> None:
    night = office(OfficeHours(SUN, "02:30", "04:00"))
    assert not open_at(night, utc(2024, 3, 31, 0, 59, 59))  # 01:59:59 CET
    assert open_at(night, utc(2024, 3, 31, 1, 0))  # 03:00 CEST: past 02:30 on the clock
    opening = next_opening(night, utc(2024, 3, 31, 0, 0))
    assert opening == utc(2024, 3, 31, 1, 0)
    assert opening is not None and (opening.hour, opening.minute) == (3, 0)


@pytest.mark.feature("AV2")
def test_nine_oclock_stays_nine_oclock_on_the_fall_back_day() -> None:
    # Oslo, Sunday 2024-10-27: 03:00 CEST falls back to 02:00 CET (01:00 UTC).
    sunday = office(OfficeHours(SUN, "09:00", "17:00"))
    assert not open_at(sunday, utc(2024, 10, 27, 7, 59, 59))
    assert open_at(sunday, utc(2024, 10, 27, 8, 0))  # 09:00 CET
    assert open_at(sunday, utc(2024, 10, 27, 15, 59))
    assert not open_at(sunday, utc(2024, 10, 27, 16, 0))


@pytest.mark.feature("AV2")
def test_the_repeated_hour_is_inside_a_range_both_times() -> None:
    repeated = office(OfficeHours(SUN, "02:00", "02:30"))
    assert open_at(repeated, oslo(2024, 10, 27, 2, 15, fold=0))
    assert open_at(repeated, oslo(2024, 10, 27, 2, 15, fold=1))
    between = utc(2024, 10, 27, 0, 45)  # 02:45 CEST, first time round
    assert not open_at(repeated, between)
    opening = next_opening(repeated, between)
    assert opening is not None and opening.fold == 1
    assert opening.astimezone(UTC) == utc(2024, 10, 27, 1, 0)  # 02:00 CET, second time round


@pytest.mark.feature("AV2")
def test_falling_back_into_a_range_reopens_it() -> None:
    # 01:30-02:30: closed from 02:30 CEST, open again when the clocks go back to 02:00 CET.
    repeated = office(OfficeHours(SUN, "01:30", "02:30"))
    opening = next_opening(repeated, utc(2024, 10, 27, 0, 45))
    assert opening is not None and opening.astimezone(UTC) == utc(2024, 10, 27, 1, 0)


@pytest.mark.feature("AV2", "AV6")
def test_a_zone_that_skipped_a_whole_day_can_leave_nothing_to_open_within_eight_days() -> None:
    # Samoa skipped Friday 2011-12-30; a Friday-only chat next opens on 2012-01-06.
    apia = ZoneInfo("Pacific/Apia")
    friday = office(OfficeHours(FRI), zone="Pacific/Apia")
    assert next_opening(friday, datetime(2011, 12, 29, 18, 0, tzinfo=apia)) is None
    assert next_opening(friday, datetime(2011, 12, 31, 8, 0, tzinfo=apia)) == datetime(
        2012, 1, 6, 9, 0, tzinfo=apia
    )


# ---------------------------------------------------------------- properties


quarter_hours = st.sampled_from(
    [f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 15, 30, 45)] + ["24:00"]
)
ranges = st.builds(
    OfficeHours, day=st.sampled_from(WEEKDAYS), start=quarter_hours, end=quarter_hours
)
schedules = st.lists(ranges, min_size=1, max_size=5).map(
    lambda hours: tuple(h for h in hours if h.start != h.end and h.start != "24:00")
)
# Instants near the clock changes of 2024 are where mistakes hide; draw around them too.
instants = st.one_of(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.sampled_from(
        [datetime(2024, 3, 31), datetime(2024, 10, 27), datetime(2024, 11, 3), datetime(2024, 4, 7)]
    ).flatmap(
        lambda day: st.datetimes(
            min_value=day - timedelta(days=2), max_value=day + timedelta(days=2)
        )
    ),
).map(lambda naive: naive.replace(tzinfo=UTC))


def oracle_open(hours: tuple[OfficeHours, ...], zone: str, moment: datetime) -> bool:
    """Straight from the catalogue: today's ranges, and yesterday's that run past midnight."""
    local = moment.astimezone(ZoneInfo(zone))
    minute = local.hour * 60 + local.minute + local.second / 60
    for hour in hours:
        start, end = parse_hhmm(hour.start), parse_hhmm(hour.end)
        day = WEEKDAYS.index(hour.day)
        if end > start and day == local.weekday() and start <= minute < end:
            return True
        if end < start:
            if day == local.weekday() and minute >= start:
                return True
            if (day + 1) % 7 == local.weekday() and minute < end:
                return True
    return False


@pytest.mark.feature("AV2")
@settings(max_examples=200, deadline=None)
@given(
    hours=schedules, zone=st.sampled_from(ZONES), moment=instants, seen_in=st.sampled_from(ZONES)
)
def test_the_answer_for_an_instant_does_not_depend_on_the_zone_it_is_written_in(
    hours: tuple[OfficeHours, ...], zone: str, moment: datetime, seen_in: str
) -> None:
    settings_ = office(*hours, zone=zone)
    answer = within_office_hours(settings_, moment)
    assert within_office_hours(settings_, moment.astimezone(ZoneInfo(seen_in))) == answer
    assert answer == oracle_open(hours, zone, moment)


@pytest.mark.feature("AV2", "AV6")
@settings(max_examples=150, deadline=None)
@given(hours=schedules, zone=st.sampled_from(ZONES), moment=instants)
def test_next_opening_is_the_first_instant_the_chat_opens(
    hours: tuple[OfficeHours, ...], zone: str, moment: datetime
) -> None:
    settings_ = office(*hours, zone=zone)
    opening = next_opening(settings_, moment)
    if within_office_hours(settings_, moment) or not hours:
        assert opening is None
        return
    assert opening is not None
    assert opening.tzinfo == ZoneInfo(zone)
    assert opening > moment
    assert within_office_hours(settings_, opening)
    # Arithmetic on a zone's datetime is wall-clock arithmetic: step back in UTC.
    assert not within_office_hours(settings_, opening.astimezone(UTC) - timedelta(seconds=1))
    # Every zone drawn keeps clock changes and offsets on quarter hours, so every opening is
    # on the UTC quarter-hour grid: closed at each grid point before it.
    probe = moment.replace(second=0, microsecond=0) + timedelta(minutes=15 - moment.minute % 15)
    while probe < opening:
        assert not within_office_hours(settings_, probe), probe
        probe += timedelta(minutes=15)


# ---------------------------------------------------------------- chat state (AV1, AV3, AV7, AV8)


def agent(
    status: AgentStatus = AgentStatus.AVAILABLE, capacity: int | None = 2, chats: int = 0
) -> Agent:
    return Agent(
        id=f"{status}-{capacity}-{chats}", status=status, capacity=capacity, active_chats=chats
    )


FREE = agent()
FULL = agent(chats=2)
UNLIMITED = agent(capacity=None, chats=50)
AWAY_FREE = agent(AgentStatus.AWAY)
OFFLINE_FREE = agent(AgentStatus.OFFLINE)

TEAMS: dict[str, tuple[Agent, ...]] = {
    "nobody": (),
    "only away and offline": (AWAY_FREE, OFFLINE_FREE),
    "one free": (FREE,),
    "all available ones full": (FULL, FULL, AWAY_FREE),
    "one full one free": (FULL, FREE),
    "no limit": (UNLIMITED,),
}
USER_AVAILABILITY = AvailabilitySettings(mode=AvailabilityMode.USER_AVAILABILITY)
ALWAYS = AvailabilitySettings(mode=AvailabilityMode.ALWAYS)
OPEN_TIME = oslo(2024, 1, 9, 12, 0)
CLOSED_TIME = oslo(2024, 1, 9, 20, 0)


@pytest.mark.feature("AV1", "AV5", "AV7", "AV8")
@pytest.mark.parametrize(
    ("team", "expected"),
    [
        ("nobody", ChatState.AWAY),
        ("only away and offline", ChatState.AWAY),
        ("one free", ChatState.AVAILABLE),
        ("all available ones full", ChatState.AT_CAPACITY),
        ("one full one free", ChatState.AVAILABLE),
        ("no limit", ChatState.AVAILABLE),
    ],
)
def test_user_availability_follows_the_eligible_agents(team: str, expected: ChatState) -> None:
    assert chat_state(USER_AVAILABILITY, TEAMS[team], CLOSED_TIME) is expected


@pytest.mark.feature("AV3", "AV7", "AV8")
@pytest.mark.parametrize(
    ("team", "expected"),
    [
        ("nobody", ChatState.AVAILABLE),
        ("only away and offline", ChatState.AVAILABLE),
        ("one free", ChatState.AVAILABLE),
        ("all available ones full", ChatState.AT_CAPACITY),
        ("one full one free", ChatState.AVAILABLE),
    ],
)
def test_a_24_7_chat_is_open_even_with_nobody_online(team: str, expected: ChatState) -> None:
    assert chat_state(ALWAYS, TEAMS[team], CLOSED_TIME) is expected


@pytest.mark.feature("AV2", "AV5", "AV6", "AV7")
@pytest.mark.parametrize(
    ("team", "now", "expected"),
    [
        ("one free", CLOSED_TIME, ChatState.OFFLINE),
        ("nobody", CLOSED_TIME, ChatState.OFFLINE),
        ("nobody", OPEN_TIME, ChatState.AWAY),
        ("only away and offline", OPEN_TIME, ChatState.AWAY),
        ("all available ones full", OPEN_TIME, ChatState.AT_CAPACITY),
        ("one free", OPEN_TIME, ChatState.AVAILABLE),
    ],
)
def test_office_hours_state(team: str, now: datetime, expected: ChatState) -> None:
    assert chat_state(WEEKDAYS_9_TO_5, TEAMS[team], now) is expected


@pytest.mark.feature("AV8")
def test_an_agent_with_no_room_at_capacity_zero_counts_as_full() -> None:
    assert chat_state(USER_AVAILABILITY, (agent(capacity=0),), OPEN_TIME) is ChatState.AT_CAPACITY


# ---------------------------------------------------------------- what the visitor sees (AV4-AV7)


BEHAVIOURS = office(
    OfficeHours(MON, "09:00", "17:00"),
    away_message="Nobody is here right now.",
    wait_message="Everyone is busy; we'll be with you shortly.",
    reply_time=ReplyTime.FEW_MINUTES,
)
SATURDAY = oslo(2024, 1, 13, 12, 0)


def view(state: ChatState, language: Language = Language.EN, **changes: object) -> AvailabilityView:
    return availability_view(replace(BEHAVIOURS, **changes), state, SATURDAY, language)  # type: ignore[arg-type]


@pytest.mark.feature("AV4")
def test_available_shows_the_welcome_and_the_typical_reply_time() -> None:
    shown = view(ChatState.AVAILABLE)
    assert shown == AvailabilityView(
        ChatState.AVAILABLE, reply_time_text="The team typically replies in a few minutes."
    )
    assert view(ChatState.AVAILABLE, reply_time=ReplyTime.NONE).reply_time_text == ""


@pytest.mark.feature("AV5")
def test_away_shows_the_away_message_only_when_it_is_switched_on() -> None:
    assert view(ChatState.AWAY, away_message_enabled=True) == AvailabilityView(
        ChatState.AWAY, message_kind=MessageKind.AWAY, message="Nobody is here right now."
    )
    assert view(ChatState.AWAY) == AvailabilityView(ChatState.AWAY)


@pytest.mark.feature("AV6")
def test_offline_can_show_when_the_team_is_back() -> None:
    shown = view(ChatState.OFFLINE, offline_behaviour=OfflineBehaviour.RETURN_TIME)
    assert shown.message_kind is MessageKind.RETURN_TIME
    assert shown.return_at == oslo(2024, 1, 15, 9, 0)
    assert shown.message == "We're away right now. We'll be back on Monday at 09:00."
    assert not shown.launcher_hidden and shown.reply_time_text == ""
    norwegian = view(ChatState.OFFLINE, Language.NB)
    assert norwegian.message == "Vi er borte akkurat nå. Vi er tilbake på mandag kl. 09:00."


@pytest.mark.feature("AV6")
def test_offline_return_time_without_any_opening_falls_back_to_the_welcome() -> None:
    assert view(ChatState.OFFLINE, office_hours=()) == AvailabilityView(ChatState.OFFLINE)


@pytest.mark.feature("AV6", "AV7")
@pytest.mark.parametrize(
    ("state", "changes", "expected"),
    [
        (
            ChatState.OFFLINE,
            {"offline_behaviour": OfflineBehaviour.AWAY_MESSAGE},
            AvailabilityView(
                ChatState.OFFLINE,
                message_kind=MessageKind.AWAY,
                message="Nobody is here right now.",
            ),
        ),
        (
            ChatState.OFFLINE,
            {"offline_behaviour": OfflineBehaviour.HIDE_LAUNCHER},
            AvailabilityView(
                ChatState.OFFLINE, launcher_hidden=True, message_kind=MessageKind.NONE
            ),
        ),
        (
            ChatState.OFFLINE,
            {"offline_behaviour": OfflineBehaviour.NOTHING},
            AvailabilityView(ChatState.OFFLINE),
        ),
        (
            ChatState.AT_CAPACITY,
            {"at_capacity_behaviour": AtCapacityBehaviour.WAIT_MESSAGE},
            AvailabilityView(
                ChatState.AT_CAPACITY,
                message_kind=MessageKind.WAIT,
                message="Everyone is busy; we'll be with you shortly.",
            ),
        ),
        (
            ChatState.AT_CAPACITY,
            {"at_capacity_behaviour": AtCapacityBehaviour.HIDE_LAUNCHER},
            AvailabilityView(
                ChatState.AT_CAPACITY, launcher_hidden=True, message_kind=MessageKind.NONE
            ),
        ),
        (
            ChatState.AT_CAPACITY,
            {"at_capacity_behaviour": AtCapacityBehaviour.NOTHING},
            AvailabilityView(ChatState.AT_CAPACITY),
        ),
    ],
    ids=[
        "offline-away-message",
        "offline-hide-launcher",
        "offline-nothing",
        "capacity-wait-message",
        "capacity-hide-launcher",
        "capacity-nothing",
    ],
)
def test_offline_and_at_capacity_behaviours(
    state: ChatState, changes: dict[str, Any], expected: AvailabilityView
) -> None:
    assert view(state, **changes) == expected


@pytest.mark.feature("AV4", "OP1")
@pytest.mark.parametrize(
    ("reply_time", "language", "expected"),
    [
        (ReplyTime.NONE, Language.EN, ""),
        (ReplyTime.FEW_MINUTES, Language.EN, "The team typically replies in a few minutes."),
        (ReplyTime.FEW_HOURS, Language.EN, "The team typically replies in a few hours."),
        (ReplyTime.A_DAY, Language.EN, "The team typically replies in a day."),
        (ReplyTime.A_DAY, Language.NB, "Teamet svarer vanligvis i løpet av en dag."),
    ],
)
def test_reply_time_text(reply_time: ReplyTime, language: Language, expected: str) -> None:
    assert reply_time_text(reply_time, language) == expected


@pytest.mark.feature("AV6", "OP1")
@pytest.mark.parametrize(
    ("now", "opening", "language", "expected"),
    [
        (
            oslo(2024, 1, 8, 12, 0),
            oslo(2024, 1, 8, 13, 0),
            Language.EN,
            "We're away right now. We'll be back today at 13:00.",
        ),
        (
            oslo(2024, 1, 8, 18, 0),
            oslo(2024, 1, 9, 9, 0),
            Language.EN,
            "We're away right now. We'll be back tomorrow at 09:00.",
        ),
        (
            oslo(2024, 1, 12, 18, 0),
            oslo(2024, 1, 15, 9, 0),
            Language.EN,
            "We're away right now. We'll be back on Monday at 09:00.",
        ),
        (
            oslo(2024, 1, 8, 18, 0),
            oslo(2024, 1, 15, 9, 0),
            Language.EN,
            "We're away right now. We'll be back on Monday 15 January at 09:00.",
        ),
        (
            oslo(2024, 1, 8, 18, 0),
            oslo(2024, 1, 9, 9, 0),
            Language.NB,
            "Vi er borte akkurat nå. Vi er tilbake i morgen kl. 09:00.",
        ),
        (
            oslo(2024, 1, 8, 18, 0),
            oslo(2024, 1, 15, 9, 0),
            Language.NB,
            "Vi er borte akkurat nå. Vi er tilbake mandag 15. januar kl. 09:00.",
        ),
        (
            oslo(2024, 1, 8, 12, 0),
            oslo(2024, 1, 8, 13, 0),
            Language.NB,
            "Vi er borte akkurat nå. Vi er tilbake i dag kl. 13:00.",
        ),
    ],
)
def test_return_time_text(
    now: datetime, opening: datetime, language: Language, expected: str
) -> None:
    assert return_time_text(opening, now, language) == expected


@pytest.mark.feature("AV6")
def test_return_time_counts_days_on_the_accounts_calendar() -> None:
    # 23:30 UTC on Sunday is already 00:30 on Monday in Oslo: 09:00 Monday is "today".
    text = return_time_text(oslo(2024, 1, 15, 9, 0), utc(2024, 1, 14, 23, 30), Language.EN)
    assert text == "We're away right now. We'll be back today at 09:00."


@pytest.mark.feature("AV2", "AV6")
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (oslo(2024, 1, 12, 17, 0), "on Monday at 09:00"),  # Friday at closing
        (oslo(2024, 1, 13, 10, 0), "on Monday at 09:00"),  # Saturday
        (oslo(2024, 1, 14, 20, 0), "tomorrow at 09:00"),  # Sunday evening
        (oslo(2024, 1, 15, 7, 0), "today at 09:00"),  # Monday morning
    ],
)
def test_over_a_weekend_the_chat_reopens_on_monday_morning(now: datetime, expected: str) -> None:
    opening = next_opening(WEEKDAYS_9_TO_5, now)
    assert opening == oslo(2024, 1, 15, 9, 0)
    assert return_time_text(opening, now, Language.EN).endswith(f"back {expected}.")
