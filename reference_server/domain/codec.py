"""Plain-dict codec for the domain's frozen dataclasses.

Settings travel as JSON (the server), YAML (scenario suites, the simulator) and Python
dicts. One codec turns any domain dataclass into a plain dict and back, so the round trip
is lossless by construction, and it reports *every* bad field of an input at once, each
under a dotted path (``build.availability.office_hours[2].start``) — the shape that CF7
asks for.

Supported field types: ``str``, ``int``, ``float``, ``bool``, ``StrEnum`` subclasses,
``X | None``, ``tuple[X, ...]``, ``Mapping[str, str]`` and nested dataclasses. A missing key
takes the field's default; an unknown key is an error (a typo must not vanish silently).
A dataclass may define ``_check(self) -> list[FieldError]`` for rules that span its fields;
paths it returns are relative to the dataclass.

:func:`json_schemas` describes the same types as JSON Schema (one named schema per
dataclass and enum), so the OpenAPI document and the admin console's forms follow the
settings model with nothing written twice; ``patch=True`` gives the JSON Merge Patch form
(every field optional, ``null`` resets it to its default).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

__all__ = ["FieldError", "InvalidData", "from_dict", "json_schemas", "to_dict", "join_path"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One bad field: where it is (dotted path) and what is wrong with it."""

    path: str
    message: str


class InvalidData(ValueError):
    """Raised by :func:`from_dict` with every :class:`FieldError` of the input."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        summary = "; ".join(f"{e.path or '(root)'}: {e.message}" for e in errors[:5])
        super().__init__(f"{len(errors)} invalid field(s): {summary}")

    def as_fields(self) -> dict[str, str]:
        """The errors as ``{path: message}``, the ``fields`` of the JSON error contract."""
        return {e.path: e.message for e in self.errors}


def join_path(base: str, name: str | int) -> str:
    """``join_path("a", "b") == "a.b"``; ``join_path("a", 2) == "a[2]"``."""
    if isinstance(name, int):
        return f"{base}[{name}]"
    return f"{base}.{name}" if base else name


def to_dict(obj: Any) -> Any:
    """Turn a domain dataclass (or a value inside one) into plain JSON-able data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, tuple):
        return [to_dict(item) for item in obj]
    if isinstance(obj, Mapping):
        return {key: to_dict(value) for key, value in obj.items()}
    return obj


def from_dict(cls: type[T], data: Any, path: str = "") -> T:
    """Build ``cls`` from plain data, or raise :class:`InvalidData` listing every bad field."""
    errors: list[FieldError] = []
    value = _decode(cls, data, path, errors)
    if errors:
        raise InvalidData(errors)
    return typing.cast(T, value)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_MISSING = object()


