"""Setting the stage for a load run, through the REST API as the account's admin would.

Before Locust starts, :func:`set_stage` creates on the target server what the scenario needs:
one user per scenario agent (its capacity and skills; a random password), the teams the
scenario names, a CSAT survey, and the chatflows — the scenario's own (funnel) or one that
takes every chat (plain pool). Every chatflow's targeting gets one more rule, the run's tag
in the page URL's query (``?load-run=<tag>``), and its assignment names only this run's agents, so
runs on the same server never take each other's chats (nor the demo agents').

The result, a :class:`Cast`, is plain JSON data that the Locust processes read. Nothing here
imports Locust: the command calls it in its own process.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from reference_server.domain.chatflow import chatflow_to_dict
from reference_server.domain.codec import to_dict
from simulator.scenario import Scenario, ScenarioKind

__all__ = ["AgentLogin", "Cast", "StageError", "set_stage", "tagged_url"]

RUN_PARAMETER = "load-run"
PLAIN_POOL_PAGE = "https://load.test/chat"


class StageError(RuntimeError):
    """The server refused a set-up call (the message says which and why)."""


@dataclass(frozen=True)
class AgentLogin:
    scenario_id: str
    user_id: str
    email: str
    password: str
    capacity: int
    slowdown: float = 0.0
    base: float = 1.0
    table: tuple[float, ...] = ()


@dataclass(frozen=True)
class Cast:
    """Who and what a run uses on the server."""

    tag: str
    account_id: str
    admin_email: str
    admin_password: str
    agents: tuple[AgentLogin, ...]
    chatflow_ids: tuple[str, ...] = ()
    survey_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cast:
        agents = tuple(
            AgentLogin(**{**a, "table": tuple(a.get("table", ()))}) for a in data["agents"]
        )
        return cls(**{**data, "agents": agents, "chatflow_ids": tuple(data["chatflow_ids"])})


def tagged_url(url: str, tag: str) -> str:
    """``url`` with the run's tag in its query (what the targeting rule looks for)."""
    parts = urlsplit(url)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{query}{RUN_PARAMETER}={tag}"))


class _Admin:
    """JSON calls as the logged-in admin."""

    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base.rstrip("/")
        self.token: str | None = None
        login = {"email": email, "password": password}
        self.token = self.call("POST", "/api/v1/auth/login", login)["token"]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise StageError(f"{method} {path}: HTTP {error.code} {error.read()[:500]!r}") from None
        except OSError as error:
            raise StageError(f"{method} {path}: {error}") from None
        return json.loads(raw) if raw.strip() else None


def _chat_inbox(admin: _Admin) -> str:
    for inbox in admin.call("GET", "/api/v1/inboxes"):
        if inbox.get("chat_channel") and inbox.get("kind", "inbox") == "inbox":
            return str(inbox["id"])
    raise StageError("the account has no inbox with the chat channel")


def _with_tag(target: dict[str, Any], tag: str) -> dict[str, Any]:
    # A query parameter rule is the most specific kind: it beats the account's other
    # chatflows on the same pages (the demo's show everywhere).
    rule = {"field": "query_parameter", "name": RUN_PARAMETER, "operator": "is", "value": tag}
    groups = target.get("groups") or [{"rules": []}]
    return {**target, "groups": [{**g, "rules": [*g.get("rules", []), rule]} for g in groups]}


def _assignment(
    assignment: dict[str, Any], users: dict[str, str], teams: dict[str, str]
) -> dict[str, Any]:
    user_ids = [users[u] for u in assignment.get("user_ids", []) if u in users]
    team_ids = [teams[t] for t in assignment.get("team_ids", []) if t in teams]
    if not user_ids and not team_ids:
        user_ids = list(users.values())  # only this run's agents, never anyone else
    return {**assignment, "user_ids": user_ids, "team_ids": team_ids}


def set_stage(base_url: str, scenario: Scenario, admin_email: str, admin_password: str) -> Cast:
    """Create the scenario's agents, teams, survey and chatflows on the server at ``base_url``."""
    admin = _Admin(base_url, admin_email, admin_password)
    tag = secrets.token_hex(4)
    account_id = str(admin.call("GET", "/api/v1/account")["id"])
    inbox_id = _chat_inbox(admin)

    agents: list[AgentLogin] = []
    users: dict[str, str] = {}
    for group in scenario.agents:
        for agent_id in group.agent_ids:
            password = secrets.token_urlsafe(18)
            email = f"{agent_id}.{tag}@load.test".lower()
            body = {
                "email": email,
                "name": f"{agent_id} ({tag})",
                "password": password,
                "capacity": group.capacity,
                "skills": list(group.skills),
                "has_seat": group.has_seat,
            }
            user = admin.call("POST", "/api/v1/users", body)
            users[agent_id] = str(user["id"])
            speed = group.speed
            agents.append(
                AgentLogin(
                    agent_id,
                    str(user["id"]),
                    email,
                    password,
                    group.capacity,
                    speed.slowdown,
                    speed.base,
                    speed.table,
                )
            )
    teams: dict[str, str] = {}
    for team in sorted({t for group in scenario.agents for t in group.team_ids}):
        members = [
            users[a] for group in scenario.agents if team in group.team_ids for a in group.agent_ids
        ]
        created = admin.call(
            "POST", "/api/v1/teams", {"name": f"{team} ({tag})", "user_ids": members}
        )
        teams[team] = str(created["id"])
    survey = admin.call(
        "POST",
        "/api/v1/surveys",
        {"name": f"CSAT ({tag})", "delivery": "chat", "question": "How did we do?"},
    )
    survey_id = str(survey["id"])

    legitimate = {"data_processing_consent": {"kind": "legitimate_interest"}}  # plain pool
    csat = {"csat": {"enabled": True, "survey_id": survey_id}}
    bodies: list[dict[str, Any]] = []
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        assignment = _assignment(dict(to_dict(scenario.assignment)), users, teams)
        bodies.append(
            {
                "name": f"Load test ({tag})",
                "published": True,
                "build": {"assignment": assignment, "availability": {"mode": "always"}},
                "target": _with_tag({"groups": []}, tag),
                "display": {"desktop": "prompt", "mobile": "prompt"},
                "options": {**legitimate, **csat},
            }
        )
    for flow in scenario.chatflows:
        data = chatflow_to_dict(flow)
        build = dict(data.get("build", {}))
        build["assignment"] = _assignment(build.get("assignment", {}), users, teams)
        options = dict(data.get("options", {}))
        if options.get("csat", {}).get("enabled"):
            options["csat"] = {**options["csat"], "survey_id": survey_id}
        body = {
            "name": f"{flow.name} ({tag})",
            "priority": flow.priority,
            "published": True,
            "build": build,
            "target": _with_tag(dict(data.get("target", {})), tag),
            "display": data.get("display", {}),
            "options": options,
        }
        if flow.language:
            body["language"] = flow.language
        bodies.append(body)
    chatflow_ids = []
    for body in bodies:
        body["workspace"] = {"kind": "inbox", "id": inbox_id}
        chatflow_ids.append(str(admin.call("POST", "/api/v1/chatflows", body)["id"]))
    return Cast(
        tag=tag,
        account_id=account_id,
        admin_email=admin_email,
        admin_password=admin_password,
        agents=tuple(agents),
        chatflow_ids=tuple(chatflow_ids),
        survey_id=survey_id,
    )
