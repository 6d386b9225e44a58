"""``livechat load`` end to end, briefly: a few seconds and a few users against a server this
test starts, Locust in its subprocess as always. What a QA engineer reads afterwards —
Locust's statistics with the WebSocket steps, the server's own chat count, the report — must
be there and agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from livechat.cli import app
from load.run import NO_ADDRESS_LIMITS
from tests.live_server import server_process

pytestmark = pytest.mark.feature("QA2", "QA4")

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "load" / "plain_pool.yaml"


def test_a_short_run_measures_http_and_websocket_steps_and_the_server_agrees(
    tmp_path: Path,
) -> None:
    out = tmp_path / "run"
    with server_process(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'load.db'}",
        demo_data=True,
        extra=NO_ADDRESS_LIMITS,
    ) as server:
        command = [
            sys.executable, "-c", "from livechat.cli import main; main()", "load",
            str(SCENARIO), "--target", server.url, "--duration", "8s", "--users", "16",
            "--speedup", "600", "--seed", "7", "--out", str(out),
        ]  # fmt: skip
        finished = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=180,
            cwd=ROOT,
        )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    stats = pd.read_csv(out / "locust_stats.csv").set_index("Name")
    for step in (
        "/widget/v1/[account]/config",
        "/ws/visitor connect",
        "/ws/agent connect",
        "visitor start → started",
        "visitor message → ack",
    ):
        assert stats.loc[step, "Request Count"] > 0, step
    assert stats.loc["/ws/agent connect", "Request Count"] == 3  # one per scenario agent
    assert stats.loc["/ws/agent connect", "Failure Count"] == 0
    started = stats.loc["visitor start → started"]

    server = json.loads((out / "server_kpis.json").read_text())["window"]
    # Every chat the visitors saw started is one the server counted in the window.
    assert server["chats"] >= started["Request Count"] - started["Failure Count"] > 0
    assert server["answered"] > 0
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "visitor start → started" in report
    assert report.count("data:image/png;base64,") >= 4
    assert (out / "locust.html").exists()
    assert "Wrote" in finished.stdout


def test_a_target_elsewhere_needs_the_explicit_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["load", str(SCENARIO), "--target", "https://chat.example.com", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "--allow-remote" in result.output
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written
