"""Server settings, read from ``LIVECHAT_*`` environment variables.

``Settings.from_env()`` is called once, by whoever starts the server (the ``livechat serve``
command, uvicorn's factory); tests build ``Settings(...)`` directly. Nothing reads the
environment at import time.

Every value is checked against what it may be, and so is every ``LIVECHAT_*`` name: a typo
(``LIVECHAT_ENV=prod``, ``LIVECHAT_TEST_CONTROL=1``) stops the server with a message naming
the variable and what it accepts, instead of quietly running with a default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["ENVIRONMENTS", "Limits", "Rate", "Settings", "SettingsError"]

DEFAULT_DATABASE = "sqlite+aiosqlite:///var/livechat.db"
ENVIRONMENTS = ("development", "test", "production")
# Read by the test harness, not the server; allowed so that a test run's environment
# (LIVECHAT_TEST_DATABASE=postgresql make test) can start servers.
HARNESS_VARIABLES = frozenset(
    {
        "LIVECHAT_TEST_DATABASE",
        "LIVECHAT_TEST_POSTGRES",
        "LIVECHAT_TEST_REDIS",
        "LIVECHAT_TEST_REDIS_URL",
    }
)


class SettingsError(ValueError):
    """A setting has a value the server must not start with."""


_FLAGS = {"1": True, "true": True, "yes": True, "on": True}
_FLAGS.update({"0": False, "false": False, "no": False, "off": False, "": False})


def _flag(name: str, value: str) -> bool:
    try:
        return _FLAGS[value.strip().lower()]
    except KeyError:
        raise SettingsError(f"{name}={value!r}: use 1 or 0 (true/false, yes/no, on/off)") from None


_UNITS = {"s": 1, "second": 1, "min": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400}
_UNITS["day"] = 86400
_RATE = re.compile(r"^(\d+)\s*/\s*(\d*)\s*([a-z]+?)s?$")


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events per ``seconds`` (a fixed window)."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, name: str, text: str) -> Rate | None:
        """``"10/hour"``, ``"5/15min"``, ``"60/minute"``; ``"off"`` (or ``0``) is no limit."""
        value = text.strip().lower()
        if value in ("off", "0", "none"):
            return None
        match = _RATE.match(value)
        unit = _UNITS.get(match.group(3)) if match else None
        if match is None or unit is None or int(match.group(1)) < 1:
            raise SettingsError(
                f"{name}={text!r}: write a rate such as 10/hour, 5/15min or 60/minute "
                "(units s, min, h, d), or off"
            )
        return cls(int(match.group(1)), int(match.group(2) or 1) * unit)

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds}s"


@dataclass(frozen=True)
class Limits:
    """Abuse limits; ``None`` switches one off. Every limit answers 429 with Retry-After.

    Per address limits count what one IP address does (behind a proxy, run uvicorn with
    ``--proxy-headers``): switch them off for load tests and benchmarks from one machine.
    """

    visitor_conversations: Rate | None = Rate(10, 3600)  # conversations per visitor token
    visitor_messages: Rate | None = Rate(60, 60)  # messages per visitor token
    account_conversations: Rate | None = Rate(600, 60)  # conversations per account
    account_visitors: Rate | None = Rate(3000, 60)  # new visitors per account
    address_requests: Rate | None = Rate(600, 60)  # widget calls + socket opens per address
    address_visitors: Rate | None = Rate(200, 3600)  # new visitors per address
    login_failures: Rate | None = Rate(5, 900)  # wrong passwords per e-mail, then back-off
    address_login_failures: Rate | None = Rate(30, 900)  # wrong passwords per address


def _public_url(name: str, value: str) -> str:
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise SettingsError(
            f"{name}={value!r}: the server's own origin, e.g. https://chat.example.com "
            "(scheme and host, no path)"
        )
    return url


def _environment(name: str, value: str) -> str:
    if value not in ENVIRONMENTS:
        raise SettingsError(f"{name}={value!r}: must be one of {', '.join(ENVIRONMENTS)}")
    return value


def _origins(name: str, value: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
    for origin in origins:
        _public_url(name, origin)
    return origins


def _hours(name: str, value: str) -> timedelta:
    try:
        hours = float(value)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= 24 * 90:
        raise SettingsError(f"{name}={value!r}: a number of hours, more than 0 and at most 2160")
    return timedelta(hours=hours)


def _text(_name: str, value: str) -> str:
    return value


def _optional_text(_name: str, value: str) -> str | None:
    return value or None


# variable → (Settings field, parser); a "limits." field is one of Limits'.
_VARIABLES: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "LIVECHAT_DATABASE_URL": ("database_url", _text),
    "LIVECHAT_REDIS_URL": ("redis_url", _optional_text),
    "LIVECHAT_ENV": ("environment", _environment),
    "LIVECHAT_TEST_CONTROLS": ("test_controls", _flag),
    "LIVECHAT_PUBLIC_URL": ("public_url", _public_url),
    "LIVECHAT_DEMO_DATA": ("demo_data", _flag),
    "LIVECHAT_CORS_ORIGINS": ("cors_origins", _origins),
    "LIVECHAT_SESSION_IDLE_HOURS": ("session_idle", _hours),
    "LIVECHAT_SESSION_MAX_HOURS": ("session_max", _hours),
    **{
        f"LIVECHAT_LIMIT_{limit.name.upper()}": (f"limits.{limit.name}", Rate.parse)
        for limit in fields(Limits)
    },
}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    redis_url: str | None = None  # None: in-process broadcast and limits (one worker)
    environment: str = "development"  # development | test | production
    test_controls: bool = False  # LIVECHAT_TEST_CONTROLS=1: clock and reset endpoints
    public_url: str = "http://127.0.0.1:8000"  # the server's own origin
    demo_data: bool = False  # seed the demo account at start when the database is empty
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call /api/v1
    session_idle: timedelta = timedelta(hours=8)  # a session unused this long ends
    session_max: timedelta = timedelta(hours=24)  # and every session ends this long after log-in
    limits: Limits = field(default_factory=Limits)

    def __post_init__(self) -> None:
        _environment("LIVECHAT_ENV", self.environment)
        if self.production:
            if self.test_controls:
                raise SettingsError(
                    "LIVECHAT_TEST_CONTROLS is refused when LIVECHAT_ENV=production"
                )
            if self.demo_data:
                raise SettingsError("LIVECHAT_DEMO_DATA is refused when LIVECHAT_ENV=production")
            if not self.public_url.startswith("https://"):
                raise SettingsError(
                    "LIVECHAT_PUBLIC_URL must be an https:// origin when LIVECHAT_ENV=production"
                )
        if self.session_idle > self.session_max:
            raise SettingsError(
                "LIVECHAT_SESSION_IDLE_HOURS must not be more than LIVECHAT_SESSION_MAX_HOURS"
            )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        unknown = sorted(
            name
            for name in env
            if name.startswith("LIVECHAT_")
            and name not in _VARIABLES
            and name not in HARNESS_VARIABLES
        )
        if unknown:
            raise SettingsError(
                f"unknown setting {', '.join(unknown)}; the settings are "
                + ", ".join(sorted(_VARIABLES))
            )
        values: dict[str, Any] = {}
        limits: dict[str, Any] = {}
        for name, (target, parse) in _VARIABLES.items():
            if name not in env:
                continue
            value = parse(name, env[name])
            if target.startswith("limits."):
                limits[target.removeprefix("limits.")] = value
            else:
                values[target] = value
        return cls(**values, limits=replace(Limits(), **limits))

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def public_origin(self) -> str:
        """The origin browsers send in ``Origin`` for this server's own pages."""
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite URL (None for in-memory or other databases)."""
        if not self.is_sqlite:
            return None
        path = self.database_url.split("///", 1)[-1]
        return None if path in ("", ":memory:") else Path(path)

    @staticmethod
    def variables() -> list[str]:
        """Every ``LIVECHAT_*`` setting the server reads."""
        return sorted(_VARIABLES)
