"""Suite-wide pytest wiring: the ``feature`` marker must name real FEATURES.md IDs, and the
run ends with a count of tests per feature, so coverage per feature can be read off CI."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests assert rules, not speed: a loaded machine (CI shares its cores) must not fail
# them for generating inputs slowly or for one slow example.
settings.register_profile("livechat", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("livechat")

FEATURES_FILE = Path(__file__).resolve().parent.parent / "docs" / "FEATURES.md"
FEATURE_ID = re.compile(r"^- ([A-Z]{2,3}\d+) ", re.MULTILINE)


def known_feature_ids() -> list[str]:
    return FEATURE_ID.findall(FEATURES_FILE.read_text(encoding="utf-8"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = set(known_feature_ids())
    counts: Counter[str] = Counter()
    for item in items:
        for marker in item.iter_markers("feature"):
            unknown = [fid for fid in marker.args if fid not in known]
            if unknown:
                raise pytest.UsageError(f"{item.nodeid}: unknown feature id(s) {unknown}")
            counts.update(marker.args)
    config.stash[_COUNTS] = counts


_COUNTS = pytest.StashKey[Counter[str]]()


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    counts = config.stash.get(_COUNTS, Counter())
    if not counts:
        return
    ids = known_feature_ids()
    covered = [fid for fid in ids if counts[fid]]
    terminalreporter.section("tests per feature")
    terminalreporter.write_line(" ".join(f"{fid}:{counts[fid]}" for fid in ids if counts[fid]))
    missing = [fid for fid in ids if not counts[fid]]
    terminalreporter.write_line(
        f"{len(covered)} of {len(ids)} features have tests; without: {' '.join(missing) or '-'}"
    )
