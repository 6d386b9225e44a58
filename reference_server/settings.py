"""Server settings, read from ``LIVECHAT_*`` environment variables.

``Settings.from_env()`` is called once, by whoever starts the server (the ``livechat serve``
command, uvicorn's factory); tests build ``Settings(...)`` directly. Nothing reads the
environment at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Settings", "SettingsError"]

DEFAULT_DATABASE = "sqlite+aiosqlite:///var/livechat.db"


class SettingsError(ValueError):
    """A setting has a value the server must not start with."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    redis_url: str | None = None  # None: in-process broadcast (one worker)
    environment: str = "development"  # "production" refuses the test controls
    test_controls: bool = False  # LIVECHAT_TEST_CONTROLS=1: clock and reset endpoints
    public_url: str = "http://127.0.0.1:8000"
    demo_data: bool = False  # seed the demo account at start when the database is empty
    cors_origins: tuple[str, ...] = field(default=("*",))

    def __post_init__(self) -> None:
        if self.test_controls and self.environment == "production":
            raise SettingsError("LIVECHAT_TEST_CONTROLS is refused when LIVECHAT_ENV=production")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        origins = env.get("LIVECHAT_CORS_ORIGINS")
        return cls(
            database_url=env.get("LIVECHAT_DATABASE_URL", DEFAULT_DATABASE),
            redis_url=env.get("LIVECHAT_REDIS_URL") or None,
            environment=env.get("LIVECHAT_ENV", "development"),
            test_controls=_flag(env.get("LIVECHAT_TEST_CONTROLS")),
            public_url=env.get("LIVECHAT_PUBLIC_URL", Settings.public_url).rstrip("/"),
            demo_data=_flag(env.get("LIVECHAT_DEMO_DATA")),
            cors_origins=tuple(o.strip() for o in origins.split(",")) if origins else ("*",),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite URL (None for in-memory or other databases)."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[-1]
        return None if path in ("", ":memory:") else Path(path)
