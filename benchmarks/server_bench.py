"""How fast is the reference server? A script that prints figures (not a timed test).

Run: ``.venv/bin/python benchmarks/server_bench.py --quick`` (``--help`` for options).

It starts two servers on 127.0.0.1 — this reference server (uvicorn, SQLite in a temporary
directory unless told otherwise, abuse limits off) and the anchor, a bare Starlette
WebSocket relay that commits every message to SQLite before acknowledging it
(``benchmarks/relay_app.py``) — and drives both with the same client shape, alternating,
``--repetitions`` times (medians printed):

- **closed loop** at 100 and 500 conversations: every visitor sends a message, waits for its
  ``ack`` *and* for its agent to receive the message, and sends the next one at once;
- **paced**: 500 conversations each sending one message a second (p99 from the scheduled
  send time, so a slow server cannot hide its queue);
- **page views**: 50 concurrent clients posting the widget config call with their visitor
  token (a returning visitor's page view) against the relay's bare endpoint answering the
  same JSON bytes;
- **idle sockets**: visitor WebSockets opened and left idle; the server's memory per
  connection, and the time to start a new conversation meanwhile.

Against this server the client speaks its own protocol as the widget and inbox do: the
visitor's config call, ``POST /widget/v1/{account}/socket-ticket``, ``/ws/visitor?ticket=``,
``start`` with the first message, ``message`` frames with client ids; agents log in, take a
ticket from ``POST /api/v1/auth/socket-ticket`` and listen on ``/ws/agent?ticket=``.

Server CPU per message (or request) is the server processes' CPU time during the run divided
by what they handled. ``--database postgresql --redis --workers 1 2 4`` measures scale-out
(closed loop at 500 conversations on each worker count; the relay is not run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import uvloop
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[1]
PAGE = "https://acme.test/pricing"
ADMIN = ("admin@acme.test", "correct horse")
AGENT_PASSWORD = "agent password"
LIMITS_OFF = {
    f"LIVECHAT_LIMIT_{name}": "off"
    for name in (
        "VISITOR_CONVERSATIONS",
        "VISITOR_MESSAGES",
        "ACCOUNT_CONVERSATIONS",
        "ACCOUNT_VISITORS",
        "ADDRESS_REQUESTS",
        "ADDRESS_VISITORS",
        "LOGIN_FAILURES",
        "ADDRESS_LOGIN_FAILURES",
    )
}


# ---------------------------------------------------------------- processes


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    """A uvicorn process (with its workers) on a free port."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    cwd: Path = ROOT  # where the server's code is imported from
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", *self.args, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        command += ["--ws-per-message-deflate", "false"]  # as ``livechat serve`` runs
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=sink, stderr=subprocess.STDOUT, cwd=self.cwd
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited early:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{self.name} did not answer /healthz:\n{self.log.read_text()}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def processes(self) -> list[psutil.Process]:
        assert self.process is not None
        parent = psutil.Process(self.process.pid)
        return [parent, *parent.children(recursive=True)]

    def cpu_seconds(self) -> float:
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def rss(self) -> int:
        return sum(p.memory_info().rss for p in self.processes())


# ---------------------------------------------------------------- HTTP, kept alive


class Http:
    """One keep-alive HTTP/1.1 connection: cheap enough not to be the bottleneck."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + data
        for _attempt in range(2):  # the server closes a connection idle for 5 s
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            assert self.reader is not None
            self.writer.write(request)
            status_line = await self.reader.readline()
            if status_line:
                break
            self.close()
        status = int(status_line.split()[1])
        assert self.reader is not None
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        raw = await self.reader.readexactly(length) if length else b""
        return status, (json.loads(raw) if raw.strip() else None)

    async def ok(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        status, answer = await self.call(method, path, body, headers)
        if status >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {status} {answer}")
        return answer

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# ---------------------------------------------------------------- the client


class Exchange:
    """One message in flight: done when the ack and the agent's copy have both arrived."""

    __slots__ = ("done", "due", "waiting")

    def __init__(self, due: float) -> None:
        self.due = due
        self.waiting = {"ack", "message"}  # the visitor's ack, the agent's copy
        self.done = asyncio.get_running_loop().create_future()

    def arrived(self, kind: str) -> None:
        self.waiting.discard(kind)
        if not self.waiting and not self.done.done():
            self.done.set_result(time.perf_counter() - self.due)


