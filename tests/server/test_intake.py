"""What the server does with a chat started exactly as the shipped widget starts it, and with
one that waits (issue 9 §1): the routing properties (RT3), a start in each availability
state (AV5-AV7), idle time after a break (RT5), abandonment and the queue timeout (RT5), and
the open chats of an agent who goes away. Each follows the domain's decision
(``domain.intake``, ``domain.routing``), as the simulator does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession

from reference_server.domain.chatflow import (
    AssignmentSettings,
    AtCapacityBehaviour,
    AvailabilityMode,
    AvailabilitySettings,
    AwayChats,
    BuildSettings,
    Language,
    OfficeHours,
    RoutingStrategy,
    SkillRule,
    Weekday,
)
from reference_server.domain.intake import VISITOR_RETURN_SECONDS
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    advance_clock,
    config_json,
    conversation,
    count,
    frame,
    frames_until,
    set_status,
    visitor_socket_url,
    widget_start,
)

PAGE = "https://acme.test/pricing"


def _widget(api: Api, url: str = PAGE) -> tuple[dict[str, Any], str]:
    """The loader's config for ``url`` and the new visitor's token, as the widget gets them."""
    answer = config_json(api, url)
    return answer, answer["visitor"]["token"]


def _started(ws: WebSocketTestSession) -> dict[str, Any]:
    assert frame(ws)["type"] == "ready"
    got, _ = frames_until(ws, "started")
    conversation: dict[str, Any] = got["conversation"]
    return conversation


def _start_by_widget(api: Api, url: str = PAGE) -> str:
    """A chat started by the widget on ``url``; its id (the socket is closed after, as when
    the visitor closes the tab)."""
    answer, token = _widget(api, url)
    with api.client.websocket_connect(visitor_socket_url(api, token)) as ws:
        widget_start(ws, answer, url)
        return str(_started(ws)["id"])


def _status(api: Api, conversation_id: str) -> tuple[str, str | None]:
    row = conversation(api, conversation_id)
    return row["status"], row["assignee_id"]


# ---------------------------------------------------------------- routing properties (RT3)


@pytest.mark.feature("RT3", "OP1")
def test_a_norwegian_chat_from_the_widget_goes_to_an_agent_with_the_skill(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    nora, _ = add_agent(api, "Nora", capacity=5, skills=["norwegian"])
    rule = SkillRule("language", "nb", ("norwegian",))
    add_chatflow(api, language=Language.NB, assignment=AssignmentSettings(skill_rules=(rule,)))
    for _ in range(3):  # least busy would hand the second to Ann if the rule were ignored
        chat = _start_by_widget(api)
        assert _status(api, chat) == ("assigned", nora)


# ---------------------------------------------------------------- availability at the start


def _office_hours(**settings: Any) -> BuildSettings:
    # START is Monday 10:00 UTC (11:00 in Oslo): before these hours open.
    hours = (OfficeHours(Weekday.MONDAY, "13:00", "17:00"),)
    availability = AvailabilitySettings(
        mode=AvailabilityMode.OFFICE_HOURS, timezone="Europe/Oslo", office_hours=hours, **settings
    )
    return BuildSettings(availability=availability)


@pytest.mark.feature("AV6")
def test_a_chat_started_while_the_widget_says_offline_is_a_message_nobody_is_given(
    api: Api,
) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5)
    add_chatflow(api, build=_office_hours())
    answer, token = _widget(api)
    assert answer["availability"]["state"] == "offline"
    assert "13:00" in answer["availability"]["message"]
    with api.client.websocket_connect(visitor_socket_url(api, token)) as ws:
        widget_start(ws, answer, PAGE)
        chat = _started(ws)
    assert (chat["status"], _status(api, chat["id"])) == ("unassigned", ("unassigned", None))
    set_status(api, ann, "away")
    set_status(api, ann, "available")  # the queue is served: a message left is not in it
    assert _status(api, chat["id"]) == ("unassigned", None)


@pytest.mark.feature("AV7")
def test_no_chat_starts_while_the_widget_hides_the_launcher(api: Api) -> None:
    add_agent(api, "Ann", capacity=1)
    hide = AvailabilitySettings(at_capacity_behaviour=AtCapacityBehaviour.HIDE_LAUNCHER)
    add_chatflow(api, build=BuildSettings(availability=hide))
    _start_by_widget(api)  # Ann is now at her limit, so the launcher goes
    answer, token = _widget(api)
    assert answer["availability"]["launcher_hidden"] is True
    with api.client.websocket_connect(visitor_socket_url(api, token)) as ws:
        assert frame(ws)["type"] == "ready"
        widget_start(ws, answer, PAGE)
        error, _ = frames_until(ws, "error")
    assert error["code"] == "chat_unavailable" and error["ref"] == "start-c1"
    assert count(api, t.conversations) == 1


@pytest.mark.feature("AV5", "RT5")
def test_a_chat_started_while_away_waits_for_somebody_to_come_back(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5, status="away")
    add_chatflow(api)
    chat = _start_by_widget(api)
    assert _status(api, chat) == ("waiting", None)
    set_status(api, ann, "available")
    assert _status(api, chat) == ("assigned", ann)


# ---------------------------------------------------------------- idle time (RT5, CV4)


@pytest.mark.feature("RT5", "CV4")
def test_longest_idle_counts_from_the_return_from_a_break(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5)
    bob, _ = add_agent(api, "Bob", capacity=5)
    add_chatflow(api, assignment=AssignmentSettings(strategy=RoutingStrategy.LONGEST_IDLE))
    set_status(api, ann, "away")  # both idle since START; Ann takes a break …
    api.clock.advance(timedelta(minutes=5))
    set_status(api, ann, "available")  # … and is idle from her return, Bob from START
    assert _status(api, _start_by_widget(api)) == ("assigned", bob)


# ---------------------------------------------------------------- the end of a wait (RT5)


@pytest.mark.feature("RT5")
def test_a_chat_waiting_past_the_queue_timeout_leaves_the_queue_for_the_inbox(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5, status="away")
    add_chatflow(api, assignment=AssignmentSettings(queue_timeout_seconds=120))
    answer, token = _widget(api)
    with api.client.websocket_connect(visitor_socket_url(api, token)) as ws:
        widget_start(ws, answer, PAGE)
        chat = _started(ws)["id"]
        advance_clock(api, 119)
        assert _status(api, chat) == ("waiting", None)
        advance_clock(api, 1)
        assert _status(api, chat) == ("unassigned", None)
    set_status(api, ann, "available")
    assert _status(api, chat) == ("unassigned", None)  # answered from the inbox, not routed


@pytest.mark.feature("RT5")
def test_a_waiting_visitor_who_does_not_come_back_abandons_the_chat(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5, status="away")
    add_chatflow(api)
    chat = _start_by_widget(api)  # the socket closes: the visitor went
    advance_clock(api, VISITOR_RETURN_SECONDS - 1)
    assert _status(api, chat) == ("waiting", None)
    advance_clock(api, 1)
    assert _status(api, chat) == ("closed", None)
    set_status(api, ann, "available")
    assert _status(api, chat) == ("closed", None)  # nobody is given a chat with nobody in it


@pytest.mark.feature("RT5")
def test_a_visitor_moving_to_another_page_keeps_their_place_in_the_queue(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5, status="away")
    add_chatflow(api)
    answer, token = _widget(api)
    with api.client.websocket_connect(visitor_socket_url(api, token)) as ws:
        widget_start(ws, answer, PAGE)
        chat = _started(ws)["id"]
    advance_clock(api, 10)  # the next page loads and its widget connects again
    with api.client.websocket_connect(visitor_socket_url(api, token)) as ws:
        assert frame(ws)["type"] == "ready"
        advance_clock(api, 10 * VISITOR_RETURN_SECONDS)
        assert _status(api, chat) == ("waiting", None)
        set_status(api, ann, "available")
        assert _status(api, chat) == ("assigned", ann)


# ---------------------------------------------------------------- an agent who goes away


@pytest.mark.feature("RT5", "CV4")
@pytest.mark.parametrize("away_chats", list(AwayChats))
def test_an_agents_open_chats_stay_or_return_to_the_queue_as_the_chatflow_says(
    api: Api, away_chats: AwayChats
) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5)
    bob, _ = add_agent(api, "Bob", capacity=5, status="away")
    add_chatflow(api, assignment=AssignmentSettings(away_chats=away_chats))
    chat = _start_by_widget(api)
    assert _status(api, chat) == ("assigned", ann)
    set_status(api, bob, "available")
    set_status(api, ann, "away")
    expected = ("assigned", bob) if away_chats is AwayChats.REQUEUE else ("assigned", ann)
    assert _status(api, chat) == expected


# ---------------------------------------------------------------- the settings (CF7)


@pytest.mark.feature("RT5", "CF7")
def test_the_queue_settings_are_edited_and_validated_through_the_api(api: Api) -> None:
    created = api.client.post(
        "/api/v1/chatflows",
        headers=api.admin_headers,
        json={"name": "Sales", "workspace": {"kind": "inbox", "id": api.account.inbox_id}},
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/chatflows/{created.json()['id']}/build"
    bad = api.client.patch(
        url, headers=api.admin_headers, json={"assignment": {"queue_timeout_seconds": 5}}
    )
    assert bad.status_code == 422
    assert "build.assignment.queue_timeout_seconds" in bad.json()["error"]["fields"]
    good = api.client.patch(
        url,
        headers=api.admin_headers,
        json={"assignment": {"queue_timeout_seconds": 600, "away_chats": "requeue"}},
    )
    assert good.status_code == 200, good.text
    assignment = good.json()["build"]["assignment"]
    assert (assignment["queue_timeout_seconds"], assignment["away_chats"]) == (600, "requeue")