def _decode(tp: Any, data: Any, path: str, errors: list[FieldError]) -> Any:
    """Decode ``data`` as ``tp``; append errors and return a placeholder on failure."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        if data is None:
            return None
        return _decode(options[0], data, path, errors)
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(tp)
        if not isinstance(data, list | tuple):
            errors.append(FieldError(path, "must be a list"))
            return ()
        return tuple(
            _decode(item_type, item, join_path(path, i), errors) for i, item in enumerate(data)
        )
    if origin is Mapping:
        if not isinstance(data, Mapping):
            errors.append(FieldError(path, "must be an object"))
            return {}
        bad = [k for k, v in data.items() if not isinstance(k, str) or not isinstance(v, str)]
        for key in bad:
            errors.append(FieldError(join_path(path, str(key)), "must be a text value"))
        return {k: v for k, v in data.items() if k not in bad}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, path, errors)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            errors.append(FieldError(path, f"must be one of {allowed}"))
            return next(iter(tp))
    return _decode_scalar(tp, data, path, errors)


def _decode_scalar(tp: Any, data: Any, path: str, errors: list[FieldError]) -> Any:
    # bool is an int subclass in Python; JSON true must not pass as the number 1.
    if tp is bool:
        if isinstance(data, bool):
            return data
        errors.append(FieldError(path, "must be true or false"))
        return False
    if tp is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        errors.append(FieldError(path, "must be a whole number"))
        return 0
    if tp is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
        errors.append(FieldError(path, "must be a number"))
        return 0.0
    if isinstance(data, str):
        return data
    errors.append(FieldError(path, "must be text"))
    return ""


def _decode_dataclass(tp: type, data: Any, path: str, errors: list[FieldError]) -> Any:
    if not isinstance(data, Mapping):
        errors.append(FieldError(path, "must be an object"))
        data = {}
    hints = _hints(tp)
    fields = {f.name: f for f in dataclasses.fields(tp)}
    for key in data:
        if key not in fields:
            errors.append(FieldError(join_path(path, str(key)), "is not a known setting"))
    kwargs: dict[str, Any] = {}
    complete = True
    for name, field in fields.items():
        raw = data.get(name, _MISSING)
        if raw is _MISSING:
            if (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                errors.append(FieldError(join_path(path, name), "is required"))
                complete = False
            continue
        # A bad value decodes to a placeholder of the right type, so _check can still run
        # and report the object's other bad fields in the same answer.
        value = _decode(hints[name], raw, join_path(path, name), errors)
        if value is _MISSING or (isinstance(value, tuple) and _MISSING in value):
            complete = False
        kwargs[name] = value
    if not complete:
        return _MISSING
    obj = tp(**kwargs)
    check = getattr(obj, "_check", None)
    if check is not None:
        seen = {e.path for e in errors}
        for error in check():
            where = join_path(path, error.path) if error.path else path
            if where not in seen:
                errors.append(FieldError(where, error.message))
    return obj


# ---------------------------------------------------------------- JSON Schema


PATCH_SUFFIX = "Patch"


def json_schemas(cls: type, *, patch: bool = False) -> dict[str, dict[str, Any]]:
    """JSON Schemas of dataclass ``cls`` and of every dataclass and enum inside it, by name
    (``{"BuildSettings": {...}, "Weekday": {...}}``); references between them are
    ``#/components/schemas/<name>``. With ``patch`` the dataclasses' schemas describe a JSON
    Merge Patch of them instead, named ``<name>Patch``."""
    found: dict[str, dict[str, Any]] = {}
    _schema_of(cls, found, patch)
    return found


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema_of(tp: Any, found: dict[str, dict[str, Any]], patch: bool) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (option,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return {"anyOf": [_schema_of(option, found, patch), {"type": "null"}]}
    if origin is tuple:
        # A list replaces the old one whole, even in a patch: its items are complete.
        return {"type": "array", "items": _schema_of(typing.get_args(tp)[0], found, False)}
    if origin is Mapping:
        return {"type": "object", "additionalProperties": {"type": "string"}}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__ + (PATCH_SUFFIX if patch else "")
        if name not in found:
            found[name] = {}  # a placeholder while its fields are described
            found[name] = _dataclass_schema(tp, found, patch)
        return _ref(name)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        found.setdefault(tp.__name__, {"type": "string", "enum": [m.value for m in tp]})
        return _ref(tp.__name__)
    return {"type": _SCALARS[tp]}


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _dataclass_schema(tp: type, found: dict[str, dict[str, Any]], patch: bool) -> dict[str, Any]:
    hints = _hints(tp)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in dataclasses.fields(tp):
        schema = _schema_of(hints[field.name], found, patch)
        if patch:
            if "anyOf" not in schema:  # an optional field is nullable already
                schema = {"anyOf": [schema, {"type": "null"}]}
            schema = {**schema, "description": "null: back to the default"}
        else:
            default = _default_of(field)
            if default is _MISSING:
                required.append(field.name)
            else:
                schema = {**schema, "default": to_dict(default)}
        properties[field.name] = schema
    result: dict[str, Any] = {
        "type": "object",
        "title": tp.__name__ + (PATCH_SUFFIX if patch else ""),
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        result["required"] = required
    doc = (tp.__doc__ or "").strip()
    if doc and not doc.startswith(f"{tp.__name__}("):  # not the generated signature
        result["description"] = " ".join(doc.split())
    return result


def _default_of(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return _MISSING
