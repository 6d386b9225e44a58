"""Setting the scene for the server tests, in one place.

- **The store**, through the running app's own engine and event loop: :func:`run_db`,
  :func:`rows`, :func:`count`; agents with a session (:func:`add_agent`), teams, inboxes,
  helpdesks, chatflows (:func:`add_chatflow`, in the stored plain-dict form), contacts,
  visitors, conversations, a second account (:func:`other_account`).
- **The API, as its users call it**: users created and logged in by the admin
  (:func:`add_user`), status changes (:func:`set_status`), chatflows created and published
  through ``/api/v1/chatflows``, surveys and knowledge bases, the loader's config call.
- **The widget, as the shipped widget talks**: its REST calls (:func:`start`, :func:`say`)
  and its WebSocket frames (:func:`widget_start`: the ``start`` frame exactly as
  ``web/static/widget.js`` sends it), read with a timeout (:func:`frame`, :func:`no_frame`,
  :func:`frames_until`: a missing frame fails the test instead of hanging it).
- **The clock**, through the test controls (:func:`advance_clock`), so that whatever the
  server does when its clock moves (queue timeouts) happens as it does on a live server.
"""

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

from reference_server.api.widget import WidgetConfigOut
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
from reference_server.store.bootstrap import NewAccount, create_account
from reference_server.store.visitors import create_visitor

from .conftest import START, Api

T = TypeVar("T")

PASSWORD = "agent password"
LEGITIMATE = OptionsSettings(
    data_processing_consent=DataProcessingConsent(kind=DataProcessingKind.LEGITIMATE_INTEREST)
)
"""Data processing by legitimate interest: a visitor may write without clicking "I agree"."""


# ---------------------------------------------------------------- the store


def server_of(api: Api) -> Server:
    server: Server = api.client.app_state["server"]
    return server


