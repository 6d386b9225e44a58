"""Visitors (SIM1, SIM2, SIM4): when they come, what the widget shows them, who chats.

Processes, named after the actors:

- :func:`visitor_arrivals` (plain pool): visitors who come straight to chat, by the hour-of-
  week profile; each becomes a :func:`visitor`.
- :func:`site_visitors` (funnel): visitors arrive by the same profile and browse pages. On
  each page view the domain decides what they see — :func:`targeting.select_chatflow`
  (which chatflow), :func:`display.first_trigger_time` (when a trigger fires, from the time
  on page, the scroll depth and exit intent), :func:`availability.chat_state` and
  :func:`availability.availability_view` (open, away, offline, at capacity; wait message or
  hidden launcher), :func:`display.widget_mode` (hidden, launcher, prompt, open) — and the
  scenario's chances say whether they start a chat. Those who do become a :func:`visitor`.
- :func:`visitor`: a visitor who has started a chat. The chat is routed; if it has to wait,
  the visitor waits for an agent or gives up when patience runs out
  (``yield taken | env.timeout(patience)``).

How a page view plays out: at page load the widget is what ``widget_mode`` says with no
trigger fired; if a trigger fires during the view, the visitor decides at that moment with
the widget as it is then, otherwise at page load. They start a chat with the scenario's
chance for that widget mode (times the factor for the message shown) at an even-chance
moment of the rest of the view; the availability is asked again at that moment (a launcher
hidden by then means no chat; outside office hours the chat is a message left offline and
never queues). A visitor who does not chat may minimize a prompt (DS4: the widget stays
minimized on later pages) and moves on to another page with ``continue_probability``.

Speed. A busy month has millions of page views, far too many for a SimPy event each.
:func:`site_visitors` is one process that keeps the visitors' page views in a heap and
handles every page view that falls before the next event of any other process straight
away (nothing can change the agents or the queue in between, so the domain's answers are
exactly those at that moment); it only waits (one SimPy event) when something else happens
first, or to start a chat at its exact time. Domain answers that cannot change between
events are cached: the chatflow per (page, device, visitor segment) is computed once; the
availability per (chatflow, page) until the chat centre's ``epoch`` moves or the
office-hours clock crosses an opening or closing (a per-minute table made with
:func:`availability.within_office_hours`); the view per (chatflow, state, office-hours
period). The return-time text is thus the one at the first visitor of a closed period (only
the kind of message is used).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import simpy

from reference_server.domain.availability import (
    AvailabilityView,
    ChatState,
    MessageKind,
    availability_view,
    chat_state,
    within_office_hours,
)
from reference_server.domain.chatflow import (
    AssignmentSettings,
    AvailabilitySettings,
    Chatflow,
)
from reference_server.domain.conversation import should_ask_for_email, survey_on_close
from reference_server.domain.display import (
    Device,
    VisitorCookies,
    WidgetMode,
    first_trigger_time,
    widget_mode,
)
from reference_server.domain.routing import ConversationRequest, eligible_agents
from reference_server.domain.targeting import PageView, Visitor, select_chatflow

from .centre import Chat, ChatCentre, Visit
from .distributions import Sampler, categorical_sampler, sampler
from .records import RecordType
from .scenario import Scenario, Traffic

__all__ = [
    "Site",
    "arrival_segments",
    "site_visitors",
    "visitor",
    "visitor_arrivals",
]

_DEVICES = (Device.DESKTOP, Device.TABLET, Device.MOBILE)
_COOKIES = (VisitorCookies(), VisitorCookies(hide_welcome=True))  # DS4: minimized or not
_SHOWS_MESSAGE = (WidgetMode.PROMPT, WidgetMode.OPEN)
_NO_PROPERTIES: dict[str, str] = {}
_ARRIVALS, _PAGE, _DECIDE, _CHAT = 0, 1, 2, 3
# The heap's clock and SimPy's can differ in the last bits after a sum of delays.
_SAME_TIME = 1e-9


# ---------------------------------------------------------------- arrivals (SIM1)


def arrival_segments(
    traffic: Traffic, start_utc: datetime, zone: ZoneInfo, duration: float
) -> list[tuple[float, float, float]]:
    """``(from, to, rate per minute)`` for ``[0, duration)``: one piece per wall-clock hour
    (the hour of the week and the special day are read in ``zone``, so daylight-saving
    changes move the profile with the clocks)."""
    rates = traffic.hourly_rates()
    special = {day.date: day.multiplier for day in traffic.special_days}
    pieces: list[tuple[float, float, float]] = []
    moment = 0.0
    while moment < duration:
        local = (start_utc + timedelta(minutes=moment)).astimezone(zone)
        # The next wall-clock hour; offsets change on the hour, so this is a local hour start.
        end = min(moment + 60.0 - local.minute - local.second / 60.0, duration)
        rate = rates[local.weekday() * 24 + local.hour] * special.get(local.date().isoformat(), 1.0)
        pieces.append((moment, end, rate / 60.0))
        moment = end
    return pieces


def _arrival_times(piece: tuple[float, float, float], rng: np.random.Generator) -> list[float]:
    # A Poisson process on the piece: a Poisson count of arrivals at uniform, sorted times.
    start, end, rate = piece
    width = end - start
    arrivals = int(rng.poisson(rate * width)) if rate > 0.0 else 0
    times = np.sort(rng.random(arrivals)) * width + start
    result: list[float] = times.tolist()
    return result


def visitor(env: simpy.Environment, centre: ChatCentre, chat: Chat) -> None:
    """A visitor who has just started ``chat`` (SIM4).

    The chat is routed at once. If it has to wait, the visitor waits until an agent takes
    it or their patience runs out, whichever comes first: the equivalent of
    ``yield taken | env.timeout(patience)``, written as one timeout whose callback gives up
    unless the chat was taken meanwhile: a process and a condition event per chat would add
    about a third to the cost of simulating a chat.
    """
    if centre.offer(chat) and chat.patience != math.inf:
        env.timeout(chat.patience, chat).callbacks.append(centre.patience_over)


def visitor_arrivals(
    env: simpy.Environment,
    centre: ChatCentre,
    segments: Sequence[tuple[float, float, float]],
    rng: np.random.Generator,
    assignment: AssignmentSettings,
) -> Generator[simpy.Event, Any, None]:
    """Plain pool: visitors arrive by the profile and start a chat at once."""
    timeout = env.timeout
    new_chat = centre.new_chat
    now = env.now
    for piece in segments:
        for moment in _arrival_times(piece, rng):
            yield timeout(moment - now)
            now = moment
            visitor(env, centre, new_chat(moment, assignment, _NO_PROPERTIES))


# ---------------------------------------------------------------- the site (funnel)


@lru_cache(maxsize=64)
def _office_periods(settings: AvailabilitySettings, start_utc: datetime, minutes: int) -> list[int]:
    """For each minute of the run, the number of the office-hours period it is in: the
    number changes exactly when :func:`within_office_hours` does (at whole minutes, as
    every opening and closing is on a whole minute of local time)."""
    periods: list[int] = []
    period = 0
    was_open: bool | None = None
    for minute in range(minutes):
        is_open = within_office_hours(settings, start_utc + timedelta(minutes=minute))
        if was_open is not None and is_open != was_open:
            period += 1
        was_open = is_open
        periods.append(period)
    return periods


def _probabilities(weights: Sequence[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
    p = np.asarray(weights, dtype=float)
    result: np.ndarray[Any, np.dtype[np.float64]] = p / p.sum()
    return result


def _choices(
    p: np.ndarray[Any, np.dtype[np.float64]], size: int, rng: np.random.Generator
) -> list[int]:
    # Draws for a whole hour's visitors at once (one numpy call instead of one per visitor).
    if len(p) == 1:
        return [0] * size
    result: list[int] = rng.choice(len(p), size=size, p=p).tolist()
    return result


class _Flow:
    """What the site needs of one chatflow, looked up once."""

    __slots__ = (
        "assignment",
        "capture",
        "chatflow",
        "display",
        "exit_intent",
        "has_triggers",
        "language",
        "periods",
        "scroll_percentage",
        "settings",
        "survey",
        "triggers",
        "views",
    )

    def __init__(self, chatflow: Chatflow, periods: list[int]) -> None:
        self.chatflow = chatflow
        self.display = chatflow.display
        self.triggers = chatflow.display.triggers
        self.has_triggers = self.triggers.any
        self.scroll_percentage = self.triggers.scroll_percentage
        self.exit_intent = self.triggers.exit_intent
        self.settings = chatflow.build.availability
        self.language = chatflow.language
        self.assignment = chatflow.build.assignment
        self.capture = chatflow.build.email_capture
        self.survey = survey_on_close(chatflow.options.csat) is not None
        self.periods = periods
        self.views: dict[tuple[ChatState, int], AvailabilityView] = {}


class _Visitor:
    """A browsing visitor (mutable)."""

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


class Site:
    """The website of a funnel scenario: pages, visitors' behaviour and the chatflows, with
    the caches described in the module docstring. ``counts`` is filled per interval with
    visitors, page views, widget views, chats started, wait messages and hidden launchers."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        centre: ChatCentre,
        rng: np.random.Generator,
        uniform: Sampler,
        counts: list[list[int]],
    ) -> None:
        traffic = scenario.traffic
        self.env = env
        self.centre = centre
        self.counts = counts
        self.heap: list[tuple[float, int, int, Any]] = []
        self._order = count()
        self._interval = scenario.kpis.interval_minutes
        self._start_utc = scenario.start_utc
        self._visitor_records = scenario.kpis.visitor_records
        self._visitors = 0
        self._uniform = uniform
        self._rng = rng
        self._pages = traffic.pages
        self._time_on_page = [sampler(page.time_on_page_seconds, rng) for page in traffic.pages]
        self._depth = [sampler(page.scroll_depth_percent, rng) for page in traffic.pages]
        self._exit = [page.exit_intent_probability for page in traffic.pages]
        self._next_page = categorical_sampler([page.weight for page in traffic.pages], rng)
        devices = traffic.devices
        self._device_p = _probabilities((devices.desktop, devices.tablet, devices.mobile))
        self._segments = traffic.segments
        self._segment_p = _probabilities([s.weight for s in traffic.segments])
        self._page_p = _probabilities([page.weight for page in traffic.pages])
        self._continue = traffic.continue_probability
        self._email = scenario.chats.email_probability
        start = traffic.chat_start
        self._dismiss = start.dismiss_probability
        self._chance = {
            WidgetMode.HIDDEN: 0.0,
            WidgetMode.LAUNCHER: start.launcher,
            WidgetMode.PROMPT: start.prompt,
            WidgetMode.OPEN: start.open,
        }
        factor = start.message_factor
        self._factor = {
            MessageKind.WELCOME: factor.welcome,
            MessageKind.AWAY: factor.away,
            MessageKind.WAIT: factor.wait,
            MessageKind.RETURN_TIME: factor.return_time,
            MessageKind.NONE: 0.0,
        }
        minutes = math.ceil(scenario.duration) + 2
        chatflows = scenario.chatflows
        self._flows = [
            _Flow(flow, _office_periods(flow.build.availability, self._start_utc, minutes))
            for flow in chatflows
        ]
        position = {id(flow): i for i, flow in enumerate(chatflows)}
        # TG1-TG6 per (page, device, segment): a page's URL and the visitor decide it.
        self._target = [
            [
                [
                    self._flow_index(chatflows, position, page.url, device, segment_index)
                    for segment_index in range(len(traffic.segments))
                ]
                for device in _DEVICES
            ]
            for page in traffic.pages
        ]
        # Per (chatflow, page): the chat's properties, its eligible agents (RT1, RT3; they do
        # not depend on status or load) and the cached availability [epoch, period, state, view].
        self._properties: list[list[dict[str, str]]] = []
        self._eligible: list[list[list[int]]] = []
        self._availability: list[list[list[Any]]] = []
        for flow in chatflows:
            properties_row, eligible_row, cache_row = [], [], []
            for page in traffic.pages:
                properties = {"language": flow.language.value, "page": page.url}
                properties.update(page.properties)
                probe = ConversationRequest("probe", properties)
                eligible = eligible_agents(flow.build.assignment, centre.agents, probe)
                properties_row.append(properties)
                eligible_row.append([centre.agents.index(agent) for agent in eligible])
                cache_row.append([-1, -1, ChatState.AVAILABLE, None])
            self._properties.append(properties_row)
            self._eligible.append(eligible_row)
            self._availability.append(cache_row)

    def _flow_index(
        self,
        chatflows: Sequence[Chatflow],
        position: dict[int, int],
        url: str,
        device: Device,
        segment_index: int,
    ) -> int:
        segment = self._segments[segment_index]
        view = PageView(url, device.value, Visitor(segment.known, segment.properties))
        chosen = select_chatflow(chatflows, view)
        return -1 if chosen is None else position[id(chosen)]

    # -------------------------------------------------------------- what the visitor sees

    def availability(self, f: int, page: int, moment: float) -> tuple[ChatState, AvailabilityView]:
        """AV1-AV7 for chatflow ``f`` on ``page`` at ``moment`` (cached, see module doc)."""
        flow = self._flows[f]
        period = flow.periods[int(moment)]
        cached = self._availability[f][page]
        centre = self.centre
        if cached[0] == centre.epoch and cached[1] == period:
            return cached[2], cached[3]
        now = self._start_utc + timedelta(minutes=moment)
        agents = centre.agents
        state = chat_state(flow.settings, [agents[j] for j in self._eligible[f][page]], now)
        view = flow.views.get((state, period))
        if view is None:
            view = availability_view(flow.settings, state, now, flow.language)
            flow.views[(state, period)] = view
        cached[0], cached[1], cached[2], cached[3] = centre.epoch, period, state, view
        return state, view

    # -------------------------------------------------------------- the visitors' steps

    def expect_arrivals(self, piece: tuple[float, float, float]) -> None:
        """The visitors of ``piece`` (from, to, rate) arrive when it starts."""
        heapq.heappush(self.heap, (piece[0], next(self._order), _ARRIVALS, piece))

    def arrivals(self, moment: float, piece: tuple[float, float, float]) -> None:
        """Visitors of one hour arrive; each views a first page."""
        push = heapq.heappush
        heap = self.heap
        order = self._order
        width = self._interval
        counts = self.counts
        rng = self._rng
        times = _arrival_times(piece, rng)
        arrivals = len(times)
        devices = _choices(self._device_p, arrivals, rng)
        segments = _choices(self._segment_p, arrivals, rng)
        pages = _choices(self._page_p, arrivals, rng)
        first = self._visitors + 1
        self._visitors += arrivals
        for i, arrival in enumerate(times):
            interval = int(arrival // width)
            person = _Visitor(first + i, arrival, interval, devices[i], segments[i], pages[i])
            counts[interval][0] += 1
            push(heap, (arrival, next(order), _PAGE, person))

    def page_view(self, moment: float, person: _Visitor) -> None:
        """A page loads (SIM1): which chatflow applies, and when a trigger fires (DS2)."""
        page = person.page
        row = self.counts[person.interval]
        row[1] += 1
        seconds = self._time_on_page[page].draw()
        person.page_end = moment + seconds / 60.0
        f = person.flow = self._target[page][person.device][person.segment]
        if f < 0:
            self._move_on(person)
            return
        row[2] += 1
        flow = self._flows[f]
        fired = None
        if flow.has_triggers:
            scroll_at = None
            wanted = flow.scroll_percentage
            if wanted is not None:
                depth = min(self._depth[page].draw(), 100.0)
                if depth >= wanted:
                    scroll_at = seconds * wanted / depth  # scrolling at an even pace
            exit_at = None
            if flow.exit_intent and self._uniform.draw() < self._exit[page]:
                exit_at = seconds  # they move to leave as the view ends
            fired = first_trigger_time(flow.triggers, seconds, scroll_at, exit_at)
        if fired is None:
            person.triggered = False
            self.decide(moment, person)
        else:
            person.triggered = True
            decide_at = moment + fired / 60.0
            heapq.heappush(self.heap, (decide_at, next(self._order), _DECIDE, person))

    def decide(self, moment: float, person: _Visitor) -> None:
        """What the widget shows now (DS1-DS4, AV4-AV7), and whether the visitor will chat."""
        f = person.flow
        flow = self._flows[f]
        _state, view = self.availability(f, person.page, moment)
        mode = widget_mode(
            flow.display,
            _DEVICES[person.device],
            view,
            _COOKIES[person.hide_welcome],
            person.triggered,
        )
        if view.launcher_hidden:
            person.saw_hidden = True
        shows_message = mode in _SHOWS_MESSAGE
        if shows_message and view.message_kind is MessageKind.WAIT:
            person.saw_wait = True
        chance = self._chance[mode] * self._factor[view.message_kind]
        uniform = self._uniform
        if chance > 0.0 and uniform.draw() < chance:
            chat_at = moment + uniform.draw() * (person.page_end - moment)
            heapq.heappush(self.heap, (chat_at, next(self._order), _CHAT, person))
            return
        if shows_message and self._dismiss > 0.0 and uniform.draw() < self._dismiss:
            person.hide_welcome = True
        self._move_on(person)

    def _move_on(self, person: _Visitor) -> None:
        if self._continue > 0.0 and self._uniform.draw() < self._continue:
            person.page = self._next_page.draw()
            heapq.heappush(self.heap, (person.page_end, next(self._order), _PAGE, person))
            return
        self._leave(person, chatted=False)

    def _leave(self, person: _Visitor, chatted: bool) -> None:
        row = self.counts[person.interval]
        row[3] += chatted
        row[4] += person.saw_wait
        row[5] += person.saw_hidden
        if self._visitor_records and not chatted:
            page = self._pages[person.page]
            flow = self._flows[person.flow].chatflow.id if person.flow >= 0 else ""
            self.centre.records.append(
                (
                    RecordType.LEFT_WITHOUT_CHAT.value,
                    -1,
                    person.id,
                    person.arrival,
                    person.arrival,
                    math.nan,
                    math.nan,
                    math.nan,
                    None,
                    person.interval,
                    flow,
                    page.url,
                    _DEVICES[person.device].value,
                    False,
                    person.saw_wait,
                    person.saw_hidden,
                    False,
                    False,
                    None,
                )
            )

    def start_chat(self, moment: float, person: _Visitor) -> None:
        """The visitor clicks to chat (now, ``env.now == moment``)."""
        f = person.flow
        flow = self._flows[f]
        page = person.page
        state, view = self.availability(f, page, moment)
        if view.launcher_hidden:  # AV6/AV7: the launcher went away before they clicked
            person.saw_hidden = True
            self._leave(person, chatted=False)
            return
        self._leave(person, chatted=True)
        centre = self.centre
        chat = centre.new_chat(moment, flow.assignment, self._properties[f][page])
        visit = chat.visit = Visit(
            person.id,
            person.arrival,
            flow.chatflow.id,
            self._pages[page].url,
            _DEVICES[person.device].value,
        )
        visit.saw_wait = person.saw_wait or view.message_kind is MessageKind.WAIT
        visit.launcher_hidden = person.saw_hidden
        visit.survey = flow.survey
        segment = self._segments[person.segment]
        visit.email_asked = should_ask_for_email(
            flow.capture, state is ChatState.AVAILABLE, segment.identified, segment.known
        )
        visit.email_left = visit.email_asked and self._uniform.draw() < self._email
        # Outside office hours (AV6), or inside them with nobody available (AV5), the widget
        # says so: the visitor leaves a message for later instead of waiting in the queue.
        if state is ChatState.OFFLINE or state is ChatState.AWAY:
            centre.offline(chat)
            return
        visitor(self.env, centre, chat)


def site_visitors(
    env: simpy.Environment, site: Site, segments: Sequence[tuple[float, float, float]]
) -> Generator[simpy.Event, Any, None]:
    """Funnel: visitors arrive by the profile and browse the site (see the module doc).

    Page views before the next event of any other process are handled without waiting for
    them; the process waits only when another event comes first, or to start a chat."""
    heap = site.heap
    pop = heapq.heappop
    peek = env.peek
    timeout = env.timeout
    page_view = site.page_view
    decide = site.decide
    for piece in segments:
        site.expect_arrivals(piece)
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
            site.start_chat(moment, payload)
        else:
            site.arrivals(moment, payload)
