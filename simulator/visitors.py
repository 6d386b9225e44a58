"""Visitors (SIM1, SIM2, SIM4): the processes that play out their visits and chats.

Processes, named after the actors:

- :class:`PlainArrivals` (plain pool): visitors who come straight to chat, by the hour-of-
  week profile (:mod:`simulator.traffic`); each becomes a :func:`visitor`.
- :func:`site_visitors` (funnel): visitors arrive by the same profile and browse pages
  (:class:`~simulator.traffic.Browsing` says how); on each page view the
  :class:`~simulator.site.Site` says which chatflow applies and what its widget shows, and
  the visitor's behaviour says whether they start a chat. Those who do become a
  :func:`visitor`. :class:`Visits` holds their steps and the per-interval counts.
- :func:`visitor`: a visitor who has started a chat. The chat is routed; if it has to wait,
  the visitor waits for an agent or gives up when patience runs out
  (``yield taken | env.timeout(patience)``).

How a page view plays out: at page load the widget is what ``widget_mode`` says with no
trigger fired; if a trigger fires during the view, the visitor decides at that moment with
the widget as it is then, otherwise at page load. They start a chat with the scenario's
chance for that widget mode (times the factor for the message shown) at an even-chance
moment of the rest of the view; the availability is asked again at that moment and the
domain's ``intake`` says what the chat becomes, as on the server (a launcher hidden by then
means no chat; outside office hours the chat is a message left offline and never queues;
while away it waits in the queue). A visitor who does not chat may
minimize a prompt (DS4: the widget stays minimized on later pages) and moves on to another
page with ``continue_probability``.

Speed. A busy month has millions of page views, far too many for a SimPy event each.
:func:`site_visitors` is one process that keeps the visitors' page views in a heap and
handles every page view that falls before the next event of any other process straight
away (nothing can change the agents or the queue in between, so the domain's answers are
exactly those at that moment); it only waits (one SimPy event) when something else happens
first, or to start a chat at its exact time. The site caches the domain's answers between
events (see :mod:`simulator.site`).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator, Sequence
from itertools import chain, count
from typing import Any

import numpy as np
import simpy

from reference_server.domain.availability import ChatState, MessageKind
from reference_server.domain.chatflow import AssignmentSettings
from reference_server.domain.conversation import should_ask_for_email
from reference_server.domain.display import WidgetMode
from reference_server.domain.intake import Intake, intake

from .centre import Chat, ChatCentre, Visit
from .records import (
    CHATS_STARTED,
    LAUNCHER_HIDDEN,
    PAGE_VIEWS,
    SAW_WAIT_MESSAGE,
    VISITORS,
    WIDGET_VIEWS,
    ChatRecord,
    RecordType,
)
from .scenario import Scenario
from .site import Site
from .traffic import DEVICES, Browsing, Piece, arrival_times

__all__ = [
    "Browser",
    "PlainArrivals",
    "Visits",
    "site_visitors",
    "visitor",
]

_SHOWS_MESSAGE = (WidgetMode.PROMPT, WidgetMode.OPEN)
_NO_PROPERTIES: dict[str, str] = {}
_LEFT_WITHOUT_CHAT = RecordType.LEFT_WITHOUT_CHAT.value
_ARRIVALS, _PAGE, _DECIDE, _CHAT = 0, 1, 2, 3
# The heap's clock and SimPy's can differ in the last bits after a sum of delays.
_SAME_TIME = 1e-9


def visitor(env: simpy.Environment, centre: ChatCentre, chat: Chat) -> None:
    """A visitor who has just started ``chat`` (SIM4).

    The chat is routed at once. If it has to wait, the visitor waits until an agent takes
    it, their patience runs out or the chatflow's queue timeout passes, whichever comes
    first (:meth:`ChatCentre.expect_end_of_wait`: timeouts whose callbacks do nothing once
    the chat was taken; a process and a condition event per chat would add about a third to
    the cost of simulating a chat).
    """
    del env  # the centre schedules on its own environment
    if centre.offer(chat):
        centre.expect_end_of_wait(chat)


class PlainArrivals:
    """Plain pool: visitors arrive by the profile and start a chat at once.

    Each arrival is one timeout whose callback starts the visitor's chat (what
    :func:`visitor` does, written out here) and sets the next arrival's timeout, in the
    order a process looping over ``yield env.timeout(gap)`` would; no process, as resuming
    a generator per arrival costs a tenth of a chat."""

    def __init__(
        self,
        env: simpy.Environment,
        centre: ChatCentre,
        segments: Sequence[Piece],
        rng: np.random.Generator,
        assignment: AssignmentSettings,
    ) -> None:
        self._assignment = assignment
        self._timeout = env.timeout
        self._new_chat = centre.new_chat
        self._offer = centre.offer
        self._expect_end_of_wait = centre.expect_end_of_wait
        # Without patience or a queue timeout a queued chat waits until it is taken: nothing
        # to expect (M/M/c), so the call is skipped for every chat that queues.
        self._waits_can_end = centre.waits_can_end(assignment)
        # Each piece's arrivals are drawn when the previous piece's have all come.
        self._moments = chain.from_iterable(arrival_times(piece, rng) for piece in segments)
        self._moment = env.now
        self._expect()

    def _expect(self) -> None:
        moment = next(self._moments, None)
        if moment is not None:
            self._timeout(moment - self._moment).callbacks.append(self._arrive)
            self._moment = moment

    def _arrive(self, _event: simpy.Event) -> None:
        chat = self._new_chat(self._moment, self._assignment, _NO_PROPERTIES)
        if self._offer(chat) and self._waits_can_end:
            self._expect_end_of_wait(chat)
        # The next arrival (_expect, written out: this runs for every chat).
        moment = next(self._moments, None)
        if moment is not None:
            self._timeout(moment - self._moment).callbacks.append(self._arrive)
            self._moment = moment


# ---------------------------------------------------------------- the site (funnel)


class Browser:
    """A visitor browsing the site (mutable): who they are, where they are, what they saw."""

    __slots__ = (
        "arrival",
        "device",
        "flow",
        "hide_welcome",
        "id",
        "interval",
        "page",
        "page_end",
        "saw_hidden",
        "saw_wait",
        "segment",
        "triggered",
    )

    def __init__(
        self, number: int, arrival: float, interval: int, device: int, segment: int, page: int
    ) -> None:
        self.id = number
        self.arrival = arrival
        self.interval = interval
        self.device = device
        self.segment = segment
        self.page = page
        self.page_end = arrival
        self.flow = -1
        self.triggered = False
        self.hide_welcome = False
        self.saw_wait = False
        self.saw_hidden = False


class Visits:
    """The visits of a funnel scenario: each visitor's steps (arrive, view a page, decide,
    start a chat or leave), kept in ``heap`` by time. ``counts`` is filled per interval
    with visitors, page views, widget views, chats started, wait messages and hidden
    launchers; visitors who leave without a chat are recorded when the scenario asks."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        site: Site,
        browsing: Browsing,
        counts: list[list[int]],
    ) -> None:
        self.env = env
        self.site = site
        self.centre = site.centre
        self.browsing = browsing
        self.counts = counts
        self.heap: list[tuple[float, int, int, Any]] = []
        self._order = count()
        self._interval = scenario.kpis.interval_minutes
        self._visitor_records = scenario.kpis.visitor_records
        self._visitors = 0

    def expect_arrivals(self, piece: Piece) -> None:
        """The visitors of ``piece`` (from, to, rate) arrive when it starts."""
        heapq.heappush(self.heap, (piece[0], next(self._order), _ARRIVALS, piece))

    def arrivals(self, moment: float, piece: Piece) -> None:
        """Visitors of one hour arrive; each views a first page."""
        push = heapq.heappush
        heap = self.heap
        order = self._order
        width = self._interval
        counts = self.counts
        newcomers = self.browsing.newcomers(piece)
        devices, segments, pages = newcomers.devices, newcomers.segments, newcomers.pages
        first = self._visitors + 1
        self._visitors += len(newcomers.times)
        for i, arrival in enumerate(newcomers.times):
            interval = int(arrival // width)
            person = Browser(first + i, arrival, interval, devices[i], segments[i], pages[i])
            counts[interval][VISITORS] += 1
            push(heap, (arrival, next(order), _PAGE, person))

    def page_view(self, moment: float, person: Browser) -> None:
        """A page loads (SIM1): which chatflow applies, and when a trigger fires (DS2)."""
        page = person.page
        row = self.counts[person.interval]
        row[PAGE_VIEWS] += 1
        browsing = self.browsing
        seconds = browsing.seconds_on(page)
        person.page_end = moment + seconds / 60.0
        f = person.flow = self.site.chatflow_for(page, person.device, person.segment)
        if f < 0:
            self._move_on(person)
            return
        row[WIDGET_VIEWS] += 1
        flow = self.site.flows[f]
        fired = None
        if flow.has_triggers:
            scroll_at = None
            wanted = flow.scroll_percentage
            if wanted is not None:
                depth = browsing.scroll_depth(page)
                if depth >= wanted:
                    scroll_at = seconds * wanted / depth  # scrolling at an even pace
            exit_at = None
            if flow.exit_intent and browsing.shows_exit_intent(page):
                exit_at = seconds  # they move to leave as the view ends
            fired = flow.trigger_time(seconds, scroll_at, exit_at)
        if fired is None:
            person.triggered = False
            self.decide(moment, person)
        else:
            person.triggered = True
            decide_at = moment + fired / 60.0
            heapq.heappush(self.heap, (decide_at, next(self._order), _DECIDE, person))

    def decide(self, moment: float, person: Browser) -> None:
        """What the widget shows now (DS1-DS4, AV4-AV7), and whether the visitor will chat."""
        mode, view = self.site.widget(
            person.flow, person.page, person.device, person.hide_welcome, person.triggered, moment
        )
        if view.launcher_hidden:
            person.saw_hidden = True
        shows_message = mode in _SHOWS_MESSAGE
        if shows_message and view.message_kind is MessageKind.WAIT:
            person.saw_wait = True
        browsing = self.browsing
        if browsing.starts_chat(mode, view.message_kind):
            chat_at = browsing.moment_between(moment, person.page_end)
            heapq.heappush(self.heap, (chat_at, next(self._order), _CHAT, person))
            return
        if shows_message and browsing.dismisses():
            person.hide_welcome = True
        self._move_on(person)

    def _move_on(self, person: Browser) -> None:
        page = self.browsing.next_page()
        if page is not None:
            person.page = page
            heapq.heappush(self.heap, (person.page_end, next(self._order), _PAGE, person))
            return
        self._leave(person, chatted=False)

    def _leave(self, person: Browser, chatted: bool) -> None:
        row = self.counts[person.interval]
        row[CHATS_STARTED] += chatted
        row[SAW_WAIT_MESSAGE] += person.saw_wait
        row[LAUNCHER_HIDDEN] += person.saw_hidden
        if self._visitor_records and not chatted:
            f = person.flow
            self.centre.records.append(
                ChatRecord(
                    _LEFT_WITHOUT_CHAT,
                    -1,
                    person.id,
                    person.arrival,
                    person.arrival,
                    math.nan,
                    math.nan,
                    math.nan,
                    None,
                    person.interval,
                    chatflow=self.site.flows[f].chatflow.id if f >= 0 else "",
                    page=self.browsing.pages[person.page].url,
                    device=DEVICES[person.device].value,
                    saw_wait_message=person.saw_wait,
                    launcher_hidden=person.saw_hidden,
                )
            )

    def start_chat(self, moment: float, person: Browser) -> None:
        """The visitor clicks to chat (now, ``env.now == moment``)."""
        f = person.flow
        site = self.site
        flow = site.flows[f]
        page = person.page
        state, view = site.availability(f, page, moment)
        if intake(view) is Intake.REFUSED:  # AV6/AV7: the launcher went before they clicked
            person.saw_hidden = True
            self._leave(person, chatted=False)
            return
        self._leave(person, chatted=True)
        centre = self.centre
        chat = centre.new_chat(moment, flow.assignment, site.properties(f, page))
        visit = chat.visit = Visit(
            person.id,
            person.arrival,
            flow.chatflow.id,
            self.browsing.pages[page].url,
            DEVICES[person.device].value,
        )
        visit.saw_wait = person.saw_wait or view.message_kind is MessageKind.WAIT
        visit.launcher_hidden = person.saw_hidden
        visit.survey = flow.survey
        segment = self.browsing.segments[person.segment]
        visit.email_asked = should_ask_for_email(
            flow.capture, state is ChatState.AVAILABLE, segment.identified, segment.known
        )
        visit.email_left = visit.email_asked and self.browsing.leaves_email()
        # What the chat becomes is the domain's intake, as on the server: offline (AV6) a
        # message left for later that never queues; otherwise routed (while away, AV5, it
        # waits in the queue for somebody to come back).
        if intake(view) is Intake.MESSAGE:
            centre.offline(chat)
            return
        visitor(self.env, centre, chat)


def site_visitors(
    env: simpy.Environment, visits: Visits, segments: Sequence[Piece]
) -> Generator[simpy.Event, Any, None]:
    """Funnel: visitors arrive by the profile and browse the site (see the module doc).

    Page views before the next event of any other process are handled without waiting for
    them; the process waits only when another event comes first, or to start a chat."""
    heap = visits.heap
    pop = heapq.heappop
    peek = env.peek
    timeout = env.timeout
    page_view = visits.page_view
    decide = visits.decide
    for piece in segments:
        visits.expect_arrivals(piece)
    while heap:
        moment, _, kind, payload = heap[0]
        now = env.now
        if moment > now + _SAME_TIME and (kind == _CHAT or moment >= peek()):
            yield timeout(moment - now)
            continue
        pop(heap)
        if kind == _PAGE:
            page_view(moment, payload)
        elif kind == _DECIDE:
            decide(moment, payload)
        elif kind == _CHAT:
            visits.start_chat(moment, payload)
        else:
            visits.arrivals(moment, payload)
