"""Replications and the staffing search on a Dask distributed cluster (SIM5, SIM7).

The test starts a local cluster of two worker processes (a scheduler on a free port, no
dashboard) and points the commands at it with ``--cluster tcp://…``, as a planner would at
a cluster of several machines. Replications are reproduced by their seed wherever they
run, so the cluster's records equal those of one local process.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster

from tests.simulator.test_staffing import pool
from tests.test_cli import run, write


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
    ) as local:
        yield str(local.scheduler_address)


@pytest.mark.feature("SIM5")
def test_simulate_on_a_cluster_gives_the_records_of_one_process(
    cluster: str, tmp_path: Path
) -> None:
    scenario = write(tmp_path / "pool.yaml", pool())
    there = run("simulate", scenario, "-r", "3", "-s", "7", "--cluster", cluster,
                "--out", tmp_path / "cluster")  # fmt: skip
    assert there.exit_code == 0, there.output
    assert "Dask cluster at tcp://127.0.0.1" in there.stdout and "2 worker(s)" in there.stdout
    here = run("simulate", scenario, "-r", "3", "-s", "7", "-w", "1", "--out", tmp_path / "here")
    assert here.exit_code == 0, here.output
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "cluster" / "records.csv"),
        pd.read_csv(tmp_path / "here" / "records.csv"),
    )


@pytest.mark.feature("SIM7")
def test_staff_searches_on_a_cluster(cluster: str, tmp_path: Path) -> None:
    scenario = write(tmp_path / "pool.yaml", pool())
    there = run("staff", scenario, "-t", "service_level=0.8@20s", "-r", "2",
                "--cluster", cluster, "--out", tmp_path / "cluster")  # fmt: skip
    assert there.exit_code == 0, there.output
    here = run("staff", scenario, "-t", "service_level=0.8@20s", "-r", "2", "-w", "1",
               "--out", tmp_path / "here")  # fmt: skip
    assert here.exit_code == 0, here.output
    plan = json.loads((tmp_path / "cluster" / "staffing.json").read_text(encoding="utf-8"))
    alone = json.loads((tmp_path / "here" / "staffing.json").read_text(encoding="utf-8"))
    assert plan["agent_hours"] == alone["agent_hours"] and plan["meets"]


@pytest.mark.feature("SIM5")
def test_a_cluster_that_does_not_answer_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scenario = write(tmp_path / "pool.yaml", pool())
    result = run("simulate", scenario, "--cluster", f"tcp://127.0.0.1:{port}")
    assert result.exit_code == 2
    assert "no Dask scheduler answers at tcp://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.output
