"""Scale-out for real: two server processes sharing one PostgreSQL database and one Redis.

A visitor talks to one server while the agent works on the other: messages must cross
between them through Redis, and conversations started on both at once must never push an
agent over their limit (routing serialises on a PostgreSQL advisory lock). Skipped only
outside CI when PostgreSQL or Redis does not answer; in CI both must be there.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
import websockets

from reference_server.settings import Settings

from ..databases import fresh_postgres_database
from ..live_server import ApiClient, server_process
from ..server.conftest import bootstrap

REDIS_URL = os.environ.get("LIVECHAT_TEST_REDIS", "redis://127.0.0.1:6379/0")


def require_redis() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    except redis.RedisError as error:
        message = f"Redis at {REDIS_URL} does not answer: {error}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the scale-out tests)")
        pytest.skip(message)


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[str, str, Any]]:
    require_redis()
    with fresh_postgres_database() as database_url, ExitStack() as stack:
        account = bootstrap(Settings(database_url=database_url))
        first, second = (
            stack.enter_context(
                server_process(tmp_path, name=name, database_url=database_url, redis_url=REDIS_URL)
            ).url
            for name in ("first", "second")
        )
        yield first, second, account


def admin_on(url: str) -> ApiClient:
    session = ApiClient(url).post(
        "/api/v1/auth/login", {"email": "admin@acme.test", "password": "correct horse"}
    )
    return ApiClient(url, token=session["token"])


def publish_chatflow(admin: ApiClient, inbox_id: str) -> str:
    created = admin.post(
        "/api/v1/chatflows",
        {
            "name": "Everywhere",
            "workspace": {"kind": "inbox", "id": inbox_id},
            "published": True,
            "options": {
                "cookie_consent": {"enabled": False},
                "data_processing_consent": {"enabled": False},
            },
        },
    )
    return str(created["id"])


def make_agent(admin: ApiClient, email: str, capacity: int) -> str:
    user = admin.post(
        "/api/v1/users",
        {
            "email": email,
            "name": email.split("@")[0],
            "password": "agent password",
            "role": "agent",
            "has_seat": True,
            "capacity": capacity,
        },
    )
    admin.put(f"/api/v1/users/{user['id']}/status", {"status": "available"})
    return str(user["id"])


def start_conversation(url: str, account_id: str, page: str) -> dict[str, Any]:
    config = ApiClient(url).post(
        f"/widget/v1/{account_id}/config", {"url": page, "device": "desktop"}
    )
    visitor = ApiClient(url, visitor_token=config["visitor"]["token"])
    started = visitor.post(
        f"/widget/v1/{account_id}/conversations",
        {
            "chatflow_id": config["chatflow_id"],
            "page_url": page,
            "message": {"client_id": uuid.uuid4().hex, "text": "Hello from a visitor"},
        },
    )
    return dict(started["conversation"])


@pytest.mark.feature("CV1", "RT5", "AV8")
def test_conversations_started_on_two_servers_at_once_never_exceed_capacity(
    two_servers: tuple[str, str, Any],
) -> None:
    first, second, account = two_servers
    admin = admin_on(first)
    publish_chatflow(admin, account.inbox_id)
    agents = {make_agent(admin, f"agent{i}@acme.test", capacity=2) for i in range(2)}
    pages = [(first if i % 2 else second, f"https://acme.test/page/{i}") for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        started = list(
            pool.map(lambda p: start_conversation(p[0], account.account_id, p[1]), pages)
        )
    assert len({c["id"] for c in started}) == 16
    everything = admin.get("/api/v1/conversations?view=all&limit=200")
    assigned = [c for c in everything if c["status"] == "assigned"]
    assert len(assigned) == 4  # two agents with room for two each, whichever server routed
    for agent in agents:
        assert sum(c["assignee_id"] == agent for c in assigned) == 2
    assert sum(c["status"] == "waiting" for c in everything) == 12


@pytest.mark.feature("CV1")
def test_an_agent_on_one_server_chats_with_a_visitor_on_the_other(
    two_servers: tuple[str, str, Any],
) -> None:
    first, second, account = two_servers
    admin_first = admin_on(first)
    chatflow_id = publish_chatflow(admin_first, account.inbox_id)
    make_agent(admin_first, "agent@acme.test", capacity=3)
    agent = ApiClient(
        second,
        token=ApiClient(second).post(
            "/api/v1/auth/login", {"email": "agent@acme.test", "password": "agent password"}
        )["token"],
    )
    config = ApiClient(first).post(
        f"/widget/v1/{account.account_id}/config",
        {"url": "https://acme.test/", "device": "desktop"},
    )
    ticket = ApiClient(first, visitor_token=config["visitor"]["token"]).post(
        f"/widget/v1/{account.account_id}/socket-ticket"
    )["ticket"]

    async def chat() -> list[dict[str, Any]]:
        ws_first = first.replace("http://", "ws://")
        visitor_url = f"{ws_first}/ws/visitor?account_id={account.account_id}&ticket={ticket}"
        async with websockets.connect(visitor_url) as visitor:
            await visitor.send(
                json.dumps(
                    {
                        "type": "start",
                        "chatflow_id": chatflow_id,
                        "page_url": "https://acme.test/",
                        "message": {"client_id": "c1", "text": "Is anyone there?"},
                    }
                )
            )
            frames: list[dict[str, Any]] = []
            conversation_id = None
            while conversation_id is None:
                frame = json.loads(await asyncio.wait_for(visitor.recv(), 10))
                frames.append(frame)
                if frame.get("type") == "started":
                    conversation_id = frame["conversation"]["id"]
            # The agent answers through the *other* server; Redis carries it across.
            await asyncio.to_thread(
                agent.post,
                f"/api/v1/conversations/{conversation_id}/messages",
                {"client_id": "a1", "text": "Yes, how can I help?"},
            )
            while not any(
                f.get("type") == "message"
                and f.get("message", {}).get("text") == "Yes, how can I help?"
                for f in frames
            ):
                frames.append(json.loads(await asyncio.wait_for(visitor.recv(), 10)))
            return frames

    frames = asyncio.run(chat())
    assert any(f.get("type") == "ack" for f in frames)  # the visitor's message was stored


PROPAGATION = 1.0  # seconds: well under the age at which a server reads again regardless


def seen_within(seconds: float, check: Callable[[], bool]) -> bool:
    """Whether ``check`` comes true within ``seconds`` (the other server hears of a write
    through Redis, a moment after the write's answer)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.feature("AV1", "AV7", "CV4")
def test_a_change_made_on_one_server_shows_in_the_other_servers_page_views(
    two_servers: tuple[str, str, Any],
) -> None:
    first, second, account = two_servers
    admin_first, admin_second = admin_on(first), admin_on(second)
    chatflow_id = publish_chatflow(admin_first, account.inbox_id)
    agent = make_agent(admin_first, "agent@acme.test", capacity=1)
    path = f"/widget/v1/{account.account_id}/config"
    page = {"url": "https://acme.test/", "device": "desktop"}
    token = ApiClient(first).post(path, page)["visitor"]["token"]

    def on_first() -> dict[str, Any]:  # the returning visitor's page view on the first server
        return dict(ApiClient(first).post(path, {**page, "visitor_token": token}))

    assert on_first()["availability"]["state"] == "available"
    admin_second.put(f"/api/v1/users/{agent}/status", {"status": "away"})
    assert seen_within(PROPAGATION, lambda: on_first()["availability"]["state"] == "away")
    admin_second.put(f"/api/v1/users/{agent}/status", {"status": "available"})
    assert seen_within(PROPAGATION, lambda: on_first()["availability"]["state"] == "available")
    start_conversation(second, account.account_id, "https://acme.test/other")  # capacity full
    assert seen_within(PROPAGATION, lambda: on_first()["availability"]["state"] == "at_capacity")
    admin_second.patch(f"/api/v1/chatflows/{chatflow_id}/display", {"accent_color": "#123456"})
    assert seen_within(PROPAGATION, lambda: on_first()["accent_color"] == "#123456")
