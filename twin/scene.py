"""The scenario's account on the server, set up through the REST API as an admin would.

:func:`set_scene` creates, before the replay's clock starts:

- one inbox or helpdesk per workspace the scenario's chatflows name, and one chat survey per
  CSAT survey id;
- every agent of the scenario, in the scenario's order (a second apart: routing's stable
  order is the order of creation, as the simulator's is the pool's order), with their
  capacity, skills and seat, and a session (these two straight into the store: a user the
  admin made and who logged in, without a hundred password hashes); their teams (API);
- every chatflow, in the server's own plain-dict form (``chatflow_to_dict``) with the
  scenario's ids of workspaces, users, teams and surveys replaced by the server's;
- for a plain pool (no chatflows), one chatflow that is always on, opens on every page and
  routes with the scenario's ``assignment``.

It returns a :class:`Scene`: the server's ids for the scenario's names, both ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from reference_server.domain.chatflow import (
    AvailabilityMode,
    AvailabilitySettings,
    BuildSettings,
    Chatflow,
    Workspace,
    WorkspaceKind,
    chatflow_to_dict,
)
from reference_server.secrets import hash_secret, new_id, new_secret
from reference_server.store import schema as t
from simulator.scenario import Scenario

from .server import Server

__all__ = ["PLAIN_POOL_CHATFLOW", "Scene", "set_scene"]

_SESSIONS_LAST = timedelta(days=400)
PLAIN_POOL_CHATFLOW = "plain-pool"
_SET_UP_BEFORE = timedelta(days=1)  # the set-up happens the day before the run


@dataclass
class Scene:
    """The server's ids for the scenario's names (and back)."""

    agents: dict[str, str] = field(default_factory=dict)  # scenario id → user id
    agent_headers: dict[str, dict[str, str]] = field(default_factory=dict)  # by user id
    chatflows: dict[str, str] = field(default_factory=dict)  # scenario id → chatflow id
    teams: dict[str, str] = field(default_factory=dict)
    workspaces: dict[str, str] = field(default_factory=dict)
    surveys: dict[str, str] = field(default_factory=dict)

    def agent_name(self, user_id: str | None) -> str | None:
        if user_id is None:
            return None
        for name, known in self.agents.items():
            if known == user_id:
                return name
        return f"(user {user_id})"

    def chatflow_name(self, chatflow_id: str | None) -> str | None:
        if chatflow_id is None:
            return None
        for name, known in self.chatflows.items():
            if known == chatflow_id:
                return name
        return f"(chatflow {chatflow_id})"


def _plain_pool_chatflow(scenario: Scenario) -> Chatflow:
    return Chatflow(
        id=PLAIN_POOL_CHATFLOW,
        name="Plain pool",
        workspace=Workspace(WorkspaceKind.INBOX, "inbox"),
        published=True,
        build=BuildSettings(
            assignment=scenario.assignment,
            availability=AvailabilitySettings(mode=AvailabilityMode.ALWAYS),
        ),
    )


def scenario_chatflows(scenario: Scenario) -> tuple[Chatflow, ...]:
    """The chatflows the server gets: the scenario's, or the plain pool's one."""
    return scenario.chatflows or (_plain_pool_chatflow(scenario),)


def _server_form(chatflow: Chatflow, scene: Scene) -> dict[str, Any]:
    assignment = chatflow.build.assignment
    assignment = replace(
        assignment,
        user_ids=tuple(scene.agents.get(u, u) for u in assignment.user_ids),
        team_ids=tuple(scene.teams.get(t, t) for t in assignment.team_ids),
    )
    options = chatflow.options
    if options.csat.enabled:
        csat = replace(options.csat, survey_id=scene.surveys[options.csat.survey_id])
        options = replace(options, csat=csat)
    workspace = replace(chatflow.workspace, id=scene.workspaces[chatflow.workspace.id])
    build = replace(chatflow.build, assignment=assignment)
    form = chatflow_to_dict(replace(chatflow, workspace=workspace, build=build, options=options))
    del form["id"]
    return form


def set_scene(server: Server, scenario: Scenario, start: datetime) -> Scene:
    """Set the scenario's account up on ``server`` (see the module docstring)."""
    scene = Scene()
    admin = server.admin
    moment = start - _SET_UP_BEFORE
    chatflows = scenario_chatflows(scenario)
    for chatflow in chatflows:
        space = chatflow.workspace
        if space.id not in scene.workspaces:
            made = server.call(
                "POST",
                "/api/v1/inboxes",
                (201,),
                headers=admin,
                json={"kind": space.kind.value, "name": space.id},
            )
            scene.workspaces[space.id] = made["id"]
        csat = chatflow.options.csat
        if csat.enabled and csat.survey_id not in scene.surveys:
            made = server.call(
                "POST",
                "/api/v1/surveys",
                (201,),
                headers=admin,
                json={"name": csat.survey_id, "delivery": "chat", "question": "How did we do?"},
            )
            scene.surveys[csat.survey_id] = made["id"]
    teams: dict[str, list[str]] = {}
    for group in scenario.agents:
        for agent_id in group.agent_ids:
            moment += timedelta(seconds=1)  # routing's order is the order of creation
            user_id, token = _agent_with_session(server, scenario, agent_id, moment)
            scene.agents[agent_id] = user_id
            scene.agent_headers[user_id] = {"Authorization": f"Bearer {token}"}
            for team in group.team_ids:
                teams.setdefault(team, []).append(user_id)
            if not group.shifts:  # on duty all the time, as in the simulator
                set_status(server, scene, agent_id, "available")
    for team, members in teams.items():
        made = server.call(
            "POST",
            "/api/v1/teams",
            (201,),
            headers=admin,
            json={"name": team, "user_ids": members},
        )
        scene.teams[team] = made["id"]
    for chatflow in chatflows:
        made = server.call(
            "POST", "/api/v1/chatflows", (201,), headers=admin, json=_server_form(chatflow, scene)
        )
        scene.chatflows[chatflow.id] = made["id"]
    return scene


def _agent_with_session(
    server: Server, scenario: Scenario, agent_id: str, created: datetime
) -> tuple[str, str]:
    # Straight into the store, as a user the admin made and who then logged in: a hundred
    # password hashes (creation and log-in of fifty agents) would cost more than the replay.
    group = next(g for g in scenario.agents if agent_id in g.agent_ids)
    user_id, token = new_id("usr"), new_secret("lcs")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.users.insert().values(
                id=user_id,
                account_id=server.account.account_id,
                email=f"{agent_id}@twin.test",
                name=agent_id,
                avatar_url="",
                password_hash="none",  # never logs in with a password
                role="agent",
                permissions=[],
                has_seat=group.has_seat,
                status="offline",
                capacity=group.capacity,
                skills=list(group.skills),
                idle_since=created,
                created_at=created,
            )
        )
        await db.execute(
            t.sessions.insert().values(
                token_hash=hash_secret(token),
                user_id=user_id,
                expires_at=created + _SESSIONS_LAST,
                created_at=created,
            )
        )

    server.in_store(work)
    return user_id, token


def set_status(server: Server, scene: Scene, agent: str, status: str) -> None:
    """CV4: the agent changes their own status (as the inbox's status menu does)."""
    user_id = scene.agents[agent]
    server.call(
        "PUT",
        f"/api/v1/users/{user_id}/status",
        (200,),
        headers=scene.agent_headers[user_id],
        json={"status": status},
    )
