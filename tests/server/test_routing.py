"""Routing on the server (RT1-RT5, AV8): who gets a new conversation, the waiting queue,
and that nobody ever goes over their limit — also when many conversations start at once,
in one process (SQLite) and across workers (PostgreSQL)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from reference_server.clock import ControllableClock
from reference_server.domain.chatflow import (
    AssignmentSettings,
    Language,
    RoutingStrategy,
    SkillRule,
)
from reference_server.domain.consent import ConsentGiven
from reference_server.realtime.broadcast import LocalBroadcast
from reference_server.services.capacity import on_capacity_changed
from reference_server.services.conversations import start_conversation
from reference_server.settings import Settings
from reference_server.state import Server
from reference_server.store import schema as t
from reference_server.store.bootstrap import create_account
from reference_server.store.counters import LocalCounters
from reference_server.store.database import migrate, open_engine
from reference_server.store.visitors import create_visitor

from .conftest import START, Api
from .scene import (
    add_agent,
    add_chatflow,
    add_contact,
    add_team,
    add_visitor,
    conversation,
    rows,
    run_async,
    run_db,
    server_of,
    start,
)
from .test_basics import assert_error


def _status(api: Api, chat: str) -> tuple[str, str | None]:
    row = rows(api, t.conversations, id=chat)[0]
    return row["status"], row["assignee_id"]


def _held(api: Api) -> Counter[str]:
    return Counter(row["assignee_id"] for row in rows(api, t.conversations, status="assigned"))


@pytest.mark.feature("RT2")
def test_with_assignment_off_conversations_arrive_unassigned(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    chatflow_id = add_chatflow(api, assignment=AssignmentSettings(enabled=False))
    chat = start(api, add_visitor(api), chatflow_id)["conversation"]
    assert chat["status"] == "unassigned" and chat["agent"] is None
    listed = api.client.get("/api/v1/conversations?view=unassigned", headers=api.admin_headers)
    assert [c["id"] for c in listed.json()] == [chat["id"]]
    assert _held(api) == Counter()


@pytest.mark.feature("RT1")
def test_only_the_named_users_and_teams_get_conversations(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    team = add_team(api, "Sales")
    bob, _ = add_agent(api, "Bob", capacity=5, team_ids=[team])
    cid, _ = add_agent(api, "Cid", capacity=5)
    chatflow_id = add_chatflow(
        api,
        assignment=AssignmentSettings(
            user_ids=(cid,), team_ids=(team,), strategy=RoutingStrategy.ROUND_ROBIN
        ),
    )
    got = {start(api, add_visitor(api), chatflow_id)["conversation"]["id"] for _ in range(4)}
    assert set(_held(api)) == {bob, cid}
    assert sum(_held(api).values()) == len(got)


@pytest.mark.feature("RT3")
def test_skill_rules_route_by_the_conversations_properties(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    nora, _ = add_agent(api, "Nora", capacity=5, skills=["norwegian"])
    chatflow_id = add_chatflow(
        api,
        language=Language.NB,
        assignment=AssignmentSettings(skill_rules=(SkillRule("language", "nb", ("norwegian",)),)),
    )
    for _ in range(3):
        chat = start(api, add_visitor(api), chatflow_id)
        assert conversation(api, chat["conversation"]["id"])["assignee_id"] == nora


@pytest.mark.feature("RT3")
def test_a_client_cannot_route_itself_to_another_languages_agents(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=5, skills=["english"])
    add_agent(api, "Nora", capacity=5, skills=["norwegian"])
    rules = (
        SkillRule("language", "nb", ("norwegian",)),
        SkillRule("language", "en", ("english",)),
    )
    chatflow_id = add_chatflow(api, assignment=AssignmentSettings(skill_rules=rules))
    for _ in range(3):
        chat = start(api, add_visitor(api), chatflow_id, properties={"language": "nb"})
        assert conversation(api, chat["conversation"]["id"])["assignee_id"] == ann


@pytest.mark.feature("RT3", "RT5")
def test_a_conversation_nobody_has_the_skills_for_waits(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    chatflow_id = add_chatflow(
        api, assignment=AssignmentSettings(skill_rules=(SkillRule("topic", "legal", ("law",)),))
    )
    chat = start(api, add_visitor(api), chatflow_id, properties={"topic": "legal"})
    assert chat["conversation"]["status"] == "waiting"


@pytest.mark.feature("RT4")
def test_the_contacts_owner_gets_the_conversation(api: Api) -> None:
    add_agent(api, "Ann", capacity=5)
    owner, _ = add_agent(api, "Olga", capacity=5)
    contact_id = add_contact(api, "kari@example.com", owner_id=owner)
    chatflow_id = add_chatflow(api, assignment=AssignmentSettings(contact_owner_first=True))
    plain = start(api, add_visitor(api), chatflow_id)["conversation"]["id"]
    assert conversation(api, plain)["assignee_id"] != owner  # least busy: Ann first
    known = start(api, add_visitor(api, contact_id=contact_id), chatflow_id)
    assert conversation(api, known["conversation"]["id"])["assignee_id"] == owner


@pytest.mark.feature("RT5")
def test_round_robin_takes_turns_and_remembers_its_place(api: Api) -> None:
    agents = [add_agent(api, name, capacity=10)[0] for i, name in enumerate(("Ann", "Bob", "Cid"))]
    chatflow_id = add_chatflow(
        api, assignment=AssignmentSettings(strategy=RoutingStrategy.ROUND_ROBIN)
    )
    order = [
        conversation(api, start(api, add_visitor(api), chatflow_id)["conversation"]["id"])[
            "assignee_id"
        ]
        for _ in range(5)
    ]
    assert order == [agents[0], agents[1], agents[2], agents[0], agents[1]]
    [state] = rows(api, t.routing_state, account_id=api.account.account_id)
    assert state["last_assigned_id"] == agents[1]


@pytest.mark.feature("RT5", "AV8")
def test_when_everyone_is_full_conversations_wait_and_the_longest_waiting_goes_first(
    api: Api,
) -> None:
    ann, ann_headers = add_agent(api, "Ann", capacity=1)
    chatflow_id = add_chatflow(api)
    held = start(api, add_visitor(api), chatflow_id)["conversation"]["id"]
    waiting = []
    for _ in range(3):
        api.clock.advance(timedelta(minutes=1))
        waiting.append(start(api, add_visitor(api), chatflow_id)["conversation"]["id"])
    assert [_status(api, chat)[0] for chat in waiting] == ["waiting"] * 3
    queued = api.client.get("/api/v1/conversations?view=unassigned", headers=ann_headers).json()
    assert [c["id"] for c in queued] == waiting
    closed = api.client.post(f"/api/v1/conversations/{held}/close", headers=ann_headers)
    assert closed.status_code == 200
    assert _status(api, waiting[0]) == ("assigned", ann)
    assert [_status(api, chat)[0] for chat in waiting[1:]] == ["waiting", "waiting"]
    api.client.post(
        f"/api/v1/conversations/{waiting[0]}/transfer",
        headers=ann_headers,
        json={"user_id": api.account.admin_id},
    )
    assert _status(api, waiting[1]) == ("assigned", ann)  # transferring away freed Ann
    assert _held(api)[ann] == 1


@pytest.mark.feature("RT5", "AV1")
def test_an_agent_becoming_available_serves_the_queue(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=2, status="away")
    chatflow_id = add_chatflow(api)
    chats = []
    for _ in range(3):
        chats.append(start(api, add_visitor(api), chatflow_id)["conversation"]["id"])
        api.clock.advance(timedelta(seconds=10))
    assert all(_status(api, chat)[0] == "waiting" for chat in chats)

    async def available(db: AsyncConnection) -> None:
        await db.execute(t.users.update().where(t.users.c.id == ann).values(status="available"))

    run_db(api, available)
    run_async(api, lambda: on_capacity_changed(server_of(api), api.account.account_id))
    assert [_status(api, chat)[0] for chat in chats] == ["assigned", "assigned", "waiting"]
    assert _held(api)[ann] == 2


@pytest.mark.feature("AV8")
def test_raising_a_limit_through_the_users_api_serves_the_queue(api: Api) -> None:
    ann, _ = add_agent(api, "Ann", capacity=1)
    chatflow_id = add_chatflow(api)
    chats = [start(api, add_visitor(api), chatflow_id)["conversation"]["id"] for _ in range(3)]
    assert _held(api)[ann] == 1
    raised = api.client.patch(
        f"/api/v1/users/{ann}", headers=api.admin_headers, json={"capacity": 3}
    )
    assert raised.status_code == 200, raised.text
    assert all(_status(api, chat) == ("assigned", ann) for chat in chats)


@pytest.mark.feature("RT5", "AV8")
def test_a_burst_of_thirty_simultaneous_starts_never_exceeds_capacity(api: Api) -> None:
    agents = [add_agent(api, name, capacity=2)[0] for i, name in enumerate(("Ann", "Bob", "Cid"))]
    chatflow_id = add_chatflow(api)
    server = server_of(api)
    visitors = [_visitor_id(api) for _ in range(30)]

    async def burst() -> list[Any]:
        return await asyncio.gather(
            *(
                start_conversation(
                    server,
                    api.account.account_id,
                    visitor,
                    chatflow_id=chatflow_id,
                    page_url="",
                    properties={},
                    consent=ConsentGiven(),
                    first_message=None,
                )
                for visitor in visitors
            )
        )

    started = run_async(api, burst)
    assert len(started) == 30
    held = _held(api)
    assert set(held) == set(agents) and all(n == 2 for n in held.values())
    assert len(rows(api, t.conversations, status="waiting")) == 24


@pytest.mark.feature("RT5", "AV8")
def test_threads_starting_at_once_over_http_never_exceed_capacity(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor

    add_agent(api, "Ann", capacity=3)
    add_agent(api, "Bob", capacity=1)
    chatflow_id = add_chatflow(api)
    visitors = [add_visitor(api) for _ in range(12)]

    def go(visitor: dict[str, str]) -> int:
        return api.client.post(
            f"/widget/v1/{api.account.account_id}/conversations",
            headers=visitor,
            json={"chatflow_id": chatflow_id},
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(go, visitors))
    assert codes == [201] * 12
    assert sorted(_held(api).values()) == [1, 3]


def _visitor_id(api: Api) -> str:
    async def work(db: AsyncConnection) -> str:
        row, _ = await create_visitor(db, api.account.account_id, START)
        return str(row["id"])

    return run_db(api, work)


def test_starting_on_an_unknown_chatflow_is_refused(api: Api) -> None:
    response = api.client.post(
        f"/widget/v1/{api.account.account_id}/conversations",
        headers=add_visitor(api),
        json={"chatflow_id": "cfl_gone"},
    )
    assert_error(response, 422, "validation_failed")
    assert rows(api, t.conversations) == []


# ---------------------------------------------------------------- several workers (PostgreSQL)


POSTGRES = os.environ.get("LIVECHAT_TEST_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")


async def _postgres_database() -> str | None:
    admin = sa.ext.asyncio.create_async_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    name = f"livechat_test_{secrets.token_hex(4)}"
    try:
        async with admin.connect() as db:
            await db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception:
        return None
    finally:
        await admin.dispose()
    return name


async def _drop(name: str) -> None:
    admin = sa.ext.asyncio.create_async_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as db:
            await db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _seed(engine: AsyncEngine) -> tuple[str, list[str], str, list[str]]:
    from reference_server.domain.chatflow import Chatflow, Workspace, chatflow_to_dict
    from reference_server.secrets import new_id

    from .scene import LEGITIMATE

    account = await create_account(
        engine, START, name="Acme", admin_email="a@acme.test", admin_password="pw"
    )
    agents = [new_id("usr") for _ in range(4)]
    chatflow = Chatflow(
        id=new_id("cfl"),
        name="Support",
        published=True,
        options=LEGITIMATE,
        workspace=Workspace(id=account.inbox_id),
    )
    async with engine.begin() as db:
        for i, agent in enumerate(agents):
            await db.execute(
                t.users.insert().values(
                    id=agent,
                    account_id=account.account_id,
                    email=f"{agent}@acme.test",
                    name=agent,
                    password_hash="x",
                    role="agent",
                    permissions=[],
                    has_seat=True,
                    status="available",
                    capacity=3,
                    skills=[],
                    idle_since=START,
                    created_at=START + timedelta(seconds=i),
                )
            )
        await db.execute(
            t.chatflows.insert().values(
                id=chatflow.id,
                account_id=account.account_id,
                name="Support",
                published=True,
                priority=100,
                settings=chatflow_to_dict(chatflow),
                version=1,
                created_at=START,
                updated_at=START,
            )
        )
        visitors = []
        for _ in range(40):
            row, _ = await create_visitor(db, account.account_id, START)
            visitors.append(row["id"])
    return account.account_id, agents, chatflow.id, visitors


@pytest.mark.feature("RT5", "AV8")
async def test_two_workers_on_postgresql_never_push_anyone_over_their_limit() -> None:
    name = await _postgres_database()
    if name is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL does not answer at " + POSTGRES)
        pytest.skip("PostgreSQL does not answer at " + POSTGRES)
    settings = Settings(database_url=f"{POSTGRES}/{name}")
    workers = [open_engine(settings), open_engine(settings)]
    try:
        await migrate(workers[0])
        account_id, agents, chatflow_id, visitors = await _seed(workers[0])
        servers = [
            Server(
                settings=settings,
                clock=ControllableClock(START, running=False),
                engine=engine,
                broadcast=LocalBroadcast(),
                counters=LocalCounters(),
            )
            for engine in workers
        ]
        # Each worker has its own process lock: only the database's lock keeps them apart.
        await asyncio.gather(
            *(
                start_conversation(
                    servers[i % 2],
                    account_id,
                    visitor,
                    chatflow_id=chatflow_id,
                    page_url="",
                    properties={},
                    consent=ConsentGiven(),
                    first_message=None,
                )
                for i, visitor in enumerate(visitors)
            )
        )
        async with workers[1].connect() as db:
            held = Counter(
                (
                    await db.execute(
                        sa.select(t.conversations.c.assignee_id).where(
                            t.conversations.c.status == "assigned"
                        )
                    )
                ).scalars()
            )
            waiting = (
                await db.execute(
                    sa.select(sa.func.count())
                    .select_from(t.conversations)
                    .where(t.conversations.c.status == "waiting")
                )
            ).scalar_one()
        assert held == dict.fromkeys(agents, 3)
        assert waiting == 40 - 12
    finally:
        for engine in workers:
            await engine.dispose()
        await _drop(name)
