"""Chat by chat: each kind of difference between the simulator's chat and the server's is
one mismatch, and a chat handled alike is none."""

from __future__ import annotations

import math

from twin.compare import compare, server_outcome
from twin.replay import ServerChat
from twin.timeline import Shown, SimChat

SHOWN = Shown(
    chatflow="support",
    state="available",
    message_kind="welcome",
    mode="open",
    triggered=False,
    minimized=False,
    email_asked=False,
)


def sim_chat(number: int = 1, **fields: object) -> SimChat:
    values: dict[str, object] = {
        "number": number,
        "arrival": 10.0,
        "page": "https://acme.test/",
        "device": "desktop",
        "segment": 0,
        "patience": 3.0,
        "shown": SHOWN,
        "outcome": "answered",
        "agent": "kari",
        "queued": False,
        "wait": 0.0,
        "ended": 15.0,
    }
    values.update(fields)
    return SimChat(**values)  # type: ignore[arg-type]


def server_chat(number: int = 1, **fields: object) -> ServerChat:
    values: dict[str, object] = {
        "chatflow": "support",
        "state": "available",
        "mode": "open",
        "email_asked": False,
        "started": True,
        "conversation_id": f"cnv_{number}",
        "status": "closed",
        "agent": "kari",
        "created_at": 10.0,
        "assigned_at": 10.0,
        "closed_at": 15.0,
    }
    values.update(fields)
    return ServerChat(number, **values)  # type: ignore[arg-type]


def fields(sim: list[SimChat], server: list[ServerChat]) -> list[tuple[str, str, str]]:
    return [(m.field, m.simulator, m.server) for m in compare(sim, server)]


def test_a_chat_handled_alike_is_no_mismatch() -> None:
    assert compare([sim_chat()], [server_chat()]) == []


def test_what_the_widget_showed_is_compared_field_by_field() -> None:
    server = server_chat(chatflow="sales", state="away", mode="launcher", email_asked=True)
    assert fields([sim_chat()], [server]) == [
        ("chatflow", "support", "sales"),
        ("availability", "available", "away"),
        ("widget mode", "open", "launcher"),
        ("email asked", "False", "True"),
    ]


def test_another_assignee_and_a_wait_off_by_more_than_half_a_second() -> None:
    sim = sim_chat(queued=True, wait=1.0)
    server = server_chat(agent="ola", assigned_at=11.0 + 1.0 / 60.0)
    assert fields([sim], [server]) == [
        ("assignee", "kari", "ola"),
        ("wait", "60.0 s", "61.0 s"),
    ]
    close_enough = server_chat(assigned_at=11.0 + 0.4 / 60.0)
    assert fields([sim], [close_enough]) == []


def test_another_outcome_says_so_and_nothing_that_follows_from_it() -> None:
    sim = sim_chat(outcome="abandoned", agent=None, queued=True, wait=3.0, ended=math.nan)
    server = server_chat(status="waiting", agent=None, assigned_at=math.nan)
    assert fields([sim], [server]) == [("outcome", "abandoned", "waiting")]


def test_the_server_s_outcomes_in_the_simulator_s_words() -> None:
    assert server_outcome(server_chat()) == "answered"
    assert server_outcome(server_chat(started=False)) == "not started"
    gone = server_chat(assigned_at=math.nan, left_at=12.0)
    assert server_outcome(gone) == "abandoned"
    assert server_outcome(server_chat(assigned_at=math.nan, status="waiting")) == "waiting"
    off = server_chat(assigned_at=math.nan, status="unassigned", start_status="unassigned")
    assert server_outcome(off) == "unassigned"  # RT2: assignment off
    message = server_chat(assigned_at=math.nan, status="unassigned", state="offline")
    assert server_outcome(message) == "offline"  # AV6: a message left while offline
    timed_out = server_chat(assigned_at=math.nan, status="unassigned", start_status="waiting")
    assert server_outcome(timed_out) == "timed_out"  # RT5: past the queue timeout


def test_queue_order_is_the_order_chats_were_taken_from_the_queue() -> None:
    sims = [sim_chat(1, queued=True, wait=2.0), sim_chat(2, arrival=10.5, queued=True, wait=2.0)]
    # On the server the second visitor was taken first (each wait still within the second).
    servers = [server_chat(1, assigned_at=12.0), server_chat(2, created_at=10.5, assigned_at=12.5)]
    assert fields(sims, servers) == []
    swapped = [
        server_chat(1, assigned_at=12.0),
        server_chat(2, created_at=10.5, assigned_at=11.99),
    ]
    assert ("queue order", "1", "2") in fields(sims, swapped)
