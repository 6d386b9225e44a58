"""What becomes of a chat a visitor starts, and of one that waits (RT3, RT5, AV5-AV7).

The reference server and the simulator hand the domain the same inputs and follow the same
answers here, so a simulated chat and a real one end the same way:

- :func:`routing_properties` assembles the properties a chat is routed with (RT3): the
  chatflow's language, the page, the page's own properties, then what the client adds. Each
  source only adds keys the earlier ones left unset, so a client cannot route itself to
  another language's agents.
- :func:`intake` decides what a chat started now becomes, from what the widget shows
  (:func:`~reference_server.domain.availability.availability_view`):

  =========================  ================================================================
  the widget shows           the chat
  =========================  ================================================================
  no launcher (AV6, AV7)     ``REFUSED``: nothing to click; a start sent anyway is refused
  offline (AV6)              ``MESSAGE``: a message left for later. Nobody is assigned at
                             once and it does not queue: it lands in the inbox's unassigned
                             view (and becomes a ticket in a helpdesk, CV3)
  away (AV5), at capacity    ``ROUTE``: routed at once (assigned, queued, or unassigned with
  (AV7), available           assignment off); while away it waits in the queue for somebody
                             to come back
  =========================  ================================================================

- :func:`end_of_wait` decides when a queued chat stops waiting without an agent: the visitor
  left (``ABANDONED``: the chat closes) or the chatflow's queue timeout passed
  (``TIMED_OUT``: it leaves the queue for the unassigned view, a message to answer later).
  A visitor who says goodbye (the simulator's patience running out, the widget's close) is
  gone at once; one whose connection dropped is gone when they have not come back within
  :data:`VISITOR_RETURN_SECONDS` (moving to another page reconnects well within it).

Times are seconds on the caller's clock (the simulator converts its minutes).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from .availability import AvailabilityView, ChatState
from .chatflow import AssignmentSettings, Chatflow
from .conversation import ConversationEvent

__all__ = [
    "VISITOR_RETURN_SECONDS",
    "Intake",
    "WaitEnd",
    "end_of_wait",
    "event_after_wait",
    "intake",
    "routing_properties",
    "wait_deadline",
]

VISITOR_RETURN_SECONDS = 60.0
"""How long a waiting visitor whose connection dropped may take to come back (a page load,
a flaky network) before they count as gone."""

_NOTHING: Mapping[str, str] = {}


def routing_properties(
    chatflow: Chatflow,
    page_url: str,
    page_properties: Mapping[str, str] = _NOTHING,
    client_properties: Mapping[str, str] = _NOTHING,
) -> dict[str, str]:
    """RT3: the properties skill rules see for a chat on ``chatflow`` from ``page_url``.

    ``language`` (the chatflow's, OP1) and ``page`` first, then the page's own properties
    (the simulator's pages have some), then the client's; a later source never replaces a
    key an earlier one set.
    """
    properties = {"language": chatflow.language.value, "page": page_url}
    for source in (page_properties, client_properties):
        for key, value in source.items():
            properties.setdefault(key, value)
    return properties


class Intake(StrEnum):
    """What a chat started now becomes (see the module docstring)."""

    ROUTE = "route"
    MESSAGE = "message"
    REFUSED = "refused"


def intake(view: AvailabilityView) -> Intake:
    """AV5-AV7: what a chat started while the widget shows ``view`` becomes."""
    if view.launcher_hidden:
        return Intake.REFUSED
    if view.state is ChatState.OFFLINE:
        return Intake.MESSAGE
    return Intake.ROUTE


class WaitEnd(StrEnum):
    """How a queued chat stands at an instant."""

    WAITING = "waiting"  # still in the queue
    ABANDONED = "abandoned"  # the visitor left: the chat closes
    TIMED_OUT = "timed_out"  # the queue timeout passed: to the unassigned view


_EVENTS = {
    WaitEnd.ABANDONED: ConversationEvent.CLOSE,
    WaitEnd.TIMED_OUT: ConversationEvent.LEAVE_UNASSIGNED,
}


def _gone_at(gone_since: float | None, said_goodbye: bool) -> float | None:
    if gone_since is None:
        return None
    return gone_since if said_goodbye else gone_since + VISITOR_RETURN_SECONDS


def _timed_out_at(assignment: AssignmentSettings, waiting_since: float) -> float | None:
    timeout = assignment.queue_timeout_seconds
    return None if timeout is None else waiting_since + timeout


def wait_deadline(
    assignment: AssignmentSettings,
    waiting_since: float,
    gone_since: float | None = None,
    *,
    said_goodbye: bool = False,
) -> float | None:
    """The instant a queued chat stops waiting unless an agent takes it first: the earlier
    of its queue timeout and its visitor counting as gone (see :func:`end_of_wait`);
    ``None`` when neither can happen."""
    timed_out = _timed_out_at(assignment, waiting_since)
    gone = _gone_at(gone_since, said_goodbye)
    if gone is None or timed_out is None:  # the simulator asks for every chat that queues
        return timed_out if gone is None else gone
    return min(gone, timed_out)


def end_of_wait(
    assignment: AssignmentSettings,
    waiting_since: float,
    now: float,
    gone_since: float | None = None,
    *,
    said_goodbye: bool = False,
) -> WaitEnd:
    """RT5, SIM4: does a chat queued since ``waiting_since`` still wait at ``now``?

    ``gone_since`` is when its visitor went (``None`` while they are there);
    ``said_goodbye`` that they left on purpose rather than lost their connection. When the
    visitor's going and the timeout both lie before ``now``, the earlier decides (the
    visitor's going on a tie).
    """
    gone_at = _gone_at(gone_since, said_goodbye)
    timed_out_at = _timed_out_at(assignment, waiting_since)
    if gone_at is not None and gone_at <= now and (timed_out_at is None or gone_at <= timed_out_at):
        return WaitEnd.ABANDONED
    if timed_out_at is not None and timed_out_at <= now:
        return WaitEnd.TIMED_OUT
    return WaitEnd.WAITING


def event_after_wait(end: WaitEnd) -> ConversationEvent:
    """The conversation event that ends a wait (``ValueError`` for ``WAITING``)."""
    try:
        return _EVENTS[end]
    except KeyError:
        raise ValueError("a chat still waiting has no event") from None
