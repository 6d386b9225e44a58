"""A simulation scenario as data (SIM1, SIM3, SIM4): parsed from YAML into frozen dataclasses.

The model is data and the engine is separate (as in Ciw): a :class:`Scenario` says who comes,
what they see and do, who works when, and how the chat is set up, and nothing else.
:func:`load_scenario` reads one from a YAML file or a plain dict and validates the whole of
it with the domain's codec, so every bad field is reported at once under its dotted path
(``traffic.pages[2].time_on_page_seconds.mean``). The chatflows are in exactly the plain-dict
form the reference server reads (``chatflow_to_dict``), so a chatflow can be copied between
the server and a scenario unchanged.

Units: every field name that holds a time says its unit (``_seconds``, ``_minutes``); rates
are visitors (or, in a plain pool, chats) **per hour**; the simulation clock runs in minutes
from ``start``. Days, hours and office hours are wall-clock times in ``timezone``.

Two kinds of scenario:

- **Funnel** (``traffic.pages`` given): visitors browse pages; on each page view the
  chatflows' targeting, display and availability rules decide what the widget shows, and
  the visitor may start a chat. At least one chatflow is needed.
- **Plain pool** (no pages, no chatflows): every arrival is a chat that goes straight to
  routing with the scenario's ``assignment`` settings — the classic M/M/c(+M) queue, for
  staffing figures and for checking the model against Erlang C and Erlang A.

A short funnel scenario::

    name: Small web shop
    start: "2026-03-02T00:00"          # wall time in `timezone` (or give an offset)
    timezone: Europe/Oslo
    duration_days: 7
    warmup_minutes: 60
    kpis: {interval_minutes: 30, service_level_seconds: 60}
    traffic:
      by_weekday:
        every_day: [2, 1, 1, 1, 1, 2, 5, 10, 20, 30, 35, 35, 35, 35, 30, 30, 30, 35,
                    40, 40, 30, 20, 10, 5]          # visitors per hour, 00-01 first
      special_days: [{date: "2026-03-06", multiplier: 2.0}]
      devices: {desktop: 0.55, tablet: 0.05, mobile: 0.4}
      pages:
        - url: https://shop.example/
          time_on_page_seconds: {kind: lognormal, mean: 40, sd: 30}
          scroll_depth_percent: {kind: uniform, low: 0, high: 100}
          exit_intent_probability: 0.3
      continue_probability: 0.6
      chat_start: {launcher: 0.01, prompt: 0.03, open: 0.08}
    chats:
      patience_minutes: {kind: exponential, mean: 4}
      handling_time_minutes: {kind: lognormal, mean: 7, sd: 4}
    agents:
      - {id: agent, count: 2, capacity: 3, speed: {slowdown: 0.3},
         shifts: [{days: [monday, tuesday, wednesday, thursday, friday],
                   start: "08:00", end: "16:00", breaks: [{start: "12:00", minutes: 30}]}]}
    chatflows:
      - {id: shop, name: Shop, workspace: {id: inbox-1}, published: true}

See ``scenarios/examples/`` for complete ones.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from reference_server.domain.chatflow import (
    AssignmentSettings,
    Chatflow,
    Weekday,
    parse_hhmm,
)
from reference_server.domain.codec import FieldError, InvalidData, from_dict, join_path, to_dict

from .distributions import Distribution, DistributionKind

__all__ = [
    "AgentGroup",
    "Break",
    "ChatStart",
    "Chats",
    "CsatBand",
    "CsatModel",
    "DeviceMix",
    "Distribution",
    "DistributionKind",
    "InvalidData",
    "KpiSettings",
    "MessageFactors",
    "Page",
    "Scenario",
    "ScenarioKind",
    "Segment",
    "Shift",
    "SpecialDay",
    "SpeedCurve",
    "Traffic",
    "WeekProfile",
    "checked",
    "load_scenario",
]

MINUTES_PER_DAY = 1440.0
HOURS_PER_WEEK = 168


def _probability(name: str, value: float) -> list[FieldError]:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        return [FieldError(name, "must be a probability from 0 to 1")]
    return []


def _non_negative(name: str, value: float) -> list[FieldError]:
    if not (math.isfinite(value) and value >= 0.0):
        return [FieldError(name, "must be a finite number >= 0")]
    return []


def _positive(name: str, value: float) -> list[FieldError]:
    if not (math.isfinite(value) and value > 0.0):
        return [FieldError(name, "must be a finite number > 0")]
    return []


def _weights(name: str, weights: tuple[float, ...]) -> list[FieldError]:
    errors = [
        FieldError(join_path(name, i), "must be a finite number >= 0")
        for i, w in enumerate(weights)
        if not (math.isfinite(w) and w >= 0.0)
    ]
    if not errors and weights and sum(weights) <= 0.0:
        errors.append(FieldError(name, "must not all be 0"))
    return errors


def _hhmm(name: str, text: str) -> list[FieldError]:
    try:
        parse_hhmm(text)
    except ValueError:
        return [FieldError(name, 'must be a time of day "HH:MM" (00:00-24:00)')]
    return []


# ---------------------------------------------------------------- traffic (SIM1)


@dataclass(frozen=True)
class WeekProfile:
    """Arrivals per hour by weekday: 24 numbers per day, 00-01 first. A day left out takes
    ``every_day`` (or no arrivals when that is not given either)."""

    every_day: tuple[float, ...] = ()
    monday: tuple[float, ...] = ()
    tuesday: tuple[float, ...] = ()
    wednesday: tuple[float, ...] = ()
    thursday: tuple[float, ...] = ()
    friday: tuple[float, ...] = ()
    saturday: tuple[float, ...] = ()
    sunday: tuple[float, ...] = ()

    def _check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        for name in ("every_day", *(day.value for day in Weekday)):
            hours: tuple[float, ...] = getattr(self, name)
            if hours and len(hours) != 24:
                errors.append(FieldError(name, "must have 24 numbers (one per hour)"))
            errors += [
                FieldError(join_path(name, i), "must be a finite number >= 0")
                for i, rate in enumerate(hours)
                if not (math.isfinite(rate) and rate >= 0.0)
            ]
        return errors

    def hourly(self) -> tuple[float, ...]:
        """The 168 rates of the week, Monday 00-01 first."""
        rates: list[float] = []
        for day in Weekday:
            hours: tuple[float, ...] = getattr(self, day.value) or self.every_day or (0.0,) * 24
            rates += hours
        return tuple(rates)


@dataclass(frozen=True)
class SpecialDay:
    """A date (in the scenario's time zone) whose arrivals are multiplied by ``multiplier``."""

    date: str
    multiplier: float

    def _check(self) -> list[FieldError]:
        errors = _non_negative("multiplier", self.multiplier)
        try:
            date.fromisoformat(self.date)
        except ValueError:
            errors.append(FieldError("date", 'must be a date "YYYY-MM-DD"'))
        return errors


@dataclass(frozen=True)
class DeviceMix:
    """Shares of visitors by device (any scale; normalised)."""

    desktop: float = 1.0
    tablet: float = 0.0
    mobile: float = 0.0

    def _check(self) -> list[FieldError]:
        errors = []
        for name in ("desktop", "tablet", "mobile"):
            errors += _non_negative(name, getattr(self, name))
        if not errors and self.desktop + self.tablet + self.mobile <= 0.0:
            errors.append(FieldError("desktop", "the device shares must not all be 0"))
        return errors


@dataclass(frozen=True)
class Segment:
    """A kind of visitor (targeting's TG4 visitor filters, email capture's OP8).

    ``known``: a contact the account knows (with an email address); ``identified``: signed in
    through the identification API; ``properties``: the contact's properties.
    """

    weight: float = 1.0
    known: bool = False
    identified: bool = False
    properties: Mapping[str, str] = field(default_factory=dict)

    def _check(self) -> list[FieldError]:
        errors = _non_negative("weight", self.weight)
        if self.identified and not self.known:
            errors.append(FieldError("identified", "an identified visitor is a known contact"))
        return errors


_ONE_MINUTE_ON_PAGE = Distribution(DistributionKind.EXPONENTIAL, mean=60.0)
_ANY_SCROLL_DEPTH = Distribution(DistributionKind.UNIFORM, low=0.0, high=100.0)
_FIVE_MINUTE_CHATS = Distribution(DistributionKind.EXPONENTIAL, mean=5.0)


@dataclass(frozen=True)
class Page:
    """A page of the site.

    ``weight``: how often it is the page viewed (entry and next page alike).
    ``time_on_page_seconds``: how long a view lasts. ``scroll_depth_percent``: how far down
    the visitor scrolls during the view (at an even pace; values above 100 count as 100).
    ``exit_intent_probability``: the chance that the visitor moves to leave at the end of the
    view (the exit-intent trigger, DS2). ``properties``: the conversation properties of a
    chat started here (``topic: billing``…) that skill-based routing rules read (RT3).
    """

    url: str
    weight: float = 1.0
    time_on_page_seconds: Distribution = _ONE_MINUTE_ON_PAGE
    scroll_depth_percent: Distribution = _ANY_SCROLL_DEPTH
    exit_intent_probability: float = 0.0
    properties: Mapping[str, str] = field(default_factory=dict)

    def _check(self) -> list[FieldError]:
        errors = _non_negative("weight", self.weight)
        errors += _probability("exit_intent_probability", self.exit_intent_probability)
        if not self.url.strip():
            errors.append(FieldError("url", "must not be empty"))
        return errors


@dataclass(frozen=True)
class MessageFactors:
    """How the bubble's message changes the chance of a chat (multiplies it): the welcome
    message, the away message, the wait message (at capacity) or the return time."""

    welcome: float = 1.0
    away: float = 1.0
    wait: float = 1.0
    return_time: float = 1.0

    def _check(self) -> list[FieldError]:
        errors = []
        for name in ("welcome", "away", "wait", "return_time"):
            errors += _non_negative(name, getattr(self, name))
        return errors


@dataclass(frozen=True)
class ChatStart:
    """The chance that a page view leads to a chat, by what the widget shows (DS1-DS3).

    ``launcher`` / ``prompt`` / ``open``: the widget's mode when the visitor decides (after a
    trigger has fired, or at page load); a hidden widget never leads to a chat.
    ``message_factor`` multiplies it by the message shown (probabilities above 1 count as
    1). ``dismiss_probability``: the chance that a visitor who saw a prompt or an open chat
    and did not chat minimizes it, which keeps it minimized on later pages (DS4).
    """

    launcher: float = 0.01
    prompt: float = 0.03
    open: float = 0.06
    message_factor: MessageFactors = field(default_factory=MessageFactors)
    dismiss_probability: float = 0.0

    def _check(self) -> list[FieldError]:
        errors = []
        for name in ("launcher", "prompt", "open", "dismiss_probability"):
            errors += _probability(name, getattr(self, name))
        return errors


@dataclass(frozen=True)
class Traffic:
    """Who comes, when, and what they look at (SIM1).

    Arrival rates per hour of the week, in the scenario's time zone, in exactly one of
    three forms: ``constant_rate``, ``hourly`` (168 numbers, Monday 00-01 first) or
    ``by_weekday``. ``special_days`` multiply a whole day. In a plain pool the rates are
    chats per hour; in a funnel, visitors per hour.
    """

    constant_rate: float | None = None
    hourly: tuple[float, ...] = ()
    by_weekday: WeekProfile | None = None
    special_days: tuple[SpecialDay, ...] = ()
    devices: DeviceMix = field(default_factory=DeviceMix)
    segments: tuple[Segment, ...] = (Segment(),)
    pages: tuple[Page, ...] = ()
    continue_probability: float = 0.0
    chat_start: ChatStart = field(default_factory=ChatStart)

    def _check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        forms = [
            self.constant_rate is not None,
            bool(self.hourly),
            self.by_weekday is not None,
        ]
        if sum(forms) != 1:
            errors.append(
                FieldError("constant_rate", "give exactly one of constant_rate, hourly, by_weekday")
            )
        if self.constant_rate is not None:
            errors += _non_negative("constant_rate", self.constant_rate)
        if self.hourly and len(self.hourly) != HOURS_PER_WEEK:
            errors.append(FieldError("hourly", "must have 168 numbers (Monday 00-01 first)"))
        errors += [
            FieldError(join_path("hourly", i), "must be a finite number >= 0")
            for i, rate in enumerate(self.hourly)
            if not (math.isfinite(rate) and rate >= 0.0)
        ]
        seen: set[str] = set()
        for i, day in enumerate(self.special_days):
            if day.date in seen:
                errors.append(
                    FieldError(join_path(join_path("special_days", i), "date"), "is listed twice")
                )
            seen.add(day.date)
        if not self.segments:
            errors.append(FieldError("segments", "must have at least one segment"))
        # Each weight checks itself; here only that they do not all vanish.
        for name, weights in (
            ("segments", [segment.weight for segment in self.segments]),
            ("pages", [page.weight for page in self.pages]),
        ):
            if weights and all(w >= 0.0 for w in weights) and sum(weights) <= 0.0:
                errors.append(FieldError(name, "the weights must not all be 0"))
        if not (0.0 <= self.continue_probability < 1.0):
            errors.append(FieldError("continue_probability", "must be at least 0 and below 1"))
        return errors

    def hourly_rates(self) -> tuple[float, ...]:
        """The 168 arrival rates per hour of the week, Monday 00-01 first."""
        if self.constant_rate is not None:
            return (self.constant_rate,) * HOURS_PER_WEEK
        if self.by_weekday is not None:
            return self.by_weekday.hourly()
        return self.hourly


# ---------------------------------------------------------------- chats (SIM4)


@dataclass(frozen=True)
class CsatBand:
    """Rating probabilities (for 1..5, any scale) of visitors who waited at most
    ``max_wait_minutes`` (the last band has none: any wait)."""

    ratings: tuple[float, ...] = (0.05, 0.05, 0.15, 0.35, 0.4)
    max_wait_minutes: float | None = None

    def _check(self) -> list[FieldError]:
        errors = []
        if len(self.ratings) != 5:
            errors.append(FieldError("ratings", "must have 5 numbers (ratings 1 to 5)"))
        else:
            errors += _weights("ratings", self.ratings)
        if self.max_wait_minutes is not None:
            errors += _non_negative("max_wait_minutes", self.max_wait_minutes)
        return errors


@dataclass(frozen=True)
class CsatModel:
    """OP7 answers: the chance that a visitor answers the survey shown when the chat closes,
    and the rating, by how long they waited (the first band that covers the wait)."""

    response_probability: float = 0.3
    bands: tuple[CsatBand, ...] = (CsatBand(),)

    def _check(self) -> list[FieldError]:
        errors = _probability("response_probability", self.response_probability)
        if not self.bands:
            errors.append(FieldError("bands", "must have at least one band"))
        elif self.bands[-1].max_wait_minutes is not None:
            errors.append(
                FieldError(
                    join_path("bands", len(self.bands) - 1),
                    "the last band must have no max_wait_minutes",
                )
            )
        limits = [b.max_wait_minutes for b in self.bands[:-1]]
        given = [limit for limit in limits if limit is not None]
        if len(given) != len(limits):
            errors.append(FieldError("bands", "only the last band may leave out max_wait_minutes"))
        elif given != sorted(given):
            errors.append(FieldError("bands", "must be in increasing max_wait_minutes"))
        return errors


@dataclass(frozen=True)
class Chats:
    """What visitors do once they start a chat (SIM4).

    ``patience_minutes``: how long a visitor waits in the queue before giving up (left out:
    they never give up). ``handling_time_minutes``: how long a chat takes an agent who holds
    no other chat (see :class:`SpeedCurve`). ``email_probability``: the chance that a visitor
    asked for an email address (BD2) leaves one.
    """

    handling_time_minutes: Distribution = _FIVE_MINUTE_CHATS
    patience_minutes: Distribution | None = None
    email_probability: float = 0.5
    csat: CsatModel = field(default_factory=CsatModel)

    def _check(self) -> list[FieldError]:
        return _probability("email_probability", self.email_probability)


# ---------------------------------------------------------------- agents (SIM3)


@dataclass(frozen=True)
class SpeedCurve:
    """How fast each chat progresses while an agent holds ``k`` chats at once, relative to
    the handling-time distribution (which is the time with one chat).

    Formula: ``speed(k) = base / (1 + slowdown·(k-1))`` per chat; ``slowdown: 0`` means each
    chat goes as fast as if it were alone (an agent with capacity K is then K independent
    servers). Table: ``table[k-1]`` is ``speed(k)``; beyond the table the last value holds.
    """

    slowdown: float = 0.0
    base: float = 1.0
    table: tuple[float, ...] = ()

    def _check(self) -> list[FieldError]:
        errors = _non_negative("slowdown", self.slowdown) + _positive("base", self.base)
        errors += [
            FieldError(join_path("table", i), "must be a finite number > 0")
            for i, s in enumerate(self.table)
            if not (math.isfinite(s) and s > 0.0)
        ]
        return errors

    def speed(self, k: int) -> float:
        """Each chat's speed while the agent holds ``k >= 1`` chats."""
        if self.table:
            return self.table[min(k, len(self.table)) - 1]
        return self.base / (1.0 + self.slowdown * (k - 1))


@dataclass(frozen=True)
class Break:
    """A break inside a shift: from ``start`` (wall time) for ``minutes``; the agent is away
    (takes no new chats, finishes the ones held)."""

    start: str
    minutes: float

    def _check(self) -> list[FieldError]:
        return _hhmm("start", self.start) + _positive("minutes", self.minutes)


_EVERY_DAY = tuple(Weekday)


@dataclass(frozen=True)
class Shift:
    """Working hours on the given weekdays; an ``end`` before ``start`` runs past midnight."""

    start: str = "09:00"
    end: str = "17:00"
    days: tuple[Weekday, ...] = _EVERY_DAY
    breaks: tuple[Break, ...] = ()

    def _check(self) -> list[FieldError]:
        errors = _hhmm("start", self.start) + _hhmm("end", self.end)
        if not errors and parse_hhmm(self.start) == parse_hhmm(self.end) % 1440:
            errors.append(FieldError("end", "must differ from start"))
        if not self.days:
            errors.append(FieldError("days", "must name at least one weekday"))
        return errors


@dataclass(frozen=True)
class AgentGroup:
    """``count`` agents alike. With ``count: 1`` the agent's id is ``id``; otherwise the
    agents are ``id-1`` … ``id-N``. Without shifts they are available the whole run.

    ``capacity``: the most chats at once (AV8). ``team_ids``, ``skills``, ``has_seat``: as
    the routing rules see them (RT1, RT3, CF6).
    """

    id: str
    count: int = 1
    capacity: int = 1
    team_ids: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    has_seat: bool = True
    speed: SpeedCurve = field(default_factory=SpeedCurve)
    shifts: tuple[Shift, ...] = ()

    def _check(self) -> list[FieldError]:
        errors = []
        if not self.id.strip():
            errors.append(FieldError("id", "must not be empty"))
        if self.count < 0:
            errors.append(FieldError("count", "must be 0 or more"))
        if self.capacity < 1:
            errors.append(FieldError("capacity", "must be at least 1"))
        return errors

    @property
    def agent_ids(self) -> tuple[str, ...]:
        if self.count == 1:
            return (self.id,)
        return tuple(f"{self.id}-{n}" for n in range(1, self.count + 1))


# ---------------------------------------------------------------- KPIs and the scenario


@dataclass(frozen=True)
class KpiSettings:
    """How results are summarised (SIM6): interval length, the service-level threshold (a
    chat is answered "in time" when it waited at most this long), the wait percentile, and
    whether visitors who never chat get a record each (off by default: a busy month has
    millions; the per-interval visitor counts are always kept)."""

    interval_minutes: float = 30.0
    service_level_seconds: float = 60.0
    wait_percentile: float = 90.0
    visitor_records: bool = False

    def _check(self) -> list[FieldError]:
        errors = _positive("interval_minutes", self.interval_minutes)
        errors += _non_negative("service_level_seconds", self.service_level_seconds)
        if not 0.0 < self.wait_percentile < 100.0:
            errors.append(FieldError("wait_percentile", "must be between 0 and 100"))
        return errors


class ScenarioKind(StrEnum):
    FUNNEL = "funnel"  # visitors browse pages; chatflows decide what they see
    PLAIN_POOL = "plain_pool"  # every arrival is a chat routed straight to the agents


@dataclass(frozen=True)
class Scenario:
    """A whole scenario; see the module docstring for the format."""

    name: str
    traffic: Traffic
    agents: tuple[AgentGroup, ...]
    description: str = ""
    start: str = "2026-01-05T00:00"
    timezone: str = "UTC"
    duration_days: float | None = None
    duration_minutes: float | None = None
    warmup_minutes: float = 0.0
    kpis: KpiSettings = field(default_factory=KpiSettings)
    chats: Chats = field(default_factory=Chats)
    chatflows: tuple[Chatflow, ...] = ()
    assignment: AssignmentSettings = field(default_factory=AssignmentSettings)

    def _check(self) -> list[FieldError]:
        errors: list[FieldError] = []
        zone_ok = True
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            zone_ok = False
            errors.append(FieldError("timezone", "must be an IANA time zone, e.g. Europe/Oslo"))
        try:
            moment = datetime.fromisoformat(self.start)
        except ValueError:
            errors.append(FieldError("start", 'must be a date and time "YYYY-MM-DDTHH:MM"'))
        else:
            if moment.second or moment.microsecond:
                errors.append(FieldError("start", "must be on a whole minute"))
        if zone_ok:
            errors += self._check_duration()
        errors += self._check_agents()
        errors += self._check_funnel()
        return errors

    def _check_duration(self) -> list[FieldError]:
        errors: list[FieldError] = []
        if self.duration_days is not None and self.duration_minutes is not None:
            errors.append(
                FieldError("duration_minutes", "give duration_days or duration_minutes, not both")
            )
        for name in ("duration_days", "duration_minutes"):
            value = getattr(self, name)
            if value is not None:
                errors += _positive(name, value)
        errors += _non_negative("warmup_minutes", self.warmup_minutes)
        if errors:
            return errors
        if self.warmup_minutes >= self.duration:
            errors.append(FieldError("warmup_minutes", "must be shorter than the run"))
        interval = self.kpis.interval_minutes
        if interval > 0 and not _is_multiple(self.warmup_minutes, interval):
            errors.append(
                FieldError("warmup_minutes", "must be a whole number of kpis.interval_minutes")
            )
        return errors

    def _check_agents(self) -> list[FieldError]:
        errors: list[FieldError] = []
        seen: set[str] = set()
        for i, group in enumerate(self.agents):
            for agent_id in group.agent_ids:
                if agent_id in seen:
                    errors.append(
                        FieldError(
                            join_path(join_path("agents", i), "id"),
                            f"agent id {agent_id!r} is used twice",
                        )
                    )
                seen.add(agent_id)
        assignments = [("assignment", self.assignment)] + [
            (join_path(join_path("chatflows", i), "build.assignment"), flow.build.assignment)
            for i, flow in enumerate(self.chatflows)
        ]
        for path, assignment in assignments:
            for j, user_id in enumerate(assignment.user_ids):
                if user_id not in seen:
                    errors.append(
                        FieldError(
                            join_path(join_path(path, "user_ids"), j),
                            f"no agent {user_id!r} in the scenario",
                        )
                    )
        return errors

    def _check_funnel(self) -> list[FieldError]:
        if self.traffic.pages and not self.chatflows:
            return [FieldError("chatflows", "a scenario with pages needs at least one chatflow")]
        if self.chatflows and not self.traffic.pages:
            return [FieldError("traffic.pages", "chatflows need pages to be shown on")]
        return []

    # -------------------------------------------------------------- derived values

    @property
    def kind(self) -> ScenarioKind:
        return ScenarioKind.FUNNEL if self.traffic.pages else ScenarioKind.PLAIN_POOL

    @property
    def duration(self) -> float:
        """The run's length in minutes (7 days unless given)."""
        if self.duration_minutes is not None:
            return self.duration_minutes
        return (7.0 if self.duration_days is None else self.duration_days) * MINUTES_PER_DAY

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def start_utc(self) -> datetime:
        """Minute 0 of the simulation clock, as an aware UTC datetime."""
        moment = datetime.fromisoformat(self.start)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment.astimezone(UTC)

    @property
    def agent_ids(self) -> tuple[str, ...]:
        return tuple(agent_id for group in self.agents for agent_id in group.agent_ids)


def _is_multiple(value: float, unit: float) -> bool:
    ratio = value / unit
    return abs(ratio - round(ratio)) < 1e-9


def checked(scenario: Scenario) -> Scenario:
    """``scenario`` validated as if it had been loaded (for scenarios built in Python);
    raises :class:`InvalidData` naming every bad field."""
    return from_dict(Scenario, to_dict(scenario))


def load_scenario(path_or_dict: str | Path | Mapping[str, Any]) -> Scenario:
    """Read and validate a scenario from a YAML file (path) or a plain dict.

    Raises :class:`InvalidData` naming every bad field by its dotted path, and
    ``FileNotFoundError`` / ``yaml.YAMLError`` for a missing or unreadable file.
    """
    if isinstance(path_or_dict, Mapping):
        data: Any = path_or_dict
    else:
        with open(path_or_dict, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    return from_dict(Scenario, data)
