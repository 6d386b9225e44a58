"""The load shapes as Locust calls them (``tick()`` at moments of the run), in a subprocess:
Locust's gevent must not be imported into the pytest process. Every shape adds the agents
and the admin, never exceeds the user limit and ends the run at its duration."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from load.plan import Plan
from load.profile import scenario_visitor_users
from load.stage import AgentLogin, Cast
from simulator.scenario import load_scenario

pytestmark = pytest.mark.feature("QA2")

ROOT = Path(__file__).resolve().parents[2]
TICKS = """
import json, sys, time
from load.plan import read_plan
from load.shapes import shape_for

plan = read_plan(sys.argv[1])
shape = shape_for(plan)()
answers = []
for moment in json.loads(sys.argv[2]):
    shape.start_time = time.perf_counter() - moment
    answers.append(shape.tick())
print(json.dumps(answers))
"""


def ticks(tmp_path: Path, moments: list[float], **plan: Any) -> list[Any]:
    agents = tuple(AgentLogin(f"a{i}", f"usr_{i}", f"a{i}@load.test", "pw", 2) for i in range(3))
    cast = Cast("tag", "acc", "admin@load.test", "pw", agents, ("cf",), "srv")
    made = Plan(
        target="http://127.0.0.1:1",
        scenario_path=str(ROOT / "scenarios" / "load" / "plain_pool.yaml"),
        speedup=60.0,
        duration_seconds=30.0,
        max_users=40,
        cast=cast,
        out_dir=str(tmp_path),
        **plan,
    )
    path = made.write(tmp_path / "plan.json")
    done = subprocess.run(
        [sys.executable, "-c", TICKS, str(path), json.dumps(moments)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    answers: list[Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answers


def test_the_scenario_shape_runs_the_scenarios_visitors_beside_the_agents_and_admin(
    tmp_path: Path,
) -> None:
    answers = ticks(tmp_path, [0.5, 10.0, 29.9, 30.0])
    model = load_scenario(ROOT / "scenarios" / "load" / "plain_pool.yaml")
    visitors = scenario_visitor_users(model, 10.0, 60.0)
    assert answers[1][0] == 3 + 1 + visitors  # three agents, the admin, the visitors
    assert answers[3] is None  # the run ends at its duration


def test_the_step_shape_climbs_to_the_user_limit(tmp_path: Path) -> None:
    answers = ticks(tmp_path, [0, 10, 20, 60], shape="step", step_users=15, step_seconds=10)
    assert [a[0] if a else None for a in answers] == [19, 34, 40, None]


def test_the_spike_shape_jumps_to_the_user_limit_and_back(tmp_path: Path) -> None:
    answers = ticks(
        tmp_path,
        [5, 12, 16, 25],
        shape="spike",
        step_users=5,
        spike_at_seconds=10,
        spike_seconds=5,
    )
    assert [a[0] for a in answers] == [9, 40, 9, 9]
