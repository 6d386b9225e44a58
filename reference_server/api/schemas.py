"""pydantic models shared by several resources. A resource's own request and response
models live in its module; only the common ones are here."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..services.inputs import Input

__all__ = ["Input", "Output"]


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)