class Listener:
    """Reads a socket's frames and settles exchanges by client id."""

    def __init__(self, socket: ClientConnection, pending: dict[str, Exchange]) -> None:
        self.socket = socket
        self.pending = pending
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.socket:
                frame = json.loads(raw)
                kind = frame.get("type")
                client_id = None
                if kind == "ack":
                    client_id = frame.get("client_id")
                elif kind == "message":
                    client_id = frame.get("message", {}).get("client_id")
                exchange = self.pending.get(client_id) if client_id else None
                if exchange is not None:
                    exchange.arrived(kind)
                else:
                    self.frames.put_nowait(frame)
        except Exception:
            pass

    async def until(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        while True:
            frame = await asyncio.wait_for(self.frames.get(), timeout)
            if frame.get("type") == kind:
                return frame
            if frame.get("type") == "error":
                raise RuntimeError(f"error frame: {frame}")


@dataclass
class Conversation:
    id: str
    socket: ClientConnection
    listener: Listener

    async def send(self, client_id: str, text: str) -> None:
        frame = {"type": "message", "conversation_id": self.id, "client_id": client_id}
        await self.socket.send(json.dumps({**frame, "text": text}))


class Target:
    """What a benchmark drives: agents that listen, conversations that send."""

    name = ""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.pending: dict[str, Exchange] = {}
        self.agents: list[Listener] = []
        self.conversations: list[Conversation] = []

    async def prepare(self, agents: int, conversations: int) -> None:
        raise NotImplementedError

    async def idle_socket(self) -> ClientConnection:
        raise NotImplementedError

    async def new_conversation(self, number: int) -> Conversation:
        raise NotImplementedError

    async def open_conversations(self, count: int) -> list[Conversation]:
        gate = asyncio.Semaphore(20)

        async def one(number: int) -> Conversation:
            async with gate:
                return await self.new_conversation(number)

        return list(await asyncio.gather(*(one(n) for n in range(count))))

    async def config_client(self) -> Callable[[], Awaitable[None]]:
        raise NotImplementedError

    async def close(self) -> None:
        for conversation in self.conversations:
            await conversation.socket.close()
        for agent in self.agents:
            await agent.socket.close()


class RelayTarget(Target):
    name = "bare relay"

    async def prepare(self, agents: int, conversations: int) -> None:
        self.agent_count = agents
        for number in range(agents):
            socket = await connect(f"{self.server.ws}/ws/agent?agent=a{number}")
            self.agents.append(Listener(socket, self.pending))
        self.conversations = await self.open_conversations(conversations)

    async def new_conversation(self, number: int) -> Conversation:
        name = f"c{number}-{uuid.uuid4().hex[:8]}"
        url = f"{self.server.ws}/ws/visitor?conversation={name}&agent=a{number % self.agent_count}"
        socket = await connect(url)
        return Conversation(name, socket, Listener(socket, self.pending))

    async def idle_socket(self) -> ClientConnection:
        return await connect(f"{self.server.ws}/ws/visitor?conversation=idle&agent=none")

    async def config_client(self) -> Callable[[], Awaitable[None]]:
        http = Http(self.server.port)
        body = {"url": PAGE, "device": "desktop", "visitor_token": "x" * 40}

        async def page_view() -> None:
            await http.ok("POST", "/config", body)

        return page_view


class ServerTarget(Target):
    name = "this server"

    def __init__(self, server: ServerProcess, account: tuple[str, str]) -> None:
        super().__init__(server)
        self.account_id, self.inbox_id = account
        self.http = Http(server.port)
        self.chatflow_id = ""
        self.idle_visitor = ""

    async def prepare(self, agents: int, conversations: int) -> None:
        login = await self.http.ok(
            "POST", "/api/v1/auth/login", {"email": ADMIN[0], "password": ADMIN[1]}
        )
        admin = {"Authorization": f"Bearer {login['token']}"}
        chatflow = await self.http.ok(
            "POST",
            "/api/v1/chatflows",
            {
                "name": "Everywhere",
                "workspace": {"kind": "inbox", "id": self.inbox_id},
                "published": True,
                "options": {
                    "cookie_consent": {"enabled": False},
                    "data_processing_consent": {"enabled": False},
                },
            },
            **admin,
        )
        self.chatflow_id = chatflow["id"]
        capacity = min(100, -(-conversations // agents) + 5)
        for number in range(agents):
            email = f"agent{number}-{uuid.uuid4().hex[:6]}@acme.test"
            user = await self.http.ok(
                "POST",
                "/api/v1/users",
                {
                    "email": email,
                    "name": f"Agent {number}",
                    "password": AGENT_PASSWORD,
                    "role": "agent",
                    "has_seat": True,
                    "capacity": capacity,
                },
                **admin,
            )
            await self.http.ok(
                "PUT", f"/api/v1/users/{user['id']}/status", {"status": "available"}, **admin
            )
            self.agents.append(await self._agent_socket(email))
        self.conversations = await self.open_conversations(conversations)

    async def _agent_socket(self, email: str) -> Listener:
        http = Http(self.server.port)
        session = await http.ok(
            "POST", "/api/v1/auth/login", {"email": email, "password": AGENT_PASSWORD}
        )
        bearer = {"Authorization": f"Bearer {session['token']}"}
        ticket = await http.ok("POST", "/api/v1/auth/socket-ticket", None, **bearer)
        http.close()
        socket = await connect(f"{self.server.ws}/ws/agent?ticket={ticket['ticket']}")
        listener = Listener(socket, self.pending)
        await listener.until("ready")
        return listener

    async def _visitor_socket(self, http: Http, token: str | None = None) -> Listener:
        if token is None:
            config = await http.ok(
                "POST", f"/widget/v1/{self.account_id}/config", {"url": PAGE, "device": "desktop"}
            )
            token = str(config["visitor"]["token"])
        path = f"/widget/v1/{self.account_id}/socket-ticket"
        ticket = await http.ok("POST", path, None, **{"X-Visitor-Token": token})
        url = f"{self.server.ws}/ws/visitor?account_id={self.account_id}&ticket={ticket['ticket']}"
        socket = await connect(url)
        listener = Listener(socket, self.pending)
        await listener.until("ready")
        return listener

    async def new_conversation(self, number: int) -> Conversation:
        http = Http(self.server.port)
        try:
            listener = await self._visitor_socket(http)
        finally:
            http.close()
        start = {
            "type": "start",
            "chatflow_id": self.chatflow_id,
            "page_url": PAGE,
            "message": {"client_id": uuid.uuid4().hex, "text": f"Hello from visitor {number}"},
        }
        await listener.socket.send(json.dumps(start))
        started = await listener.until("started")
        return Conversation(started["conversation"]["id"], listener.socket, listener)

    async def idle_socket(self) -> ClientConnection:
        if not self.idle_visitor:
            config = await self.http.ok(
                "POST", f"/widget/v1/{self.account_id}/config", {"url": PAGE, "device": "desktop"}
            )
            self.idle_visitor = str(config["visitor"]["token"])
        http = Http(self.server.port)
        try:
            return (await self._visitor_socket(http, self.idle_visitor)).socket
        finally:
            http.close()

    async def config_client(self) -> Callable[[], Awaitable[None]]:
        http = Http(self.server.port)
        path = f"/widget/v1/{self.account_id}/config"
        first = await http.ok("POST", path, {"url": PAGE, "device": "desktop"})
        body = {"url": PAGE, "device": "desktop", "visitor_token": first["visitor"]["token"]}

        async def page_view() -> None:
            await http.ok("POST", path, body)

        return page_view

    async def config_bytes(self) -> bytes:
        _status, answer = await self.http.call(
            "POST", f"/widget/v1/{self.account_id}/config", {"url": PAGE, "device": "desktop"}
        )
        return json.dumps(answer).encode()


async def gather_limited(work: list[Callable[[], Awaitable[Any]]], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await job()

    return list(await asyncio.gather(*(one(job) for job in work)))


# ---------------------------------------------------------------- measurements


@dataclass
class Run:
    handled: int
    seconds: float
    latencies: list[float]
    cpu: float
    missed: Counter[str] = field(default_factory=Counter)  # what did not come within 60 s

    @property
    def rate(self) -> float:
        return self.handled / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def cpu_us(self) -> float:
        return self.cpu / max(1, self.handled) * 1e6


async def settled(exchange: Exchange, seconds: float = 60) -> bool:
    """Whether the ack and the agent's copy both came within ``seconds`` (else the message
    counts as missed, and the conversation goes on)."""
    try:
        await asyncio.wait_for(asyncio.shield(exchange.done), seconds)
    except TimeoutError:
        return False
    return True


async def closed_loop(target: Target, conversations: int, seconds: float) -> Run:
    """Every conversation sends, waits for ack and agent, and sends again."""
    latencies: list[float] = []
    missed: list[str] = []  # what did not come in time: "ack" or "message" (the agent's)
    stop = time.perf_counter() + seconds
    cpu = target.server.cpu_seconds()
    began = time.perf_counter()

    async def converse(conversation: Conversation) -> None:
        while time.perf_counter() < stop:
            client_id = uuid.uuid4().hex
            exchange = Exchange(time.perf_counter())
            target.pending[client_id] = exchange
            await conversation.send(client_id, "How much is the pro plan?")
            if await settled(exchange):
                latencies.append(exchange.done.result())
            else:
                missed.extend(exchange.waiting)
            del target.pending[client_id]

    await asyncio.gather(*(converse(c) for c in target.conversations[:conversations]))
    elapsed = time.perf_counter() - began
    cpu = target.server.cpu_seconds() - cpu
    return Run(len(latencies), elapsed, latencies, cpu, Counter(missed))


async def paced(target: Target, conversations: int, seconds: float) -> Run:
    """Each conversation sends one message a second, whatever the answers do."""
    latencies: list[float] = []
    missed: list[str] = []  # what did not come in time: "ack" or "message" (the agent's)
    began = time.perf_counter()
    cpu = target.server.cpu_seconds()

    async def one(conversation: Conversation, due: float) -> None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        client_id = uuid.uuid4().hex
        exchange = Exchange(due)
        target.pending[client_id] = exchange
        await conversation.send(client_id, "Is it cheaper yearly?")
        if await settled(exchange):
            latencies.append(exchange.done.result())
        else:
            missed.extend(exchange.waiting)
        del target.pending[client_id]

    chosen = target.conversations[:conversations]
    jobs = [
        one(c, began + 0.2 + second + n / len(chosen))
        for second in range(int(seconds))
        for n, c in enumerate(chosen)
    ]
    await asyncio.gather(*jobs)
    elapsed = time.perf_counter() - began
    cpu = target.server.cpu_seconds() - cpu
    return Run(len(latencies), elapsed, latencies, cpu, Counter(missed))


async def page_views(target: Target, clients: int, seconds: float) -> Run:
    views = [await target.config_client() for _ in range(clients)]
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    cpu = target.server.cpu_seconds()
    began = time.perf_counter()

    async def browse(view: Callable[[], Awaitable[None]]) -> None:
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            await view()
            latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(browse(v) for v in views))
    elapsed = time.perf_counter() - began
    return Run(len(latencies), elapsed, latencies, target.server.cpu_seconds() - cpu)


@dataclass
class Idle:
    sockets: int
    bytes_each: float
    start_ms: float


async def idle_sockets(target: Target, count: int) -> Idle:
    before = target.server.rss()
    sockets = [await target.idle_socket()]  # the first one alone: it may set things up
    sockets += await gather_limited([target.idle_socket for _ in range(count - 1)], 50)
    await asyncio.sleep(1)  # let the server settle what it allocated for them
    after = target.server.rss()
    sent = time.perf_counter()
    conversation = await target.new_conversation(10**6)
    start_ms = (time.perf_counter() - sent) * 1000
    await conversation.socket.close()
    for socket in sockets:
        await socket.close()
    return Idle(count, (after - before) / count, start_ms)


# ---------------------------------------------------------------- servers


@dataclass
class Options:
    quick: bool
    repetitions: int
    seconds: float
    database: str
    redis: bool
    workers: list[int]
    idle: int
    profile: Path | None
    source: Path
    profile_rate: int = 200
    conversations: int = 500  # the scale-out's closed loop


def bootstrap(database_url: str) -> tuple[str, str]:
    """A fresh account (migrated database): its id and its chat inbox's id."""
    from reference_server.settings import Settings
    from reference_server.store.bootstrap import create_account
    from reference_server.store.database import migrate, open_engine

    async def run() -> tuple[str, str]:
        engine = open_engine(Settings(database_url=database_url))
        try:
            await migrate(engine)
            account = await create_account(
                engine,
                datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
                name="Acme",
                admin_email=ADMIN[0],
                admin_password=ADMIN[1],
                company_name="Acme AS",
                domain="acme.test",
                timezone="Europe/Oslo",
            )
            return account.account_id, account.inbox_id
        finally:
            await engine.dispose()

    return asyncio.run(run())


@contextmanager
def postgres_database() -> Iterator[str]:
    import asyncpg

    name = f"livechat_bench_{uuid.uuid4().hex[:8]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def reference_server(
    workdir: Path, database_url: str, redis: bool, workers: int, source: Path = ROOT
) -> ServerProcess:
    env = {**os.environ, **LIMITS_OFF, "LIVECHAT_DATABASE_URL": database_url}
    env = {k: v for k, v in env.items() if not k.startswith("LIVECHAT_TEST")}
    if redis:
        prefix = uuid.uuid4().hex[:6]
        env["LIVECHAT_REDIS_URL"] = f"redis://127.0.0.1:6379/{int(prefix, 16) % 8 + 8}"
    args = ["--factory", "reference_server.asgi:app_from_env", "--workers", str(workers)]
    return ServerProcess("this server", args, env, workdir / f"server-{workers}.log", source)


def relay_server(workdir: Path, config: Path) -> ServerProcess:
    env = {
        **os.environ,
        "LIVECHAT_RELAY_DATABASE": str(workdir / "relay.db"),
        "LIVECHAT_RELAY_CONFIG_FILE": str(config),
    }
    args = ["--factory", "--app-dir", "benchmarks", "relay_app:create_app"]
    return ServerProcess("bare relay", args, env, workdir / "relay.log")


@contextmanager
def running(server: ServerProcess) -> Iterator[ServerProcess]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def profiling(server: ServerProcess, out: Path | None, rate: int = 200) -> Iterator[None]:
    """py-spy on the server's processes while the block runs (``--profile OUT``), sampling
    ``rate`` times a second (``--profile-rate``)."""
    if out is None:
        yield
        return
    assert server.process is not None
    spy_path = str(Path(sys.executable).with_name("py-spy"))
    command = [spy_path, "record", "--pid", str(server.process.pid), "--subprocesses"]
    command += ["--rate", str(rate), "--gil", "--format", "raw", "--output", str(out)]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)


# ---------------------------------------------------------------- reporting


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def line(name: str, runs: list[Run], unit: str) -> str:
    rate = median([r.rate for r in runs])
    p50 = median([r.percentile(50) for r in runs])
    p99 = median([r.percentile(99) for r in runs])
    cpu = median([r.cpu_us for r in runs])
    missed = sum((r.missed for r in runs), Counter[str]())
    return (
        f"  {name:<14} {rate:>10,.0f} {unit}  p50 {p50:>8.1f} ms  p99 {p99:>8.1f} ms"
        f"  server CPU {cpu:>7,.0f} µs/{unit.split('/')[0]}"
        + (f"  (not within 60 s: {dict(missed)})" if missed else "")
    )


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def report(
    results: dict[str, dict[str, list[Run]]], idle: dict[str, Idle], options: Options
) -> None:
    relay, server = results["bare relay"], results["this server"]

    def ratio(key: str) -> float:
        return median([r.rate for r in server[key]]) / median([r.rate for r in relay[key]])

    titles = {
        "closed100": "closed loop, 100 conversations",
        "closed500": "closed loop, 500 conversations",
        "paced500": "paced, 500 conversations x 1 msg/s",
        "config": "page views: widget config vs bare endpoint, 50 clients",
    }
    reps = options.repetitions
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nMedians of {reps} alternating repetition(s), {options.seconds:g} s each "
        f"({os.cpu_count()} cores, load average now {load}):"
    )
    for key, title in titles.items():
        unit = "req/s" if key == "config" else "msg/s"
        print(f"\n{title}")
        print(line("bare relay", relay[key], unit))
        print(line("this server", server[key], unit))
        print(f"  ratio (server / relay): {ratio(key):.2f}")
    print("\nidle visitor sockets")
    for name, figures in idle.items():
        print(
            f"  {name:<14} {figures.sockets} sockets, {figures.bytes_each / 1024:.1f} KB each;"
            f" a new conversation meanwhile in {figures.start_ms:.0f} ms"
        )

    paced_p99 = median([r.percentile(99) for r in server["paced500"]])
    config_p99 = median([r.percentile(99) for r in server["config"]])
    print("\nGoals")
    print(
        f"  closed loop >= 0.5x relay at 100: {ratio('closed100'):.2f}x, "
        f"{verdict(ratio('closed100') >= 0.5)}"
    )
    print(
        f"  closed loop >= 0.5x relay at 500: {ratio('closed500'):.2f}x, "
        f"{verdict(ratio('closed500') >= 0.5)}"
    )
    print(f"  paced 500 msg/s p99 < 50 ms: {paced_p99:.1f} ms, {verdict(paced_p99 < 50)}")
    print(
        f"  config >= 0.3x bare endpoint, p99 < 50 ms: {ratio('config'):.2f}x, "
        f"p99 {config_p99:.1f} ms, {verdict(ratio('config') >= 0.3 and config_p99 < 50)}"
    )


