"""Tests of what a chat becomes as it comes in and while it waits, and of agents' status
changes (the inputs and follow-ups both entry points share)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reference_server.domain.availability import AvailabilityView, ChatState, availability_view
from reference_server.domain.chatflow import (
    AssignmentSettings,
    AtCapacityBehaviour,
    AvailabilityMode,
    AvailabilitySettings,
    AwayChats,
    Chatflow,
    Language,
    OfficeHours,
    OfflineBehaviour,
    Weekday,
    Workspace,
    chatflow_from_dict,
    chatflow_to_dict,
)
from reference_server.domain.codec import InvalidData
from reference_server.domain.conversation import ConversationEvent
from reference_server.domain.intake import (
    VISITOR_RETURN_SECONDS,
    Intake,
    WaitEnd,
    end_of_wait,
    event_after_wait,
    intake,
    routing_properties,
    wait_deadline,
)
from reference_server.domain.routing import Agent, AgentStatus, requeues_open_chats, with_status

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
NORWEGIAN = Chatflow("c1", "Salg", Workspace("inbox", "i1"), language=Language.NB)


# ---------------------------------------------------------------- routing properties (RT3)


@pytest.mark.feature("RT3")
def test_routing_properties_start_with_the_chatflow_language_and_the_page() -> None:
    assert routing_properties(NORWEGIAN, "https://x.no/pris") == {
        "language": "nb",
        "page": "https://x.no/pris",
    }


@pytest.mark.feature("RT3")
def test_page_and_client_properties_add_keys_but_never_replace_earlier_ones() -> None:
    properties = routing_properties(
        NORWEGIAN,
        "https://x.no/pris",
        {"topic": "billing", "language": "en"},
        {"topic": "sales", "plan": "pro", "page": "https://elsewhere"},
    )
    assert properties == {
        "language": "nb",
        "page": "https://x.no/pris",
        "topic": "billing",
        "plan": "pro",
    }


# ---------------------------------------------------------------- intake (AV5-AV7)


def _view(state: ChatState, **settings: object) -> AvailabilityView:
    return availability_view(AvailabilitySettings(**settings), state, NOW, Language.EN)  # type: ignore[arg-type]


@pytest.mark.feature("AV1", "AV4")
def test_a_chat_started_while_available_is_routed() -> None:
    assert intake(_view(ChatState.AVAILABLE)) is Intake.ROUTE


@pytest.mark.feature("AV5")
def test_a_chat_started_while_away_is_routed_and_waits_for_somebody() -> None:
    view = _view(ChatState.AWAY, away_message_enabled=True, away_message="Back soon")
    assert intake(view) is Intake.ROUTE


@pytest.mark.feature("AV6")
@pytest.mark.parametrize(
    "behaviour",
    [OfflineBehaviour.RETURN_TIME, OfflineBehaviour.AWAY_MESSAGE, OfflineBehaviour.NOTHING],
)
def test_a_chat_started_while_offline_is_a_message_left_for_later(
    behaviour: OfflineBehaviour,
) -> None:
    hours = (OfficeHours(Weekday.MONDAY, "09:00", "10:00"),)
    view = _view(
        ChatState.OFFLINE,
        mode=AvailabilityMode.OFFICE_HOURS,
        office_hours=hours,
        offline_behaviour=behaviour,
        away_message="Closed",
    )
    assert intake(view) is Intake.MESSAGE


@pytest.mark.feature("AV6", "AV7")
def test_no_chat_starts_while_the_launcher_is_hidden() -> None:
    offline = _view(ChatState.OFFLINE, offline_behaviour=OfflineBehaviour.HIDE_LAUNCHER)
    full = _view(ChatState.AT_CAPACITY, at_capacity_behaviour=AtCapacityBehaviour.HIDE_LAUNCHER)
    assert intake(offline) is Intake.REFUSED
    assert intake(full) is Intake.REFUSED


@pytest.mark.feature("AV7")
def test_a_chat_started_at_capacity_with_a_wait_message_is_routed() -> None:
    view = _view(
        ChatState.AT_CAPACITY,
        at_capacity_behaviour=AtCapacityBehaviour.WAIT_MESSAGE,
        wait_message="Please wait",
    )
    assert intake(view) is Intake.ROUTE


# ---------------------------------------------------------------- the end of a wait (RT5)

PATIENT = AssignmentSettings()
TIMEOUT = AssignmentSettings(queue_timeout_seconds=300)


@pytest.mark.feature("RT5")
def test_a_chat_waits_for_ever_without_a_timeout_while_the_visitor_is_there() -> None:
    assert end_of_wait(PATIENT, 0.0, 1e9) is WaitEnd.WAITING
    assert wait_deadline(PATIENT, 0.0) is None


@pytest.mark.feature("RT5")
def test_the_queue_timeout_ends_the_wait_exactly_when_it_passes() -> None:
    assert end_of_wait(TIMEOUT, 100.0, 399.0) is WaitEnd.WAITING
    assert end_of_wait(TIMEOUT, 100.0, 400.0) is WaitEnd.TIMED_OUT
    assert wait_deadline(TIMEOUT, 100.0) == 400.0


@pytest.mark.feature("RT5", "SIM4")
def test_a_visitor_who_says_goodbye_abandons_at_once() -> None:
    assert end_of_wait(PATIENT, 0.0, 50.0, 50.0, said_goodbye=True) is WaitEnd.ABANDONED
    assert wait_deadline(PATIENT, 0.0, 50.0, said_goodbye=True) == 50.0


@pytest.mark.feature("RT5")
def test_a_lost_connection_abandons_only_when_the_visitor_does_not_come_back() -> None:
    gone = 50.0
    back_by = gone + VISITOR_RETURN_SECONDS
    assert end_of_wait(PATIENT, 0.0, back_by - 1, gone) is WaitEnd.WAITING
    assert end_of_wait(PATIENT, 0.0, back_by, gone) is WaitEnd.ABANDONED
    assert wait_deadline(PATIENT, 0.0, gone) == back_by


@pytest.mark.feature("RT5")
def test_whichever_of_timeout_and_leaving_came_first_decides() -> None:
    assert end_of_wait(TIMEOUT, 0.0, 1000.0, 100.0, said_goodbye=True) is WaitEnd.ABANDONED
    assert end_of_wait(TIMEOUT, 0.0, 1000.0, 600.0, said_goodbye=True) is WaitEnd.TIMED_OUT
    assert end_of_wait(TIMEOUT, 0.0, 1000.0, 300.0, said_goodbye=True) is WaitEnd.ABANDONED
    assert wait_deadline(TIMEOUT, 0.0, 600.0, said_goodbye=True) == 300.0


@pytest.mark.feature("RT5")
def test_an_abandoned_chat_closes_and_a_timed_out_one_goes_to_the_unassigned_view() -> None:
    assert event_after_wait(WaitEnd.ABANDONED) is ConversationEvent.CLOSE
    assert event_after_wait(WaitEnd.TIMED_OUT) is ConversationEvent.LEAVE_UNASSIGNED
    with pytest.raises(ValueError, match="still waiting"):
        event_after_wait(WaitEnd.WAITING)


@pytest.mark.feature("RT5", "CF7")
def test_the_queue_timeout_is_validated_with_the_chatflow() -> None:
    data = chatflow_to_dict(NORWEGIAN)
    data["build"]["assignment"]["queue_timeout_seconds"] = 5
    with pytest.raises(InvalidData) as raised:
        chatflow_from_dict(data)
    assert [e.path for e in raised.value.errors] == ["build.assignment.queue_timeout_seconds"]
    data["build"]["assignment"]["queue_timeout_seconds"] = 600
    data["build"]["assignment"]["away_chats"] = "requeue"
    loaded = chatflow_from_dict(data)
    assert loaded.build.assignment.queue_timeout_seconds == 600
    assert loaded.build.assignment.away_chats is AwayChats.REQUEUE


# ---------------------------------------------------------------- status changes (CV4, RT5)


@pytest.mark.feature("CV4", "RT5")
def test_an_agent_back_from_a_break_with_no_chat_is_idle_from_their_return() -> None:
    on_break = Agent("a", status=AgentStatus.AWAY, idle_since=10.0)
    back = with_status(on_break, AgentStatus.AVAILABLE, 500.0)
    assert back.status is AgentStatus.AVAILABLE
    assert back.idle_since == 500.0


@pytest.mark.feature("CV4", "RT5")
def test_an_agent_back_to_chats_they_kept_is_not_idle() -> None:
    on_break = Agent("a", status=AgentStatus.AWAY, active_chats=2, idle_since=10.0)
    assert with_status(on_break, AgentStatus.AVAILABLE, 500.0).idle_since == 10.0


@pytest.mark.feature("CV4")
def test_going_away_keeps_idle_time_and_setting_the_same_status_changes_nothing() -> None:
    agent = Agent("a", idle_since=10.0)
    away = with_status(agent, AgentStatus.AWAY, 500.0)
    assert (away.status, away.idle_since) == (AgentStatus.AWAY, 10.0)
    assert with_status(agent, AgentStatus.AVAILABLE, 500.0) is agent


@pytest.mark.feature("RT5", "CV4")
def test_open_chats_go_back_to_the_queue_only_when_the_chatflow_says_so() -> None:
    keep = AssignmentSettings()
    requeue = AssignmentSettings(away_chats=AwayChats.REQUEUE)
    assert not requeues_open_chats(keep, AgentStatus.AWAY)
    assert requeues_open_chats(requeue, AgentStatus.AWAY)
    assert requeues_open_chats(requeue, AgentStatus.OFFLINE)
    assert not requeues_open_chats(requeue, AgentStatus.AVAILABLE)
