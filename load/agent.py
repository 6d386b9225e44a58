"""The :class:`Agent` persona: one per scenario agent, created for the run. It logs in,
sets its status as its shifts and breaks say, holds ``/ws/agent`` (with a ticket from
``POST /api/v1/auth/socket-ticket``), takes the chats routing gives it (up to its capacity:
the server's rule), greets, and closes after the scenario's handling time (its speed curve
included). It measures the delivery of the visitors' questions."""

from __future__ import annotations

import itertools
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import gevent
import gevent.event
from locust import between, task

from simulator.agents import shift_changes

from .persona import PLAN, SCENARIO, SENT_AT, SPEEDUP, LoadUser, minutes_sampler
from .stage import AgentLogin
from .ws import Socket, StepFailed, fire

__all__ = ["Agent"]


_AGENT_NUMBERS = itertools.count()


def _my_agent(environment: Any) -> AgentLogin:
    """This user's scenario agent, each taken once: the Locust processes on this machine
    claim agents by creating a file each in the run's directory (the first to create it
    has it); a worker on another machine, without that directory, takes every
    ``workers``-th agent from its worker index."""
    claims = Path(PLAN.out_dir) / "agents"
    if claims.is_dir() or Path(PLAN.out_dir).is_dir():
        claims.mkdir(exist_ok=True)
        for index, login in enumerate(PLAN.cast.agents):
            try:
                os.close(os.open(claims / f"{index}.claim", os.O_CREAT | os.O_EXCL))
            except FileExistsError:
                continue
            return login
    runner = environment.runner
    worker = int(getattr(runner, "worker_index", 0) or 0)
    number = next(_AGENT_NUMBERS) * max(PLAN.workers, 1) + worker
    return PLAN.cast.agents[number % len(PLAN.cast.agents)]


