"""Request bodies and frames are read by orjson when it reads them as the standard parser
does, and by the standard parser otherwise: whichever reads a text, the same value comes
out, and the same texts are refused with the same code, field and message."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.json_input import (
    MAX_DEPTH,
    BadJson,
    _parse_exactly,
    check_json,
    parse_json,
)

# text a client may send, including what cannot be stored (NUL, half a surrogate pair)
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=12) | st.sampled_from(
    ["", "a\x00b", "\ud800", "x\udfffy", "é", "日本"]
)
numbers = (
    st.integers()
    | st.integers(min_value=-(10**45), max_value=10**45)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**39, 10**40, 1e308, 0.1])
)
scalars = st.none() | st.booleans() | numbers | texts
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


def outcome(read: Any, raw: str | bytes) -> tuple[str, Any]:
    try:
        return "value", read(raw)
    except BadJson as error:
        return "refused", (error.code, error.field, error.message)


def exactly(raw: str | bytes) -> Any:
    value = _parse_exactly(raw)
    check_json(value)
    return value


def same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    # json.dumps of both keeps -0.0 vs 0 and int vs float apart, which == would not
    return a[0] == b[0] and json.dumps(a[1], sort_keys=True) == json.dumps(b[1], sort_keys=True)


@settings(max_examples=400, deadline=None)
@given(values, st.booleans(), st.booleans())
def test_any_json_is_read_as_the_standard_parser_reads_it(
    value: Any, ascii_only: bool, as_bytes: bool
) -> None:
    raw: str | bytes = json.dumps(value, ensure_ascii=ascii_only)
    if as_bytes:
        raw = raw.encode("utf-8", "surrogatepass")
    assert same(outcome(parse_json, raw), outcome(exactly, raw))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='[]{}":,0123456789.eE-+ \\u\x00abtrufalsn', max_size=40))
def test_any_text_is_refused_or_read_as_the_standard_parser_does(raw: str) -> None:
    assert same(outcome(parse_json, raw), outcome(exactly, raw))


def test_what_is_refused_stays_refused() -> None:
    cases = {
        b'{"n": ' + b"9" * 41 + b"}": "malformed_json",  # too many digits
        b'{"n": 1e400}': "malformed_json",  # infinity
        b'{"n": NaN}': "malformed_json",
        b"[" * (MAX_DEPTH + 1) + b"1" + b"]" * (MAX_DEPTH + 1): "malformed_json",
        b"[" * 5000 + b"]" * 5000: "malformed_json",
        b'{"text": "a\\u0000b"}': "validation_failed",
        b'{"text": "\\ud800"}': "validation_failed",
        b'{"a\\u0000": 1}': "validation_failed",
        b"\xff\xfe": "malformed_json",
        b"{": "malformed_json",
    }
    for raw, code in cases.items():
        refused = outcome(parse_json, raw)
        assert refused[0] == "refused" and refused[1][0] == code, raw[:40]
    nested_ok = b"[" * MAX_DEPTH + b"1" + b"]" * MAX_DEPTH
    assert outcome(parse_json, nested_ok)[0] == "value"
    assert parse_json(b'{"n": ' + b"9" * 40 + b"}") == {"n": int("9" * 40)}
    assert outcome(parse_json, b'{"t": "a\\u0000b"}')[1][1] == "t"
