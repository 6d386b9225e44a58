"""The personas of a load run, one Locust user class each (in the style of Locust's own
examples): :class:`Visitor`, :class:`Agent` and a low-weight :class:`Admin`.

Visitors speak the widget's protocol as the shipped widget does (``web/static/loader.js``
and ``web/static/widget/*.js``): the config call for each page view (device and the widget's
cookies kept per visitor), then for a chat a socket ticket (``POST
/widget/v1/{account}/socket-ticket``), ``/ws/visitor?account_id=…&ticket=…``, a ``start``
frame with the first message and its client id, ``message`` frames, and the CSAT answer over
REST when the chat closes. A visitor who is not answered within its patience leaves (closes
the conversation). Agents log in, set their status, hold ``/ws/agent`` (with a ticket from
``POST /api/v1/auth/socket-ticket``), take the chats routing gives them (up to their
capacity: the server's rule), reply and close after the scenario's handling time.

Every duration of the scenario is divided by the plan's speed-up. The plan comes from
``LOADTEST_PLAN`` (:mod:`load.plan`).
"""

from __future__ import annotations

import itertools
import math
import os
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import gevent
import gevent.event
import numpy as np
from locust import HttpUser, between, task

from simulator.agents import shift_changes
from simulator.distributions import sampler
from simulator.scenario import ScenarioKind

from .plan import Plan, read_plan
from .profile import arrival_rate, scenario_visitor_users
from .stage import PLAIN_POOL_PAGE, AgentLogin, tagged_url
from .ws import Socket, StepFailed, fire

__all__ = ["Admin", "Agent", "LoadUser", "Visitor"]

PLAN: Plan = read_plan()
SCENARIO = PLAN.scenario
SPEEDUP = PLAN.speedup
SENT_AT = re.compile(r"\[sent (\d+\.\d+)\]")
WIDGET = f"/widget/v1/{PLAN.cast.account_id}"


def _minutes_sampler(distribution: Any, rng: np.random.Generator) -> Any:
    """Real seconds from a scenario distribution in minutes."""
    return sampler(distribution, rng, 60.0 / SPEEDUP)


class LoadUser(HttpUser):
    """What every persona shares: the plan's target, a random stream of its own."""

    abstract = True
    host = PLAN.target

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[no-untyped-call]
        self.rng = np.random.default_rng(None if PLAN.seed is None else PLAN.seed + id(self))
        self.uniform = self.rng.random

    def elapsed(self) -> float:
        return time.time() - PLAN.started_at

    def ws_url(self, path: str) -> str:
        return re.sub(r"^http", "ws", PLAN.target) + path


# ------------------------------------------------------------------------- visitors


