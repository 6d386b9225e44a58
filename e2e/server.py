"""The live server the browser tests drive: uvicorn in a subprocess on a free port
(:func:`tests.live_server.server_process`, the launcher every test that needs a real server
shares), with the test controls and the demo data on and a fresh SQLite file, and short-hands
over its REST API (to set scenes up and to play the agent's side)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.live_server import ApiClient, ApiError, ServerProcess, server_process

__all__ = ["ApiClient", "ApiError", "LiveServer", "running_server"]

DEMO_ACCOUNT = "acc_demo"
DEMO_ADMIN = ("admin@demo.test", "demo-password")
AGENT_PASSWORD = "demo-password"


@dataclass
class LiveServer:
    server: ServerProcess
    last_chatflow_id: str = ""
    _users: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def log_path(self) -> Path:
        return self.server.log_path

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server is down inside the block and answers again after it, on the same port
        and database (a restart in the middle of whatever the browser is doing). Its clock is
        the real one again: the ``server`` fixture sets it for the next test."""
        self.server.stop()
        try:
            yield
        finally:
            self.server.start()

    # ------------------------------------------------------------ test controls

    def reset(self) -> None:
        """Delete everything and reseed the demo account."""
        ApiClient(self.url).post("/test-controls/reset")
        self._users.clear()

    def set_clock(self, now: datetime, *, running: bool = True) -> None:
        ApiClient(self.url).post(
            "/test-controls/clock", {"now": now.isoformat(), "running": running}
        )

    # ------------------------------------------------------------ people

    def login(self, email: str, password: str = AGENT_PASSWORD) -> ApiClient:
        session = ApiClient(self.url).post(
            "/api/v1/auth/login", {"email": email, "password": password}
        )
        return ApiClient(self.url, token=session["token"])

    def admin(self) -> ApiClient:
        return self.login(*DEMO_ADMIN)

    def users(self) -> dict[str, dict[str, Any]]:
        """The demo users by email."""
        if not self._users:
            self._users = {u["email"]: u for u in self.admin().get("/api/v1/users?limit=500")}
        return self._users

    def user_id(self, email: str) -> str:
        return str(self.users()[email]["id"])

    def inbox_id(self) -> str:
        inboxes = self.admin().get("/api/v1/inboxes")
        return str(next(i["id"] for i in inboxes if i["kind"] == "inbox" and i["chat_channel"]))

    # ------------------------------------------------------------ chatflows

    def chatflow(
        self,
        case: str,
        *,
        build: Mapping[str, Any] | None = None,
        display: Mapping[str, Any] | None = None,
        options: Mapping[str, Any] | None = None,
        language: str = "en",
        page: str = "/demo/long",
    ) -> str:
        """Publish a chatflow shown only where ``?case=<case>`` is in the URL (a query
        parameter rule beats every demo chatflow, TG6) and return that page's path. Cookie
        and data-processing consent are off unless ``options`` turns them on."""
        chosen_options: dict[str, Any] = {
            "cookie_consent": {"enabled": False},
            "data_processing_consent": {"enabled": False},
        }
        chosen_options.update(options or {})
        body = {
            "name": f"e2e {case}",
            "workspace": {"kind": "inbox", "id": self.inbox_id()},
            "language": language,
            "priority": 0,
            "published": True,
            "build": dict(build or {}),
            "target": {
                "groups": [
                    {
                        "rules": [
                            {
                                "field": "query_parameter",
                                "name": "case",
                                "operator": "is",
                                "value": case,
                            }
                        ]
                    }
                ]
            },
            "display": {"desktop": "prompt", **dict(display or {})},
            "options": chosen_options,
        }
        created = self.admin().post("/api/v1/chatflows", body)
        self.last_chatflow_id = created["id"]
        return f"{page}?case={case}"

    def identification_token(self, email: str) -> str:
        """CV7: what the site's own server asks for, with an API key, for a logged-in user."""
        key = self.admin().post(
            "/api/v1/account/api-keys", {"name": "e2e site", "scopes": ["identification:write"]}
        )["key"]
        answer = ApiClient(self.url, token=key).post(
            "/api/v1/visitor-identification/tokens", {"email": email}
        )
        return str(answer["token"])

    # ------------------------------------------------------------ a visitor without a browser

    def visitor(self, url: str) -> tuple[ApiClient, dict[str, Any]]:
        """A visitor that loaded ``url`` (the config call): its API client and the config."""
        config = ApiClient(self.url).post(
            f"/widget/v1/{DEMO_ACCOUNT}/config", {"url": self.url + url, "device": "desktop"}
        )
        return ApiClient(self.url, visitor_token=config["visitor"]["token"]), config

    def start_conversation(self, url: str, text: str = "Hello") -> dict[str, Any]:
        """A conversation started by a visitor without a browser (e.g. to fill capacity)."""
        visitor, config = self.visitor(url)
        started = visitor.post(
            f"/widget/v1/{DEMO_ACCOUNT}/conversations",
            {
                "chatflow_id": config["chatflow_id"],
                "page_url": self.url + url,
                "message": {"client_id": uuid.uuid4().hex, "text": text},
            },
        )
        return dict(started["conversation"])


@contextmanager
def running_server(workdir: Path) -> Iterator[LiveServer]:
    """Start the reference server in a subprocess; stop it afterwards."""
    with server_process(
        workdir,
        database_url=f"sqlite+aiosqlite:///{workdir / 'livechat.db'}",
        test_controls=True,
        demo_data=True,
    ) as server:
        yield LiveServer(server)
