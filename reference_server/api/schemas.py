"""pydantic models shared by several resources. A resource's own request and response
models live in its module; only the common ones are here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Input", "Output"]


class Input(BaseModel):
    """Request bodies: unknown fields are errors (a typo must not be silently ignored),
    strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)
