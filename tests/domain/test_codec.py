"""The dict codec that every settings format (JSON, YAML, dicts) goes through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reference_server.domain.chatflow import Triggers
from reference_server.domain.codec import InvalidData, from_dict, to_dict


@dataclass(frozen=True)
class Sample:
    rate: float = 1.0
    label: str | None = None


@pytest.mark.feature("CF7")
def test_numbers_accept_whole_numbers_but_not_booleans() -> None:
    assert from_dict(Sample, {"rate": 2}) == Sample(rate=2.0)
    with pytest.raises(InvalidData) as caught:
        from_dict(Sample, {"rate": True, "label": 5})
    assert caught.value.as_fields() == {"rate": "must be a number", "label": "must be text"}


@pytest.mark.feature("CF7")
def test_optional_fields_take_null_and_round_trip() -> None:
    assert to_dict(Sample(label=None)) == {"rate": 1.0, "label": None}
    assert from_dict(Sample, {"label": None}) == Sample()


@pytest.mark.feature("DS2")
def test_triggers_are_on_when_any_one_is_enabled() -> None:
    assert not Triggers().any
    assert Triggers(exit_intent=True).any
    assert Triggers(time_on_page_seconds=0).any
    assert Triggers(scroll_percentage=50).any
