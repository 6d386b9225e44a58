"""Messages (CV1): stored before they are acknowledged, numbered per conversation, never
duplicated by a resend — also when posts and resends race each other."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from reference_server.domain.conversation import SenderKind
from reference_server.services.messages import post_message
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_visitor,
    count,
    rows,
    run_async,
    say,
    server_of,
    start,
    widget_url,
)


@pytest.fixture
def chat(api: Api) -> dict[str, Any]:
    agent_id, agent = add_agent(api, "Ann", capacity=5)
    visitor = add_visitor(api)
    conversation_id = start(api, visitor, add_chatflow(api))["conversation"]["id"]
    return {"id": conversation_id, "visitor": visitor, "agent": agent, "agent_id": agent_id}


def _stored(api: Api, conversation_id: str) -> dict[str, Any]:
    return rows(api, t.conversations, id=conversation_id)[0]


@pytest.mark.feature("CV1")
def test_sequence_numbers_count_both_sides_from_one(api: Api, chat: dict) -> None:
    say(api, chat["visitor"], chat["id"], "hi")
    api.client.post(
        f"/api/v1/conversations/{chat['id']}/messages",
        headers=chat["agent"],
        json={"client_id": "r1", "text": "hello"},
    )
    say(api, chat["visitor"], chat["id"], "thanks")
    stored = sorted(rows(api, t.messages, conversation_id=chat["id"]), key=lambda m: m["sequence"])
    assert [(m["sequence"], m["sender_kind"]) for m in stored] == [
        (1, "visitor"),
        (2, "agent"),
        (3, "visitor"),
    ]
    assert _stored(api, chat["id"])["last_sequence"] == 3


@pytest.mark.feature("CV1")
def test_an_acknowledged_message_is_already_stored(api: Api, chat: dict) -> None:
    sent = say(api, chat["visitor"], chat["id"], "hi")
    [stored] = rows(api, t.messages, id=sent["id"])
    assert stored["text"] == "hi" and stored["sequence"] == sent["sequence"]


@pytest.mark.feature("CV1")
def test_the_agent_reads_what_came_after_a_sequence_number(api: Api, chat: dict) -> None:
    for text in ("a", "b", "c", "d"):
        say(api, chat["visitor"], chat["id"], text)
    url = f"/api/v1/conversations/{chat['id']}/messages"
    assert [m["text"] for m in api.client.get(f"{url}?after=2", headers=chat["agent"]).json()] == [
        "c",
        "d",
    ]
    assert [
        m["text"] for m in api.client.get(f"{url}?after=1&limit=2", headers=chat["agent"]).json()
    ] == ["b", "c"]
    assert api.client.get(f"{url}?after=4", headers=chat["agent"]).json() == []


@pytest.mark.feature("CV1")
def test_simultaneous_messages_get_distinct_consecutive_numbers(api: Api, chat: dict) -> None:
    server = server_of(api)
    conversation = _stored(api, chat["id"])

    senders = [(SenderKind.VISITOR, None), (SenderKind.AGENT, chat["agent_id"])]

    async def burst() -> list[Any]:
        return await asyncio.gather(
            *(
                post_message(
                    server,
                    conversation,
                    sender_kind=senders[i % 2][0],
                    sender_id=senders[i % 2][1],
                    client_id=f"m{i}",
                    text=f"message {i}",
                )
                for i in range(20)
            )
        )

    results = run_async(api, burst)
    assert all(created for _, created in results)
    sequences = sorted(view["sequence"] for view, _ in results)
    assert sequences == list(range(1, 21))
    assert _stored(api, chat["id"])["last_sequence"] == 20


@pytest.mark.feature("CV1")
def test_racing_resends_of_one_message_store_it_once(api: Api, chat: dict) -> None:
    server = server_of(api)
    conversation = _stored(api, chat["id"])

    async def burst() -> list[Any]:
        return await asyncio.gather(
            *(
                post_message(
                    server,
                    conversation,
                    sender_kind=SenderKind.VISITOR,
                    sender_id=None,
                    client_id="same",
                    text="hello?",
                )
                for _ in range(8)
            )
        )

    results = run_async(api, burst)
    assert len({view["id"] for view, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert count(api, t.messages, conversation_id=chat["id"]) == 1
    assert _stored(api, chat["id"])["last_sequence"] == 1  # resends used up no numbers


@pytest.mark.feature("CV1")
def test_a_resend_after_other_messages_still_returns_the_original(api: Api, chat: dict) -> None:
    first = say(api, chat["visitor"], chat["id"], "one", client_id="c1")
    say(api, chat["visitor"], chat["id"], "two", client_id="c2")
    again = say(api, chat["visitor"], chat["id"], "one", client_id="c1")
    assert again == first
    later = api.client.get(
        widget_url(api, f"/{chat['id']}/messages?after=0"), headers=chat["visitor"]
    ).json()
    assert [m["text"] for m in later] == ["one", "two"]


@pytest.mark.feature("CV1")
def test_message_text_is_trimmed_and_kept_exactly(api: Api, chat: dict) -> None:
    sent = say(api, chat["visitor"], chat["id"], "  Hei på deg 👋\nlinje to \t")
    assert sent["text"] == "Hei på deg 👋\nlinje to"
    assert len(say(api, chat["visitor"], chat["id"], "x" * 5000)["text"]) == 5000


@pytest.mark.feature("CV1")
def test_a_refused_message_among_simultaneous_ones_costs_the_others_nothing(
    api: Api, chat: dict
) -> None:
    # Messages that arrive together share one transaction: the refused one (its
    # conversation is closed) must neither fail the others nor use up a number.
    other = start(api, add_visitor(api), add_chatflow(api))["conversation"]["id"]
    closed = api.client.post(f"/api/v1/conversations/{other}/close", headers=chat["agent"])
    assert closed.status_code == 200, closed.text
    server = server_of(api)
    open_one, closed_one = _stored(api, chat["id"]), _stored(api, other)

    async def burst() -> list[Any]:
        def send(conversation: dict[str, Any], client_id: str) -> Any:
            return post_message(
                server,
                conversation,
                sender_kind=SenderKind.VISITOR,
                sender_id=None,
                client_id=client_id,
                text=client_id,
            )

        sends = [send(open_one, "a"), send(closed_one, "x"), send(open_one, "b")]
        sends += [send(open_one, "a"), send(open_one, "c")]  # "a" again: a resend
        return await asyncio.gather(*sends, return_exceptions=True)

    first, refused, second, resent, third = run_async(api, burst)
    assert getattr(refused, "code", None) == "conversation_closed"
    assert [view["sequence"] for view, _ in (first, second, third)] == [1, 2, 3]
    assert resent == (first[0], False)
    assert _stored(api, chat["id"])["last_sequence"] == 3
    assert _stored(api, other)["last_sequence"] == closed_one["last_sequence"]
    assert count(api, t.messages, conversation_id=other) == 0
