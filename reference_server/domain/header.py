"""What the chat window's header and the launcher's bubble say (BD3, AV4-AV7).

The header shows people (the chatflow's heading, BD3, or whoever is chatting with the
visitor) and one line about availability. For an open conversation the line describes the
conversation's real state, not the page's: once an agent is assigned the header shows that
agent (as the visitor sees them, BD4) and no availability text at all — "We'll be back at
14:00" next to an agent who is answering is wrong. While a conversation waits (or before one
starts) the line is the typical reply time when chat is available (AV4), else the away,
return-time or wait message (AV5-AV7). A closed conversation's header keeps its people and
drops the line.

The bubble next to the launcher (the prompt) shows the availability message when there is
one, else the chatflow's welcome message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .availability import AvailabilityView, ChatState, MessageKind
from .conversation import ConversationStatus, Person

__all__ = ["Header", "availability_line", "conversation_header", "page_header", "prompt_text"]


@dataclass(frozen=True, slots=True)
class Header:
    """The people the header shows and its line of text (empty: no line)."""

    people: tuple[Person, ...]
    line: str


def availability_line(view: AvailabilityView) -> str:
    """AV4-AV7: the reply time while chat is available, else the away / return-time / wait
    message (empty when the view has none)."""
    if view.state is ChatState.AVAILABLE:
        return view.reply_time_text
    return view.message


def page_header(people: Sequence[Person], view: AvailabilityView) -> Header:
    """The header before any conversation: the chatflow's heading and its availability."""
    return Header(tuple(people), availability_line(view))


def conversation_header(
    people: Sequence[Person],
    view: AvailabilityView,
    status: ConversationStatus,
    agent: Person | None,
) -> Header:
    """The header of a conversation in ``status``: its agent once assigned (``agent`` as the
    visitor sees them), else the chatflow's heading ``people`` with the availability line
    while it waits, and without a line once it is closed."""
    if status is ConversationStatus.ASSIGNED and agent is not None:
        return Header((agent,), "")
    if status is ConversationStatus.CLOSED:
        return Header(tuple(people), "")
    return page_header(people, view)


def prompt_text(view: AvailabilityView, welcome_message: str) -> str:
    """The launcher's bubble: the availability message (away, return time, wait) when the
    view has one, else the welcome message (BD1)."""
    if view.message_kind not in (MessageKind.WELCOME, MessageKind.NONE) and view.message:
        return view.message
    return welcome_message
