"""The twin check on every shipped example scenario: a few busy hours of each, replayed on
the server in-process, must give zero mismatches (issue 9 §3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import load_scenario
from twin import twin_check
from twin.check import scenario_window

from .scenarios import EXAMPLE_WINDOWS

EXAMPLES = Path("scenarios/examples")

# Divergences the glue work (issue 9 §1) removes; each entry goes when its fix lands (the
# strict xfail turns an unexpected pass into a failure, so a stale entry cannot stay).
KNOWN_DIVERGENCES: dict[tuple[str, str], str] = {}


def test_every_shipped_example_has_a_window() -> None:
    assert {path.name for path in EXAMPLES.glob("*.yaml")} == {w[0] for w in EXAMPLE_WINDOWS}


def _known(name: str, start: str) -> list[pytest.MarkDecorator]:
    reason = KNOWN_DIVERGENCES.get((name, start))
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


@pytest.mark.parametrize(
    ("name", "start", "hours"),
    [
        pytest.param(name, start, hours, marks=_known(name, start), id=f"{name}@{start}")
        for name, start, hours in EXAMPLE_WINDOWS
    ],
)
def test_the_server_does_what_the_simulator_predicts(name: str, start: str, hours: float) -> None:
    scenario = scenario_window(load_scenario(EXAMPLES / name), hours, start)
    result = twin_check(scenario, replication=0, seed=1)
    assert len(result.timeline.chats) >= 10  # a window with something to compare
    assert result.mismatches == []
