"""QA1: the shipped suites on a live server by URL — a server started as an operator would
(``LIVECHAT_TEST_CONTROLS=1``, its own SQLite file) and ``livechat suite run --target URL``
run against it, then ``livechat suite report`` over the results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reports.suites import read_results
from scenarios.suite.loader import load_suite

from ..live_server import server_process

pytestmark = pytest.mark.feature("QA1", "QA4")

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "scenarios" / "suites"
NO_ADDRESS_LIMITS = {  # every visitor of the suites comes from 127.0.0.1
    "LIVECHAT_LIMIT_ADDRESS_REQUESTS": "off",
    "LIVECHAT_LIMIT_ADDRESS_VISITORS": "off",
}


def livechat(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from livechat.cli import main; main()", *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_shipped_suites_pass_on_a_live_server(tmp_path: Path) -> None:
    results = tmp_path / "live.xml"
    with server_process(
        tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'live.db'}",
        test_controls=True,
        extra=NO_ADDRESS_LIMITS,
    ) as server:
        run = livechat(
            "suite", "run", str(SUITES), "--target", server.url, "--junitxml", str(results)
        )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    found = read_results([results])
    scenarios = [s for path in SUITES.glob("test_*.suite.yaml") for s in load_suite(path).scenarios]
    assert len(found) == len(scenarios)
    assert set(found["target"]) == {"live"}
    divergent = sum("server" in s.xfail for s in scenarios)
    assert (found["outcome"] == "xfailed").sum() == divergent
    assert (found["outcome"] == "passed").sum() == len(scenarios) - divergent

    report = tmp_path / "report.html"
    made = livechat("suite", "report", str(results), "--output", str(report))
    assert made.returncode == 0, made.stderr
    assert "<td>live</td>" in report.read_text(encoding="utf-8")
