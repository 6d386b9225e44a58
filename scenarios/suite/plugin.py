"""The pytest plugin of the scenario suites (registered through the ``pytest11`` entry point):
every ``test_*.suite.yaml`` file is collected, each scenario becomes one test per target
(``name[inprocess]``, ``name[simulator]``, ``name[live]``), its feature IDs become markers
(``pytest scenarios/suites -m AV6``; every FEATURES.md ID is registered, so
``--strict-markers`` holds) and the JUnit XML records each test's target and features.

Targets: ``--suite-target inprocess`` (the ASGI app in this process), ``simulator``, or a
live server's URL (``http://127.0.0.1:8000``, started with ``LIVECHAT_TEST_CONTROLS=1``);
repeat the option for several. Default: ``inprocess`` and ``simulator``.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .features import feature_ids
from .loader import SuiteError, load_suite
from .model import Scenario

__all__ = ["SUITE_FILE", "ScenarioItem", "SuiteFile", "target_name"]

SUITE_FILE = re.compile(r"^test_.*\.suite\.ya?ml$")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("livechat suites")
    group.addoption(
        "--suite-target",
        action="append",
        default=None,
        help="where scenario suites run: inprocess, simulator or a live server's URL "
        "(repeatable; default inprocess and simulator)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for fid in feature_ids():
        config.addinivalue_line("markers", f"{fid}: scenarios covering feature {fid}")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if SUITE_FILE.match(file_path.name):
        collected: SuiteFile = SuiteFile.from_parent(parent, path=file_path)
        return collected
    return None


def targets(config: pytest.Config) -> list[str]:
    chosen: list[str] | None = config.getoption("suite_target", None)
    return chosen or ["inprocess", "simulator"]


def target_name(target: str) -> str:
    return "live" if target.startswith(("http://", "https://")) else target


class SuiteFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            suite = load_suite(self.path)
        except SuiteError as error:
            raise self.CollectError(str(error)) from None
        known = set(feature_ids())
        for scenario in suite.scenarios:
            unknown = [fid for fid in scenario.features if fid not in known]
            if unknown:
                raise self.CollectError(
                    f"{self.path}: scenario {scenario.name!r}: features: unknown IDs {unknown}"
                )
            for target in targets(self.config):
                item: ScenarioItem = ScenarioItem.from_parent(
                    self,
                    name=f"{scenario.name}[{target_name(target)}]",
                    scenario=scenario,
                    target=target,
                )
                for fid in scenario.features:
                    item.add_marker(getattr(pytest.mark, fid))
                item.add_marker(pytest.mark.feature(*scenario.features))
                divergence = scenario.xfail.get("simulator" if target == "simulator" else "server")
                if divergence:
                    item.add_marker(pytest.mark.xfail(reason=divergence, strict=True))
                yield item


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, target: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.target = target
        self.user_properties.append(("target", target_name(target)))
        self.user_properties.append(("features", " ".join(scenario.features)))

    def runtest(self) -> None:
        from .driver import ScenarioSkipped, run_scenario

        driver = make_driver(self.target)
        try:
            run_scenario(driver, self.scenario)
        except ScenarioSkipped as why:
            pytest.skip(f"the {target_name(self.target)} target cannot express: {why}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        from .driver import StepFailed

        if isinstance(excinfo.value, StepFailed):
            return f"{self.path.name}: {self.scenario.name}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"scenario: {self.name}"


def make_driver(target: str) -> Any:
    run_id = secrets.token_hex(4)
    if target == "simulator":
        from .sim_driver import SimulatorDriver

        return SimulatorDriver()
    from .server_driver import ServerDriver
    from .transports import InProcess, Live

    if target == "inprocess":
        if "inprocess" not in _SHARED:  # one app for the run: each scenario has its account
            _SHARED["inprocess"] = InProcess()
        return ServerDriver(_SHARED["inprocess"], run_id)
    if target_name(target) == "live":
        if target not in _SHARED:
            _SHARED[target] = Live(target)
        return ServerDriver(_SHARED[target], run_id)
    raise pytest.UsageError(f"--suite-target {target!r}: inprocess, simulator or an http(s) URL")


_SHARED: dict[str, Any] = {}  # target → its transport, for the whole run


def pytest_unconfigure(config: pytest.Config) -> None:
    while _SHARED:
        _, transport = _SHARED.popitem()
        transport.close()
