"""Real time (CV1): the visitor and agent WebSockets — messages both ways, typing, read
receipts, resume without loss or doubles, refused frames — and the Redis broadcast that
carries events between workers (run against the local Redis; in CI it must be there)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from reference_server.domain.chatflow import (
    AssignmentSettings,
    BuildSettings,
    CsatSettings,
    DataProcessingConsent,
    DataProcessingKind,
    HeadingKind,
    HeadingSettings,
    OptionsSettings,
)
from reference_server.realtime.broadcast import LocalBroadcast
from reference_server.realtime.feeds import Delivered
from reference_server.realtime.redis_broadcast import RedisBroadcast
from reference_server.settings import Settings
from reference_server.store import schema as t

from .conftest import Api, bootstrap, running_api
from .scene import (
    add_agent,
    add_chatflow,
    add_survey,
    add_visitor,
    count,
    frame,
    frames_until,
    no_frame,
    rows,
    say,
    start,
)

REDIS_URL = os.environ.get("LIVECHAT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def visitor_ticket(api: Api, visitor: dict[str, str], account_id: str | None = None) -> str:
    """What the widget does before opening its socket: a single-use ticket."""
    response = api.client.post(
        f"/widget/v1/{account_id or api.account.account_id}/socket-ticket", headers=visitor
    )
    assert response.status_code == 201, response.text
    return str(response.json()["ticket"])


def visitor_url(api: Api, visitor: dict[str, str], account_id: str | None = None) -> str:
    account_id = account_id or api.account.account_id
    return f"/ws/visitor?account_id={account_id}&ticket={visitor_ticket(api, visitor, account_id)}"


def agent_ticket(api: Api, headers: dict[str, str]) -> str:
    """What the inbox does before opening its socket: a single-use ticket."""
    response = api.client.post("/api/v1/auth/socket-ticket", headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["ticket"])


def agent_socket(api: Api, headers: dict[str, str]) -> Any:
    return api.client.websocket_connect(f"/ws/agent?ticket={agent_ticket(api, headers)}")


def visitor_socket(api: Api, visitor: dict[str, str]) -> Any:
    return api.client.websocket_connect(visitor_url(api, visitor))


def ready(ws: WebSocketTestSession) -> dict[str, Any]:
    got = frame(ws)
    assert got["type"] == "ready", got
    return got


def assert_closed_with(ws: WebSocketTestSession, code: int) -> None:
    with pytest.raises(WebSocketDisconnect) as closed:
        frame(ws)
    assert closed.value.code == code


@pytest.fixture
def scene(api: Api) -> dict[str, Any]:
    agent_id, agent = add_agent(api, "Ann", capacity=5)
    return {
        "agent_id": agent_id,
        "agent": agent,
        "chatflow_id": add_chatflow(api),
        "visitor": add_visitor(api),
    }


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?account_id=ACC",
        "?account_id=ACC&ticket=lct_x",
        "?account_id=ACC&visitor_token=TOKEN",  # the long-lived token never goes in a URL
        "?account_id=acc_other&ticket=TICKET",
    ],
)
def test_a_visitor_socket_without_a_valid_ticket_is_closed_with_4401(
    api: Api, scene: dict, query: str
) -> None:
    query = query.replace("ACC", api.account.account_id).replace(
        "TOKEN", scene["visitor"]["X-Visitor-Token"]
    )
    if "TICKET" in query:
        query = query.replace("TICKET", visitor_ticket(api, scene["visitor"]))
    with api.client.websocket_connect(f"/ws/visitor{query}") as ws:
        assert_closed_with(ws, 4401)


def test_a_visitor_ticket_opens_one_socket_only(api: Api, scene: dict) -> None:
    url = visitor_url(api, scene["visitor"])
    with api.client.websocket_connect(url) as ws:
        ready(ws)
    with api.client.websocket_connect(url) as ws:
        assert_closed_with(ws, 4401)


@pytest.mark.parametrize("query", ["", "?ticket=lct_bogus", "?token=SESSION", "?token=API_KEY"])
def test_an_agent_socket_without_a_session_is_closed_with_4401(
    api: Api, scene: dict, query: str
) -> None:
    query = query.replace("API_KEY", api.account.api_key)
    query = query.replace("SESSION", scene["agent"]["Authorization"][7:])
    with api.client.websocket_connect(f"/ws/agent{query}") as ws:
        assert_closed_with(ws, 4401)


def test_an_agent_ticket_opens_one_socket_within_a_minute(api: Api, scene: dict) -> None:
    ticket = agent_ticket(api, scene["agent"])
    with api.client.websocket_connect(f"/ws/agent?ticket={ticket}") as ws:
        assert ready(ws)["user_id"] == scene["agent_id"]
    with api.client.websocket_connect(f"/ws/agent?ticket={ticket}") as ws:
        assert_closed_with(ws, 4401)  # used up
    late = agent_ticket(api, scene["agent"])
    api.clock.advance(timedelta(seconds=61))
    with api.client.websocket_connect(f"/ws/agent?ticket={late}") as ws:
        assert_closed_with(ws, 4401)  # expired


def test_the_agent_socket_accepts_the_session_cookie_from_its_own_origin(
    api: Api, scene: dict
) -> None:
    cookie = {"cookie": f"livechat_session={scene['agent']['Authorization'][7:]}"}
    own = {**cookie, "origin": "http://127.0.0.1:8000"}  # the test server's public URL
    with api.client.websocket_connect("/ws/agent", headers=own) as ws:
        assert ready(ws)["user_id"] == scene["agent_id"]
    for refused in ({**cookie, "origin": "http://127.0.0.1:8001"}, cookie):
        with api.client.websocket_connect("/ws/agent", headers=refused) as ws:
            assert_closed_with(ws, 4403)


# ---------------------------------------------------------------- a chat, both ways


@pytest.mark.feature("CV1")
def test_a_visitor_and_an_agent_chat_over_websockets(api: Api, scene: dict) -> None:
    with (
        agent_socket(api, scene["agent"]) as agent,
        visitor_socket(api, scene["visitor"]) as visitor,
    ):
        ready(agent)
        ready(visitor)
        visitor.send_json(
            {
                "type": "start",
                "ref": "s1",
                "chatflow_id": scene["chatflow_id"],
                "page_url": "https://acme.test/",
                "message": {"client_id": "v1", "text": "Hello?"},
            }
        )
        started = frame(visitor)
        assert started["type"] == "started" and started["ref"] == "s1"
        chat = started["conversation"]
        assert chat["status"] == "assigned" and chat["agent"]["name"] == "Ann"
        # the ack and the conversation's events (its assignment) travel apart: either first
        ack, before_ack = frames_until(visitor, "ack")
        assert ack["client_id"] == "v1" and ack["sequence"] == 1
        assert all(f["type"] == "assigned" for f in before_ack)
        assert rows(api, t.messages, id=ack["message"]["id"])  # stored before acknowledged

        # the agent hears of the new conversation, assigned to it, and gets its messages
        seen: list[dict[str, Any]] = []
        while not {"new", "assigned", "message", "following"} <= {
            f.get("event", f["type"]) for f in seen
        }:
            seen.append(frame(agent))
        events = {f["event"]: f["conversation"] for f in seen if f["type"] == "conversation"}
        assert events["new"]["id"] == chat["id"]
        assert events["assigned"]["assignee_id"] == scene["agent_id"]
        [first] = [f for f in seen if f["type"] == "message"]
        assert first["message"]["text"] == "Hello?"

        agent.send_json(
            {
                "type": "message",
                "conversation_id": chat["id"],
                "client_id": "a1",
                "text": "Hi, Ann here",
            }
        )
        reply_ack, _ = frames_until(agent, "ack")
        assert reply_ack["sequence"] == 2
        reply, skipped = frames_until(visitor, "message")
        assert reply["message"]["text"] == "Hi, Ann here"
        assert reply["message"]["sender"]["name"] == "Ann"
        assert all(f["type"] != "message" for f in skipped)

        visitor.send_json(
            {"type": "message", "conversation_id": chat["id"], "client_id": "v2", "text": "Great"}
        )
        assert frame(visitor)["type"] == "ack"
        got, _ = frames_until(agent, "message")
        assert got["message"]["sequence"] == 3
        no_frame(visitor)  # the visitor's own message comes back only as the ack
        no_frame(agent)
    assert count(api, t.messages, conversation_id=chat["id"]) == 3


@pytest.mark.feature("CV1")
def test_typing_reaches_the_other_side_only(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    with (
        agent_socket(api, scene["agent"]) as agent,
        visitor_socket(api, scene["visitor"]) as visitor,
    ):
        ready(agent)
        ready(visitor)
        visitor.send_json({"type": "resume", "conversation_id": chat, "after_sequence": 0})
        assert frame(visitor)["type"] == "resumed"
        visitor.send_json({"type": "typing", "conversation_id": chat, "typing": True})
        typing, _ = frames_until(agent, "typing")
        assert typing["sender_kind"] == "visitor" and typing["typing"] is True
        agent.send_json({"type": "typing", "conversation_id": chat, "typing": True})
        seen = frame(visitor)
        assert seen["type"] == "typing" and seen["sender"]["name"] == "Ann"
        no_frame(agent)
    assert count(api, t.messages) == 0  # typing is never stored


@pytest.mark.feature("CV1")
def test_read_receipts_are_stored_and_reach_the_sender(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    say(api, scene["visitor"], chat, "one")
    say(api, scene["visitor"], chat, "two")
    with (
        agent_socket(api, scene["agent"]) as agent,
        visitor_socket(api, scene["visitor"]) as visitor,
    ):
        ready(agent)
        ready(visitor)
        visitor.send_json({"type": "resume", "conversation_id": chat, "after_sequence": 2})
        assert frame(visitor)["type"] == "resumed"
        agent.send_json({"type": "read", "conversation_id": chat, "up_to_sequence": 2})
        receipt = frame(visitor)
        assert receipt == {
            "type": "read",
            "conversation_id": chat,
            "reader": "agent",
            "up_to_sequence": 2,
        }
    assert all(m["read_at"] for m in rows(api, t.messages, conversation_id=chat))


# ---------------------------------------------------------------- resume


@pytest.mark.feature("CV1")
def test_resume_replays_everything_after_the_sequence_then_goes_live(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    say(api, scene["visitor"], chat, "one")
    for text in ("two", "three"):
        api.client.post(
            f"/api/v1/conversations/{chat}/messages",
            headers=scene["agent"],
            json={"client_id": text, "text": text},
        )
    say(api, scene["visitor"], chat, "four")
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        visitor.send_json(
            {"type": "resume", "conversation_id": chat, "after_sequence": 1, "ref": "r"}
        )
        replayed = [frame(visitor) for _ in range(3)]
        assert [f["message"]["sequence"] for f in replayed] == [2, 3, 4]
        resumed = frame(visitor)
        assert resumed["type"] == "resumed" and resumed["ref"] == "r"
        assert resumed["conversation"]["last_sequence"] == 4
        api.client.post(
            f"/api/v1/conversations/{chat}/messages",
            headers=scene["agent"],
            json={"client_id": "five", "text": "five"},
        )
        live = frame(visitor)
        assert live["type"] == "message" and live["message"]["sequence"] == 5
        no_frame(visitor)
        # resuming again from an older point replays again, still each message once
        visitor.send_json({"type": "resume", "conversation_id": chat, "after_sequence": 3})
        again = [frame(visitor) for _ in range(3)]
        assert [f.get("message", {}).get("sequence") for f in again] == [4, 5, None]
        no_frame(visitor)


@pytest.mark.feature("CV1")
def test_resume_beyond_the_last_message_is_refused(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        visitor.send_json({"type": "resume", "conversation_id": chat, "after_sequence": 7})
        error = frame(visitor)
        assert error["type"] == "error" and error["code"] == "validation_failed"


def test_the_delivered_set_remembers_each_sequence_once() -> None:
    delivered = Delivered(2)
    assert not delivered.add(1) and not delivered.add(2)
    assert delivered.add(4) and not delivered.add(4)
    assert delivered.floor == 2 and delivered.above == {4}
    assert delivered.add(3)
    assert delivered.floor == 4 and delivered.above == set()


@pytest.mark.feature("CV1")
def test_a_resend_over_the_socket_is_acknowledged_with_the_original(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        for _ in range(2):
            visitor.send_json(
                {"type": "message", "conversation_id": chat, "client_id": "x1", "text": "only once"}
            )
        first, second = frame(visitor), frame(visitor)
        assert first["type"] == second["type"] == "ack"
        assert first["message"]["id"] == second["message"]["id"]
        no_frame(visitor)
    assert count(api, t.messages, conversation_id=chat) == 1


# ---------------------------------------------------------------- refused frames


@pytest.mark.parametrize(
    ("send", "code"),
    [
        (("text", "not json"), "malformed_json"),
        (("text", "[1, 2]"), "malformed_json"),
        (("text", '{"no_type": 1}'), "unknown_type"),
        (("text", '{"type": "dance"}'), "unknown_type"),
        (("text", '{"type": "message", "conversation_id": "CHAT"}'), "validation_failed"),
        (
            (
                "text",
                '{"type": "message", "conversation_id": "CHAT", "client_id": "a", "text": 42}',
            ),
            "validation_failed",
        ),
        (
            (
                "text",
                '{"type": "message", "conversation_id": "CHAT", "client_id": "a", "text": "   "}',
            ),
            "validation_failed",
        ),
        (
            (
                "text",
                '{"type": "message", "conversation_id": "CHAT", "client_id": "a", '
                '"text": "' + "x" * 5001 + '"}',
            ),
            "validation_failed",
        ),
        (
            (
                "text",
                '{"type": "message", "conversation_id": "CHAT", "client_id": "a", '
                '"text": "' + "x" * 70_000 + '"}',
            ),
            "payload_too_large",
        ),
        (("bytes", b"\xff\xfe\x00"), "malformed_json"),
        (
            ("text", '{"type": "read", "conversation_id": "CHAT", "up_to_sequence": "1"}'),
            "validation_failed",
        ),
        (
            (
                "text",
                '{"type": "message", "conversation_id": "cnv_nope", "client_id": "a", '
                '"text": "hi"}',
            ),
            "not_found",
        ),
    ],
)
def test_a_bad_frame_gets_an_error_and_the_socket_stays_up(
    api: Api, scene: dict, send: tuple[str, Any], code: str
) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    kind, payload = send
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        if kind == "text":
            visitor.send_text(payload.replace("CHAT", chat))
        else:
            visitor.send_bytes(payload)
        error = frame(visitor)
        assert error["type"] == "error" and error["code"] == code, error
        assert error["message"]
        assert count(api, t.messages) == 0
        visitor.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "ok", "text": "still here"}
        )
        assert frame(visitor)["type"] == "ack"


def test_json_sent_as_a_binary_frame_is_understood(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        visitor.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "b", "text": "bytes"},
            mode="binary",
        )
        assert frame(visitor)["type"] == "ack"


@pytest.mark.feature("CV1")
def test_a_visitor_socket_cannot_touch_another_visitors_conversation(api: Api, scene: dict) -> None:
    chat = start(api, scene["visitor"], scene["chatflow_id"])["conversation"]["id"]
    with visitor_socket(api, add_visitor(api)) as intruder:
        ready(intruder)
        for body in (
            {"type": "resume", "after_sequence": 0},
            {"type": "message", "client_id": "x", "text": "hijack"},
            {"type": "typing", "typing": True},
            {"type": "read", "up_to_sequence": 0},
            {"type": "email", "email": "evil@example.com"},
            {"type": "consent", "data_processing": True},
            {"type": "csat", "rating": 1},
            {"type": "close"},
        ):
            intruder.send_json({**body, "conversation_id": chat, "ref": body["type"]})
            error = frame(intruder)
            assert (error["type"], error["code"], error["ref"]) == (
                "error",
                "not_found",
                body["type"],
            )
    stored = rows(api, t.conversations, id=chat)[0]
    assert stored["status"] == "assigned" and stored["last_sequence"] == 0
    assert stored["consent"]["data_processing"] is False and stored["contact_id"] is None


# ---------------------------------------------------------------- consent, email, close, CSAT


@pytest.mark.feature("OP4", "BD2", "OP7")
def test_consent_email_close_and_survey_over_the_socket(api: Api, scene: dict) -> None:
    survey_id = add_survey(api, "Happy?")
    chatflow_id = add_chatflow(
        api,
        options=OptionsSettings(
            data_processing_consent=DataProcessingConsent(kind=DataProcessingKind.EXPLICIT),
            csat=CsatSettings(enabled=True, survey_id=survey_id),
        ),
    )
    with visitor_socket(api, scene["visitor"]) as visitor:
        ready(visitor)
        visitor.send_json(
            {
                "type": "start",
                "chatflow_id": chatflow_id,
                "message": {"client_id": "m", "text": "hi"},
            }
        )
        refused = frame(visitor)
        assert refused["type"] == "error" and refused["code"] == "consent_required"
        assert count(api, t.conversations) == 0
        visitor.send_json({"type": "start", "chatflow_id": chatflow_id})
        chat = frame(visitor)["conversation"]["id"]
        assigned = frame(visitor)  # the agent who answers, as the conversation's own event
        assert assigned["type"] == "assigned" and assigned["agent"]["name"] == "Ann"
        visitor.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "m", "text": "hi"}
        )
        assert frame(visitor)["code"] == "consent_required"
        visitor.send_json({"type": "consent", "conversation_id": chat, "data_processing": True})
        saved = frame(visitor)
        assert saved["type"] == "consent_saved" and saved["consent"]["data_processing"] is True
        visitor.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "m", "text": "hi"}
        )
        assert frame(visitor)["type"] == "ack"
        visitor.send_json({"type": "email", "conversation_id": chat, "email": "k@example.com"})
        email = frame(visitor)
        assert email["type"] == "email_saved" and email["created"] is True
        visitor.send_json({"type": "email", "conversation_id": chat, "email": "nope"})
        assert frame(visitor)["code"] == "validation_failed"
        api.client.post(f"/api/v1/conversations/{chat}/close", headers=scene["agent"])
        closed, _ = frames_until(visitor, "closed")
        assert closed["survey"] == {"survey_id": survey_id, "question": "Happy?"}
        visitor.send_json(
            {"type": "csat", "conversation_id": chat, "rating": 5, "comment": "great"}
        )
        answer = frame(visitor)
        assert answer["type"] == "csat_saved" and answer["answer"]["rating"] == 5
        visitor.send_json({"type": "csat", "conversation_id": chat, "rating": 5})
        assert frame(visitor)["code"] == "already_answered"
    assert rows(api, t.contacts)[0]["email"] == "k@example.com"


@pytest.mark.feature("RT6")
def test_a_visitor_closing_frees_the_agent_for_the_waiting_queue(api: Api) -> None:
    agent_id, agent = add_agent(api, "Solo", capacity=1)
    chatflow_id = add_chatflow(api)
    first_visitor, second_visitor = add_visitor(api), add_visitor(api)
    first = start(api, first_visitor, chatflow_id)["conversation"]["id"]
    with (
        agent_socket(api, agent) as inbox,
        visitor_socket(api, first_visitor) as visitor,
    ):
        ready(inbox)
        ready(visitor)
        second = start(api, second_visitor, chatflow_id)["conversation"]["id"]
        queued, _ = frames_until(inbox, "conversation", event="queued")
        assert queued["conversation"]["id"] == second
        visitor.send_json({"type": "close", "conversation_id": first})
        closed, _ = frames_until(visitor, "closed")
        assert closed["conversation_id"] == first and closed["survey"] is None
        assigned, _ = frames_until(inbox, "conversation", event="assigned")
        assert assigned["conversation"]["id"] == second
        assert assigned["conversation"]["assignee_id"] == agent_id
        following, _ = frames_until(inbox, "following")  # it follows its new conversation
        assert following["conversation"]["id"] == second


@pytest.mark.feature("BD4")
def test_the_visitor_socket_shows_the_brand_under_the_alias(api: Api, scene: dict) -> None:
    chatflow_id = add_chatflow(
        api,
        build=BuildSettings(
            heading=HeadingSettings(kind=HeadingKind.BRANDING, brand_name="Acme", brand_alias=True)
        ),
    )
    chat = start(api, scene["visitor"], chatflow_id)["conversation"]["id"]
    with (
        agent_socket(api, scene["agent"]) as agent,
        visitor_socket(api, scene["visitor"]) as visitor,
    ):
        ready(agent)
        ready(visitor)
        visitor.send_json({"type": "resume", "conversation_id": chat})
        assert frame(visitor)["type"] == "resumed"
        agent.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "a", "text": "Hello"}
        )
        message = frame(visitor)
        assert message["message"]["sender"] == {"id": "brand", "name": "Acme", "avatar_url": ""}
        assert message["message"]["sender_id"] == "brand"
        ack, _ = frames_until(agent, "ack")
        assert ack["message"]["sender_id"] == scene["agent_id"]  # agents see who wrote it


# ---------------------------------------------------------------- the agent socket


@pytest.mark.feature("CV2")
def test_an_agent_follows_any_conversation_and_gets_its_history(api: Api, scene: dict) -> None:
    manual = add_chatflow(api, assignment=AssignmentSettings(enabled=False))
    chat = start(api, scene["visitor"], manual)["conversation"]["id"]
    say(api, scene["visitor"], chat, "anyone there?")
    with agent_socket(api, scene["agent"]) as agent:
        ready(agent)
        agent.send_json({"type": "follow", "conversation_id": chat, "ref": "f"})
        history = frame(agent)
        assert history["type"] == "message" and history["message"]["text"] == "anyone there?"
        following = frame(agent)
        assert following["type"] == "following" and following["ref"] == "f"
        say(api, scene["visitor"], chat, "hello?")
        live, _ = frames_until(agent, "message")
        assert live["message"]["sequence"] == 2
        agent.send_json({"type": "unfollow", "conversation_id": chat})
        assert frame(agent)["type"] == "unfollowed"
        say(api, scene["visitor"], chat, "bye")
        no_frame(agent)
        agent.send_json({"type": "follow", "conversation_id": "cnv_nope"})
        assert frame(agent)["code"] == "not_found"
        agent.send_json({"type": "wave"})
        assert frame(agent)["code"] == "unknown_type"


def test_an_agent_hears_nothing_from_other_accounts(api: Api, scene: dict) -> None:
    from .scene import other_account

    other = other_account(api)
    foreign_flow = add_chatflow(api, account_id=other.account_id, workspace_id=other.inbox_id)
    with agent_socket(api, scene["agent"]) as agent:
        ready(agent)
        api.client.post(
            f"/widget/v1/{other.account_id}/conversations",
            headers=add_visitor(api, account_id=other.account_id),
            json={"chatflow_id": foreign_flow},
        )
        no_frame(agent)


# ---------------------------------------------------------------- Redis (several workers)


async def _redis_or_skip() -> None:
    probe = RedisBroadcast(REDIS_URL)
    try:
        await probe.start()
    except Exception as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis does not answer at {REDIS_URL}: {error}")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    finally:
        await probe.stop()


async def test_redis_broadcast_delivers_in_order_across_workers() -> None:
    await _redis_or_skip()
    channel = f"conversation:test-{secrets.token_hex(4)}"
    one, two = RedisBroadcast(REDIS_URL), RedisBroadcast(REDIS_URL)
    await one.start()
    await two.start()
    try:
        async with (
            one.subscribe(channel) as a,
            one.subscribe(channel, "other") as b,
            two.subscribe(channel) as c,
        ):
            for i in range(20):
                await (one if i % 2 else two).publish(channel, {"type": "message", "n": i})
            for subscriber in (a, b, c):
                got = [await asyncio.wait_for(subscriber.get(), 5) for _ in range(20)]
                assert [event["n"] for event in got] == list(range(20))
        async with two.subscribe(channel) as late:
            await one.publish(channel, {"n": "after"})
            assert (await asyncio.wait_for(late.get(), 5)) == {"n": "after"}
    finally:
        await one.stop()
        await two.stop()


async def test_redis_broadcast_stops_delivering_after_unsubscribe() -> None:
    await _redis_or_skip()
    channel = f"agent:test-{secrets.token_hex(4)}"
    broadcast = RedisBroadcast(REDIS_URL)
    await broadcast.start()
    try:
        async with broadcast.subscribe(channel) as kept:
            async with broadcast.subscribe(channel) as dropped:
                await broadcast.publish(channel, {"n": 1})
                assert (await asyncio.wait_for(dropped.get(), 5)) == {"n": 1}
            await broadcast.publish(channel, {"n": 2})
            assert (await asyncio.wait_for(kept.get(), 5)) == {"n": 1}
            assert (await asyncio.wait_for(kept.get(), 5)) == {"n": 2}
            assert dropped.queue.empty()
        assert channel not in broadcast._subscribers
        async with broadcast.subscribe(channel) as again:  # re-subscribing works
            await broadcast.publish(channel, {"n": 3})
            assert (await asyncio.wait_for(again.get(), 5)) == {"n": 3}
    finally:
        await broadcast.stop()


async def _skipped_events_are_not_queued(broadcast: LocalBroadcast | RedisBroadcast) -> None:
    channel = f"conversation:test-{secrets.token_hex(4)}"
    await broadcast.start()
    try:
        async with (
            broadcast.subscribe(channel, skip=lambda event: event["n"] % 2 == 0) as odd,
            broadcast.subscribe(channel) as every,
        ):
            for n in range(4):
                await broadcast.publish(channel, {"n": n})
            got = [await asyncio.wait_for(every.get(), 5) for _ in range(4)]
            assert [event["n"] for event in got] == [0, 1, 2, 3]
            got = [await asyncio.wait_for(odd.get(), 5) for _ in range(2)]
            assert [event["n"] for event in got] == [1, 3]
            assert odd.queue.empty()
    finally:
        await broadcast.stop()


async def test_the_local_broadcast_does_not_queue_what_a_subscriber_skips() -> None:
    await _skipped_events_are_not_queued(LocalBroadcast())


async def test_the_redis_broadcast_does_not_queue_what_a_subscriber_skips() -> None:
    await _redis_or_skip()
    await _skipped_events_are_not_queued(RedisBroadcast(REDIS_URL))


async def test_a_stopped_redis_broadcast_refuses_to_publish() -> None:
    broadcast = RedisBroadcast(REDIS_URL)
    with pytest.raises(RuntimeError):
        await broadcast.publish("x", {})


@pytest.fixture
def redis_api(tmp_path: Path) -> Iterator[Api]:
    asyncio.run(_redis_or_skip())  # skips (or fails in CI) without Redis
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'redis.db'}",
        redis_url=REDIS_URL,
        test_controls=True,
    )
    account = bootstrap(settings)
    with running_api(settings, account) as api:
        yield api


@pytest.mark.feature("CV1")
def test_a_chat_over_websockets_through_redis(redis_api: Api) -> None:
    api = redis_api
    _, agent_headers = add_agent(api, "Ann", capacity=3)
    chatflow_id = add_chatflow(api)
    visitor_headers = add_visitor(api)
    chat = start(api, visitor_headers, chatflow_id, message={"client_id": "v0", "text": "before"})[
        "conversation"
    ]["id"]
    with (
        agent_socket(api, agent_headers) as agent,
        visitor_socket(api, visitor_headers) as visitor,
    ):
        ready(agent)
        ready(visitor)
        visitor.send_json({"type": "resume", "conversation_id": chat, "after_sequence": 0})
        assert frame(visitor)["message"]["text"] == "before"
        assert frame(visitor)["type"] == "resumed"
        visitor.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "v1", "text": "via redis"}
        )
        assert frame(visitor)["type"] == "ack"
        got, _ = frames_until(agent, "message")
        assert got["message"]["text"] == "via redis"
        agent.send_json(
            {"type": "message", "conversation_id": chat, "client_id": "a1", "text": "hello back"}
        )
        reply = frame(visitor)
        assert reply["message"]["text"] == "hello back"
        no_frame(visitor)
