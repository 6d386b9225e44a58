"""``livechat twin``: what a planner or QA engineer runs (typer's CliRunner, in-process)."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from livechat.cli import app
from reference_server.domain.codec import to_dict

from .scenarios import pool

runner = CliRunner()


def test_a_pool_that_agrees_exits_0_and_says_what_it_replayed(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    scenario = pool(minutes=120.0, rate_per_hour=20.0)
    path.write_text(yaml.safe_dump(to_dict(scenario)), encoding="utf-8")
    result = runner.invoke(app, ["twin", str(path), "--hours", "0.5", "--replication", "1"])
    assert result.exit_code == 0, result.output
    assert "Twin pool: replication 1 (seed 1), 2026-01-05 09:00 to 2026-01-05 09:30 UTC" in (
        result.output
    )
    assert "No mismatches" in result.output


def test_a_missing_file_or_a_bad_window_exits_2_and_says_why(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["twin", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2
    assert "no scenario file at" in missing.output
    path = tmp_path / "pool.yaml"
    path.write_text(yaml.safe_dump(to_dict(pool())), encoding="utf-8")
    bad = runner.invoke(app, ["twin", str(path), "--start", "yesterday"])
    assert bad.exit_code == 2
    assert "start" in bad.output
