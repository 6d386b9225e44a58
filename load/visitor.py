"""The :class:`Visitor` persona: one visitor after another, speaking the widget's protocol as
the shipped widget does (``web/static/loader.js`` and ``web/static/widget/*.js``): the
config call for each page view (device and the widget's cookies kept per visitor), then for
a chat the consent card's answer when the chatflow asks for it, a socket ticket (``POST
/widget/v1/{account}/socket-ticket``), ``/ws/visitor?account_id=…&ticket=…``, a ``start``
frame with the first message and its client id, a question once an agent has taken the
chat, and the CSAT answer over REST when the chat closes. A visitor who is not answered
within its patience leaves (closes the conversation)."""

from __future__ import annotations

import math
import time
from typing import Any

import gevent
import numpy as np
from locust import task

from simulator.distributions import sampler
from simulator.scenario import ScenarioKind

from .persona import PLAN, SCENARIO, SPEEDUP, WIDGET, LoadUser, minutes_sampler
from .profile import arrival_rate, scenario_visitor_users
from .stage import PLAIN_POOL_PAGE, tagged_url
from .ws import Socket, StepFailed

__all__ = ["Visitor"]


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
        self.handling = minutes_sampler(chats.handling_time_minutes, self.rng)
        self.patience = (
            minutes_sampler(chats.patience_minutes, self.rng)
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
