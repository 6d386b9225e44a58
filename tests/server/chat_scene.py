"""Setting the scene for the conversation, routing, ticket and real-time tests: agents with
session tokens, chatflows, visitors and contacts straight into the store (through the running
app's own engine, in its event loop), short-hands for the widget and inbox calls, and a
WebSocket receive with a timeout (a missing frame fails the test instead of hanging it)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

import anyio
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from reference_server.domain.chatflow import (
    AssignmentSettings,
    BuildSettings,
    Chatflow,
    DataProcessingConsent,
    DataProcessingKind,
    OptionsSettings,
    Workspace,
    WorkspaceKind,
    chatflow_to_dict,
)
from reference_server.secrets import hash_secret, new_id, new_secret
from reference_server.state import Server
from reference_server.store import schema as t
from reference_server.store.visitors import create_visitor

from .conftest import START, Api
from .scene import rows, run_db

T = TypeVar("T")

LEGITIMATE = OptionsSettings(
    data_processing_consent=DataProcessingConsent(kind=DataProcessingKind.LEGITIMATE_INTEREST)
)


def server_of(api: Api) -> Server:
    server: Server = api.client.app_state["server"]
    return server


def run_async(api: Api, work: Callable[[], Awaitable[T]]) -> T:
    portal = api.client.portal
    assert portal is not None
    return portal.call(work)


def count(api: Api, table: Any, **where: Any) -> int:
    return len(rows(api, table, **where))


def add_agent(
    api: Api,
    name: str,
    *,
    capacity: int | None = 2,
    status: str = "available",
    skills: Sequence[str] = (),
    has_seat: bool = True,
    team_ids: Sequence[str] = (),
    account_id: str | None = None,
    created_offset: int = 0,
) -> tuple[str, dict[str, str]]:
    """An agent with a session; returns (user id, bearer headers). Later ``created_offset``
    sorts later in routing's stable order."""
    user_id, token = new_id("usr"), new_secret("lcs")
    account = account_id or api.account.account_id

    async def work(db: AsyncConnection) -> None:
        created = START + timedelta(seconds=1 + created_offset)
        await db.execute(
            t.users.insert().values(
                id=user_id,
                account_id=account,
                email=f"{user_id}@acme.test",
                name=name,
                avatar_url=f"https://img.test/{name}.png",
                password_hash="x",
                role="agent",
                permissions=[],
                has_seat=has_seat,
                status=status,
                capacity=capacity,
                skills=list(skills),
                idle_since=START,
                created_at=created,
            )
        )
        await db.execute(
            t.sessions.insert().values(
                token_hash=hash_secret(token),
                user_id=user_id,
                expires_at=START + timedelta(days=1),
                created_at=START,
            )
        )
        for team_id in team_ids:
            await db.execute(t.team_members.insert().values(team_id=team_id, user_id=user_id))

    run_db(api, work)
    return user_id, {"Authorization": f"Bearer {token}"}


def add_team(api: Api, name: str) -> str:
    team_id = new_id("tem")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.teams.insert().values(
                id=team_id, account_id=api.account.account_id, name=name, created_at=START
            )
        )

    run_db(api, work)
    return team_id


def set_admin_status(api: Api, status: str, capacity: int | None = None) -> None:
    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.users.update()
            .where(t.users.c.id == api.account.admin_id)
            .values(status=status, capacity=capacity)
        )

    run_db(api, work)


def add_chatflow(
    api: Api,
    *,
    assignment: AssignmentSettings | None = None,
    published: bool = True,
    options: OptionsSettings = LEGITIMATE,
    kind: WorkspaceKind = WorkspaceKind.INBOX,
    workspace_id: str | None = None,
    account_id: str | None = None,
    **overrides: Any,
) -> str:
    """A published chatflow on the account's chat inbox (data processing by legitimate
    interest unless ``options`` say otherwise)."""
    chatflow_id = new_id("cfl")
    build = overrides.pop("build", BuildSettings())
    if assignment is not None:
        build = replace(build, assignment=assignment)
    chatflow = Chatflow(
        id=chatflow_id,
        name="Support",
        workspace=Workspace(kind=kind, id=workspace_id or api.account.inbox_id),
        published=published,
        build=build,
        options=options,
        **overrides,
    )
    account = account_id or api.account.account_id

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.chatflows.insert().values(
                id=chatflow_id,
                account_id=account,
                name=chatflow.name,
                published=published,
                priority=chatflow.priority,
                settings=chatflow_to_dict(chatflow),
                version=1,
                created_at=START,
                updated_at=START,
            )
        )

    run_db(api, work)
    return chatflow_id


