"""Setting the scene for the chatflow, knowledge base, survey and widget tests: agents,
teams, inboxes and conversations straight into the store (through the running app's own
engine), and short-hands for the chatflow and widget calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from reference_server.domain.chatflow import Chatflow, Workspace, chatflow_to_dict
from reference_server.secrets import hash_secret, new_id, new_secret
from reference_server.store import schema as t

from .conftest import START, Api

T = TypeVar("T")


def run_db(api: Api, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the app's own engine (in the app's event loop)."""
    engine = api.client.app_state["server"].engine

    async def run() -> T:
        async with engine.begin() as db:
            return await work(db)

    portal = api.client.portal
    assert portal is not None
    return portal.call(run)


def rows(api: Api, table: Any, **where: Any) -> list[dict[str, Any]]:
    """Every row of ``table`` matching the column values ``where``."""

    async def work(db: AsyncConnection) -> list[dict[str, Any]]:
        query = table.select()
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return [dict(row) for row in (await db.execute(query)).mappings()]

    return run_db(api, work)


def add_agent(
    api: Api,
    name: str,
    *,
    status: str = "available",
    capacity: int | None = None,
    has_seat: bool = True,
    permissions: tuple[str, ...] = (),
    skills: tuple[str, ...] = (),
    account_id: str | None = None,
) -> tuple[str, dict[str, str]]:
    """An agent (with a session) straight into the store: their id and bearer headers."""
    user_id, token = new_id("usr"), new_secret("lcs")
    count = len(rows(api, t.users))

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.users.insert().values(
                id=user_id,
                account_id=account_id or api.account.account_id,
                email=f"{user_id}@acme.test",
                name=name,
                avatar_url=f"/avatars/{name}.png",
                password_hash="none",
                role="agent",
                permissions=list(permissions),
                has_seat=has_seat,
                status=status,
                capacity=capacity,
                skills=list(skills),
                idle_since=START,
                created_at=START + timedelta(seconds=count),
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

    run_db(api, work)
    return user_id, {"Authorization": f"Bearer {token}"}


def set_status(api: Api, user_id: str, status: str) -> None:
    """CV4 through the users API, as the admin."""
    response = api.client.put(
        f"/api/v1/users/{user_id}/status", json={"status": status}, headers=api.admin_headers
    )
    assert response.status_code == 200, response.text


def add_team(api: Api, name: str, members: list[str]) -> str:
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


def add_conversations(api: Api, assignee_id: str, count: int, status: str = "assigned") -> None:
    """``count`` conversations held by ``assignee_id`` (each with its own visitor)."""

    async def work(db: AsyncConnection) -> None:
        for _ in range(count):
            visitor_id = new_id("vis")
            await db.execute(
                t.visitors.insert().values(
                    id=visitor_id,
                    account_id=api.account.account_id,
                    token_hash=hash_secret(new_secret("lcv")),
                    contact_id=None,
                    identified=False,
                    created_at=START,
                    last_seen_at=START,
                )
            )
            await db.execute(
                t.conversations.insert().values(
                    id=new_id("cnv"),
                    account_id=api.account.account_id,
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


def add_survey(api: Api, *, delivery: str = "chat") -> str:
    response = api.client.post(
        "/api/v1/surveys",
        json={"name": "CSAT", "delivery": delivery, "question": "How did we do?"},
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


def config(api: Api, url: str = "https://acme.test/", **fields: Any) -> Any:
    """The loader's config call for ``url``."""
    return api.client.post(
        f"/widget/v1/{api.account.account_id}/config", json={"url": url, **fields}
    )


def config_json(api: Api, url: str = "https://acme.test/", **fields: Any) -> dict[str, Any]:
    response = config(api, url, **fields)
    assert response.status_code == 200, response.text
    return dict(response.json())


def chatflow_row(api: Api, chatflow_id: str) -> dict[str, Any]:
    (row,) = rows(api, t.chatflows, id=chatflow_id)
    return row


def foreign_account(api: Api) -> str:
    """A second account on the same server (with an inbox), for the cross-account cases."""
    account_id = new_id("acc")

    async def work(db: AsyncConnection) -> None:
        await db.execute(t.accounts.insert().values(id=account_id, name="Other", created_at=START))
        await db.execute(
            t.inboxes.insert().values(
                id=f"inb_{account_id}",
                account_id=account_id,
                kind="inbox",
                name="Other",
                chat_channel=True,
                created_at=START,
            )
        )

    run_db(api, work)
    return account_id


def foreign_chatflow(api: Api, account_id: str, **settings: Any) -> str:
    """A published chatflow of another account, straight into the store."""
    chatflow = Chatflow(
        id=new_id("cfl"),
        name="Theirs",
        workspace=Workspace(id=f"inb_{account_id}"),
        published=True,
        **settings,
    )

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.chatflows.insert().values(
                id=chatflow.id,
                account_id=account_id,
                name=chatflow.name,
                published=True,
                priority=chatflow.priority,
                settings=chatflow_to_dict(chatflow),
                version=1,
                created_at=START,
                updated_at=START,
            )
        )

    run_db(api, work)
    return chatflow.id