class Visitor(LoadUser):
    """One visitor after another: page views, maybe a chat, then the next visitor arrives."""

    weight = 10

    next_arrival: float | None = None

    def gap(self) -> float:
        """Exponential gaps with mean (visitor users / rate): all users together arrive as
        a Poisson stream at the scenario's rate."""
        if PLAN.shape != "scenario":
            return float(self.rng.exponential(PLAN.think_seconds))
        t = self.elapsed()
        rate = arrival_rate(SCENARIO, t, SPEEDUP, PLAN.skip_hours)
        users = scenario_visitor_users(SCENARIO, t, SPEEDUP, PLAN.skip_hours)
        if rate <= 0.0 or users <= 0:
            return 1.0
        return float(self.rng.exponential(users / rate))

    def wait_time(self) -> float:
        """Until the next arrival on this user's own timeline (the visit just made counts
        from when it began, not from when it ended)."""
        now = time.time()
        # A visit that ran past the next arrival makes the next start at once (up to 10 s
        # behind): arrivals bunch a little instead of being lost.
        arrival = max(self.next_arrival or now, now - 10.0) + self.gap()
        self.next_arrival = arrival
        return max(0.0, arrival - now)

    def on_start(self) -> None:
        first = self.gap()  # memoryless: the users do not all arrive at once
        self.next_arrival = time.time() + first
        gevent.sleep(first)
        traffic = SCENARIO.traffic
        chats = SCENARIO.chats
        self.time_on_page = [
            sampler(page.time_on_page_seconds, self.rng, 1.0 / SPEEDUP) for page in traffic.pages
        ]
        self.handling = _minutes_sampler(chats.handling_time_minutes, self.rng)
        self.patience = (
            _minutes_sampler(chats.patience_minutes, self.rng)
            if chats.patience_minutes is not None
            else None
        )
        weights = np.array([p.weight for p in traffic.pages] or [1.0], dtype=float)
        self.page_weights = weights / weights.sum()
        mix = traffic.devices
        shares = np.array([mix.desktop, mix.tablet, mix.mobile], dtype=float)
        self.device_shares = shares / shares.sum()

    @task
    def visit(self) -> None:
        """One visitor: a new token and cookies, a device, the pages, maybe a chat."""
        self.token: str | None = None
        self.cookies: dict[str, str] = {}
        self.device = str(self.rng.choice(["desktop", "tablet", "mobile"], p=self.device_shares))
        if SCENARIO.kind is ScenarioKind.PLAIN_POOL:
            config = self.config(tagged_url(PLAIN_POOL_PAGE, PLAN.cast.tag))
            if config is not None:
                self.chat(config, tagged_url(PLAIN_POOL_PAGE, PLAN.cast.tag))
            return
        pages = SCENARIO.traffic.pages
        while True:
            index = int(self.rng.choice(len(pages), p=self.page_weights))
            url = tagged_url(pages[index].url, PLAN.cast.tag)
            config = self.config(url)
            stay = float(self.time_on_page[index].draw())
            if config is not None and self.uniform() < self.chat_chance(config):
                gevent.sleep(stay * self.uniform())  # decides somewhere during the view
                self.chat(config, url)
                return
            gevent.sleep(stay)
            if self.uniform() >= SCENARIO.traffic.continue_probability:
                return

    def chat_chance(self, config: dict[str, Any]) -> float:
        """The scenario's chance of a chat for what the widget shows (DS1-DS3)."""
        availability = config["availability"]
        display = config["display"]
        triggers = display["triggers"]
        armed = any(triggers.get(k) for k in ("exit_intent", "time_on_page_seconds"))
        mode = display["mode_when_triggered"] if armed else display["mode"]
        if mode == "hidden" or availability["launcher_hidden"]:
            return 0.0
        start = SCENARIO.traffic.chat_start
        factor = getattr(start.message_factor, availability["message_kind"], 1.0)
        return min(1.0, float(getattr(start, mode)) * factor)

    def config(self, url: str) -> dict[str, Any] | None:
        """The loader's config call for a page view; keeps the token and the cookies."""
        body: dict[str, Any] = {
            "url": url,
            "device": self.device,
            "cookies": self.cookies,
            "consent": {"cookies": None},
        }
        if self.token:
            body["visitor_token"] = self.token
        with self.client.post(
            f"{WIDGET}/config", json=body, name="/widget/v1/[account]/config", catch_response=True
        ) as response:
            if response.status_code == 204:
                response.success()
                return None
            if response.status_code != 200:
                response.failure(f"config answered {response.status_code}")
                return None
            config: dict[str, Any] = response.json()
        self.token = config["visitor"]["token"]
        for cookie in config.get("cookies", []):
            if cookie["max_age_seconds"] > 0:
                self.cookies[cookie["name"]] = cookie["value"]
            else:
                self.cookies.pop(cookie["name"], None)
        return config

    def widget_call(self, method: str, path: str, name: str, body: Any = None) -> Any:
        headers = {"X-Visitor-Token": self.token or ""}
        response = self.client.request(
            method, f"{WIDGET}{path}", json=body, headers=headers, name=name
        )
        if not response.ok:
            return None
        return response.json() if response.content else {}

    def chat(self, config: dict[str, Any], page_url: str) -> None:
        """A chat as the widget has it, from the consent card and the socket ticket to the
        CSAT answer."""
        send = config.get("send") or {}
        if not send.get("allowed", True) and send.get("reason") == "consent_required":
            # The widget's consent card: the visitor clicks "I agree" (OP4).
            answers = {"chatflow_id": config["chatflow_id"], "data_processing": True}
            if (
                self.widget_call("POST", "/consent", "/widget/v1/[account]/consent", answers)
                is None
            ):
                return
        ticket = self.widget_call("POST", "/socket-ticket", "/widget/v1/[account]/socket-ticket")
        if not ticket:
            return
        url = self.ws_url(
            f"/ws/visitor?account_id={PLAN.cast.account_id}&ticket={ticket['ticket']}"
        )
        try:
            socket = Socket(self.environment, url, "visitor", "/ws/visitor connect")
        except StepFailed:
            return
        try:
            self.converse(socket, config, page_url)
        except StepFailed:
            pass  # already reported as a failed step
        finally:
            socket.close()

    def converse(self, socket: Socket, config: dict[str, Any], page_url: str) -> None:
        client_id = f"c{self.rng.integers(1 << 62):x}"
        started = socket.request(
            "visitor start → started",
            {
                "type": "start",
                "ref": f"start-{client_id}",
                "chatflow_id": config["chatflow_id"],
                "page_url": page_url,
                "properties": {},
                "consent": {},
                "message": {"client_id": client_id, "text": "Hello, I have a question"},
            },
            "started",
        )
        conversation = started["conversation"]
        conversation_id = conversation["id"]
        answered = conversation.get("status") == "assigned"
        if not answered:
            patience = math.inf if self.patience is None else float(self.patience.draw())
            got = socket.wait_for(
                lambda f: (
                    f.get("type") in ("assigned", "closed")
                    and f.get("conversation_id", conversation_id) == conversation_id
                ),
                min(patience, PLAN.duration_seconds),
            )
            if got is None or got["type"] == "closed":
                # Nobody came in time: the visitor leaves, as the simulator's visitors do.
                self.widget_call(
                    "POST",
                    f"/conversations/{conversation_id}/close",
                    "/widget/v1/[account]/conversations/[id]/close",
                )
                return
        # Answered: a question the agent sees live (its delivery is measured agent-side).
        socket.request(
            "visitor message → ack",
            {
                "type": "message",
                "ref": f"m-{client_id}",
                "conversation_id": conversation_id,
                "client_id": f"m-{client_id}",
                "text": f"Can you help me with my order? [sent {time.time():.6f}]",
            },
            "ack",
        )
        closed = socket.wait_for(
            lambda f: f.get("type") == "closed" and f.get("conversation_id") == conversation_id,
            PLAN.duration_seconds,
        )
        if closed is None or not closed.get("survey"):
            return
        csat = SCENARIO.chats.csat
        if self.uniform() < csat.response_probability:
            ratings = np.array(csat.bands[-1].ratings, dtype=float)
            rating = int(self.rng.choice(5, p=ratings / ratings.sum())) + 1
            self.widget_call(
                "POST",
                f"/conversations/{conversation_id}/csat",
                "/widget/v1/[account]/conversations/[id]/csat",
                {"rating": rating, "comment": ""},
            )


