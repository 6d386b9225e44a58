"""Flat records of one replication, and the DataFrames made from them (SIM5, SIM6).

The model writes one :class:`ChatRecord` (a named tuple) per chat, with a ``record_type`` (as
Ciw does), and adds up time per agent and interval; nothing in the model touches pandas. The
experiment turns the records of every replication into DataFrames with :func:`chat_frame`,
:func:`agent_time_frame` and :func:`visitor_frame`.

Record types (:class:`RecordType`):

======================  ===================================================================
``answered``            an agent took the chat; ``handle_time`` is NaN when it was still going
                        at the end of the run
``abandoned``           the visitor gave up waiting (``wait`` is how long they waited)
``waiting``             still waiting when the run ended
``offline``             started while the widget said offline (outside office hours, AV6) or
                        away (inside them with nobody available, AV5): the visitor left a
                        message for later; it never queues
``unassigned``          assignment is off (RT2): the chat lands in the inbox's unassigned
                        view and does not queue
``left_without_chat``   a visitor who browsed and never started a chat (only with
                        ``kpis.visitor_records``; their counts per interval are always kept)
======================  ===================================================================

Times are minutes since the start of the run; ``interval`` is the KPI interval the chat (or
visitor) arrived in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = [
    "AGENT_TIME_COLUMNS",
    "CHAT_COLUMNS",
    "VISITOR_COUNT_COLUMNS",
    "AgentTimeBook",
    "ChatRecord",
    "RecordType",
    "ReplicationData",
    "agent_time_frame",
    "chat_frame",
    "visitor_frame",
]


class RecordType(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    TIMED_OUT = "timed_out"  # waited past the chatflow's queue timeout: left for later (RT5)
    WAITING = "waiting"
    OFFLINE = "offline"
    UNASSIGNED = "unassigned"
    LEFT_WITHOUT_CHAT = "left_without_chat"


class ChatRecord(NamedTuple):
    """One chat (or visitor) record. ``arrival`` is when the chat started (for a visitor
    record: when the visit started), ``visit_start`` when the visitor came to the site (NaN in
    a plain pool). ``work`` is the handling time the chat would take an agent holding nothing
    else; ``handle_time`` is the time it took. ``csat`` is the rating (1-5) or None when no
    survey was answered. The fields after ``interval`` describe the visit (funnel only)."""

    record_type: str  # a RecordType value
    chat_id: int  # -1 for a visitor record
    visitor_id: int  # -1 in a plain pool
    arrival: float
    visit_start: float
    wait: float
    handle_time: float
    work: float
    agent: str | None
    interval: int
    chatflow: str = ""
    page: str = ""
    device: str = ""
    queued: bool = False
    saw_wait_message: bool = False
    launcher_hidden: bool = False
    email_asked: bool = False
    email_left: bool = False
    csat: int | None = None


CHAT_COLUMNS: tuple[str, ...] = ChatRecord._fields
"""The columns of a chat record, in :class:`ChatRecord` order."""

AGENT_TIME_COLUMNS: tuple[str, ...] = (
    "agent",
    "interval",
    "available_minutes",
    "staffed_minutes",
    "chat_minutes",
    "capacity",
)
"""Per agent and interval: minutes available for new chats, minutes staffed (available or
holding a chat), chat-minutes (chats held times minutes) and the agent's capacity."""

VISITOR_COUNT_COLUMNS: tuple[str, ...] = (
    "interval",
    "visitors",
    "page_views",
    "widget_views",
    "chats_started",
    "saw_wait_message",
    "launcher_hidden",
)
"""Per interval (of arrival): visitors, their page views, page views on which a chatflow
applied, visitors who started a chat, and visitors who were shown the wait message or whose
launcher was hidden (SIM6)."""

# Positions in a row of ReplicationData.visitor_counts (VISITOR_COUNT_COLUMNS[1:]).
VISITORS, PAGE_VIEWS, WIDGET_VIEWS, CHATS_STARTED, SAW_WAIT_MESSAGE, LAUNCHER_HIDDEN = range(6)


