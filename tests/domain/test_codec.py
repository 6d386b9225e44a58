"""The dict codec that every settings format (JSON, YAML, dicts) goes through."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

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


# ---------------------------------------------------------------- JSON Schema


def _validator(schemas: dict[str, Any], name: str) -> Any:
    """A JSON Schema validator of ``name`` resolving ``#/components/schemas/...``."""
    from jsonschema import Draft202012Validator

    document = {"components": {"schemas": schemas}, **schemas[name]}
    return Draft202012Validator(document)


@pytest.mark.feature("CF7")
def test_the_settings_schema_accepts_what_the_codec_writes_and_refuses_typos() -> None:
    from reference_server.domain.chatflow import (
        Chatflow,
        OfficeHours,
        Weekday,
        Workspace,
        chatflow_to_dict,
    )
    from reference_server.domain.codec import json_schemas

    schemas = json_schemas(Chatflow)
    assert schemas["Weekday"] == {"type": "string", "enum": [d.value for d in Weekday]}
    assert schemas["BuildSettings"]["additionalProperties"] is False
    flow = Chatflow(id="c1", name="Sales", workspace=Workspace(id="inb_1"))
    flow = replace(
        flow,
        build=replace(
            flow.build,
            availability=replace(
                flow.build.availability, office_hours=(OfficeHours(Weekday.MONDAY),)
            ),
        ),
    )
    validator = _validator(schemas, "Chatflow")
    assert list(validator.iter_errors(chatflow_to_dict(flow))) == []
    typo = chatflow_to_dict(flow)
    typo["build"]["welcome_mesage"] = "Hi"
    typo["display"]["desktop"] = "popup"
    assert len(list(validator.iter_errors(typo))) == 2
    # Required only where the model has no default; defaults are the model's own.
    assert schemas["Chatflow"]["required"] == ["id", "name", "workspace"]
    assert schemas["Triggers"]["properties"]["time_on_page_seconds"]["default"] is None
    assert "description" in schemas["Triggers"]
    assert schemas["Workspace"]["description"].startswith("CF1")


@pytest.mark.feature("CF7")
def test_numbers_and_optional_texts_are_described_and_undocumented_classes_stay_bare() -> None:
    from reference_server.domain.codec import json_schemas

    sample = json_schemas(Sample)["Sample"]
    assert sample["properties"]["rate"] == {"type": "number", "default": 1.0}
    assert sample["properties"]["label"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert "description" not in sample and "required" not in sample


@pytest.mark.feature("CF7")
def test_the_patch_schema_takes_any_part_and_null_for_a_default() -> None:
    from reference_server.domain.chatflow import BuildSettings, DisplaySettings
    from reference_server.domain.codec import json_schemas

    schemas = json_schemas(BuildSettings, patch=True)
    assert "BuildSettingsPatch" in schemas and "BuildSettings" not in schemas
    validator = _validator(schemas, "BuildSettingsPatch")
    good = {"availability": {"reply_time": None, "office_hours": [{"day": "monday"}]}}
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({"availability": {"office_hours": [{}]}}))  # day needed
    assert list(validator.iter_errors({"heading": {"brand": "x"}}))
    assert schemas["KnowledgeBaseSettingsPatch"]["title"] == "KnowledgeBaseSettingsPatch"
    display = json_schemas(DisplaySettings, patch=True)
    seconds = display["TriggersPatch"]["properties"]["time_on_page_seconds"]
    assert seconds["anyOf"] == [{"type": "integer"}, {"type": "null"}]  # null once
