"""The ASGI entry point for uvicorn: ``uvicorn --factory reference_server.asgi:app_from_env``.

Settings come from ``LIVECHAT_*`` environment variables, read when the factory is called
(once per worker), never at import time.
"""

from __future__ import annotations

from starlette.applications import Starlette

from .app import create_app
from .settings import Settings, SettingsError

__all__ = ["app_from_env"]


def app_from_env() -> Starlette:
    try:
        settings = Settings.from_env()
    except SettingsError as error:  # a message, not a traceback
        raise SystemExit(f"livechat: {error}") from None
    return create_app(settings)
