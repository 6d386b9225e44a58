"""QA1, QA4: the shipped suites cover every server-side feature ID with at least one scenario,
and every feature the simulator models with at least one scenario it runs (not skipped, not
a known divergence there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.suite.features import server_side_features
from scenarios.suite.loader import load_suite
from scenarios.suite.model import Scenario
from scenarios.suite.sim_driver import SimulatorDriver

pytestmark = pytest.mark.feature("QA1", "QA4")

SUITES = Path(__file__).resolve().parents[2] / "scenarios" / "suites"
SIMULATED = [
    *(f"AV{n}" for n in range(1, 9)),
    "RT1",
    "RT2",
    "RT3",
    "RT5",
    *(f"DS{n}" for n in range(1, 5)),
    *(f"TG{n}" for n in range(1, 7)),
    "BD2",
    "OP7",
]
"""What the simulator models of the server's behaviour (its site and chat centre)."""


def shipped() -> list[Scenario]:
    files = sorted(SUITES.glob("test_*.suite.yaml"))
    assert files, f"no suite files in {SUITES}"
    return [scenario for path in files for scenario in load_suite(path).scenarios]


def runs_on_simulator(scenario: Scenario) -> bool:
    driver = SimulatorDriver()
    expressed = all(driver.cannot(step) is None for step in scenario.steps)
    return expressed and "simulator" not in scenario.xfail


def test_every_server_side_feature_has_a_scenario() -> None:
    covered = {fid for scenario in shipped() for fid in scenario.features}
    missing = [fid for fid in server_side_features() if fid not in covered]
    assert not missing, f"no scenario covers {missing}"


def test_every_feature_the_simulator_models_has_a_scenario_it_runs() -> None:
    covered = {fid for s in shipped() if runs_on_simulator(s) for fid in s.features}
    missing = [fid for fid in SIMULATED if fid not in covered]
    assert not missing, f"no scenario runs on the simulator for {missing}"


def test_the_server_side_list_is_the_catalogue_s() -> None:
    ids = server_side_features()
    assert "CF1" in ids and "CV7" in ids
    assert "CV8" not in ids and "SE1" not in ids and "SIM1" not in ids
