"""Reading a suite file. A bad one is refused with :class:`SuiteError`, whose lines name the
file, the scenario, the step and the field, as the chatflow validation names each bad
field::

    scenarios/suites/test_x.suite.yaml: scenario "Offline at night", step 3 (start_chat),
    start_chat.visitor: Field required
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .model import ACTIONS, Api, Scenario, StartChat, Suite

__all__ = ["SuiteError", "load_suite", "parse_suite"]


class SuiteError(ValueError):
    """A suite file that cannot be run; ``problems`` has one line per bad field."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.path = path
        self.problems = problems


def load_suite(path: str | Path) -> Suite:
    text = Path(path).read_text(encoding="utf-8")
    return parse_suite(text, str(path))


def parse_suite(text: str, path: str) -> Suite:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SuiteError(path, [f"{path}: not YAML: {error}"]) from None
    try:
        suite = Suite.model_validate(data)
    except ValidationError as error:
        raise SuiteError(path, [_where(path, data, e) for e in error.errors()]) from None
    problems = [
        f'{path}, scenario "{scenario.name}", {where}: {why}'
        for scenario in suite.scenarios
        for where, why in _unknown_names(scenario)
    ]
    if problems:
        raise SuiteError(path, problems)
    return suite


def _unknown_names(scenario: Scenario) -> list[tuple[str, str]]:
    """Steps naming a user the set-up lacks, or a chat no earlier step started."""
    users = {"admin", *(user.name for user in scenario.setup.users)}
    callers = users | {"api_key", "nobody"}
    chats: set[str] = set()
    found = []
    for number, step in enumerate(scenario.steps, 1):
        action = step.action
        where = f"step {number} ({action or 'expect'})"
        value = getattr(step, action) if action else None
        for field in ("agent", "to"):
            name = getattr(value, field, None)
            if name is not None and name not in users:
                found.append((f"{where}, {action}.{field}", f"no user named {name!r}"))
        if isinstance(value, Api) and value.caller not in callers:
            found.append((f"{where}, api.as", f"no user named {value.caller!r}"))
        if isinstance(value, StartChat):
            chats.add(value.name or f"{value.visitor}-{len(chats) + 1}")
        named = [getattr(value, "chat", None)]
        if step.expect is not None:
            named += [c.chat for c in step.expect.chats] + [m.chat for m in step.expect.messages]
            named += [t.chat for t in step.expect.tickets] + list(step.expect.queue or [])
        for chat in named:
            if chat is not None and chat not in chats:
                found.append((where, f"no chat named {chat!r} was started before"))
    return found


def _where(path: str, data: Any, error: Any) -> str:
    """One line: file, scenario (by name), step (by number, from 1, and its action), field."""
    loc = list(error["loc"])
    parts = [path]
    if len(loc) >= 2 and loc[0] == "scenarios" and isinstance(loc[1], int):
        scenario = _get(data, ["scenarios", loc[1]])
        name = scenario.get("name") if isinstance(scenario, dict) else None
        parts.append(f'scenario "{name}"' if name else f"scenario {loc[1] + 1}")
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            step = _get(scenario, ["steps", loc[1]])
            action = next((a for a in ACTIONS if isinstance(step, dict) and a in step), None)
            parts.append(f"step {loc[1] + 1}" + (f" ({action})" if action else ""))
            loc = loc[2:]
    field = ".".join(str(part) for part in loc if not str(part).startswith("function-"))
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{': '.join([', '.join(parts), field]) if field else ', '.join(parts)}: {message}"


def _get(data: Any, keys: list[Any]) -> Any:
    for key in keys:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data