# ---------------------------------------------------------------- main


async def measure(target: Target, results: dict[str, list[Run]], options: Options) -> None:
    seconds = options.seconds
    results.setdefault("closed100", []).append(await closed_loop(target, 100, seconds))
    results.setdefault("closed500", []).append(await closed_loop(target, 500, seconds))
    results.setdefault("paced500", []).append(await paced(target, 500, seconds))
    results.setdefault("config", []).append(await page_views(target, 50, seconds))
    last = {k: v[-1] for k, v in results.items()}
    print(
        f"  {target.name}: "
        + ", ".join(f"{k} {r.rate:,.0f}/s p99 {r.percentile(99):.0f} ms" for k, r in last.items()),
        flush=True,
    )


def compare(options: Options, workdir: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    account = bootstrap(database_url)
    server = reference_server(workdir, database_url, False, 1, options.source)
    config = workdir / "config.json"
    with running(server):

        async def main() -> None:
            this = ServerTarget(server, account)
            with running(relay_server(workdir, config)) as relay_process:
                await this.prepare(agents=10, conversations=500)
                config.write_bytes(await this.config_bytes())
                relay = RelayTarget(relay_process)
                await relay.prepare(agents=10, conversations=500)
                print(f"config answer: {config.stat().st_size:,} bytes", flush=True)
                results: dict[str, dict[str, list[Run]]] = {relay.name: {}, this.name: {}}
                for repetition in range(options.repetitions):
                    print(f"repetition {repetition + 1}", flush=True)
                    for target in (relay, this) if repetition % 2 == 0 else (this, relay):
                        if target is this and repetition == 0:
                            with profiling(server, options.profile, options.profile_rate):
                                await measure(target, results[target.name], options)
                        else:
                            await measure(target, results[target.name], options)
                idle = {}
                for target in (relay, this):
                    await target.close()
                    idle[target.name] = await idle_sockets(target, options.idle)
                report(results, idle, options)

        uvloop.run(main())  # the client must not be the bottleneck


@dataclass
class CoresBusy:
    """How many of the machine's cores were busy during a run, and with what."""

    machine: float
    by_group: dict[str, float]

    def __str__(self) -> str:
        groups = ", ".join(f"{name} {cores:.2f}" for name, cores in self.by_group.items())
        return f"cores busy: {self.machine:.2f} of {os.cpu_count()} ({groups})"


def cpu_by_group(server: ServerProcess) -> dict[str, float]:
    """CPU seconds so far of what shares the machine in a run: the server's processes,
    PostgreSQL's, Redis and this client."""
    totals: dict[str, float] = {"server": server.cpu_seconds(), "PostgreSQL": 0.0, "Redis": 0.0}
    for process in psutil.process_iter(["name", "cpu_times"]):
        name, times = process.info["name"] or "", process.info["cpu_times"]
        group = "PostgreSQL" if name.startswith("postgres") else "Redis" if "redis" in name else ""
        if group and times is not None:
            totals[group] += times.user + times.system
    mine = psutil.Process().cpu_times()
    totals["client"] = mine.user + mine.system
    return totals


def machine_busy_seconds() -> float:
    times = psutil.cpu_times()
    return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))


