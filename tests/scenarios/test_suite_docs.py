"""QA1: docs/suites.md documents every part of a suite file — each set-up part, step action
and expectation has its section, naming each of its fields — so the reference cannot drift
from the models."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from scenarios.suite.model import ACTIONS, Expectations, Setup, Step

pytestmark = pytest.mark.feature("QA1")

DOC = Path(__file__).resolve().parents[2] / "docs" / "suites.md"


def sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    found = re.split(r"^### `([^`]+)`\n", text, flags=re.MULTILINE)
    return dict(zip(found[1::2], found[2::2], strict=True))


def model_of(owner: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The model a field holds (alone, in a list or optional), if any."""
    annotation = owner.model_fields[field].annotation
    for candidate in [annotation, *typing.get_args(annotation)]:
        for inner in [candidate, *typing.get_args(candidate)]:
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def undocumented(title: str, model: type[BaseModel] | None) -> list[str]:
    section = sections().get(title)
    if section is None:
        return [f"no section ### `{title}`"]
    if model is None:
        return []
    return [f"{title}.{name}" for name in field_names(model) if f"`{name}`" not in section]


def test_every_step_action_is_documented_with_its_fields() -> None:
    missing = [m for action in ACTIONS for m in undocumented(action, model_of(Step, action))]
    assert not missing, f"docs/suites.md lacks {missing}"


def test_every_expectation_is_documented_with_its_fields() -> None:
    missing = [
        m
        for name in Expectations.model_fields
        for m in undocumented(f"expect.{name}", model_of(Expectations, name))
    ]
    assert not missing, f"docs/suites.md lacks {missing}"


def test_every_part_of_the_set_up_is_documented_with_its_fields() -> None:
    missing = [
        m
        for name in Setup.model_fields
        for m in undocumented(f"setup.{name}", model_of(Setup, name))
    ]
    assert not missing, f"docs/suites.md lacks {missing}"


def test_the_reference_documents_nothing_that_does_not_exist() -> None:
    known = {*ACTIONS, *(f"expect.{n}" for n in Expectations.model_fields)}
    known |= {f"setup.{n}" for n in Setup.model_fields}
    assert sorted(set(sections()) - known) == []
