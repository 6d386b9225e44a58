"""The one way tests start a real server: uvicorn in a subprocess on a free 127.0.0.1 port,
configured by ``LIVECHAT_*`` variables as an operator would, and a small JSON client for it.

The browser tests (``e2e/server.py``) and the scale-out tests (``tests/scale_out``) start
their servers with :func:`server_process`; a test that needs the server to go away and come
back (on the same port and database) calls :meth:`ServerProcess.restart`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ApiClient", "ApiError", "ServerProcess", "free_port", "server_process"]


class ApiError(AssertionError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ApiClient:
    """JSON over HTTP to a live server, with an optional bearer token or visitor token."""

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
class ServerProcess:
    """A running server: its URL, the process and the file its output goes to."""

    url: str
    port: int
    environment: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "reference_server.asgi:app_from_env",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        with self.log_path.open("ab") as sink:
            self.process = subprocess.Popen(
                command, env=self.environment, stdout=sink, stderr=subprocess.STDOUT
            )
        self._wait_until_healthy()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop, then start again on the same port with the same settings (and database)."""
        self.stop()
        self.start()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)  # waiting for a process to start, not for the system under test
        raise RuntimeError(f"the server did not answer /healthz:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def server_process(
    workdir: Path,
    *,
    database_url: str,
    name: str = "server",
    redis_url: str | None = None,
    test_controls: bool = False,
    demo_data: bool = False,
    extra: Mapping[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """A server started as ``livechat serve`` would be, stopped afterwards; its output goes
    to ``workdir/<name>.log``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("LIVECHAT_")
    }
    environment.update(
        LIVECHAT_DATABASE_URL=database_url,
        LIVECHAT_PUBLIC_URL=url,
        **({"LIVECHAT_REDIS_URL": redis_url} if redis_url else {}),
        **({"LIVECHAT_TEST_CONTROLS": "1"} if test_controls else {}),
        **({"LIVECHAT_DEMO_DATA": "1"} if demo_data else {}),
        **dict(extra or {}),
    )
    server = ServerProcess(url, port, environment, workdir / f"{name}.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()