@contextmanager
def cores_busy(server: ServerProcess) -> Iterator[list[CoresBusy]]:
    """The cores busy while the block runs (one :class:`CoresBusy` in the list yielded)."""
    found: list[CoresBusy] = []
    began, machine, groups = time.perf_counter(), machine_busy_seconds(), cpu_by_group(server)
    yield found
    wall = time.perf_counter() - began
    after = cpu_by_group(server)
    found.append(
        CoresBusy(
            (machine_busy_seconds() - machine) / wall,
            {name: (after[name] - groups[name]) / wall for name in groups},
        )
    )


async def scale_out_run(this: ServerTarget, options: Options) -> tuple[Run, CoresBusy]:
    """The median of ``options.repetitions`` closed loops (``--conversations``, 500), and the
    cores busy meanwhile."""
    await this.prepare(agents=10, conversations=options.conversations)
    # the messages only, not the set-up
    with (
        profiling(this.server, options.profile, options.profile_rate),
        cores_busy(this.server) as busy,
    ):
        runs = [
            await closed_loop(this, options.conversations, options.seconds)
            for _ in range(options.repetitions)
        ]
    await this.close()
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2], busy[0]


def scale_out(options: Options, workdir: Path) -> None:
    print(
        f"Scale-out: {options.database}, redis {options.redis}, closed loop, "
        f"{options.conversations} conversations"
    )
    rates: dict[int, Run] = {}
    for workers in options.workers:
        with (
            postgres_database()
            if options.database == "postgresql"
            else nullcontext_sqlite(workdir, workers) as database_url
        ):
            account = bootstrap(database_url)
            server = reference_server(workdir, database_url, options.redis, workers, options.source)
            with running(server):
                run, busy = uvloop.run(scale_out_run(ServerTarget(server, account), options))
        rates[workers] = run
        print(line(f"{workers} worker(s)", [run], "msg/s"), flush=True)
        print(f"  {'':<14} {busy}", flush=True)
    base = rates[options.workers[0]].rate
    for workers, run in rates.items():
        print(f"  {workers} worker(s): {run.rate / base:.2f}x of {options.workers[0]}")


