"""Partial updates (``PATCH``): which fields a request set, and JSON Merge Patch for the
settings objects that are edited a piece at a time.

A :class:`Patch` model declares every field optional. A field left out is not changed; a
field sent as ``null`` is refused unless the model lists it in ``NULLABLE`` (where null is a
value, e.g. "no capacity limit" or "no owner"). :meth:`Patch.changes` gives only what the
request set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ConfigDict, ValidationInfo, field_validator

from .schemas import Input

__all__ = ["Patch", "merge_patch"]


def _without_null(schema: dict[str, Any], model: type[Any]) -> None:
    """The document says what the server takes: ``null`` only where ``NULLABLE`` allows."""
    nullable: frozenset[str] = getattr(model, "NULLABLE", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in nullable:
            continue
        options = [o for o in prop.get("anyOf", ()) if o.get("type") != "null"]
        if "anyOf" in prop:
            del prop["anyOf"]
            if len(options) == 1:
                prop.update(options[0])
            else:
                prop["anyOf"] = options
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class Patch(Input):
    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    model_config = ConfigDict(json_schema_extra=_without_null)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("must not be null (leave the field out to keep its value)")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the request set, with their (validated) values."""
        return {name: getattr(self, name) for name in self.model_fields_set}


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge key by key, ``null`` removes a key, anything
    else (lists, strings, numbers) replaces the old value whole."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