def add_helpdesk(api: Api) -> str:
    inbox_id = new_id("inb")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.inboxes.insert().values(
                id=inbox_id,
                account_id=api.account.account_id,
                kind="helpdesk",
                name="Helpdesk",
                chat_channel=True,
                created_at=START,
            )
        )

    run_db(api, work)
    return inbox_id


def add_survey(api: Api, question: str = "How did we do?") -> str:
    survey_id = new_id("srv")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.surveys.insert().values(
                id=survey_id,
                account_id=api.account.account_id,
                name="CSAT",
                delivery="chat",
                question=question,
                created_at=START,
            )
        )

    run_db(api, work)
    return survey_id


def add_contact(api: Api, email: str, *, owner_id: str | None = None) -> str:
    contact_id = new_id("con")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.contacts.insert().values(
                id=contact_id,
                account_id=api.account.account_id,
                email=email,
                name="",
                owner_id=owner_id,
                properties={},
                marketing=False,
                subscriptions=[],
                created_at=START,
            )
        )

    run_db(api, work)
    return contact_id


def add_visitor(
    api: Api,
    *,
    contact_id: str | None = None,
    identified: bool = False,
    account_id: str | None = None,
) -> dict[str, str]:
    """A visitor; returns the widget headers carrying its token."""
    account = account_id or api.account.account_id

    async def work(db: AsyncConnection) -> str:
        _, token = await create_visitor(
            db, account, START, contact_id=contact_id, identified=identified
        )
        return token

    return {"X-Visitor-Token": run_db(api, work)}


def widget_url(api: Api, path: str = "", account_id: str | None = None) -> str:
    return f"/widget/v1/{account_id or api.account.account_id}/conversations{path}"


def start(api: Api, visitor: dict[str, str], chatflow_id: str, **body: Any) -> dict[str, Any]:
    """Start a conversation through the widget API; returns the answer's JSON."""
    response = api.client.post(
        widget_url(api), headers=visitor, json={"chatflow_id": chatflow_id, **body}
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def say(
    api: Api, visitor: dict[str, str], conversation_id: str, text: str, client_id: str | None = None
) -> dict[str, Any]:
    response = api.client.post(
        widget_url(api, f"/{conversation_id}/messages"),
        headers=visitor,
        json={"client_id": client_id or new_id("c"), "text": text},
    )
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def conversation(api: Api, conversation_id: str) -> dict[str, Any]:
    response = api.client.get(f"/api/v1/conversations/{conversation_id}", headers=api.admin_headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


# ---------------------------------------------------------------- WebSockets


def frame(ws: WebSocketTestSession, seconds: float = 5.0) -> dict[str, Any]:
    """The next frame, or a failed test after ``seconds``."""

    async def get() -> Any:
        with anyio.fail_after(seconds):
            return await ws._send_rx.receive()

    message = ws.portal.call(get)
    if message["type"] == "websocket.close":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
    result: dict[str, Any] = json.loads(message["text"])
    return result


def no_frame(ws: WebSocketTestSession, seconds: float = 0.2) -> None:
    """Nothing arrives within ``seconds``."""

    async def get() -> Any:
        with anyio.move_on_after(seconds):
            return await ws._send_rx.receive()
        return None

    message = ws.portal.call(get)
    assert message is None, f"unexpected frame {message}"


def frames_until(
    ws: WebSocketTestSession, kind: str, seconds: float = 5.0, **match: Any
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Frames up to the first of type ``kind`` (and fields ``match``); returns it and the
    ones before it."""
    before = []
    while True:
        got = frame(ws, seconds)
        if got["type"] == kind and all(got.get(k) == v for k, v in match.items()):
            return got, before
        before.append(got)
