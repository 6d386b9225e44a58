"""Traffic (SIM1): when visitors come, who they are, and how they behave on the site.

- :func:`arrival_segments` turns the scenario's hour-of-week profile into pieces of constant
  rate, and :func:`arrival_times` draws a piece's arrivals (a Poisson process).
- :class:`Browsing` holds the visitors' behaviour of a funnel scenario, bound to the
  replication's random streams (arrivals, pages, email): their device, segment and first
  page, their time on a page and scroll depth, exit intent, and the chances that they start
  a chat, dismiss a prompt, move on to another page or leave their email address.

Nothing here knows the widget or the agents: :mod:`simulator.site` says what a visitor sees,
:mod:`simulator.visitors` plays their visits out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from reference_server.domain.availability import MessageKind
from reference_server.domain.display import Device, WidgetMode

from .distributions import categorical_sampler, sampler, uniform_sampler
from .scenario import Scenario, Segment, Traffic
from .streams import Streams

__all__ = ["DEVICES", "Browsing", "Piece", "arrival_segments", "arrival_times"]

Piece = tuple[float, float, float]
"""``(from, to, rate per minute)``: a stretch of the run with a constant arrival rate."""

DEVICES = (Device.DESKTOP, Device.TABLET, Device.MOBILE)
"""The devices in the order of the scenario's device mix (a visitor's device is an index)."""


def arrival_segments(
    traffic: Traffic, start_utc: datetime, zone: ZoneInfo, duration: float
) -> list[Piece]:
    """``(from, to, rate per minute)`` for ``[0, duration)``: one piece per wall-clock hour
    (the hour of the week and the special day are read in ``zone``, so daylight-saving
    changes move the profile with the clocks)."""
    rates = traffic.hourly_rates()
    special = {day.date: day.multiplier for day in traffic.special_days}
    pieces: list[Piece] = []
    moment = 0.0
    while moment < duration:
        local = (start_utc + timedelta(minutes=moment)).astimezone(zone)
        # The next wall-clock hour; offsets change on the hour, so this is a local hour start.
        end = min(moment + 60.0 - local.minute - local.second / 60.0, duration)
        rate = rates[local.weekday() * 24 + local.hour] * special.get(local.date().isoformat(), 1.0)
        pieces.append((moment, end, rate / 60.0))
        moment = end
    return pieces


def arrival_times(piece: Piece, rng: np.random.Generator) -> list[float]:
    """The arrivals of ``piece``: a Poisson count of arrivals at uniform, sorted times."""
    start, end, rate = piece
    width = end - start
    arrivals = int(rng.poisson(rate * width)) if rate > 0.0 else 0
    times = np.sort(rng.random(arrivals)) * width + start
    result: list[float] = times.tolist()
    return result


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


class Newcomers:
    """The visitors of one piece of the profile: arrival times and, per visitor, the index
    of their device (in :data:`DEVICES`), segment and first page."""

    __slots__ = ("devices", "pages", "segments", "times")

    def __init__(
        self, times: list[float], devices: list[int], segments: list[int], pages: list[int]
    ) -> None:
        self.times = times
        self.devices = devices
        self.segments = segments
        self.pages = pages


class Browsing:
    """The behaviour of a funnel scenario's visitors (``traffic`` and the email chance),
    each drawn from the replication's stream for it (:class:`~simulator.streams.Streams`)."""

    def __init__(self, scenario: Scenario, streams: Streams) -> None:
        traffic = scenario.traffic
        rng = streams.pages
        self.pages = traffic.pages
        self.segments: tuple[Segment, ...] = tuple(traffic.segments)
        self._arrivals = streams.arrivals
        self._uniform = uniform_sampler(rng)
        self._email_uniform = uniform_sampler(streams.email)
        self._time_on_page = [sampler(page.time_on_page_seconds, rng) for page in traffic.pages]
        self._depth = [sampler(page.scroll_depth_percent, rng) for page in traffic.pages]
        self._exit = [page.exit_intent_probability for page in traffic.pages]
        self._next_page = categorical_sampler([page.weight for page in traffic.pages], rng)
        devices = traffic.devices
        self._device_p = _probabilities((devices.desktop, devices.tablet, devices.mobile))
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

    def newcomers(self, piece: Piece) -> Newcomers:
        """Who arrives during ``piece``."""
        rng = self._arrivals
        times = arrival_times(piece, rng)
        size = len(times)
        devices = _choices(self._device_p, size, rng)
        segments = _choices(self._segment_p, size, rng)
        pages = _choices(self._page_p, size, rng)
        return Newcomers(times, devices, segments, pages)

    def seconds_on(self, page: int) -> float:
        """How long a view of ``page`` lasts, in seconds."""
        seconds: float = self._time_on_page[page].draw()
        return seconds

    def scroll_depth(self, page: int) -> float:
        """How far down ``page`` the visitor scrolls, in percent (at most 100)."""
        depth: float = min(self._depth[page].draw(), 100.0)
        return depth

    def shows_exit_intent(self, page: int) -> bool:
        """Whether the visitor moves to leave as the view of ``page`` ends."""
        exits: bool = self._uniform.draw() < self._exit[page]
        return exits

    def starts_chat(self, mode: WidgetMode, message: MessageKind) -> bool:
        """Whether the visitor starts a chat with the widget in ``mode`` showing ``message``."""
        chance = self._chance[mode] * self._factor[message]
        return chance > 0.0 and self._uniform.draw() < chance

    def moment_between(self, start: float, end: float) -> float:
        """An even-chance moment of ``[start, end)``."""
        moment: float = start + self._uniform.draw() * (end - start)
        return moment

    def dismisses(self) -> bool:
        """Whether a visitor who saw a message and did not chat minimizes the widget (DS4)."""
        return self._dismiss > 0.0 and self._uniform.draw() < self._dismiss

    def next_page(self) -> int | None:
        """The page the visitor views next, or None when they leave the site."""
        if self._continue > 0.0 and self._uniform.draw() < self._continue:
            return int(self._next_page.draw())
        return None

    def leaves_email(self) -> bool:
        """Whether a visitor asked for their email address gives it (BD2)."""
        leaves: bool = self._email_uniform.draw() < self._email
        return leaves
