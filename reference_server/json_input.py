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
    _check(value, "", 0)


def _check(value: Any, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BadJson(f"the JSON is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        problem = unstorable_text(value)
        if problem:
            raise BadJson(problem, code="validation_failed", field=path or "(body)")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check(item, _path(path, index), depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = unstorable_text(key)
            if problem:
                raise BadJson(f"a key {problem}", code="validation_failed", field=path or "(body)")
            _check(item, _path(path, key), depth + 1)


def parse_json(raw: str | bytes, *, check: bool = True) -> Any:
    """The JSON value of ``raw``, or :class:`BadJson` saying what is wrong with it;
    ``check=False`` leaves :func:`check_json` to the caller (who may want to read a field
    first)."""
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
    if check:
        check_json(value)
    return value
