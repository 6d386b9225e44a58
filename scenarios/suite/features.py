"""The feature IDs of ``docs/FEATURES.md``: all of them (markers), and the server-side ones
the shipped suites must cover (CF, AV, RT, BD, DS, TG, OP and CV1-CV7; CV8 is not built)."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["FEATURES", "feature_ids", "server_side_features"]

FEATURES = Path(__file__).resolve().parents[2] / "docs" / "FEATURES.md"
_FEATURE_ID = re.compile(r"^- ([A-Z]{2,3}\d+) ", re.MULTILINE)
_SERVER_SIDE = ("CF", "AV", "RT", "BD", "DS", "TG", "OP", "CV")
_NOT_BUILT = {"CV8"}


def feature_ids() -> list[str]:
    return _FEATURE_ID.findall(FEATURES.read_text(encoding="utf-8")) if FEATURES.exists() else []


def server_side_features() -> list[str]:
    return [
        fid
        for fid in feature_ids()
        if fid.rstrip("0123456789") in _SERVER_SIDE and fid not in _NOT_BUILT
    ]