class AgentTimeBook:
    """Minutes per agent and interval, added up as the model goes (no per-event rows)."""

    __slots__ = ("available", "chat", "interval", "staffed")

    def __init__(self, agents: int, interval: float, intervals: int) -> None:
        self.interval = interval
        self.available = [[0.0] * intervals for _ in range(agents)]
        self.staffed = [[0.0] * intervals for _ in range(agents)]
        self.chat = [[0.0] * intervals for _ in range(agents)]

    def add(self, agent: int, start: float, end: float, available: bool, chats: int) -> None:
        """Agent ``agent`` was (``available``, holding ``chats``) from ``start`` to ``end``."""
        if not available and chats == 0:
            return  # off duty and idle: nothing to count
        width = self.interval
        first = int(start // width)
        last = int(end // width)
        if first == last:  # the usual case: one interval
            minutes = end - start
            self.staffed[agent][first] += minutes
            if available:
                self.available[agent][first] += minutes
            if chats:
                self.chat[agent][first] += minutes * chats
            return
        self._put(agent, first, (first + 1) * width - start, available, chats)
        for index in range(first + 1, last):
            self._put(agent, index, width, available, chats)
        self._put(agent, last, end - last * width, available, chats)

    def _put(self, agent: int, index: int, minutes: float, available: bool, chats: int) -> None:
        if minutes <= 0.0:
            return
        self.staffed[agent][index] += minutes
        if available:
            self.available[agent][index] += minutes
        if chats:
            self.chat[agent][index] += minutes * chats


@dataclass(frozen=True, slots=True)
class ReplicationData:
    """Everything one replication produced, as plain Python data (cheap to pickle)."""

    replication: int
    chats: list[ChatRecord]
    agent_ids: tuple[str, ...]
    capacities: tuple[int, ...]
    agent_time: AgentTimeBook
    visitor_counts: list[list[int]]  # one row per interval, VISITOR_COUNT_COLUMNS[1:]


_CATEGORIES = [member.value for member in RecordType]


def chat_frame(data: Sequence[ReplicationData]) -> pd.DataFrame:
    """The chat (and visitor) records of every replication, one row each, with a
    ``replication`` column first."""
    frames = []
    for item in data:
        frame = pd.DataFrame.from_records(item.chats, columns=list(CHAT_COLUMNS))
        frame.insert(0, "replication", item.replication)
        frames.append(frame)
    if not frames:
        frames.append(pd.DataFrame(columns=["replication", *CHAT_COLUMNS]))
    result = pd.concat(frames, ignore_index=True)
    result["record_type"] = pd.Categorical(result["record_type"], categories=_CATEGORIES)
    for column in ("arrival", "visit_start", "wait", "handle_time", "work", "csat"):
        result[column] = pd.to_numeric(result[column], errors="coerce").astype(float)
    for column in ("replication", "chat_id", "visitor_id", "interval"):
        result[column] = result[column].astype(np.int64)
    for column in ("queued", "saw_wait_message", "launcher_hidden", "email_asked", "email_left"):
        result[column] = result[column].astype(bool)
    return result


def agent_time_frame(data: Sequence[ReplicationData]) -> pd.DataFrame:
    """Minutes per replication, agent and interval (only rows with staffed time)."""
    frames = []
    for item in data:
        if not item.agent_ids:
            continue  # a scenario without agents has no agent time
        book = item.agent_time
        staffed = np.asarray(book.staffed, dtype=float)
        agents, intervals = np.nonzero(staffed > 0.0)
        frames.append(
            pd.DataFrame(
                {
                    "replication": item.replication,
                    "agent": np.asarray(item.agent_ids, dtype=object)[agents],
                    "interval": intervals.astype(np.int64),
                    "available_minutes": np.asarray(book.available, dtype=float)[agents, intervals],
                    "staffed_minutes": staffed[agents, intervals],
                    "chat_minutes": np.asarray(book.chat, dtype=float)[agents, intervals],
                    "capacity": np.asarray(item.capacities, dtype=np.int64)[agents],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["replication", *AGENT_TIME_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def visitor_frame(data: Sequence[ReplicationData]) -> pd.DataFrame:
    """Visitor counts per replication and interval (all intervals, zeros included)."""
    frames = []
    for item in data:
        counts = np.asarray(item.visitor_counts, dtype=np.int64).reshape(
            -1, len(VISITOR_COUNT_COLUMNS) - 1
        )
        frame = pd.DataFrame(counts, columns=list(VISITOR_COUNT_COLUMNS[1:]))
        frame.insert(0, "interval", np.arange(len(frame), dtype=np.int64))
        frame.insert(0, "replication", item.replication)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["replication", *VISITOR_COUNT_COLUMNS])
    return pd.concat(frames, ignore_index=True)
