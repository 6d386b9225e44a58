"""Snapshots built slot by slot are the dataclasses they replace: same fields, defaults,
factories, equality, hash and refusal to change."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass, field

import pytest

from reference_server.domain.routing import Agent, ConversationRequest
from reference_server.domain.snapshots import slot_init


def test_a_snapshot_takes_the_same_arguments_as_the_dataclass_it_replaces() -> None:
    made = ConversationRequest("7", {"page": "/"}, "owner", 1.5, started_at=0.5)
    assert dataclasses.astuple(made) == ("7", {"page": "/"}, "owner", 1.5, 0.5)
    assert str(inspect.signature(ConversationRequest)) == (
        "(id, properties=<factory>, contact_owner_id=None, waiting_since=0.0, started_at=0.0)"
    )


def test_defaults_apply_and_each_snapshot_gets_its_own_default_factory_value() -> None:
    first, second = ConversationRequest("1"), ConversationRequest("2")
    assert first.properties == {} and first.contact_owner_id is None
    assert first.properties is not second.properties


def test_a_snapshot_is_frozen_equal_and_hashable_like_a_plain_dataclass() -> None:
    agent = Agent("a", capacity=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        agent.active_chats = 1  # type: ignore[misc]
    assert agent == Agent("a", capacity=2) and hash(agent) == hash(Agent("a", capacity=2))
    assert repr(agent).startswith("Agent(id='a', status=<AgentStatus.AVAILABLE")


def test_a_class_that_is_not_a_frozen_slotted_dataclass_is_refused() -> None:
    @dataclass(slots=True)
    class Mutable:
        name: str

    @dataclass(frozen=True)
    class WithoutSlots:
        name: str

    for cls in (Mutable, WithoutSlots, int):
        with pytest.raises(TypeError, match="not a frozen dataclass with slots"):
            slot_init(cls)


def test_fields_it_cannot_set_the_same_way_are_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class KeywordOnly:
        name: str = field(kw_only=True)

    @dataclass(frozen=True, slots=True)
    class NotInInit:
        name: str = field(init=False, default="x")

    @dataclass(frozen=True, slots=True)
    class AfterInit:
        name: str

        def __post_init__(self) -> None:
            pass

    for cls in (KeywordOnly, NotInInit, AfterInit):
        with pytest.raises(TypeError, match="does not handle"):
            slot_init(cls)