def run_async(api: Api, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` in the app's event loop."""
    portal = api.client.portal
    assert portal is not None
    return portal.call(work)


def run_db(api: Api, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the app's own engine (in the app's event loop)."""

    async def run() -> T:
        async with server_of(api).engine.begin() as db:
            return await work(db)

    return run_async(api, run)


def rows(api: Api, table: Any, **where: Any) -> list[dict[str, Any]]:
    """Every row of ``table`` matching the column values ``where``."""

    async def work(db: AsyncConnection) -> list[dict[str, Any]]:
        query = table.select()
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return [dict(row) for row in (await db.execute(query)).mappings()]

    return run_db(api, work)


def count(api: Api, table: Any, **where: Any) -> int:
    return len(rows(api, table, **where))


def add_agent(
    api: Api,
    name: str,
    *,
    status: str = "available",
    capacity: int | None = None,
    has_seat: bool = True,
    permissions: Sequence[str] = (),
    skills: Sequence[str] = (),
    team_ids: Sequence[str] = (),
    account_id: str | None = None,
) -> tuple[str, dict[str, str]]:
    """An agent with a session, straight into the store: their id and bearer headers.
    Agents sort in the order they are added (routing's stable order)."""
    user_id, token = new_id("usr"), new_secret("lcs")
    created = START + timedelta(seconds=1 + count(api, t.users))

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.users.insert().values(
                id=user_id,
                account_id=account_id or api.account.account_id,
                email=f"{user_id}@acme.test",
                name=name,
                avatar_url=f"https://img.test/{name}.png",
                password_hash="none",
                role="agent",
                permissions=list(permissions),
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
                expires_at=START + timedelta(days=30),
                created_at=START,
            )
        )
        for team_id in team_ids:
            await db.execute(t.team_members.insert().values(team_id=team_id, user_id=user_id))

    run_db(api, work)
    return user_id, {"Authorization": f"Bearer {token}"}


def add_team(api: Api, name: str, members: Sequence[str] = ()) -> str:
    team_id = new_id("team")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.teams.insert().values(
                id=team_id, account_id=api.account.account_id, name=name, created_at=START
            )
        )
        for user_id in members:
            await db.execute(t.team_members.insert().values(team_id=team_id, user_id=user_id))

    run_db(api, work)
    return team_id


def add_inbox(api: Api, *, chat_channel: bool = True, kind: str = "inbox") -> str:
    """An inbox (or, with ``kind="helpdesk"``, a helpdesk) of the test account."""
    inbox_id = new_id("inb")

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.inboxes.insert().values(
                id=inbox_id,
                account_id=api.account.account_id,
                kind=kind,
                name=inbox_id,
                chat_channel=chat_channel,
                created_at=START,
            )
        )

    run_db(api, work)
    return inbox_id


def add_chatflow(
    api: Api,
    *,
    name: str = "Support",
    assignment: AssignmentSettings | None = None,
    published: bool = True,
    options: OptionsSettings = LEGITIMATE,
    kind: WorkspaceKind = WorkspaceKind.INBOX,
    workspace_id: str | None = None,
    account_id: str | None = None,
    **overrides: Any,
) -> str:
    """A chatflow straight into the store (published, on the account's chat inbox, data
    processing by legitimate interest unless told otherwise); ``overrides`` are fields of
    :class:`Chatflow` (``build=…``, ``language=…``, …)."""
    chatflow_id = new_id("cfl")
    build = overrides.pop("build", BuildSettings())
    if assignment is not None:
        build = replace(build, assignment=assignment)
    chatflow = Chatflow(
        id=chatflow_id,
        name=name,
        workspace=Workspace(kind=kind, id=workspace_id or api.account.inbox_id),
        published=published,
        build=build,
        options=options,
        **overrides,
    )

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.chatflows.insert().values(
                id=chatflow_id,
                account_id=account_id or api.account.account_id,
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


def add_conversations(
    api: Api,
    assignee_id: str | None,
    number: int = 1,
    *,
    status: str = "assigned",
    account_id: str | None = None,
) -> list[str]:
    """``number`` conversations (each with its own visitor) straight into the store."""
    account = account_id or api.account.account_id
    ids = [new_id("cnv") for _ in range(number)]

    async def work(db: AsyncConnection) -> None:
        for conversation_id in ids:
            visitor_id = new_id("vis")
            await db.execute(
                t.visitors.insert().values(
                    id=visitor_id,
                    account_id=account,
                    token_hash=hash_secret(new_secret("lcv")),
                    contact_id=None,
                    identified=False,
                    created_at=START,
                    last_seen_at=START,
                )
            )
            await db.execute(
                t.conversations.insert().values(
                    id=conversation_id,
                    account_id=account,
                    visitor_id=visitor_id,
                    status=status,
                    assignee_id=assignee_id,
                    language="en",
                    properties={},
                    consent={},
                    created_at=START,
                )
            )

    run_db(api, work)
    return ids


def other_account(api: Api) -> NewAccount:
    """A second account on the same server (with its admin, API key and chat inbox), for
    the cross-account cases."""
    email = f"boss.{new_id('x')}@other.test"

    async def work() -> NewAccount:
        return await create_account(
            server_of(api).engine,
            START,
            name="Other",
            admin_email=email,
            admin_password="other password",
        )

    return run_async(api, work)


# ---------------------------------------------------------------- the API


def add_user(api: Api, email: str, **fields: Any) -> tuple[str, dict[str, str]]:
    """Create a user as the admin (a second after the one before, so lists have a stable
    order), log them in; their id and bearer headers."""
    api.clock.advance(timedelta(seconds=1))
    response = api.client.post(
        "/api/v1/users",
        headers=api.admin_headers,
        json={"email": email, "name": email.split("@")[0], "password": PASSWORD, **fields},
    )
    assert response.status_code == 201, response.text
    login = api.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    api.client.cookies.clear()
    return response.json()["id"], {"Authorization": f"Bearer {login.json()['token']}"}


def set_status(api: Api, user_id: str, status: str, headers: dict[str, str] | None = None) -> None:
    """CV4 through the users API: as the admin, or as the user with their own headers."""
    response = api.client.put(
        f"/api/v1/users/{user_id}/status",
        json={"status": status},
        headers=headers or api.admin_headers,
    )
    assert response.status_code == 200, response.text


def add_survey(api: Api, question: str = "How did we do?", *, delivery: str = "chat") -> str:
    response = api.client.post(
        "/api/v1/surveys",
        json={"name": "CSAT", "delivery": delivery, "question": question},
        headers=api.admin_headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def add_knowledge_base(api: Api, articles: tuple[tuple[str, str], ...] = ()) -> str:
    response = api.client.post(
        "/api/v1/knowledge-bases", json={"name": "Help"}, headers=api.admin_headers
    )
    assert response.status_code == 201, response.text
    kb_id = str(response.json()["id"])
    for title, body in articles:
        created = api.client.post(
            f"/api/v1/knowledge-bases/{kb_id}/articles",
            json={"title": title, "body": body},
            headers=api.admin_headers,
        )
        assert created.status_code == 201, created.text
    return kb_id


def create_chatflow(api: Api, name: str = "Sales", **fields: Any) -> dict[str, Any]:
    """A chatflow in the account's chat inbox, created through the API as the admin."""
    body = {"name": name, "workspace": {"kind": "inbox", "id": api.account.inbox_id}, **fields}
    response = api.client.post("/api/v1/chatflows", json=body, headers=api.admin_headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def published(api: Api, name: str = "Sales", **fields: Any) -> dict[str, Any]:
    """A published chatflow (``published=True`` at creation)."""
    return create_chatflow(api, name, published=True, **fields)


def pages(*paths: str) -> dict[str, Any]:
    """A target section showing the chatflow on pages whose path starts with any of ``paths``."""
    return {
        "groups": [
            {"rules": [{"field": "page_url", "operator": "starts_with", "value": path}]}
            for path in paths
        ]
    }


def chatflow_row(api: Api, chatflow_id: str) -> dict[str, Any]:
    (row,) = rows(api, t.chatflows, id=chatflow_id)
    return row


def conversation(api: Api, conversation_id: str) -> dict[str, Any]:
    """The conversation as the inbox reads it (``GET /api/v1/conversations/{id}``)."""
    response = api.client.get(f"/api/v1/conversations/{conversation_id}", headers=api.admin_headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def advance_clock(api: Api, seconds: float) -> None:
    """Move the server's clock on through the test controls (as scenario suites and browser
    tests do): whatever falls due meanwhile (queue timeouts) happens."""
    response = api.client.post("/test-controls/clock", json={"advance_seconds": seconds})
    assert response.status_code == 200, response.text


# ---------------------------------------------------------------- the widget


def config(api: Api, url: str = "https://acme.test/", **fields: Any) -> Any:
    """The loader's config call for ``url``."""
    return api.client.post(
        f"/widget/v1/{api.account.account_id}/config", json={"url": url, **fields}
    )


def config_json(api: Api, url: str = "https://acme.test/", **fields: Any) -> dict[str, Any]:
    response = config(api, url, **fields)
    assert response.status_code == 200, response.text
    # The answer is written without its model: it must be exactly what the model writes.
    assert WidgetConfigOut.model_validate_json(response.content).model_dump_json() == response.text
    return dict(response.json())


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


def visitor_socket_url(api: Api, visitor_token: str) -> str:
    """Where the widget opens its socket: with a single-use ticket it asks for first (the
    visitor token itself never goes into a URL)."""
    answer = api.client.post(
        f"/widget/v1/{api.account.account_id}/socket-ticket",
        headers={"X-Visitor-Token": visitor_token},
    )
    assert answer.status_code == 201, answer.text
    return f"/ws/visitor?account_id={api.account.account_id}&ticket={answer.json()['ticket']}"


def widget_start(
    ws: WebSocketTestSession,
    config: dict[str, Any],
    page_url: str,
    text: str = "Hello",
    *,
    consent: dict[str, bool] | None = None,
    ref: str = "start-c1",
) -> None:
    """The ``start`` frame exactly as the shipped widget sends it (``widget/widget.js``,
    ``startWith``): the chatflow from the config, the page, ``properties: {}``, ``consent:
    {}`` (the server keeps the visitor's answers) and the first message."""
    ws.send_json(
        {
            "type": "start",
            "ref": ref,
            "chatflow_id": config["chatflow_id"],
            "page_url": page_url,
            "properties": {},
            "consent": consent or {},
            "message": {"client_id": ref.removeprefix("start-"), "text": text},
        }
    )


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
