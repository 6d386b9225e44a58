"""The chat window's header and the launcher's bubble (BD3, AV4-AV7): the header of an open
conversation follows its real state, not the page's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reference_server.domain.availability import AvailabilityView, ChatState, MessageKind
from reference_server.domain.conversation import ConversationStatus, Person
from reference_server.domain.header import (
    Header,
    availability_line,
    conversation_header,
    page_header,
    prompt_text,
)

KARI = Person("u1", "Kari", "/kari.png")
OLA = Person("u2", "Ola")
TEAM = (KARI, OLA)
AVAILABLE = AvailabilityView(ChatState.AVAILABLE, reply_time_text="We reply in minutes.")
RETURN = AvailabilityView(
    ChatState.OFFLINE,
    message_kind=MessageKind.RETURN_TIME,
    message="We'll be back today at 14:00.",
    return_at=datetime(2026, 1, 5, 13, tzinfo=UTC),
)
AWAY = AvailabilityView(ChatState.AWAY, message_kind=MessageKind.AWAY, message="We're all away.")
WAIT = AvailabilityView(ChatState.AT_CAPACITY, message_kind=MessageKind.WAIT, message="Busy.")
HIDDEN = AvailabilityView(ChatState.OFFLINE, launcher_hidden=True, message_kind=MessageKind.NONE)


@pytest.mark.feature("AV4", "AV5", "AV6", "AV7")
@pytest.mark.parametrize(
    ("view", "line"),
    [
        (AVAILABLE, "We reply in minutes."),
        (RETURN, "We'll be back today at 14:00."),
        (AWAY, "We're all away."),
        (WAIT, "Busy."),
        (HIDDEN, ""),
        (AvailabilityView(ChatState.AWAY), ""),
    ],
)
def test_the_availability_line_is_the_reply_time_or_the_availability_message(
    view: AvailabilityView, line: str
) -> None:
    assert availability_line(view) == line
    assert page_header(TEAM, view) == Header(TEAM, line)


@pytest.mark.feature("BD3", "AV6")
def test_once_an_agent_is_assigned_the_header_shows_them_and_no_away_text() -> None:
    header = conversation_header(TEAM, RETURN, ConversationStatus.ASSIGNED, OLA)
    assert header == Header((OLA,), "")


@pytest.mark.feature("BD3", "AV5", "AV7")
@pytest.mark.parametrize("status", [ConversationStatus.WAITING, ConversationStatus.UNASSIGNED])
def test_a_waiting_conversation_shows_its_heading_and_the_availability_now(
    status: ConversationStatus,
) -> None:
    assert conversation_header(TEAM, AWAY, status, None) == Header(TEAM, "We're all away.")
    assert conversation_header(TEAM, WAIT, status, None) == Header(TEAM, "Busy.")


@pytest.mark.feature("BD3")
def test_an_assigned_conversation_whose_agent_is_gone_shows_the_heading() -> None:
    assert conversation_header(TEAM, AVAILABLE, ConversationStatus.ASSIGNED, None) == Header(
        TEAM, "We reply in minutes."
    )


@pytest.mark.feature("BD3")
def test_a_closed_conversation_keeps_its_people_and_drops_the_line() -> None:
    assert conversation_header(TEAM, RETURN, ConversationStatus.CLOSED, OLA) == Header(TEAM, "")


@pytest.mark.feature("BD1", "AV5", "AV6", "AV7")
@pytest.mark.parametrize(
    ("view", "shown"),
    [
        (AVAILABLE, "Hi! How can we help?"),
        (RETURN, "We'll be back today at 14:00."),
        (AWAY, "We're all away."),
        (WAIT, "Busy."),
        (HIDDEN, "Hi! How can we help?"),
        (AvailabilityView(ChatState.AWAY, message_kind=MessageKind.AWAY), "Hi! How can we help?"),
    ],
)
def test_the_prompt_shows_the_availability_message_or_the_welcome(
    view: AvailabilityView, shown: str
) -> None:
    assert prompt_text(view, "Hi! How can we help?") == shown
