"""What clients hand to the services, checked: the pydantic models of the inputs that the
REST API and the WebSocket frames share (a frame adds ``type``, ``ref`` and
``conversation_id`` to the same body), and how their validation errors are named.

A bad input is refused before any service runs: unknown fields are errors (a typo must not
be silently ignored) and strings are stripped.
"""

from __future__ import annotations

import functools
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
)

__all__ = [
    "MAX_PROPERTIES",
    "MAX_PROPERTY_NAME",
    "MAX_PROPERTY_VALUE",
    "ConsentAnswersIn",
    "CsatIn",
    "EmailIn",
    "Input",
    "MessageIn",
    "StartIn",
    "pydantic_fields",
]

MAX_PROPERTIES = 30
MAX_PROPERTY_NAME = 64
MAX_PROPERTY_VALUE = 500


def _takes_only_a_bool(annotation: Any) -> bool:
    """``bool`` or ``bool | None``: a field that takes true or false and nothing else."""
    if annotation is bool:
        return True
    if get_origin(annotation) in (Union, UnionType):
        return set(get_args(annotation)) == {bool, type(None)}
    return False


class Input(BaseModel):
    """Request bodies and frames: unknown fields are errors, strings are stripped, and a
    boolean is ``true`` or ``false`` — never ``0``, ``1`` or ``"yes"``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _only_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        if (
            value is not None
            and not isinstance(value, bool)
            and info.field_name in _boolean_fields(cls)
        ):
            raise ValueError("must be true or false")
        return value


@functools.cache
def _boolean_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that take only true or false (looked up once per model: the
    check runs on every field of every request and frame)."""
    return frozenset(
        name for name, field in model.model_fields.items() if _takes_only_a_bool(field.annotation)
    )


def pydantic_fields(error: ValidationError) -> dict[str, str]:
    """pydantic's errors as ``{dotted.path: message}`` (list indexes as ``[i]``)."""
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        path = ""
        for part in item["loc"]:
            path = (
                f"{path}[{part}]"
                if isinstance(part, int)
                else (f"{path}.{part}" if path else str(part))
            )
        fields.setdefault(path or "(body)", item["msg"])
    return fields


class MessageIn(Input):
    client_id: str = Field(
        min_length=1,
        max_length=64,
        description="the sender's own id for this message; a resend with "
        "the same id returns the stored message",
    )
    text: str = Field(description="1 to 5000 characters after trimming")


class ConsentAnswersIn(Input):
    """What the visitor agreed to; a field left out keeps its stored value."""

    data_processing: StrictBool | None = None  # OP4 "I agree"
    cookies: StrictBool | None = None  # OP3 banner answer
    communication: StrictBool | None = None  # OP5 checkbox


def check_properties(value: dict[str, str]) -> dict[str, str]:
    """RT3: the routing properties a page or client adds, within their limits."""
    if len(value) > MAX_PROPERTIES:
        raise ValueError(f"at most {MAX_PROPERTIES} properties")
    for name, item in value.items():
        if not name.strip() or len(name) > MAX_PROPERTY_NAME:
            raise ValueError(f"property names are 1 to {MAX_PROPERTY_NAME} characters")
        if len(item) > MAX_PROPERTY_VALUE:
            raise ValueError(f"property {name!r} is longer than {MAX_PROPERTY_VALUE} characters")
    return value


class StartIn(Input):
    chatflow_id: str = Field(min_length=1, max_length=40)
    page_url: str = Field(default="", max_length=2000)
    properties: dict[str, str] = Field(
        default_factory=dict,
        description="RT3 routing properties the client adds (e.g. topic); the ones the "
        "server derives (language, page) cannot be overridden",
    )
    consent: ConsentAnswersIn | None = None
    message: MessageIn | None = None

    @field_validator("properties")
    @classmethod
    def _properties(cls, value: dict[str, str]) -> dict[str, str]:
        return check_properties(value)


class EmailIn(Input):
    email: str = Field(min_length=1, max_length=320)


class CsatIn(Input):
    rating: StrictInt
    comment: str = Field(default="", max_length=10_000)
