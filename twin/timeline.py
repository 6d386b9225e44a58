"""One replication of a scenario as the simulator played it: a timeline of named rows.

:func:`record_timeline` runs the simulator's own :func:`simulator.model.simulate`, with
its chat centre and visits replaced by subclasses that only take notes, and keeps what the
replay needs and what the comparison checks:

- :class:`AgentChange` — an agent's status change (shift start, break, end of shift);
- :class:`SimChat` — one chat: when and where the visitor started it, what the widget
  showed them then (chatflow, availability state, widget mode, email capture), their
  patience, and how the simulator ended it (answered by whom after which wait and when it
  ended, abandoned, left as a message, still waiting).

The recording changes nothing in the run: :func:`record_timeline` gives the very records
:func:`simulator.model.simulate` gives for the same seed (a test holds it to that).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from reference_server.domain.display import Device
from reference_server.domain.routing import AgentStatus
from simulator.centre import Chat, ChatCentre
from simulator.model import simulate
from simulator.records import CHAT_COLUMNS, RecordType
from simulator.scenario import Scenario
from simulator.traffic import DEVICES
from simulator.visitors import Browser, Visits

__all__ = ["AgentChange", "Shown", "SimChat", "Timeline", "record_timeline", "same_as_simulator"]


@dataclass(frozen=True)
class AgentChange:
    """Agent ``agent`` (the scenario's id) has ``status`` from ``at`` minutes on."""

    at: float
    agent: str
    status: str


@dataclass(frozen=True)
class Shown:
    """What the widget showed as the visitor clicked to chat (funnel scenarios)."""

    chatflow: str  # the scenario's chatflow id
    state: str  # availability: available, away, offline, at_capacity
    message_kind: str
    mode: str  # widget mode: hidden, launcher, prompt, open
    triggered: bool  # a trigger had fired on this page view (the widget's triggered mode)
    minimized: bool  # DS4: the visitor had minimized the welcome on an earlier page
    email_asked: bool  # BD2


@dataclass(frozen=True)
class SimChat:
    """One chat of the replication. Times in minutes from the start of the run."""

    number: int
    arrival: float
    page: str  # the page's URL ('' in a plain pool)
    device: str
    segment: int  # index into the scenario's traffic segments (-1: a plain pool)
    patience: float  # minutes the visitor waits in the queue (inf: for ever)
    shown: Shown | None  # None in a plain pool (no widget)
    outcome: str  # a RecordType value: answered, abandoned, waiting, offline, unassigned
    agent: str | None  # who answered it
    queued: bool  # it waited in the queue
    wait: float  # minutes from start to answer (to giving up when abandoned); NaN otherwise
    ended: float  # minutes when the agent finished it; NaN when not answered or still going

    @property
    def answered_at(self) -> float:
        return self.arrival + self.wait if self.outcome == RecordType.ANSWERED else math.nan


@dataclass(frozen=True)
class Timeline:
    """A replication as named rows, with the scenario it came from."""

    scenario: Scenario
    start_utc: datetime
    duration: float  # minutes
    agent_changes: tuple[AgentChange, ...]
    chats: tuple[SimChat, ...]
    records: tuple[tuple[Any, ...], ...] = field(repr=False)  # the simulator's own records


class _RecordingCentre(ChatCentre):
    """The simulator's chat centre, noting each chat (with its patience) and every agent
    status change as it happens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chat_objects: dict[int, Chat] = {}
        self.changes: list[AgentChange] = []

    def new_chat(self, *args: Any, **kwargs: Any) -> Chat:
        chat = super().new_chat(*args, **kwargs)
        self.chat_objects[chat.number] = chat
        return chat

    def set_status(self, j: int, status: AgentStatus) -> None:
        if self.agents[j].status is not status:
            self.changes.append(AgentChange(self.env.now, self.ids[j], status.value))
        super().set_status(j, status)


class _RecordingVisits(Visits):
    """The simulator's visits, noting what the widget showed each visitor who clicked to
    chat and where they were."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.where: dict[int, tuple[str, str, int, Shown]] = {}

    def start_chat(self, moment: float, person: Browser) -> None:
        centre = self.centre
        before = centre._chats
        site = self.site
        f, page = person.flow, person.page
        state, view = site.availability(f, page, moment)
        mode, _view = site.widget(
            f, page, person.device, person.hide_welcome, person.triggered, moment
        )
        super().start_chat(moment, person)
        if centre._chats == before:
            return  # the launcher was hidden by then: no chat
        chat = centre.chat_objects[centre._chats]  # type: ignore[attr-defined]
        visit = chat.visit
        shown = Shown(
            chatflow=site.flows[f].chatflow.id,
            state=state.value,
            message_kind=view.message_kind.value,
            mode=mode.value,
            triggered=person.triggered,
            minimized=person.hide_welcome,
            email_asked=bool(visit and visit.email_asked),
        )
        url = self.browsing.pages[page].url
        self.where[chat.number] = (url, DEVICES[person.device].value, person.segment, shown)


def _run(
    scenario: Scenario, seed: np.random.SeedSequence | int
) -> tuple[_RecordingCentre, _RecordingVisits | None]:
    # The simulator's own run, watched through the recording centre and visits (each
    # subclass made for this run keeps its instance).
    made: dict[str, Any] = {}

    class Centre(_RecordingCentre):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            made["centre"] = self

    class Watched(_RecordingVisits):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            made["visits"] = self

    simulate(scenario, seed, centre_type=Centre, visits_type=Watched)
    return made["centre"], made.get("visits")


def _row(record: Sequence[Any]) -> Mapping[str, Any]:
    as_dict = getattr(record, "_asdict", None)
    if as_dict is not None:
        return dict(as_dict())
    return dict(zip(CHAT_COLUMNS, record, strict=False))


def record_timeline(scenario: Scenario, seed: np.random.SeedSequence | int) -> Timeline:
    """Replication ``seed`` of ``scenario`` (a child of the experiment's seed sequence, as
    ``livechat simulate`` runs it), as a :class:`Timeline`."""
    centre, visits = _run(scenario, seed)
    where = visits.where if visits is not None else {}
    chats = []
    for record in centre.records:
        row = _row(record)
        if row["record_type"] == RecordType.LEFT_WITHOUT_CHAT:
            continue
        number = int(row["chat_id"])
        chat = centre.chat_objects[number]
        page, device, segment, shown = where.get(number, ("", Device.DESKTOP.value, -1, None))
        handle = float(row["handle_time"])
        wait = float(row["wait"])
        chats.append(
            SimChat(
                number=number,
                arrival=chat.arrival,
                page=page,
                device=device,
                segment=segment,
                patience=chat.patience,
                shown=shown,
                outcome=str(row["record_type"]),
                agent=row["agent"],
                queued=bool(row["queued"]),
                wait=wait,
                ended=chat.answered_at + handle if not math.isnan(handle) else math.nan,
            )
        )
    chats.sort(key=lambda c: c.number)
    return Timeline(
        scenario=scenario,
        start_utc=scenario.start_utc,
        duration=scenario.duration,
        agent_changes=tuple(centre.changes),
        chats=tuple(chats),
        records=tuple(tuple(r) for r in centre.records),
    )


def same_as_simulator(timeline: Timeline, seed: np.random.SeedSequence | int) -> bool:
    """Whether the recorded run gave exactly the simulator's own records for ``seed``."""
    data = simulate(timeline.scenario, seed)
    if len(data.chats) != len(timeline.records):
        return False
    return all(
        len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
        for a, b in zip(data.chats, timeline.records, strict=True)
    )


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return bool(x == y)
