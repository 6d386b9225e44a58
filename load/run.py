"""A whole load run, as ``livechat load`` does it, without Locust in this process:

1. optionally start a server (:func:`served`): SQLite, or PostgreSQL + Redis with several
   uvicorn workers; the per-address abuse limits off (every user comes from this machine);
2. set the stage through the REST API (:func:`load.stage.set_stage`);
3. run Locust headless in a subprocess (:func:`run_locust`) — its master and ``--processes``
   workers when asked — bounded by the run's duration and user limit;
4. read the server's own chat KPIs over the run's window (:func:`server_kpis`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from .plan import PLAN_VARIABLE, Plan

__all__ = [
    "LOCUST_PREFIX",
    "ServedServer",
    "is_loopback",
    "parse_duration",
    "run_locust",
    "served",
    "server_kpis",
]

LOCUST_PREFIX = "locust"  # locust_stats.csv, locust_stats_history.csv, locust_failures.csv
# Every client of a load run comes from one address: the per-address limits would refuse
# it at once (issue 11 made them settings for this).
NO_ADDRESS_LIMITS = {
    "LIVECHAT_LIMIT_ADDRESS_REQUESTS": "off",
    "LIVECHAT_LIMIT_ADDRESS_VISITORS": "off",
}
_UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """``"90"`` / ``"90s"``, ``"10m"``, ``"1h"``, ``"1h30m"`` → seconds (more than 0)."""
    value = text.strip().lower()
    total, number = 0.0, ""
    for char in value:
        if char.isdigit() or char == ".":
            number += char
        elif char in _UNITS and number:
            total += float(number) * _UNITS[char]
            number = ""
        else:
            raise ValueError(f"{text!r}: write a duration such as 30s, 10m or 1h30m")
    if number:
        total += float(number)
    if total <= 0:
        raise ValueError(f"{text!r}: the duration must be more than 0")
    return total


def is_loopback(url: str) -> bool:
    """Does ``url`` point at this machine (127.0.0.0/8, ::1, localhost)?"""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServedServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    description: str


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early; its log: {log_path}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # waiting for a process to start
    raise RuntimeError(f"the server did not answer /healthz; its log: {log_path}")


async def _postgres(admin_dsn: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_dsn, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def served(
    out_dir: Path,
    *,
    database: str = "sqlite",
    workers: int = 1,
    postgres_admin: str = "postgresql://postgres@127.0.0.1:5432/postgres",
    redis_url: str = "redis://127.0.0.1:6379/0",
) -> Iterator[ServedServer]:
    """A server of its own for the run (with the demo account, whose admin sets the stage):
    SQLite in ``out_dir``, or a new PostgreSQL database (dropped afterwards) with Redis."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    env.update(
        NO_ADDRESS_LIMITS,
        LIVECHAT_PUBLIC_URL=url,
        LIVECHAT_DEMO_DATA="1",
    )
    dropped: str | None = None
    if database == "postgresql":
        name = f"livechat_load_{uuid.uuid4().hex[:10]}"
        asyncio.run(_postgres(postgres_admin, f'CREATE DATABASE "{name}"'))
        dropped = name
        base = postgres_admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        env["LIVECHAT_DATABASE_URL"] = f"{base}/{name}"
        env["LIVECHAT_REDIS_URL"] = redis_url
        description = f"PostgreSQL ({name}) + Redis, {workers} worker(s)"
    else:
        if workers > 1:
            raise ValueError(
                "several workers need PostgreSQL and Redis: --serve-database postgresql"
            )
        env["LIVECHAT_DATABASE_URL"] = f"sqlite+aiosqlite:///{out_dir / 'server.db'}"
        description = "SQLite, 1 worker"
    log_path = out_dir / "server.log"
    command = [
        sys.executable, "-c", "from livechat.cli import main; main()", "serve",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip
    with log_path.open("ab") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(url, process, log_path)
        yield ServedServer(url, process, log_path, description)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if dropped:
            asyncio.run(
                _postgres(postgres_admin, f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
            )


def locust_command(plan: Plan, processes: int) -> list[str]:
    """Locust headless on the plan's locustfile: CSV with full history and HTML. The load
    shape ends the run at the plan's duration (Locust ignores ``--run-time`` with a shape);
    :func:`run_locust` stops it if it does not."""
    from . import locustfile_path

    out = Path(plan.out_dir)
    command = [
        sys.executable, "-m", "locust",
        "-f", str(locustfile_path()),
        "--headless",
        "--host", plan.target,
        "--csv", str(out / LOCUST_PREFIX),
        "--csv-full-history",
        "--html", str(out / "locust.html"),
        "--stop-timeout", "5",
        "--exit-code-on-error", "0",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    if processes > 1:
        command += ["--processes", str(processes)]
    return command


def run_locust(plan: Plan, processes: int = 1) -> int:
    """Run Locust for the plan (its output, the progress, goes to this process's
    terminal); stop it if it outlives the run by a minute. Returns its exit code."""
    out = Path(plan.out_dir)
    # What an earlier run in the same directory left would mix into this one.
    shutil.rmtree(out / "agents", ignore_errors=True)
    for stale in out.glob("connections-*.csv"):
        stale.unlink()
    plan_path = plan.write(out / "plan.json")
    env = {**os.environ, PLAN_VARIABLE: str(plan_path)}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH", "")]
    ).rstrip(os.pathsep)
    process = subprocess.Popen(locust_command(plan, processes), env=env)
    try:
        return process.wait(timeout=plan.duration_seconds + 60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            return process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        raise


def _get_json(url: str, token: str) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def _login(target: str, email: str, password: str) -> str:
    body = json.dumps({"email": email, "password": password}).encode()
    request = urllib.request.Request(
        target + "/api/v1/auth/login",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.loads(answer.read())["token"])


def server_kpis(
    plan: Plan, began: datetime, ended: datetime, intervals: int = 12
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The server's chat report for the whole run and for ``intervals`` equal slices of it;
    the service level's threshold is the scenario's, compressed like every other time."""
    threshold = plan.scenario.kpis.service_level_seconds / plan.speedup
    token = _login(plan.target, plan.cast.admin_email, plan.cast.admin_password)

    def report(since: datetime, until: datetime) -> dict[str, Any]:
        query = urlencode(
            {
                "since": since.isoformat(),
                "until": until.isoformat(),
                "service_level_seconds": threshold,
            }
        )
        found: dict[str, Any] = _get_json(f"{plan.target}/api/v1/reports/chats?{query}", token)
        return found

    whole = report(began, ended)
    step = (ended - began) / intervals
    slices = [report(began + step * i, began + step * (i + 1)) for i in range(intervals)]
    return whole, slices


def utc_now() -> datetime:
    return datetime.now(UTC)


def window(began: datetime, seconds: float) -> tuple[datetime, datetime]:
    return began, began + timedelta(seconds=seconds)
