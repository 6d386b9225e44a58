"""The site of a funnel scenario (SIM1, SIM2): which chatflow applies to a page view and what
its widget shows, as the domain decides — :func:`targeting.select_chatflow` (which
chatflow), :func:`display.first_trigger_time` (when a trigger fires),
:func:`availability.chat_state` and :func:`availability.availability_view` (open, away,
offline, at capacity; wait message or hidden launcher) and :func:`display.widget_mode`
(hidden, launcher, prompt, open).

Speed. A busy month has millions of page views, so the answers that cannot change between
events are cached: the chatflow per (page, device, visitor segment) is computed once; the
availability per (chatflow, page) until the chat centre's ``epoch`` moves or the
office-hours clock crosses an opening or closing (a per-minute table made with
:func:`availability.within_office_hours`); the view per (chatflow, state, office-hours
period). The return-time text is thus the one at the first visitor of a closed period (only
the kind of message is used).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from reference_server.domain.availability import (
    AvailabilityView,
    ChatState,
    availability_view,
    chat_state,
    within_office_hours,
)
from reference_server.domain.chatflow import AvailabilitySettings, Chatflow
from reference_server.domain.conversation import survey_on_close
from reference_server.domain.display import (
    Device,
    VisitorCookies,
    WidgetMode,
    first_trigger_time,
    widget_mode,
)
from reference_server.domain.intake import routing_properties
from reference_server.domain.routing import ConversationRequest, eligible_agents
from reference_server.domain.targeting import PageView, Visitor, select_chatflow

from .centre import ChatCentre
from .scenario import Scenario, Segment
from .traffic import DEVICES

__all__ = ["Site", "SiteFlow"]

_COOKIES = (VisitorCookies(), VisitorCookies(hide_welcome=True))  # DS4: minimized or not


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


class SiteFlow:
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

    def trigger_time(
        self, seconds: float, scroll_at: float | None, exit_at: float | None
    ) -> float | None:
        """When a trigger fires in a view of ``seconds`` (DS2), or None."""
        return first_trigger_time(self.triggers, seconds, scroll_at, exit_at)


class Site:
    """The chatflows of a funnel scenario on its pages, with the caches described in the
    module docstring. Chatflows, pages, devices and segments are indices."""

    def __init__(self, scenario: Scenario, centre: ChatCentre) -> None:
        traffic = scenario.traffic
        self.centre = centre
        self._start_utc = scenario.start_utc
        minutes = math.ceil(scenario.duration) + 2
        chatflows = scenario.chatflows
        self.flows = [
            SiteFlow(flow, _office_periods(flow.build.availability, self._start_utc, minutes))
            for flow in chatflows
        ]
        position = {id(flow): i for i, flow in enumerate(chatflows)}
        segments = traffic.segments
        # TG1-TG6 per (page, device, segment): a page's URL and the visitor decide it.
        self._target = [
            [
                [
                    _flow_index(chatflows, position, page.url, device, segment)
                    for segment in segments
                ]
                for device in DEVICES
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
                properties = routing_properties(flow, page.url, page.properties)  # RT3
                probe = ConversationRequest("probe", properties)
                eligible = eligible_agents(flow.build.assignment, centre.agents, probe)
                properties_row.append(properties)
                eligible_row.append([centre.agents.index(agent) for agent in eligible])
                cache_row.append([-1, -1, ChatState.AVAILABLE, None])
            self._properties.append(properties_row)
            self._eligible.append(eligible_row)
            self._availability.append(cache_row)

    def chatflow_for(self, page: int, device: int, segment: int) -> int:
        """The chatflow that applies to a view of ``page`` (TG1-TG6), or -1 for none."""
        return self._target[page][device][segment]

    def properties(self, f: int, page: int) -> dict[str, str]:
        """The properties of a chat started with chatflow ``f`` on ``page``."""
        return self._properties[f][page]

    def availability(self, f: int, page: int, moment: float) -> tuple[ChatState, AvailabilityView]:
        """AV1-AV7 for chatflow ``f`` on ``page`` at ``moment`` (cached, see module doc)."""
        flow = self.flows[f]
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

    def widget(
        self, f: int, page: int, device: int, minimized: bool, triggered: bool, moment: float
    ) -> tuple[WidgetMode, AvailabilityView]:
        """What the widget of chatflow ``f`` shows on ``page`` at ``moment`` (DS1-DS4,
        AV4-AV7): its mode and the availability view behind it."""
        _state, view = self.availability(f, page, moment)
        flow = self.flows[f]
        mode = widget_mode(flow.display, DEVICES[device], view, _COOKIES[minimized], triggered)
        return mode, view


def _flow_index(
    chatflows: Sequence[Chatflow],
    position: dict[int, int],
    url: str,
    device: Device,
    segment: Segment,
) -> int:
    view = PageView(url, device.value, Visitor(segment.known, segment.properties))
    chosen = select_chatflow(chatflows, view)
    return -1 if chosen is None else position[id(chosen)]
