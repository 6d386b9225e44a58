"""What an agent may do with a conversation (CV2, RT6): the inbox offers exactly these."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_server.domain.conversation import (
    ConversationEvent,
    ConversationStatus,
    InvalidTransition,
    transition,
)
from reference_server.domain.inbox import (
    AgentAction,
    agent_actions,
    is_supervisor,
    needs_supervisor,
)

A = AgentAction
S = ConversationStatus
ME, COLLEAGUE = "usr_me", "usr_colleague"


@pytest.mark.feature("CV2", "RT6")
def test_anyone_may_claim_assign_reply_or_close_a_conversation_nobody_holds() -> None:
    for status in (S.WAITING, S.UNASSIGNED):
        actions = agent_actions(status, None, ME, supervisor=False)
        assert actions == {A.REPLY, A.NOTE, A.CLAIM, A.ASSIGN, A.CLOSE}


@pytest.mark.feature("CV2", "RT6")
def test_the_holder_replies_transfers_and_closes_but_does_not_claim_again() -> None:
    actions = agent_actions(S.ASSIGNED, ME, ME, supervisor=False)
    assert actions == {A.REPLY, A.NOTE, A.TRANSFER, A.CLOSE}


@pytest.mark.feature("CV2", "RT6")
def test_an_agent_may_help_in_a_colleagues_conversation_but_not_take_it() -> None:
    assert agent_actions(S.ASSIGNED, COLLEAGUE, ME, supervisor=False) == {
        A.REPLY,
        A.NOTE,
        A.CLOSE,
    }


@pytest.mark.feature("CV2", "RT6")
def test_a_supervisor_may_step_into_a_colleagues_conversation_but_not_claim_it() -> None:
    actions = agent_actions(S.ASSIGNED, COLLEAGUE, ME, supervisor=True)
    assert actions == {A.REPLY, A.NOTE, A.TRANSFER, A.CLOSE}
    assert A.CLAIM not in actions


@pytest.mark.feature("CV2")
def test_a_closed_conversation_can_only_be_reopened_or_noted() -> None:
    for holder in (None, ME, COLLEAGUE):
        for supervisor in (False, True):
            assert agent_actions(S.CLOSED, holder, ME, supervisor=supervisor) == {
                A.NOTE,
                A.REOPEN,
            }


@pytest.mark.feature("CV2")
def test_admins_and_users_managers_supervise() -> None:
    assert is_supervisor("admin", frozenset())
    assert is_supervisor("agent", frozenset({"users"}))
    assert not is_supervisor("agent", frozenset({"chatflows", "inbox"}))
    assert not is_supervisor(None, frozenset())


@pytest.mark.feature("RT6")
def test_only_a_colleagues_conversation_needs_a_supervisor() -> None:
    assert needs_supervisor(A.TRANSFER, S.ASSIGNED, COLLEAGUE, ME, supervisor=False)
    assert not needs_supervisor(A.TRANSFER, S.ASSIGNED, COLLEAGUE, ME, supervisor=True)
    assert not needs_supervisor(A.CLOSE, S.ASSIGNED, COLLEAGUE, ME, supervisor=False)
    # Claiming someone's conversation is refused for its status, whoever asks.
    assert not needs_supervisor(A.CLAIM, S.ASSIGNED, COLLEAGUE, ME, supervisor=False)
    assert not needs_supervisor(A.REOPEN, S.WAITING, None, ME, supervisor=False)


_EVENTS = {
    A.CLAIM: ConversationEvent.CLAIM,
    A.ASSIGN: ConversationEvent.ASSIGN,
    A.TRANSFER: ConversationEvent.TRANSFER,
    A.CLOSE: ConversationEvent.CLOSE,
    A.REOPEN: ConversationEvent.REOPEN,
}


@pytest.mark.feature("CV2", "RT6")
@given(
    status=st.sampled_from(S),
    holder=st.sampled_from([None, ME, COLLEAGUE]),
    supervisor=st.booleans(),
)
def test_every_offered_status_change_is_allowed_by_the_life_cycle(
    status: ConversationStatus, holder: str | None, supervisor: bool
) -> None:
    holder = holder if status is S.ASSIGNED else None
    offered = agent_actions(status, holder, ME, supervisor=supervisor)
    for action, event in _EVENTS.items():
        try:
            transition(status, event)
            allowed_by_life_cycle = True
        except InvalidTransition:
            allowed_by_life_cycle = False
        if action in offered:
            assert allowed_by_life_cycle, (status, action)
        elif allowed_by_life_cycle:
            # Refused only for whom it belongs to, never for its status.
            assert needs_supervisor(action, status, holder, ME, supervisor=supervisor)


@pytest.mark.feature("RT6", "AV8")
def test_a_transfer_to_a_team_goes_to_its_least_busy_free_member_never_back() -> None:
    from reference_server.domain.inbox import team_transfer
    from reference_server.domain.routing import Agent, AgentStatus, ConversationRequest

    team = frozenset({"sales"})
    agents = [
        Agent("holder", team_ids=team, active_chats=0),
        Agent("busy", team_ids=team, active_chats=2, capacity=3),
        Agent("free", team_ids=team, active_chats=1, capacity=3),
        Agent("full", team_ids=team, active_chats=3, capacity=3),
        Agent("away", team_ids=team, status=AgentStatus.AWAY),
        Agent("outsider", team_ids=frozenset({"support"})),
    ]
    request = ConversationRequest("c1", properties={"language": "nb"})
    assert team_transfer("sales", agents, request, "holder").agent_id == "free"
    nobody = team_transfer("sales", [agents[0], agents[3], agents[4]], request, "holder")
    assert nobody.agent_id is None
