"""The domain is the one place the rules live; it must stay importable anywhere."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import reference_server.domain

DOMAIN = Path(reference_server.domain.__file__).parent
FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "random", "randint", "choice", "uniform"}


def _modules() -> list[Path]:
    return sorted(DOMAIN.glob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_domain_module_imports_only_the_standard_library(path: Path) -> None:
    outside = {r for r in _imported_roots(path) if r not in sys.stdlib_module_names}
    assert outside == set(), f"{path.name} imports {outside}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.name)
def test_domain_module_reads_no_clock_and_draws_no_randomness(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = {
        f"{node.func.value.id}.{node.func.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.attr in FORBIDDEN_CALLS
        and node.func.value.id in {"datetime", "date", "time", "random"}
    }
    assert calls == set(), f"{path.name} calls {calls}"
    assert "random" not in _imported_roots(path)


def test_the_purity_check_would_catch_a_third_party_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import sqlalchemy\nfrom starlette.routing import Route\nimport json\n")
    assert _imported_roots(bad) - set(sys.stdlib_module_names) == {"sqlalchemy", "starlette"}
