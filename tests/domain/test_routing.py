"""Tests of who gets a conversation: eligibility, capacity, strategies, the waiting queue."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.chatflow import AssignmentSettings, RoutingStrategy, SkillRule
from reference_server.domain.routing import (
    Agent,
    AgentStatus,
    Assignment,
    ConversationRequest,
    QueuedConversation,
    RoutingDecision,
    RoutingOutcome,
    can_take,
    eligible_agents,
    has_free_capacity,
    load,
    queue_order,
    route,
    serve_ordered_queue,
    serve_queue,
    with_chat_ended,
    with_chat_started,
)

AWAY = AgentStatus.AWAY
OFFLINE = AgentStatus.OFFLINE
ASSIGNED = RoutingOutcome.ASSIGNED
QUEUED = RoutingOutcome.QUEUED


def request(id: str = "c1", **kwargs: object) -> ConversationRequest:
    return ConversationRequest(id, **kwargs)  # type: ignore[arg-type]


def ids(agents: tuple[Agent, ...]) -> list[str]:
    return [agent.id for agent in agents]


def assigned_to(decision: RoutingDecision) -> str:
    assert decision.outcome is ASSIGNED
    assert decision.agent_id is not None
    return decision.agent_id


def strategy(name: RoutingStrategy, **kwargs: object) -> AssignmentSettings:
    return AssignmentSettings(strategy=name, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- eligibility


@pytest.mark.feature("RT1", "CF6")
def test_every_seated_agent_is_a_candidate_when_no_users_or_teams_are_named() -> None:
    agents = [Agent("a"), Agent("b", has_seat=False), Agent("c")]
    assert ids(eligible_agents(AssignmentSettings(), agents, request())) == ["a", "c"]


@pytest.mark.feature("CF6")
def test_named_user_without_a_seat_is_never_routed_to() -> None:
    agents = [Agent("a", has_seat=False, team_ids=frozenset({"t"})), Agent("b")]
    assignment = AssignmentSettings(user_ids=("a",), team_ids=("t",))
    assert eligible_agents(assignment, agents, request()) == ()
    assert route(assignment, agents, request()).reason == "no_eligible_agent"


@pytest.mark.feature("RT1")
def test_named_users_and_members_of_named_teams_are_eligible_and_nobody_else() -> None:
    agents = [
        Agent("a"),
        Agent("b", team_ids=frozenset({"sales"})),
        Agent("c", team_ids=frozenset({"support", "vip"})),
        Agent("d", team_ids=frozenset({"support"})),
        Agent("e"),
    ]
    assignment = AssignmentSettings(user_ids=("e", "a"), team_ids=("vip",))
    assert ids(eligible_agents(assignment, agents, request())) == ["a", "c", "e"]


@pytest.mark.feature("RT1")
def test_team_only_assignment_routes_to_team_members() -> None:
    agents = [Agent("a"), Agent("b", team_ids=frozenset({"sales"}))]
    assignment = AssignmentSettings(team_ids=("sales",))
    assert assigned_to(route(assignment, agents, request())) == "b"


@pytest.mark.feature("RT3")
def test_only_agents_with_every_skill_of_the_matching_rule_are_eligible() -> None:
    agents = [
        Agent("en", skills=frozenset({"english"})),
        Agent("both", skills=frozenset({"english", "billing", "norwegian"})),
        Agent("billing", skills=frozenset({"billing"})),
    ]
    rule = SkillRule("topic", "billing", ("english", "billing"))
    assignment = AssignmentSettings(skill_rules=(rule,))
    billing = request(properties={"topic": "billing"})
    assert ids(eligible_agents(assignment, agents, billing)) == ["both"]


@pytest.mark.feature("RT3")
def test_first_matching_skill_rule_applies_and_later_ones_are_ignored() -> None:
    agents = [Agent("nb", skills=frozenset({"norwegian"})), Agent("b", skills=frozenset({"b"}))]
    rules = (
        SkillRule("topic", "sales", ("sales",)),  # does not match
        SkillRule("language", "nb", ("norwegian",)),  # first match
        SkillRule("page", "/billing", ("b",)),  # also matches, but comes later
    )
    assignment = AssignmentSettings(skill_rules=rules)
    conversation = request(properties={"language": "nb", "page": "/billing", "topic": "x"})
    assert ids(eligible_agents(assignment, agents, conversation)) == ["nb"]


@pytest.mark.feature("RT3")
def test_conversation_no_rule_matches_is_not_filtered_by_skills() -> None:
    agents = [Agent("a"), Agent("b", skills=frozenset({"norwegian"}))]
    assignment = AssignmentSettings(skill_rules=(SkillRule("language", "nb", ("norwegian",)),))
    english = request(properties={"language": "en"})
    assert ids(eligible_agents(assignment, agents, english)) == ["a", "b"]
    assert ids(eligible_agents(assignment, agents, request())) == ["a", "b"]


@pytest.mark.feature("RT1", "AV8")
def test_eligibility_ignores_status_and_load() -> None:
    agents = [Agent("a", status=OFFLINE), Agent("b", capacity=1, active_chats=1)]
    assert ids(eligible_agents(AssignmentSettings(), agents, request())) == ["a", "b"]


# ---------------------------------------------------------------- capacity and counters


@pytest.mark.feature("AV8")
@pytest.mark.parametrize(
    ("capacity", "active", "free"),
    [(None, 0, True), (None, 500, True), (3, 2, True), (3, 3, False), (2, 3, False), (0, 0, False)],
)
def test_agent_has_free_capacity_only_below_their_limit(
    capacity: int | None, active: int, free: bool
) -> None:
    agent = Agent("a", capacity=capacity, active_chats=active)
    assert has_free_capacity(agent) is free
    assert can_take(agent) is free


@pytest.mark.feature("AV8", "RT5")
@pytest.mark.parametrize("status", [AWAY, OFFLINE])
def test_agent_who_is_not_available_cannot_take_a_chat_even_with_room(
    status: AgentStatus,
) -> None:
    agent = Agent("a", status=status, capacity=5)
    assert has_free_capacity(agent)
    assert not can_take(agent)


@pytest.mark.feature("AV8")
@pytest.mark.parametrize(
    ("capacity", "active", "expected"),
    [(None, 7, 0.0), (4, 1, 0.25), (2, 2, 1.0), (2, 3, 1.5), (0, 0, 1.0), (0, 1, math.inf)],
)
def test_load_is_the_share_of_the_limit_in_use(
    capacity: int | None, active: int, expected: float
) -> None:
    assert load(Agent("a", capacity=capacity, active_chats=active)) == expected


@pytest.mark.feature("AV8")
def test_starting_a_chat_adds_one_to_the_agents_count() -> None:
    agent = Agent("a", capacity=2, active_chats=1, idle_since=5.0)
    assert with_chat_started(agent) == Agent("a", capacity=2, active_chats=2, idle_since=5.0)


@pytest.mark.feature("AV8", "RT5")
def test_ending_the_last_chat_makes_the_agent_idle_from_now() -> None:
    agent = Agent("a", active_chats=1, idle_since=5.0)
    assert with_chat_ended(agent, now=42.0) == Agent("a", active_chats=0, idle_since=42.0)


@pytest.mark.feature("AV8", "RT5")
def test_ending_one_of_several_chats_keeps_the_agent_busy() -> None:
    agent = Agent("a", active_chats=3, idle_since=5.0)
    assert with_chat_ended(agent, now=42.0) == Agent("a", active_chats=2, idle_since=5.0)


@pytest.mark.feature("AV8")
def test_ending_a_chat_never_takes_the_count_below_zero() -> None:
    agent = Agent("a", active_chats=0, idle_since=5.0)
    assert with_chat_ended(agent, now=42.0) == agent


# ---------------------------------------------------------------- route: switches and owner


@pytest.mark.feature("RT2")
def test_conversation_arrives_unassigned_when_assignment_is_off() -> None:
    decision = route(AssignmentSettings(enabled=False), [Agent("a")], request())
    assert decision == RoutingDecision(RoutingOutcome.UNASSIGNED, None, "assignment_off")


@pytest.mark.feature("RT4")
def test_contact_owner_gets_the_conversation_when_they_can_take_it() -> None:
    agents = [Agent("a"), Agent("owner", active_chats=3)]
    assignment = AssignmentSettings(contact_owner_first=True)
    decision = route(assignment, agents, request(contact_owner_id="owner"))
    assert decision == RoutingDecision(ASSIGNED, "owner", "contact_owner")


TEAM_T = frozenset({"t"})


@pytest.mark.feature("RT4", "AV8", "CF6")
@pytest.mark.parametrize(
    "owner",
    [
        Agent("owner", team_ids=TEAM_T, capacity=1, active_chats=1),  # at their limit
        Agent("owner", team_ids=TEAM_T, status=AWAY),  # not available
        Agent("owner", team_ids=TEAM_T, has_seat=False),  # no seat
        Agent("owner", team_ids=frozenset({"other"})),  # not in the chatflow's team
    ],
)
def test_conversation_goes_to_the_team_when_the_owner_cannot_take_it(owner: Agent) -> None:
    agents = [owner, Agent("a", team_ids=TEAM_T, active_chats=2)]
    assignment = AssignmentSettings(contact_owner_first=True, team_ids=("t",))
    decision = route(assignment, agents, request(contact_owner_id="owner"))
    assert decision == RoutingDecision(ASSIGNED, "a", "least_busy")


@pytest.mark.feature("RT4")
def test_contact_owner_is_not_preferred_when_the_setting_is_off() -> None:
    agents = [Agent("a"), Agent("owner", active_chats=1)]
    decision = route(AssignmentSettings(), agents, request(contact_owner_id="owner"))
    assert assigned_to(decision) == "a"


@pytest.mark.feature("RT4")
def test_conversation_without_an_owner_is_routed_by_the_strategy() -> None:
    agents = [Agent("a", active_chats=1), Agent("b")]
    assignment = AssignmentSettings(contact_owner_first=True)
    assert route(assignment, agents, request()) == RoutingDecision(ASSIGNED, "b", "least_busy")


# ---------------------------------------------------------------- route: strategies (RT5)


@pytest.mark.feature("RT5")
def test_least_busy_picks_the_agent_with_fewest_chats() -> None:
    agents = [Agent("a", active_chats=2), Agent("b", active_chats=1), Agent("c", active_chats=3)]
    decision = route(strategy(RoutingStrategy.LEAST_BUSY), agents, request())
    assert decision == RoutingDecision(ASSIGNED, "b", "least_busy")


@pytest.mark.feature("RT5", "AV8")
def test_least_busy_breaks_ties_by_lowest_load_then_by_order() -> None:
    agents = [
        Agent("small", capacity=2, active_chats=1),
        Agent("big", capacity=4, active_chats=1),
        Agent("big2", capacity=4, active_chats=1),
    ]
    assert assigned_to(route(strategy(RoutingStrategy.LEAST_BUSY), agents, request())) == "big"
    same = [Agent("x", active_chats=1), Agent("y", active_chats=1)]
    assert assigned_to(route(strategy(RoutingStrategy.LEAST_BUSY), same, request())) == "x"


@pytest.mark.feature("RT5", "AV8")
def test_most_busy_fills_the_busiest_agent_who_still_has_room() -> None:
    agents = [
        Agent("idle", capacity=3),
        Agent("full", capacity=3, active_chats=3),
        Agent("busy", capacity=3, active_chats=2),
        Agent("busy2", capacity=3, active_chats=2),
    ]
    decision = route(strategy(RoutingStrategy.MOST_BUSY), agents, request())
    assert decision == RoutingDecision(ASSIGNED, "busy", "most_busy")


@pytest.mark.feature("RT5")
def test_longest_idle_picks_the_agent_idle_the_longest() -> None:
    agents = [
        Agent("recent", idle_since=50.0),
        Agent("oldest", idle_since=10.0),
        Agent("oldest2", idle_since=10.0),
        Agent("away", status=AWAY, idle_since=1.0),
    ]
    decision = route(strategy(RoutingStrategy.LONGEST_IDLE), agents, request())
    assert decision == RoutingDecision(ASSIGNED, "oldest", "longest_idle")


@pytest.mark.feature("RT5")
@pytest.mark.parametrize(
    ("last", "expected"),
    [(None, "a"), ("nobody", "a"), ("a", "b"), ("b", "c"), ("c", "a")],
)
def test_round_robin_picks_the_next_agent_after_the_last_one(
    last: str | None, expected: str
) -> None:
    agents = [Agent("a"), Agent("b"), Agent("c")]
    decision = route(strategy(RoutingStrategy.ROUND_ROBIN), agents, request(), last)
    assert decision == RoutingDecision(ASSIGNED, expected, "round_robin")


@pytest.mark.feature("RT5", "AV8")
def test_round_robin_carries_on_after_the_last_agent_when_they_are_full_or_away() -> None:
    agents = [Agent("a"), Agent("b", capacity=1, active_chats=1), Agent("c", status=AWAY)]
    agents.append(Agent("d"))
    assignment = strategy(RoutingStrategy.ROUND_ROBIN)
    assert assigned_to(route(assignment, agents, request(), "b")) == "d"
    assert assigned_to(route(assignment, agents, request(), "c")) == "d"
    assert assigned_to(route(assignment, agents, request(), "d")) == "a"


@pytest.mark.feature("RT5", "AV8")
def test_conversation_queues_when_every_available_agent_is_at_their_limit() -> None:
    agents = [Agent("a", capacity=1, active_chats=1), Agent("b", status=AWAY)]
    decision = route(AssignmentSettings(), agents, request())
    assert decision == RoutingDecision(QUEUED, None, "no_capacity")


@pytest.mark.feature("RT5")
def test_conversation_queues_when_no_eligible_agent_is_available() -> None:
    agents = [Agent("a", status=AWAY), Agent("b", status=OFFLINE)]
    decision = route(AssignmentSettings(), agents, request())
    assert decision == RoutingDecision(QUEUED, None, "nobody_available")


@pytest.mark.feature("RT3", "RT5")
def test_conversation_queues_when_nobody_has_the_skills() -> None:
    agents = [Agent("a")]
    assignment = AssignmentSettings(skill_rules=(SkillRule("language", "nb", ("norwegian",)),))
    decision = route(assignment, agents, request(properties={"language": "nb"}))
    assert decision == RoutingDecision(QUEUED, None, "no_eligible_agent")


# ---------------------------------------------------------------- the waiting queue (RT5)


def queued(
    id: str, waiting_since: float, assignment: AssignmentSettings | None = None, **kwargs: object
) -> QueuedConversation:
    conversation = request(id, waiting_since=waiting_since, **kwargs)
    return QueuedConversation(conversation, assignment or AssignmentSettings())


@pytest.mark.feature("RT5")
def test_longest_waiting_conversation_is_served_first_when_a_slot_frees() -> None:
    queue = [queued("late", 30.0), queued("early", 10.0), queued("middle", 20.0)]
    result = serve_queue(queue, [Agent("a", capacity=1)])
    assert result.assignments == (Assignment("early", "a", "least_busy"),)
    assert result.agents == (Agent("a", capacity=1, active_chats=1),)


@pytest.mark.feature("RT5")
def test_conversations_that_waited_equally_long_are_served_in_queue_order() -> None:
    queue = [queued("first", 5.0), queued("second", 5.0), queued("third", 5.0)]
    result = serve_queue(queue, [Agent("a", capacity=2)])
    assert [a.conversation_id for a in result.assignments] == ["first", "second"]


@pytest.mark.feature("RT5")
def test_chats_handed_back_at_one_instant_are_served_oldest_chat_first() -> None:
    # Two agents start a break together and hand their chats back: both wait since then.
    queue = [queued("newer", 60.0, started_at=40.0), queued("older", 60.0, started_at=10.0)]
    result = serve_queue(queue, [Agent("a", capacity=1)])
    assert result.assignments == (Assignment("older", "a", "least_busy"),)


@pytest.mark.feature("RT5", "AV8")
def test_many_conversations_at_once_never_push_anyone_over_their_limit() -> None:
    queue = [queued(f"c{i}", float(i)) for i in range(10)]
    agents = [Agent("a", capacity=2), Agent("b", capacity=3, active_chats=1)]
    agents.append(Agent("c", status=AWAY))
    result = serve_queue(queue, agents)
    assert [a.conversation_id for a in result.assignments] == ["c0", "c1", "c2", "c3"]
    assert [(agent.id, agent.active_chats) for agent in result.agents] == [
        ("a", 2),
        ("b", 3),
        ("c", 0),
    ]


@pytest.mark.feature("RT3", "RT5")
def test_conversation_nobody_can_take_does_not_block_later_ones_for_other_agents() -> None:
    norwegian = AssignmentSettings(skill_rules=(SkillRule("language", "nb", ("norwegian",)),))
    queue = [
        queued("nb", 1.0, norwegian, properties={"language": "nb"}),
        queued("en", 2.0, norwegian, properties={"language": "en"}),
    ]
    agents = [Agent("norwegian", capacity=1, active_chats=1, skills=frozenset({"norwegian"}))]
    agents.append(Agent("english"))
    result = serve_queue(queue, agents)
    assert result.assignments == (Assignment("en", "english", "least_busy"),)


@pytest.mark.feature("RT2", "RT5")
def test_queue_never_hands_out_conversations_whose_assignment_is_off() -> None:
    queue = [queued("off", 1.0, AssignmentSettings(enabled=False)), queued("on", 2.0)]
    result = serve_queue(queue, [Agent("a")])
    assert result.assignments == (Assignment("on", "a", "least_busy"),)


@pytest.mark.feature("RT5")
def test_queue_hands_out_nothing_while_everyone_is_full() -> None:
    agents = (Agent("a", capacity=1, active_chats=1), Agent("b", status=AWAY))
    result = serve_queue([queued("c1", 1.0)], agents, last_assigned_id="a")
    assert result.assignments == ()
    assert result.agents == agents
    assert result.last_assigned_id == "a"


@pytest.mark.feature("RT4", "RT5")
def test_queue_rotates_round_robin_and_owner_assignments_do_not_move_the_pointer() -> None:
    rr = AssignmentSettings(strategy=RoutingStrategy.ROUND_ROBIN, contact_owner_first=True)
    queue = [
        queued("c1", 1.0, rr),
        queued("c2", 2.0, rr, contact_owner_id="c"),
        queued("c3", 3.0, rr),
        queued("c4", 4.0, rr),
    ]
    agents = [Agent("a"), Agent("b"), Agent("c")]
    result = serve_queue(queue, agents, last_assigned_id="a")
    assert result.assignments == (
        Assignment("c1", "b", "round_robin"),
        Assignment("c2", "c", "contact_owner"),
        Assignment("c3", "c", "round_robin"),
        Assignment("c4", "a", "round_robin"),
    )
    assert result.last_assigned_id == "a"


@pytest.mark.feature("RT5")
def test_a_queue_in_queue_order_is_served_as_given_without_being_sorted_again() -> None:
    # The caller vouches for the order (the simulator keeps its queue in it): the first
    # conversation given is the first served, whatever its waiting time says.
    queue = iter([queued("given-first", 30.0), queued("given-second", 10.0)])
    result = serve_ordered_queue(queue, [Agent("a", capacity=1)])
    assert result.assignments == (Assignment("given-first", "a", "least_busy"),)


@pytest.mark.feature("RT5")
def test_queue_order_puts_the_longest_waiting_then_the_older_chat_first() -> None:
    queue = [
        queued("newer", 60.0, started_at=40.0),
        queued("late", 70.0, started_at=0.0),
        queued("older", 60.0, started_at=10.0),
    ]
    assert [q.request.id for q in sorted(queue, key=queue_order)] == ["older", "newer", "late"]


@pytest.mark.feature("RT5")
def test_ordered_queue_hands_out_nothing_while_everyone_is_full() -> None:
    agents = (Agent("a", capacity=1, active_chats=1),)
    result = serve_ordered_queue([queued("c1", 1.0)], agents, last_assigned_id="a")
    assert (result.assignments, result.agents, result.last_assigned_id) == ((), agents, "a")


@pytest.mark.feature("RT5")
def test_empty_queue_leaves_everything_as_it_was() -> None:
    agents = (Agent("a"),)
    assert serve_queue([], agents, "a") == serve_queue((), agents, "a")
    assert serve_queue([], agents, "a").agents == agents


# ---------------------------------------------------------------- properties


AGENT_IDS = ("a0", "a1", "a2", "a3", "a4", "a5")
TEAMS = ("t1", "t2")
SKILLS = ("english", "norwegian", "billing")
PROPERTIES = {"language": ("en", "nb"), "topic": ("billing", "sales")}


@st.composite
def agents_st(draw: st.DrawFn) -> list[Agent]:
    count = draw(st.integers(0, len(AGENT_IDS)))
    agents = []
    for agent_id in AGENT_IDS[:count]:
        capacity = draw(st.none() | st.integers(0, 3))
        active = draw(st.integers(0, 3 if capacity is None else capacity))
        agents.append(
            Agent(
                agent_id,
                status=draw(st.sampled_from(AgentStatus)),
                capacity=capacity,
                active_chats=active,
                has_seat=draw(st.booleans()),
                team_ids=frozenset(draw(st.sets(st.sampled_from(TEAMS)))),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
                idle_since=float(draw(st.integers(0, 5))),
            )
        )
    return agents


skill_rules_st = st.lists(
    st.sampled_from(list(PROPERTIES)).flatmap(
        lambda prop: st.builds(
            SkillRule,
            st.just(prop),
            st.sampled_from(PROPERTIES[prop]),
            st.lists(st.sampled_from(SKILLS), min_size=1, max_size=2, unique=True).map(tuple),
        )
    ),
    max_size=3,
).map(tuple)

assignment_st = st.builds(
    AssignmentSettings,
    enabled=st.booleans() | st.just(True),
    user_ids=st.lists(st.sampled_from(AGENT_IDS), max_size=3, unique=True).map(tuple),
    team_ids=st.lists(st.sampled_from(TEAMS), max_size=2, unique=True).map(tuple),
    contact_owner_first=st.booleans(),
    skill_rules=skill_rules_st,
    strategy=st.sampled_from(RoutingStrategy),
)


@st.composite
def request_st(draw: st.DrawFn, id: str = "c") -> ConversationRequest:
    properties = {
        name: draw(st.sampled_from(values))
        for name, values in PROPERTIES.items()
        if draw(st.booleans())
    }
    return ConversationRequest(
        id,
        properties=properties,
        contact_owner_id=draw(st.none() | st.sampled_from(AGENT_IDS)),
        waiting_since=float(draw(st.integers(0, 5))),
    )


last_id_st = st.none() | st.sampled_from((*AGENT_IDS, "unknown"))


@pytest.mark.feature("RT1", "RT3", "RT5", "AV8", "CF6")
@settings(max_examples=100)
@given(assignment_st, agents_st(), request_st(), last_id_st)
def test_routing_only_ever_picks_an_eligible_available_agent_with_room(
    assignment: AssignmentSettings,
    agents: list[Agent],
    conversation: ConversationRequest,
    last: str | None,
) -> None:
    decision = route(assignment, agents, conversation, last)
    eligible = eligible_agents(assignment, agents, conversation)
    assert all(agent.has_seat for agent in eligible)
    if decision.outcome is ASSIGNED:
        (chosen,) = [agent for agent in eligible if agent.id == decision.agent_id]
        assert chosen.status is AgentStatus.AVAILABLE
        assert chosen.capacity is None or chosen.active_chats < chosen.capacity
    else:
        assert decision.agent_id is None


@pytest.mark.feature("RT2", "RT5", "AV8")
@settings(max_examples=100)
@given(assignment_st, agents_st(), request_st(), last_id_st)
def test_routing_never_queues_while_an_eligible_agent_is_free(
    assignment: AssignmentSettings,
    agents: list[Agent],
    conversation: ConversationRequest,
    last: str | None,
) -> None:
    decision = route(assignment, agents, conversation, last)
    free = [a for a in eligible_agents(assignment, agents, conversation) if can_take(a)]
    if not assignment.enabled:
        assert decision.outcome is RoutingOutcome.UNASSIGNED
    elif free:
        assert decision.outcome is ASSIGNED
    else:
        assert decision.outcome is QUEUED


@st.composite
def queue_st(draw: st.DrawFn) -> list[QueuedConversation]:
    # Conversations from up to three chatflows, as on a real account.
    chatflows = draw(st.lists(assignment_st, min_size=1, max_size=3))
    size = draw(st.integers(0, 10))
    return [
        QueuedConversation(draw(request_st(f"c{i}")), draw(st.sampled_from(chatflows)))
        for i in range(size)
    ]


@pytest.mark.feature("RT5", "AV8", "CF6")
@settings(max_examples=100)
@given(queue_st(), agents_st(), last_id_st)
def test_serving_any_batch_never_goes_over_a_limit_or_to_someone_who_cannot_take_it(
    queue: list[QueuedConversation], agents: list[Agent], last: str | None
) -> None:
    result = serve_queue(queue, agents, last)
    given_out = {agent.id: 0 for agent in agents}
    for assignment in result.assignments:
        given_out[assignment.agent_id] += 1
    by_conversation = {q.request.id: q for q in queue}
    assert len({a.conversation_id for a in result.assignments}) == len(result.assignments)
    for before, after in zip(agents, result.agents, strict=True):
        assert after.active_chats == before.active_chats + given_out[before.id]
        if before.capacity is not None:
            assert after.active_chats <= before.capacity
        if given_out[before.id]:
            assert before.status is AgentStatus.AVAILABLE
    for assignment in result.assignments:
        q = by_conversation[assignment.conversation_id]
        eligible = eligible_agents(q.assignment, agents, q.request)
        assert assignment.agent_id in ids(eligible)


@pytest.mark.feature("RT5")
@settings(max_examples=100)
@given(queue_st(), agents_st(), last_id_st)
def test_serving_a_queue_kept_in_queue_order_decides_as_serving_it_unsorted(
    queue: list[QueuedConversation], agents: list[Agent], last: str | None
) -> None:
    # The simulator serves its queue, kept in order, with serve_ordered_queue; the server
    # serves what it reads with serve_queue: both must hand out the same chats to the same
    # agents.
    in_order = sorted(queue, key=queue_order)
    assert serve_ordered_queue(in_order, agents, last) == serve_queue(queue, agents, last)


@pytest.mark.feature("RT5")
@settings(max_examples=100)
@given(queue_st(), agents_st(), last_id_st)
def test_queue_serves_the_longest_waiting_placeable_conversation_first_and_blocks_nobody(
    queue: list[QueuedConversation], agents: list[Agent], last: str | None
) -> None:
    result = serve_queue(queue, agents, last)
    order = {q.request.id: (q.request.waiting_since, i) for i, q in enumerate(queue)}
    served = [order[a.conversation_id] for a in result.assignments]
    assert served == sorted(served)
    placeable = [
        order[q.request.id]
        for q in queue
        if route(q.assignment, agents, q.request).outcome is ASSIGNED
    ]
    if placeable:
        assert served[0] == min(placeable)
    else:
        assert served == []
    # Agents only get busier within a call, so whatever still waits could not have been placed.
    assigned = {a.conversation_id for a in result.assignments}
    for q in queue:
        if q.request.id not in assigned:
            outcome = route(q.assignment, result.agents, q.request).outcome
            assert outcome is not ASSIGNED


@pytest.mark.feature("RT5")
@settings(max_examples=100)
@given(st.integers(1, 8), st.none() | st.integers(0, 9), st.none() | st.integers(1, 3))
def test_round_robin_over_n_free_identical_agents_visits_each_once_in_n_calls(
    n: int, start: int | None, capacity: int | None
) -> None:
    agents = [Agent(f"a{i}", capacity=capacity) for i in range(n)]
    assignment = AssignmentSettings(strategy=RoutingStrategy.ROUND_ROBIN)
    last = None if start is None else f"a{start}"  # a pointer past the end is unknown
    visited = []
    for i in range(n):
        decision = route(assignment, agents, request(f"c{i}"), last)
        last = assigned_to(decision)
        visited.append(last)
        position = int(last[1:])
        agents[position] = with_chat_started(agents[position])
    assert sorted(visited) == sorted(agent.id for agent in agents)


@pytest.mark.feature("AV8")
def test_load_changes_keep_every_other_field_of_the_agent() -> None:
    agent = Agent(
        "a1",
        AgentStatus.AWAY,
        capacity=4,
        active_chats=1,
        has_seat=False,
        team_ids=frozenset({"t"}),
        skills=frozenset({"nb"}),
        idle_since=5.0,
    )
    started = with_chat_started(agent)
    ended = with_chat_ended(agent, now=9.0)
    for name in (f.name for f in dataclasses.fields(Agent)):
        if name not in ("active_chats", "idle_since"):
            assert getattr(started, name) == getattr(agent, name) == getattr(ended, name)
    assert (started.active_chats, started.idle_since) == (2, 5.0)
    assert (ended.active_chats, ended.idle_since) == (0, 9.0)
