"""Replay a :class:`~twin.timeline.Timeline` against the server, event by event, on its
driven clock — no sleeps: before each event the server's clock is set to the event's
instant (``POST /test-controls/clock``).

The actors do what the shipped clients do:

- **A visitor who clicks to chat** (at the simulator's arrival): the loader's config call
  for the page and device (with the minimized-welcome cookie DS4 when they had minimized it;
  a known visitor comes with their visitor token, an identified one with an identification
  token, CV7), "I agree" through the widget API when the chatflow asks for data-processing
  consent first (OP4), then a socket ticket, ``/ws/visitor`` and the ``start`` frame exactly
  as ``widget/widget.js`` sends it. What the config answered (chatflow, availability state,
  widget mode, email capture) is kept. A visitor whose launcher is hidden cannot click: no
  chat.
- **A visitor who runs out of patience** (arrival + the simulator's patience) while their
  chat is still waiting leaves: the widget's ``close`` frame (they say goodbye), then the
  socket closes (the tab is closed).
- **An agent** keeps the inbox's socket open (``/ws/agent``) and answers each chat the
  server gives them with a first reply over it; changes status at the simulator's shift and
  break times (``PUT /api/v1/users/{id}/status`` with their own session); and closes a chat
  at the moment the simulator finished it (``POST /api/v1/conversations/{id}/close``),
  whoever holds it on the server.

At the end, each conversation is read back as the inbox reads it. The result is one
:class:`ServerChat` per simulator chat.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.testclient import WebSocketTestSession

from reference_server.domain.display import HIDE_WELCOME
from reference_server.store.visitors import create_visitor
from simulator.scenario import Segment

from .scene import Scene, set_scene, set_status
from .server import ReplayError, Server, in_process_server, next_frame, pending_frames
from .timeline import SimChat, Timeline

__all__ = ["ServerChat", "replay"]

_AGENT_STATUS, _CHAT_START, _GIVE_UP, _CHAT_END = 0, 1, 2, 3


@dataclass
class ServerChat:
    """One chat as the server handled it (times in minutes from the start of the run)."""

    number: int
    chatflow: str | None = None  # the scenario's chatflow id the config chose (None: none)
    state: str | None = None  # availability state the widget showed
    mode: str | None = None  # widget mode (the triggered one when a trigger had fired)
    email_asked: bool | None = None
    started: bool = False  # a conversation was made
    start_status: str | None = None  # its status in the start's answer (waiting: queued)
    answered_once: bool = False  # the visitor's widget was told an agent took the chat
    conversation_id: str | None = None
    left_at: float | None = None  # the visitor gave up waiting
    status: str | None = None  # the conversation's status at the end
    agent: str | None = None  # the scenario's id of its assignee
    created_at: float = math.nan
    assigned_at: float = math.nan
    closed_at: float = math.nan
    notes: list[str] = field(default_factory=list)


class _Replay:
    def __init__(self, server: Server, scene: Scene, timeline: Timeline) -> None:
        self.server = server
        self.scene = scene
        self.timeline = timeline
        self.start = timeline.start_utc
        self.account_id = server.account.account_id
        self.chats = {chat.number: ServerChat(chat.number) for chat in timeline.chats}
        self.visitors: dict[int, dict[str, str]] = {}  # chat number → widget headers
        self.sockets: dict[int, WebSocketTestSession] = {}
        self.agent_sockets: dict[str, WebSocketTestSession] = {}  # by user id
        self.greeted: set[str] = set()  # conversations an agent has replied in

    def instant(self, minutes: float) -> datetime:
        return self.start + timedelta(minutes=minutes)

    def minutes(self, iso: str | None) -> float:
        if iso is None:
            return math.nan
        return (datetime.fromisoformat(iso) - self.start).total_seconds() / 60.0

    # ------------------------------------------------------------ the visitors

    def known_visitor(self, chat: SimChat, segment: Segment, body: dict[str, Any]) -> None:
        """TG4/BD2: a known visitor is a contact with the segment's properties. An identified
        one signs in (CV7: an identification token made with the API key); another comes back
        with the visitor token an earlier visit left (that earlier visit is set up in the
        store, as history the replay does not play)."""
        server = self.server
        email = f"visitor-{chat.number}@twin.test"
        contact = server.call(
            "POST",
            "/api/v1/contacts",
            (201,),
            headers=server.admin,
            json={"email": email, "properties": dict(segment.properties)},
        )
        if segment.identified:
            token = server.call(
                "POST",
                "/api/v1/visitor-identification/tokens",
                (200, 201),
                headers=server.api_key,
                json={"email": email},
            )
            body["identification_email"] = email
            body["identification_token"] = token["token"]
            return
        now = self.instant(chat.arrival)

        async def earlier_visit(db: AsyncConnection) -> str:
            _, token = await create_visitor(db, self.account_id, now, contact_id=contact["id"])
            return token

        body["visitor_token"] = server.in_store(earlier_visit)

    def page_properties(self, url: str) -> dict[str, str]:
        """The routing properties the scenario's page at ``url`` declares (RT3)."""
        for page in self.timeline.scenario.traffic.pages:
            if page.url == url:
                return dict(page.properties)
        return {}

    def chat_start(self, chat: SimChat) -> None:
        server = self.server
        observed = self.chats[chat.number]
        shown = chat.shown
        body: dict[str, Any] = {"url": chat.page or "https://twin.test/", "device": chat.device}
        # RT3: the page declares its routing properties (hsConversationsSettings.chatProperties),
        # and the loader sends them with the config call and the widget with its start.
        properties = self.page_properties(chat.page)
        if properties:
            body["properties"] = properties
        if shown is not None and shown.minimized:
            body["cookies"] = {HIDE_WELCOME: "true"}
        segments = self.timeline.scenario.traffic.segments
        if chat.segment >= 0 and segments[chat.segment].known:
            self.known_visitor(chat, segments[chat.segment], body)
        answer = server.client.post(f"/widget/v1/{self.account_id}/config", json=body)
        if answer.status_code == 204:
            return  # no chatflow on this page
        if answer.status_code != 200:
            raise ReplayError(f"config answered {answer.status_code}: {answer.text}")
        config = answer.json()
        observed.chatflow = self.scene.chatflow_name(config["chatflow_id"])
        availability = config["availability"]
        display = config["display"]
        observed.state = availability["state"]
        triggered = shown is not None and shown.triggered
        observed.mode = display["mode_when_triggered" if triggered else "mode"]
        observed.email_asked = bool(config["email_capture"]["ask"])
        if availability["launcher_hidden"] or observed.mode == "hidden":
            return  # nothing to click
        visitor = {"X-Visitor-Token": config["visitor"]["token"]}
        self.visitors[chat.number] = visitor
        send = config["send"]
        if not send["allowed"] and "data_processing" in send.get("missing", []):
            server.call(
                "POST",
                f"/widget/v1/{self.account_id}/consent",
                (200,),
                headers=visitor,
                json={"chatflow_id": config["chatflow_id"], "data_processing": True},
            )
        ticket = server.call(
            "POST", f"/widget/v1/{self.account_id}/socket-ticket", (201,), headers=visitor
        )
        ws = self._open_socket(
            f"/ws/visitor?account_id={self.account_id}&ticket={ticket['ticket']}"
        )
        self.sockets[chat.number] = ws
        ready = next_frame(ws)
        if ready is None or ready.get("type") != "ready":
            raise ReplayError(f"the visitor socket did not open: {ready}")
        client_id = f"c{chat.number}"
        ref = f"start-{client_id}"
        ws.send_json(
            {  # exactly as widget.js's startWith sends it
                "type": "start",
                "ref": ref,
                "chatflow_id": config["chatflow_id"],
                "page_url": body["url"],
                "properties": properties,
                "consent": {},
                "message": {"client_id": client_id, "text": "Hello"},
            }
        )
        while True:
            got = next_frame(ws)
            if got is None:
                raise ReplayError(f"chat {chat.number}: the socket closed before the start")
            if got.get("type") == "error" and got.get("ref") == ref:
                observed.notes.append(f"start refused: {got.get('code')}")
                return
            if got.get("type") == "started":
                observed.started = True
                observed.conversation_id = got["conversation"]["id"]
                observed.start_status = got["conversation"]["status"]
                return

    def give_up(self, chat: SimChat, now: float) -> None:
        """The visitor's patience runs out: if the chat still waits for its first answer,
        they close the tab (patience is for the first wait, as in the simulator: a chat
        handed back to the queue later keeps its visitor)."""
        observed = self.chats[chat.number]
        ws = self.sockets.get(chat.number)
        if observed.conversation_id is None or ws is None:
            return
        if any(frame.get("type") == "assigned" for frame in pending_frames(ws)):
            observed.answered_once = True
        if observed.answered_once:
            return
        view = self.server.call(
            "GET",
            f"/widget/v1/{self.account_id}/conversations/{observed.conversation_id}",
            (200,),
            headers=self.visitors[chat.number],
        )
        if view["status"] != "waiting":
            return
        observed.left_at = now
        # The widget's close: the visitor says goodbye on purpose (the server's ``closed``
        # says it is done, so the next event finds it done), then the tab goes.
        ws.send_json({"type": "close", "conversation_id": observed.conversation_id})
        while True:
            got = next_frame(ws)
            if got is None or got.get("type") in ("closed", "error"):
                break
        self._close_socket(chat.number)

    def _close_socket(self, number: int) -> None:
        ws = self.sockets.pop(number, None)
        if ws is not None:
            ws.__exit__(None, None, None)  # closes it (code 1000) and waits for the server

    def _open_socket(self, path: str) -> WebSocketTestSession:
        ws: WebSocketTestSession = self.server.client.websocket_connect(path).__enter__()
        return ws

    def _close_all(self) -> None:
        for ws in [*self.sockets.values(), *self.agent_sockets.values()]:
            ws.__exit__(None, None, None)
        self.sockets.clear()
        self.agent_sockets.clear()

    # ------------------------------------------------------------ the agents

    def agents_connect(self) -> None:
        """Each agent opens the inbox's socket (a ticket from their session, then
        ``/ws/agent``), as the inbox page does when they log in."""
        for user_id, headers in self.scene.agent_headers.items():
            ticket = self.server.call("POST", "/api/v1/auth/socket-ticket", (201,), headers=headers)
            ws = self._open_socket(f"/ws/agent?ticket={ticket['ticket']}")
            ready = next_frame(ws)
            if ready is None or ready.get("type") != "ready":
                raise ReplayError(f"the agent socket did not open: {ready}")
            self.agent_sockets[user_id] = ws

    def agents_answer(self) -> None:
        """Agents read what their sockets brought; a chat newly assigned to one of them
        (``following``) gets a first reply over the same socket."""
        for ws in self.agent_sockets.values():
            for got in pending_frames(ws):
                if got.get("type") != "following":
                    continue
                conversation_id = got["conversation"]["id"]
                if conversation_id in self.greeted:
                    continue
                self.greeted.add(conversation_id)
                ws.send_json(
                    {
                        "type": "message",
                        "ref": f"hello-{conversation_id}",
                        "conversation_id": conversation_id,
                        "client_id": f"hello-{conversation_id}",
                        "text": "Hi! How can I help?",
                    }
                )

    def chat_end(self, chat: SimChat) -> None:
        """The agent finishes the chat (whoever holds it on the server) and the visitor goes."""
        observed = self.chats[chat.number]
        if observed.conversation_id is None:
            return
        path = f"/api/v1/conversations/{observed.conversation_id}"
        view = self.server.call("GET", path, (200,), headers=self.server.admin)
        assignee = view["assignee_id"]
        if view["status"] != "assigned" or assignee is None:
            return
        self.server.call(
            "POST", f"{path}/close", (200,), headers=self.scene.agent_headers[assignee]
        )
        self._close_socket(chat.number)

    # ------------------------------------------------------------ the run

    def events(self) -> list[tuple[float, int, int, Callable[[], None]]]:
        """Every step of the replay as (minute, kind, number, act), in the order to play."""
        timeline = self.timeline
        duration = timeline.duration
        found: list[tuple[float, int, int, Callable[[], None]]] = []
        for i, change in enumerate(timeline.agent_changes):
            act = partial(set_status, self.server, self.scene, change.agent, change.status)
            found.append((change.at, _AGENT_STATUS, i, act))
        for chat in timeline.chats:
            found.append((chat.arrival, _CHAT_START, chat.number, partial(self.chat_start, chat)))
            gives_up = chat.arrival + chat.patience
            if gives_up < duration:
                act = partial(self.give_up, chat, gives_up)
                found.append((gives_up, _GIVE_UP, chat.number, act))
            if not math.isnan(chat.ended) and chat.ended < duration:
                found.append((chat.ended, _CHAT_END, chat.number, partial(self.chat_end, chat)))
        found.sort(key=lambda event: event[:3])
        return found

    def run(self) -> list[ServerChat]:
        try:
            self.agents_connect()
            for moment, _kind, _n, act in self.events():
                self.server.set_clock(self.instant(moment))
                act()
                self.agents_answer()
            self.server.set_clock(self.instant(self.timeline.duration))
            for observed in self.chats.values():
                self._read_back(observed)
        finally:
            self._close_all()
        return [self.chats[chat.number] for chat in self.timeline.chats]

    def _read_back(self, observed: ServerChat) -> None:
        if observed.conversation_id is None:
            return
        view = self.server.call(
            "GET",
            f"/api/v1/conversations/{observed.conversation_id}",
            (200,),
            headers=self.server.admin,
        )
        observed.status = view["status"]
        observed.agent = self.scene.agent_name(view["assignee_id"])
        observed.created_at = self.minutes(view["created_at"])
        observed.assigned_at = self.minutes(view["assigned_at"])
        observed.closed_at = self.minutes(view["closed_at"])


def replay(timeline: Timeline) -> tuple[list[ServerChat], Scene]:
    """Replay ``timeline`` against a fresh in-process server (see the module docstring)."""
    with in_process_server(timeline.start_utc - timedelta(days=1, hours=1)) as server:
        scene = set_scene(server, timeline.scenario, timeline.start_utc)
        return _Replay(server, scene, timeline).run(), scene
