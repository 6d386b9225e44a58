"""The live server the browser tests drive: uvicorn in a subprocess on a free port, with the
test controls and the demo data on, a fresh SQLite file, and a small JSON client for the
REST API (to set scenes up and to play the agent's side)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["ApiClient", "ApiError", "LiveServer", "running_server"]

DEMO_ACCOUNT = "acc_demo"
DEMO_ADMIN = ("admin@demo.test", "demo-password")
AGENT_PASSWORD = "demo-password"


class ApiError(AssertionError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ApiClient:
    """JSON over HTTP to the live server, with an optional bearer token or visitor token."""

    base: str
    token: str | None = None
    visitor_token: str | None = None

    def call(self, method: str, path: str, body: Any = None, *, ok: bool = True) -> Any:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.visitor_token:
            headers["X-Visitor-Token"] = self.visitor_token
        request = urllib.request.Request(
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw = error.read()
            status = error.code
        payload = json.loads(raw) if raw.strip() else None
        if ok and status >= 400:
            raise ApiError(status, payload)
        return payload

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body if body is not None else {})

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, body)

    def patch(self, path: str, body: Any) -> Any:
        return self.call("PATCH", path, body)


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    last_chatflow_id: str = ""
    _users: dict[str, dict[str, Any]] = field(default_factory=dict)

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


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # waiting for a process to start, not for the system under test
    raise RuntimeError(f"the server did not answer /healthz:\n{log.read_text(errors='replace')}")


@contextmanager
def running_server(workdir: Path) -> Iterator[LiveServer]:
    """Start the reference server in a subprocess; stop it afterwards."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "server.log"
    env = {
        **os.environ,
        "LIVECHAT_TEST_CONTROLS": "1",
        "LIVECHAT_DEMO_DATA": "1",
        "LIVECHAT_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'livechat.db'}",
        "LIVECHAT_PUBLIC_URL": url,
    }
    env.pop("LIVECHAT_REDIS_URL", None)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "reference_server.asgi:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_until_healthy(url, process, log)
        yield LiveServer(url=url, process=process, log_path=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
