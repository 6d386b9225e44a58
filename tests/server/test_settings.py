"""SE5: settings are validated, and a bad one stops the server with a message.

``LIVECHAT_ENV=PRODUCTION`` or ``prod`` once ran as development and mounted the test controls
(whose reset deletes everything). Now every value and every ``LIVECHAT_*`` name is checked;
production refuses the test controls and the demo data and wants an https public URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reference_server.app import create_app
from reference_server.settings import Limits, Rate, Settings, SettingsError

PRODUCTION = {"LIVECHAT_ENV": "production", "LIVECHAT_PUBLIC_URL": "https://chat.example.com"}


@pytest.mark.feature("SE5")
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LIVECHAT_ENV": "PRODUCTION"}, "LIVECHAT_ENV='PRODUCTION': must be one of"),
        ({"LIVECHAT_ENV": "prod"}, "must be one of development, test, production"),
        ({"LIVECHAT_ENV": "production "}, "LIVECHAT_ENV='production '"),
        ({"LIVECHAT_TEST_CONTROL": "1"}, "unknown setting LIVECHAT_TEST_CONTROL"),
        ({"LIVECHAT_TEST_CONTROLS": "maybe"}, "use 1 or 0"),
        ({"LIVECHAT_DEMO_DATA": "2"}, "LIVECHAT_DEMO_DATA='2'"),
        ({"LIVECHAT_PUBLIC_URL": "chat.example.com"}, "the server's own origin"),
        ({"LIVECHAT_PUBLIC_URL": "https://chat.example.com/app"}, "no path"),
        ({"LIVECHAT_CORS_ORIGINS": "*"}, "LIVECHAT_CORS_ORIGINS='*'"),
        ({"LIVECHAT_LIMIT_VISITOR_MESSAGES": "lots"}, "write a rate such as 10/hour"),
        ({"LIVECHAT_LIMIT_LOGIN_FAILURES": "5/fortnight"}, "write a rate"),
        ({"LIVECHAT_SESSION_IDLE_HOURS": "0"}, "more than 0"),
        (
            {"LIVECHAT_SESSION_IDLE_HOURS": "30", "LIVECHAT_SESSION_MAX_HOURS": "24"},
            "must not be more than",
        ),
        ({**PRODUCTION, "LIVECHAT_TEST_CONTROLS": "1"}, "LIVECHAT_TEST_CONTROLS is refused"),
        ({**PRODUCTION, "LIVECHAT_DEMO_DATA": "1"}, "LIVECHAT_DEMO_DATA is refused"),
        ({"LIVECHAT_ENV": "production"}, "must be an https:// origin"),
    ],
)
def test_a_bad_setting_is_refused_with_a_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace("*", r"\*")):
        Settings.from_env(env)


@pytest.mark.feature("SE5", "SE2")
def test_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            **PRODUCTION,
            "LIVECHAT_TEST_CONTROLS": "off",
            "LIVECHAT_CORS_ORIGINS": "https://crm.example, https://ops.example/",
            "LIVECHAT_LIMIT_ADDRESS_REQUESTS": "off",
            "LIVECHAT_LIMIT_VISITOR_CONVERSATIONS": "3/15min",
            "LIVECHAT_LIMIT_LOGIN_FAILURES": "10 / hour",
            "LIVECHAT_SESSION_IDLE_HOURS": "1.5",
            "LIVECHAT_TEST_DATABASE": "postgresql",  # the test harness's own, ignored
        }
    )
    assert settings.production and not settings.test_controls
    assert settings.public_origin == "https://chat.example.com"
    assert settings.cors_origins == ("https://crm.example", "https://ops.example")
    assert settings.limits.address_requests is None
    assert settings.limits.visitor_conversations == Rate(3, 900)
    assert settings.limits.login_failures == Rate(10, 3600)
    assert settings.limits.visitor_messages == Limits().visitor_messages  # the default
    assert settings.session_idle.total_seconds() == 5400


@pytest.mark.feature("SE5")
def test_production_never_mounts_the_test_controls_nor_seeds_the_demo(tmp_path: Path) -> None:
    with pytest.raises(SettingsError):
        Settings(environment="production", public_url="https://c.example", demo_data=True)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'p.db'}",
        environment="production",
        public_url="https://chat.example.com",
    )
    with TestClient(create_app(settings), base_url="https://chat.example.com") as client:
        assert client.post("/test-controls/reset").status_code == 404
        login = client.post(
            "/api/v1/auth/login", json={"email": "admin@demo.test", "password": "demo-password"}
        )
        assert login.status_code == 401


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVECHAT_")}
    return subprocess.run(
        [str(Path(sys.executable).with_name("livechat")), "serve", "--port", "1"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.feature("SE5")
def test_livechat_serve_stops_on_a_bad_setting_with_a_message_not_a_traceback() -> None:
    result = _serve({"LIVECHAT_ENV": "prod"})
    assert result.returncode == 2
    assert "LIVECHAT_ENV='prod': must be one of development, test, production" in result.stderr
    assert "Traceback" not in result.stderr