# ------------------------------------------------------------------------- agents

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
        self.handling = _minutes_sampler(SCENARIO.chats.handling_time_minutes, self.rng)
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


# ------------------------------------------------------------------------- admin


class Admin(LoadUser):
    """An admin in the console now and then: reads, and a chatflow edit once in a while."""

    fixed_count = 1
    wait_time = between(5, 15)

    def on_start(self) -> None:
        answer = self.client.post(
            "/api/v1/auth/login",
            json={"email": PLAN.cast.admin_email, "password": PLAN.cast.admin_password},
            name="/api/v1/auth/login",
        )
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"} if answer.ok else {}

    @task(5)
    def read_the_inbox(self) -> None:
        self.client.get("/api/v1/conversations/counts", headers=self.headers)
        self.client.get("/api/v1/users", headers=self.headers)

    @task(3)
    def read_the_report(self) -> None:
        self.client.get("/api/v1/reports/chats", headers=self.headers)

    @task(1)
    def edit_a_chatflow(self) -> None:
        chatflow_id = PLAN.cast.chatflow_ids[0]
        self.client.patch(
            f"/api/v1/chatflows/{chatflow_id}/build",
            json={"welcome_message": f"Hi! (edited at {time.strftime('%H:%M:%S')})"},
            headers=self.headers,
            name="/api/v1/chatflows/[id]/build",
        )