@contextmanager
def nullcontext_sqlite(workdir: Path, workers: int) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{workdir / f'scale-{workers}.db'}"


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 repetition, 3 s runs")
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each run")
    parser.add_argument("--idle", type=int, default=5000, help="idle sockets to hold")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--redis", action="store_true", help="Redis broadcast (many workers)")
    parser.add_argument("--workers", type=int, nargs="+", help="scale-out: worker counts")
    parser.add_argument("--profile", type=Path, help="py-spy raw profile of the server")
    parser.add_argument("--profile-rate", type=int, default=200, help="py-spy samples/s")
    parser.add_argument(
        "--conversations", type=int, default=500, help="scale-out: conversations in the loop"
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=ROOT,
        help="run this server from another checkout's code (e.g. the commit before a change)",
    )
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    return Options(
        quick=quick,
        repetitions=1 if quick else args.repetitions,
        seconds=3.0 if quick else args.seconds,
        database=args.database,
        redis=args.redis,
        workers=args.workers or [],
        idle=500 if quick and args.idle == 5000 else args.idle,
        profile=args.profile,
        source=args.source.resolve(),
        profile_rate=args.profile_rate,
        conversations=args.conversations,
    )


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    workdir = Path(tempfile.mkdtemp(prefix="livechat-bench-"))
    try:
        if options.workers:
            scale_out(options, workdir)
        else:
            compare(options, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
