"""OpenAPI schemas of the settings the domain owns — a chatflow's sections and the account's
widget set-up — generated from the domain's dataclasses (``domain.codec.json_schemas``), so
the API's documentation is typed field by field and cannot drift from the model.

:func:`typed` marks a pydantic field (kept as a plain dict, which the domain's codec
validates with every bad field named) with the generated schema's ``$ref``;
:func:`settings_schemas` gives every generated schema for ``components/schemas``.
"""

from __future__ import annotations

from typing import Any

from pydantic import WithJsonSchema

from ..domain.chatflow import (
    DEVICES,
    OPERATORS_BY_FIELD,
    VISITOR_KINDS,
    AccountDefaults,
    Chatflow,
    RuleField,
    RuleOperator,
)
from ..domain.codec import json_schemas

__all__ = ["nullable", "settings_schemas", "typed"]


def typed(name: str) -> WithJsonSchema:
    """The JSON schema of a field holding the settings object ``name`` (e.g.
    ``BuildSettings``, or its merge-patch form ``BuildSettingsPatch``)."""
    # allOf: pydantic resolves a bare $ref among its own models, and these are not.
    return WithJsonSchema({"allOf": [{"$ref": f"#/components/schemas/{name}"}]})


def nullable(name: str) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"$ref": f"#/components/schemas/{name}"}, {"type": "null"}]})


def settings_schemas() -> dict[str, dict[str, Any]]:
    """Every schema of the settings model, whole and as merge patches. A targeting rule's
    schema also says which operators each field takes and which values the fixed-choice
    fields have (``x-operators-by-field``, ``x-values-by-field``), so a form offers only
    what the model accepts."""
    found: dict[str, dict[str, Any]] = {}
    for cls in (Chatflow, AccountDefaults):
        found.update(json_schemas(cls))
        found.update(json_schemas(cls, patch=True))
    found["Rule"]["x-operators-by-field"] = {
        field.value: [op.value for op in RuleOperator if op in OPERATORS_BY_FIELD[field]]
        for field in RuleField
    }
    found["Rule"]["x-values-by-field"] = {
        RuleField.VISITOR.value: list(VISITOR_KINDS),
        RuleField.DEVICE.value: list(DEVICES),
    }
    return found
