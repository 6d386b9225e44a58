"""The simulator takes the decisions the server takes (issue 9 §1), through the same domain
functions: each test mirrors one in ``tests/server/test_intake.py`` — the routing properties
(RT3), idle time after a break (RT5), an agent's open chats when they go away, and the end
of a wait (the visitor's goodbye, the queue timeout)."""

from __future__ import annotations

import pytest
import simpy

from reference_server.domain.chatflow import AssignmentSettings, AwayChats, RoutingStrategy
from reference_server.domain.routing import AgentStatus
from simulator.centre import Chat, ChatCentre
from simulator.scenario import load_scenario
from simulator.streams import Streams

from .test_model import chats_of, edit, pool, run, site

AWAY, AVAILABLE = AgentStatus.AWAY, AgentStatus.AVAILABLE


def _centre(agents: int = 2, **changes: object) -> tuple[simpy.Environment, ChatCentre]:
    scenario = load_scenario(pool(agents=[{"id": "a", "count": agents, "capacity": 5}], **changes))
    env = simpy.Environment()
    return env, ChatCentre(env, scenario, Streams.from_seed(1), intervals=20)


def _chat(env: simpy.Environment, centre: ChatCentre, assignment: AssignmentSettings) -> Chat:
    chat = centre.new_chat(env.now, assignment, {})
    if centre.offer(chat):
        centre.expect_end_of_wait(chat)
    return chat


@pytest.mark.feature("SIM2", "RT3", "OP1")
def test_a_norwegian_chat_goes_to_an_agent_with_the_skill_whatever_the_page_claims() -> None:
    pages = [{"url": "https://x.example/", "properties": {"language": "en"}}]
    data = site(
        traffic__pages=pages,
        agents=[
            {"id": "english", "count": 2, "capacity": 3},
            {"id": "norsk", "count": 2, "capacity": 3, "skills": ["norwegian"]},
        ],
    )
    rule = {"property": "language", "value": "nb", "skills": ["norwegian"]}
    data = edit(data, "chatflows[0].language", "nb")
    data = edit(data, "chatflows[0].build", {"assignment": {"skill_rules": [rule]}})
    answered = chats_of(run(data)[0]).dropna(subset=["agent"])
    assert len(answered) > 50
    assert answered["agent"].str.startswith("norsk").all()


@pytest.mark.feature("SIM3", "RT5", "CV4")
def test_longest_idle_counts_from_the_return_from_a_break() -> None:
    env, centre = _centre()
    longest_idle = AssignmentSettings(strategy=RoutingStrategy.LONGEST_IDLE)
    env.run(until=1.0)
    centre.set_status(0, AWAY)  # both idle since the start; a-1 takes a break …
    env.run(until=6.0)
    centre.set_status(0, AVAILABLE)  # … and is idle from their return, a-2 from the start
    assert centre.agents[0].idle_since == 6.0
    assert _chat(env, centre, longest_idle).agent == 1


@pytest.mark.feature("SIM3", "RT5", "CV4")
@pytest.mark.parametrize("away_chats", list(AwayChats))
def test_an_agents_open_chats_stay_or_return_to_the_queue_as_the_chatflow_says(
    away_chats: AwayChats,
) -> None:
    env, centre = _centre()
    assignment = AssignmentSettings(away_chats=away_chats)
    centre.set_status(1, AWAY)
    chat = _chat(env, centre, assignment)
    assert chat.agent == 0
    env.run(until=0.5)
    centre.set_status(1, AVAILABLE)
    centre.set_status(0, AWAY)
    assert chat.agent == (1 if away_chats is AwayChats.REQUEUE else 0)
    assert centre.agents[0].active_chats == (0 if away_chats is AwayChats.REQUEUE else 1)


@pytest.mark.feature("SIM4", "RT5")
def test_a_waiting_visitor_who_says_goodbye_abandons_and_a_timeout_leaves_it_for_later() -> None:
    env, centre = _centre(agents=1)
    centre.set_status(0, AWAY)
    gives_up = _chat(env, centre, AssignmentSettings())
    gives_up.patience = 0.0  # drawn already; the test sets the moment itself
    centre.expect_end_of_wait(gives_up)
    timed = _chat(env, centre, AssignmentSettings(queue_timeout_seconds=120))
    env.run(until=10.0)
    outcomes = {record.chat_id: (record.record_type, record.wait) for record in centre.records}
    assert outcomes[gives_up.number] == ("abandoned", 0.0)
    assert outcomes[timed.number] == ("timed_out", 2.0)
    centre.set_status(0, AVAILABLE)  # nobody is left in the queue to hand out
    assert centre.agents[0].active_chats == 0


@pytest.mark.feature("SIM3", "RT5", "AV8")
def test_chats_handed_back_to_several_agents_at_once_stay_with_whoever_took_them() -> None:
    # Two chats go back to the queue at once and two agents of one chat each take them:
    # every agent then holds exactly the chats given to them, and nobody is over their limit.
    scenario = load_scenario(
        pool(
            agents=[
                {"id": "one", "count": 3, "capacity": 1},
                {"id": "big", "count": 1, "capacity": 3},
            ]
        )
    )
    env = simpy.Environment()
    centre = ChatCentre(env, scenario, Streams.from_seed(1), intervals=20)
    for j in range(3):
        centre.set_status(j, AWAY)
    requeue = AssignmentSettings(away_chats=AwayChats.REQUEUE)
    chats = [_chat(env, centre, requeue) for _ in range(2)]
    assert [chat.agent for chat in chats] == [3, 3]
    for j in range(3):
        centre.set_status(j, AVAILABLE)
    centre.set_status(3, AWAY)
    held = [sum(chat.agent == j for chat in chats) for j in range(4)]
    assert sorted(held) == [0, 0, 1, 1]
    assert [agent.id for agent in centre.agents] == list(centre.ids)
    assert [agent.active_chats for agent in centre.agents] == held