class Agent(LoadUser):
    """A scenario agent: logged in and on its socket for the whole run; available, away
    or offline as its shifts and breaks say (compressed like everything else)."""

    fixed_count = len(PLAN.cast.agents)
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.login = _my_agent(self.environment)
        self.handling = minutes_sampler(SCENARIO.chats.handling_time_minutes, self.rng)
        self.held: set[str] = set()
        self.asked: dict[str, gevent.event.Event] = {}  # the visitor's question has come
        self.gone: set[str] = set()  # closed by the visitor while held here
        self.acks: dict[str, float] = {}
        self.socket: Socket | None = None
        answer = self.client.post(
            "/api/v1/auth/login",
            json={"email": self.login.email, "password": self.login.password},
            name="/api/v1/auth/login",
        )
        if not answer.ok:
            return
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}
        changes = self.shift_changes()
        self.set_status(changes[0][1])
        self.connect()
        if len(changes) > 1:
            gevent.spawn(self.follow_shifts, changes[1:])

    def shift_changes(self) -> list[tuple[float, str]]:
        """The agent's status changes over the run from the scenario's shifts and breaks,
        as (real seconds since the run began, status)."""
        group = next(g for g in SCENARIO.agents if self.login.scenario_id in g.agent_ids)
        begins = SCENARIO.start_utc + timedelta(hours=PLAN.skip_hours)
        minutes = PLAN.duration_seconds * SPEEDUP / 60.0
        changes = shift_changes(group.shifts, begins, SCENARIO.zone, minutes)
        return [(minute * 60.0 / SPEEDUP, status.value) for minute, status in changes]

    def follow_shifts(self, changes: list[tuple[float, str]]) -> None:
        for at, status in changes:
            gevent.sleep(max(0.0, PLAN.started_at + at - time.time()))
            self.set_status(status)

    def set_status(self, status: str) -> None:
        self.client.put(
            f"/api/v1/users/{self.login.user_id}/status",
            json={"status": status},
            headers=self.headers,
            name="/api/v1/users/[id]/status",
        )

    def connect(self) -> None:
        ticket = self.client.post(
            "/api/v1/auth/socket-ticket", headers=self.headers, name="/api/v1/auth/socket-ticket"
        )
        if not ticket.ok:
            return
        url = self.ws_url(f"/ws/agent?ticket={ticket.json()['ticket']}")
        try:
            self.socket = Socket(self.environment, url, "agent", "/ws/agent connect")
        except StepFailed:
            self.socket = None
            return
        self.listener = gevent.spawn(self.listen, self.socket)

    def on_stop(self) -> None:
        if self.socket is not None:
            self.socket.close()

    def speed(self, held: int) -> float:
        login = self.login
        if login.table:
            return login.table[min(held, len(login.table)) - 1]
        return login.base / (1.0 + login.slowdown * (held - 1))

    def listen(self, socket: Socket) -> None:
        """Frames from the server: chats routed here, visitors' messages, acknowledgements."""
        while True:
            frame = socket.wait_for(lambda f: True, 3600.0)
            if frame is None:
                return
            kind = frame.get("type")
            if kind == "following":
                conversation = frame["conversation"]
                if conversation["id"] not in self.held and conversation["status"] == "assigned":
                    self.held.add(conversation["id"])
                    self.asked.setdefault(conversation["id"], gevent.event.Event())
                    gevent.spawn(self.handle, socket, conversation["id"])
            elif kind == "message" and frame.get("message", {}).get("sender_kind") == "visitor":
                sent = SENT_AT.search(frame["message"].get("text", ""))
                conversation_id = frame["message"]["conversation_id"]
                if sent:  # the live question (the first message came with the start)
                    self.asked.setdefault(conversation_id, gevent.event.Event()).set()
                    fire(
                        self.environment,
                        "visitor → agent delivery",
                        time.perf_counter() - (time.time() - float(sent.group(1))),
                    )
            elif self.closed_elsewhere(frame):
                # The visitor left (or someone else closed it): nothing more to wait for.
                gone = frame.get("conversation_id") or frame["conversation"]["id"]
                self.gone.add(gone)
                self.asked.setdefault(gone, gevent.event.Event()).set()
            elif kind in ("ack", "error") and frame.get("ref") in self.acks:
                started = self.acks.pop(frame["ref"])
                problem = None if kind == "ack" else StepFailed(str(frame.get("code")))
                fire(self.environment, "agent message → ack", started, error=problem)

    def closed_elsewhere(self, frame: dict[str, Any]) -> bool:
        if frame.get("type") == "closed":
            return frame.get("conversation_id") in self.held
        conversation = frame.get("conversation") or {}
        return (
            frame.get("type") == "conversation"
            and frame.get("event") == "closed"
            and conversation.get("id") in self.held
        )

    def handle(self, socket: Socket, conversation_id: str) -> None:
        """A chat from assignment to close: a greeting, the handling time, a close."""
        duration = float(self.handling.draw()) / self.speed(len(self.held))
        ref = f"r-{conversation_id}"
        self.acks[ref] = time.perf_counter()
        try:
            socket.send(
                {
                    "type": "message",
                    "ref": ref,
                    "conversation_id": conversation_id,
                    "client_id": ref,
                    "text": "Hi! Let me look into that.",
                }
            )
        except Exception:
            self.acks.pop(ref, None)
        gevent.sleep(duration)
        # Not before the visitor's question has come (a very short chat would close under it).
        self.asked.setdefault(conversation_id, gevent.event.Event()).wait(timeout=10.0)
        if conversation_id in self.gone:
            self.gone.discard(conversation_id)
        else:
            self.client.post(
                f"/api/v1/conversations/{conversation_id}/close",
                headers=self.headers,
                name="/api/v1/conversations/[id]/close",
            )
        self.held.discard(conversation_id)
        self.asked.pop(conversation_id, None)

    @task
    def look_at_the_inbox(self) -> None:
        """The inbox's own refresh: the agent's view and its counts."""
        if not hasattr(self, "headers"):
            return
        self.client.get(
            "/api/v1/conversations?view=mine", headers=self.headers, name="/api/v1/conversations"
        )
