"""The layers of the reference server, and which way imports go (read from the source with
``ast``, so an import inside a function or under ``TYPE_CHECKING`` counts too)::

    app.py, asgi.py                  wiring: may import anything
    api/   realtime/   (web pages)   entry points; never each other
    services/                        use cases
    store/                           persistence; never services/
    state, clock, settings, secrets  what a running server holds, and ids/secrets (and the
    garbage collector's settings)
    domain/                          the rules: standard library only (test_purity.py)

No module imports a layer above its own. The simulator is a second entry point on the domain:
it imports nothing else of the server.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reference_server

PACKAGE = Path(reference_server.__file__).parent
ROOT = PACKAGE.parent

# Rank of each part of the package: a module may import parts of its own rank or lower,
# except that the entry points (rank 4) never import each other.
RANKS = {
    "domain": 0,
    "clock": 1,
    "settings": 1,
    "secrets": 1,
    "passwords": 1,
    "json_input": 1,
    "garbage": 1,
    "state": 1,
    "store": 2,
    "services": 3,
    "api": 4,
    "realtime": 4,
    "app": 5,
    "asgi": 5,
    "__init__": 5,
}
ENTRY_POINTS = {"api", "realtime"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ``reference_server`` module ``path`` imports, relative imports resolved."""
    name = _module_name(path)
    package = name.split(".")[:-1]  # for a package's __init__ too: its name ends in __init__
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module == "reference_server":  # ``from .. import state``: the names are modules
                found.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                found.add(module)
    return {m for m in found if m == "reference_server" or m.startswith("reference_server.")}


def _part(module: str) -> str | None:
    """The layer a ``reference_server`` module belongs to (its first name below the root)."""
    parts = module.split(".")
    if len(parts) < 2:
        return "__init__"
    return parts[1] if parts[1] in RANKS else None


def violations(path: Path) -> list[str]:
    own = _part(_module_name(path))
    assert own is not None, f"{path} is in no layer: add its part to RANKS"
    problems = []
    for module in sorted(_imports(path)):
        part = _part(module)
        if part is None or part == own:
            continue
        if RANKS[part] > RANKS[own]:
            problems.append(f"imports {module} (a layer above {own})")
        elif own in ENTRY_POINTS and part in ENTRY_POINTS:
            problems.append(f"imports {module} (entry points never import each other)")
    return problems


def _server_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.relative_to(PACKAGE).parts
    )


@pytest.mark.parametrize("path", _server_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    assert violations(path) == []


@pytest.mark.parametrize(
    "path", sorted((ROOT / "simulator").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_the_simulator_uses_only_the_domain_of_the_server(path: Path) -> None:
    outside = {m for m in _imports(path) if _part(m) != "domain"}
    assert outside == set()


def _fake_module(tmp: Path, relative: str, source: str) -> Path:
    # A copy of the package layout under tmp, so the checks see a module at ``relative``.
    path = tmp / "reference_server" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    return path


def test_the_check_would_catch_each_kind_of_wrong_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    store = _fake_module(tmp_path, "store/bad.py", "from ..services.errors import NotFound\n")
    api = _fake_module(tmp_path, "api/bad.py", "from ..realtime import socket\n")
    services = _fake_module(
        tmp_path, "services/bad.py", "import reference_server.api.errors\nfrom . import events\n"
    )
    domain = _fake_module(tmp_path, "domain/bad.py", "from .. import state\n")
    fine = _fake_module(tmp_path, "realtime/fine.py", "from ..services import events\n")
    assert violations(store) == ["imports reference_server.services.errors (a layer above store)"]
    assert violations(api) == [
        "imports reference_server.realtime (entry points never import each other)"
    ]
    assert violations(services) == ["imports reference_server.api.errors (a layer above services)"]
    assert violations(domain) == ["imports reference_server.state (a layer above domain)"]
    assert violations(fine) == []
