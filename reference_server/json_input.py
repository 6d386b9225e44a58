"""Reading JSON that anyone on the internet may have written: request bodies and WebSocket
frames share this one parser, so both refuse the same things the same way.

Refused, each as :class:`BadJson` (a client error, never a 500):

- not UTF-8, not JSON;
- nested deeper than :data:`MAX_DEPTH` (the standard parser would recurse until it fails);
- numbers with more than :data:`MAX_NUMBER_CHARS` characters, ``NaN`` and ``Infinity``
  (Python refuses to turn 5,000 digits into an int, and no setting needs them);
- text holding a NUL character or half of a UTF-16 surrogate pair, in values or keys:
  PostgreSQL cannot store either, and neither is ever meant.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "BadJson",
    "check_json",
    "parse_json",
    "unstorable_text",
]

MAX_DEPTH = 32
MAX_NUMBER_CHARS = 40


class BadJson(ValueError):
    """The input is not JSON this server accepts. ``code`` is ``malformed_json`` or
    ``validation_failed`` (valid JSON, unacceptable text); ``field`` names where."""

    def __init__(self, message: str, *, code: str = "malformed_json", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise BadJson(f"a number has more than {MAX_NUMBER_CHARS} characters")
    value = float(text) if any(c in text for c in ".eE") else int(text)
    if value in (float("inf"), float("-inf")):
        raise BadJson("a number is too large")
    return value


def _constant(name: str) -> Any:
    raise BadJson(f"{name} is not a JSON number")


def unstorable_text(text: str) -> str | None:
    """Why ``text`` cannot be stored (None when it can)."""
    if text.isascii() and "\x00" not in text:  # the usual case, decided at C speed
        return None
    if "\x00" in text:
        return "must not contain a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain half of a surrogate pair"
    return None


def _path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_json(value: Any) -> None:
    """:class:`BadJson` when parsed JSON nests too deep or holds text that cannot be stored
    (done by :func:`parse_json` unless told not to)."""
    if isinstance(value, str):
        problem = unstorable_text(value)
        if problem:
            raise BadJson(problem, code="validation_failed", field="(body)")
    elif isinstance(value, (dict, list)):
        _check(value, "", 0)


def _check(value: dict[str, Any] | list[Any], path: str, depth: int) -> None:
    """Check a container at ``depth``; a path is spelt out only for a container inside it
    or a problem found (a frame's flat fields cost no string building)."""
    if value and depth >= MAX_DEPTH:  # its items lie deeper than allowed
        raise BadJson(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str):
            problem = unstorable_text(key)
            if problem:
                raise BadJson(f"a key {problem}", code="validation_failed", field=path or "(body)")
        if isinstance(item, str):
            problem = unstorable_text(item)
            if problem:
                raise BadJson(problem, code="validation_failed", field=_path(path, key))
        elif isinstance(item, (dict, list)):
            _check(item, _path(path, key), depth + 1)


def _holds_float(value: Any) -> bool:
    """Whether parsed JSON holds a float (or an integer too big for 64 bits, which orjson
    reads as a float) anywhere."""
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        value = value.values()
    elif not isinstance(value, list):
        return False
    return any(
        isinstance(item, float) or (isinstance(item, (dict, list)) and _holds_float(item))
        for item in value
    )


def parse_json(raw: str | bytes, *, check: bool = True) -> Any:
    """The JSON value of ``raw``, or :class:`BadJson` saying what is wrong with it;
    ``check=False`` leaves :func:`check_json` to the caller (who may want to read a field
    first)."""
    value = _parse_fast(raw)
    if value is _SLOW:
        value = _parse_exactly(raw)
    if check:
        check_json(value)
    return value


_SLOW = object()


def _parse_fast(raw: str | bytes) -> Any:
    """orjson's reading of ``raw`` when the standard parser below would read it the same
    (no float: the number rules need its text; orjson refuses everything else this module
    refuses, or reads it as the standard parser does), else ``_SLOW``."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:  # the exact parser says what is wrong, as it always did
        return _SLOW
    return _SLOW if _holds_float(value) else value


def _parse_exactly(raw: str | bytes) -> Any:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJson("the body is not UTF-8 text") from None
    try:
        value = json.loads(raw, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except json.JSONDecodeError as error:
        raise BadJson(f"not valid JSON: {error}") from None
    except RecursionError:  # the C parser gives up on very deep nesting
        raise BadJson(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    return value
