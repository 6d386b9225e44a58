"""The simulator as a target: a scenario's set-up becomes a simulator scenario (its users the
agents, its chatflows the site's chatflows, the pages it views the site's pages), and its
steps run on the simulator's own :class:`~simulator.site.Site`,
:class:`~simulator.visitors.Visits` and :class:`~simulator.centre.ChatCentre` on the SimPy
clock — what a visitor sees is
``Site.chatflow_for`` and ``Site.widget``, a chat start is ``Visits.start_chat``, a status
change ``ChatCentre.set_status``, a close ``ChatCentre.end_chat``, leaving the page
``ChatCentre.visitor_left`` (the domain's rule for a visitor whose connection went).

Chats never end on their own here (their work is endless): only a ``close`` step ends one.
What the simulator does not model — messages, emails, consent, surveys, cookies other than
the minimized widget, tickets, contacts, claims, transfers, the REST API — it cannot express:
:meth:`SimulatorDriver.cannot` names it and the scenario is skipped on this target.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

import simpy

from reference_server.domain.availability import ChatState
from reference_server.domain.conversation import should_ask_for_email, survey_on_close
from reference_server.domain.routing import AgentStatus
from simulator.centre import Chat, ChatCentre
from simulator.records import VISITOR_COUNT_COLUMNS, RecordType
from simulator.scenario import load_scenario
from simulator.site import Site
from simulator.streams import Streams
from simulator.traffic import Browsing
from simulator.visitors import Browser, Visits

from .model import Close, Scenario, StartChat, Status, Step, Trigger, View, WidgetEvent

__all__ = ["SimulatorDriver"]

HIDE_WELCOME = "hs-messages-hide-welcome-message"
HIDE_WELCOME_SECONDS = 24 * 3600
NO_LIMIT = 100  # the simulator's agents always have a limit; the server's most is 100
RUN_MINUTES = 60 * 24 * 60  # the longest a scenario may run here: 60 days
_DEVICES = {"desktop": 0, "tablet": 1, "mobile": 2}
_ACTIONS = {"clock", "wait", "view", "widget_event", "trigger", "start_chat", "leave", "status"}
_WIDGET_FIELDS = {
    "chatflow",
    "mode",
    "mode_when_triggered",
    "state",
    "message_kind",
    "message_contains",
    "launcher_hidden",
    "reply_time_text",
    "language",
    "email_ask",
    "csat",
}
_SAME_MOMENT = 1e-9  # minutes: sums of delays may differ from the target in the last bits
_RECORD_STATUS = {
    RecordType.ANSWERED.value: "closed",
    # As the inbox shows them (domain.intake): an abandoned chat is closed; a message left
    # offline or after the queue timeout waits in the unassigned view.
    RecordType.ABANDONED.value: "closed",
    RecordType.TIMED_OUT.value: "unassigned",
    RecordType.OFFLINE.value: "unassigned",
    RecordType.UNASSIGNED.value: "unassigned",
}


class SimulatorDriver:
    family = "simulator"

    def __init__(self) -> None:
        self.chats: dict[str, Chat | None] = {}
        self.visitors: dict[str, dict[str, Any]] = {}
        self.number = 0

    # -------------------------------------------------------------- what it can express

    def cannot(self, step: Step) -> str | None:
        action = step.action
        if action is not None and action not in _ACTIONS and action != "close":
            return f"the simulator has no {action.replace('_', ' ')}"
        why = self._cannot_act(step)
        if why:
            return why
        return self._cannot_expect(step)

    def _cannot_act(self, step: Step) -> str | None:
        if step.view is not None:
            if step.view.identify:
                return "the simulator has no identification API"
            if set(step.view.cookies) - {HIDE_WELCOME} or step.view.cookie_consent is not None:
                return "the simulator models no cookies but the minimized widget's"
        if step.widget_event is not None and step.widget_event.action != "minimize":
            return "the simulator models no open/closed widget cookie"
        if step.start_chat is not None and step.start_chat.consent:
            return "the simulator models no consent"
        return None

    def _cannot_expect(self, step: Step) -> str | None:
        expect = step.expect
        if expect is None:
            return None
        for kind in ("cookies", "messages", "tickets", "contacts", "surveys"):
            if getattr(expect, kind):
                return f"the simulator has no {kind}"
        for widget in expect.widget:
            asked = set(widget.model_dump(exclude_defaults=True)) - {"visitor", "shown"}
            missing = sorted(asked - _WIDGET_FIELDS)
            if missing:
                return f"the simulator's widget has no {', '.join(missing)}"
        for chat in expect.chats:
            if chat.agent_seen is not None or chat.email_known is not None:
                return "the simulator has no visitor's view of a chat"
        return None

    # -------------------------------------------------------------- set-up

    def setup(self, scenario: Scenario) -> None:
        setup = scenario.setup
        self.start = scenario.start
        pages = []
        for step in scenario.steps:
            if step.view is not None and step.view.url not in pages:
                pages.append(step.view.url)
        users = [user.name for user in setup.users]
        agents = [
            {
                "id": user.name,
                "capacity": user.capacity or NO_LIMIT,
                "skills": user.skills,
                "team_ids": user.teams,
                "has_seat": user.seat,
            }
            for user in setup.users
        ]
        if "admin" not in users:  # the account's admin, as the server has one (offline)
            agents.insert(0, {"id": "admin", "capacity": NO_LIMIT})
        chatflows = [self._chatflow(chatflow.model_dump()) for chatflow in setup.chatflows]
        self.scenario = load_scenario(
            {
                "name": scenario.name,
                "start": scenario.start.isoformat(timespec="minutes"),
                "duration_minutes": RUN_MINUTES,
                "traffic": {"constant_rate": 0.0, "pages": [{"url": url} for url in pages]},
                "agents": agents,
                "chats": {
                    "handling_time_minutes": {"kind": "constant", "value": 1e12},
                    "patience_minutes": None,
                },
                "chatflows": chatflows,
            }
        )
        self.pages = pages
        self.env = simpy.Environment()
        streams = Streams.from_seed(0)
        intervals = int(RUN_MINUTES // self.scenario.kpis.interval_minutes) + 1
        self.centre = ChatCentre(self.env, self.scenario, streams, intervals)
        counts = [[0] * (len(VISITOR_COUNT_COLUMNS) - 1) for _ in range(intervals)]
        self.site = Site(self.scenario, self.centre)
        browsing = Browsing(self.scenario, streams)
        self.visits = Visits(self.env, self.scenario, self.site, browsing, counts)
        self.made: list[Chat] = []
        new_chat = self.centre.new_chat

        def new_chat_kept(*args: Any, **kwargs: Any) -> Chat:
            chat = new_chat(*args, **kwargs)
            self.made.append(chat)
            return chat

        self.centre.new_chat = new_chat_kept  # type: ignore[method-assign]
        statuses = {user.name: user.status for user in setup.users}
        statuses.setdefault("admin", "offline")
        for j, agent_id in enumerate(self.centre.ids):
            self.centre.set_status(j, AgentStatus(statuses[agent_id]))

    def _chatflow(self, body: dict[str, Any]) -> dict[str, Any]:
        """The server's JSON form as the domain's chatflow: names stand for ids here."""
        resolved = _names_for_ids(body)
        return {"id": body["name"], "workspace": {"kind": "inbox", "id": "inbox"}, **resolved}

    # -------------------------------------------------------------- actions

    @property
    def minute(self) -> float:
        return float(self.env.now)

    @property
    def now(self) -> datetime:
        return self.start + timedelta(minutes=self.minute)

    def act(self, action: str, value: Any) -> None:
        getattr(self, f"do_{action}")(value)

    def _run_to(self, minutes: float) -> None:
        # What falls due at that very moment happens too, as on the server, whose clock
        # endpoint ends the waits due by the new time (SimPy's ``until`` stops short of them).
        self.env.run(until=minutes)
        while self.env.peek() <= minutes + _SAME_MOMENT:
            self.env.step()

    def do_clock(self, moment: datetime) -> None:
        minutes = (moment - self.start).total_seconds() / 60
        assert minutes >= self.minute, "the simulator's clock cannot go back"
        if minutes > self.minute:
            self._run_to(minutes)

    def do_wait(self, seconds: float) -> None:
        if seconds > 0:
            self._run_to(self.minute + seconds / 60)

    def _visitor(self, name: str) -> dict[str, Any]:
        return self.visitors.setdefault(name, {"hide_until": -math.inf, "view": None})

    def do_view(self, view: View) -> None:
        visitor = self._visitor(view.visitor)
        if HIDE_WELCOME in view.cookies:
            visitor["hide_until"] = self.minute + HIDE_WELCOME_SECONDS / 60
        page, device = self.pages.index(view.url), _DEVICES[view.device]
        f = self.site.chatflow_for(page, device, 0)
        visitor["view"] = None
        if f >= 0:
            visitor["view"] = {"flow": f, "page": page, "device": device, "triggered": False}

    def do_widget_event(self, event: WidgetEvent) -> None:
        self._visitor(event.visitor)["hide_until"] = self.minute + HIDE_WELCOME_SECONDS / 60

    def do_trigger(self, trigger: Trigger) -> None:
        seen = self._visitor(trigger.visitor)["view"]
        assert seen is not None, f"{trigger.visitor}'s page shows no widget"
        triggers = self.scenario.chatflows[seen["flow"]].display.triggers
        on = {
            "exit_intent": triggers.exit_intent,
            "time_on_page": triggers.time_on_page_seconds is not None,
            "scroll": triggers.scroll_percentage is not None,
        }
        if on[trigger.kind]:
            seen["triggered"] = True

    def do_start_chat(self, start: StartChat) -> None:
        visitor = self._visitor(start.visitor)
        seen = visitor["view"]
        assert seen is not None, f"{start.visitor}'s page shows no widget to chat in"
        self.number += 1
        person = Browser(self.number, self.minute, 0, seen["device"], 0, seen["page"])
        person.flow = seen["flow"]
        before = len(self.made)
        self.visits.start_chat(self.minute, person)
        chat = self.made[-1] if len(self.made) > before else None
        name = start.name or f"{start.visitor}-{len(self.chats) + 1}"
        self.chats[name] = chat
        visitor["chat"] = name

    def do_leave(self, name: str) -> None:
        chat_name = self._visitor(name).get("chat")
        chat = self.chats.get(chat_name) if chat_name else None
        if chat is None:
            return
        self.centre.visitor_left(chat)

    def do_status(self, status: Status) -> None:
        j = self.centre.ids.index(status.agent)
        self.centre.set_status(j, AgentStatus(status.status))

    def do_close(self, close: Close) -> None:
        chat = self.chats.get(close.chat)
        assert chat is not None, f"no chat named {close.chat!r}"
        assert chat.agent >= 0 and self._status(chat) == "assigned", (
            f"chat {close.chat} is {self._status(chat)}, no agent holds it"
        )
        self.centre.end_chat(chat)

    # -------------------------------------------------------------- observations

    def widget(self, name: str) -> dict[str, Any] | None:
        visitor = self._visitor(name)
        seen = visitor["view"]
        if seen is None:
            return None
        f, page = seen["flow"], seen["page"]
        flow = self.scenario.chatflows[f]
        state, view = self.site.availability(f, page, self.minute)
        minimized = visitor["hide_until"] > self.minute

        def mode(triggered: bool) -> str:
            shown, _ = self.site.widget(f, page, seen["device"], minimized, triggered, self.minute)
            return shown.value

        return {
            "chatflow": flow.name,
            "mode": mode(seen["triggered"]),
            "mode_when_triggered": mode(True),
            "state": state.value,
            "message_kind": view.message_kind.value,
            "message": view.message,
            "launcher_hidden": view.launcher_hidden,
            "reply_time_text": view.reply_time_text,
            "language": flow.language.value,
            "email_ask": should_ask_for_email(
                flow.build.email_capture, state is ChatState.AVAILABLE, False, False
            ),
            "csat": survey_on_close(flow.options.csat) is not None,
        }

    def cookies(self, name: str) -> dict[str, float]:
        raise AssertionError("the simulator has no cookies")

    def _status(self, chat: Chat) -> str:
        if chat.request.id in self.centre._queue:
            return "waiting"
        for record in self.centre.records:
            if record[1] == chat.number:
                return _RECORD_STATUS.get(record[0], str(record[0]))
        return "assigned" if chat.agent >= 0 else "unassigned"

    def chat(self, name: str) -> dict[str, Any]:
        assert name in self.chats, f"no chat named {name!r}"
        chat = self.chats[name]
        if chat is None:
            return {"status": "not started", "assignee": None}
        return {
            "status": self._status(chat),
            "assignee": self.centre.ids[chat.agent] if chat.agent >= 0 else None,
        }

    def queue(self) -> list[str]:
        names = {id(chat): name for name, chat in self.chats.items() if chat is not None}
        return [names[id(chat)] for chat in self.centre._queue.values()]

    def messages(self, chat: str) -> list[str]:
        raise AssertionError("the simulator has no messages")

    def ticket(self, chat: str) -> dict[str, Any] | None:
        raise AssertionError("the simulator has no tickets")

    def contact(self, email: str) -> dict[str, Any] | None:
        raise AssertionError("the simulator has no contacts")

    def survey_ratings(self, survey: str) -> list[int]:
        raise AssertionError("the simulator has no survey answers")

    def close(self) -> None:
        pass


def _names_for_ids(value: Any) -> Any:
    """``{user:kari}`` → ``kari`` (the simulator's agents and teams are named by their names)."""
    if isinstance(value, str):
        return re.sub(r"\{(?:user|team|chatflow|kb|survey|chat|helpdesk):([^{}]+)\}", r"\1", value)
    if isinstance(value, list):
        return [_names_for_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: _names_for_ids(item) for key, item in value.items()}
    return value
