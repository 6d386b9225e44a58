"""The clock and reset controls that scenario suites and browser tests drive."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from reference_server.app import create_app
from reference_server.settings import Settings, SettingsError

from .conftest import Api
from .test_basics import assert_error


def test_the_clock_can_be_set_and_advanced(api: Api) -> None:
    moved = api.client.post("/test-controls/clock", json={"now": "2026-03-29T00:30:00+01:00"})
    assert moved.json()["now"] == "2026-03-28T23:30:00Z"
    later = api.client.post("/test-controls/clock", json={"advance_seconds": 3600})
    assert later.json()["now"] == "2026-03-29T00:30:00Z"
    assert api.client.get("/test-controls/clock").json()["running"] is False


def test_a_clock_instant_without_a_time_zone_is_refused(api: Api) -> None:
    response = api.client.post("/test-controls/clock", json={"now": "2026-03-29T00:30:00"})
    assert "now" in assert_error(response, 422, "validation_failed")["fields"]
    assert api.client.get("/test-controls/clock").json()["now"] == "2026-01-05T10:00:00Z"


def test_reset_deletes_everything(api: Api) -> None:
    assert api.client.post("/test-controls/reset").status_code == 204
    login = api.client.post(
        "/api/v1/auth/login", json={"email": "admin@acme.test", "password": "correct horse"}
    )
    assert_error(login, 401, "unauthorized")


def test_reset_reseeds_the_demo_account_in_demo_mode(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", test_controls=True, demo_data=True
    )
    with TestClient(create_app(settings)) as client:
        assert client.post("/test-controls/reset").status_code == 204
        login = client.post(
            "/api/v1/auth/login", json={"email": "admin@demo.test", "password": "demo-password"}
        )
        assert login.status_code == 200


def test_test_controls_are_off_by_default(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    with TestClient(create_app(settings)) as client:
        assert_error(client.post("/test-controls/reset"), 404, "not_found")
        assert_error(client.get("/test-controls/clock"), 404, "not_found")


PRODUCTION = {"LIVECHAT_ENV": "production", "LIVECHAT_PUBLIC_URL": "https://chat.example.com"}


def test_production_settings_refuse_test_controls() -> None:
    with pytest.raises(SettingsError, match="TEST_CONTROLS"):
        Settings.from_env({**PRODUCTION, "LIVECHAT_TEST_CONTROLS": "1"})
    assert Settings.from_env(PRODUCTION).test_controls is False


def test_a_fresh_account_opens_with_an_admin_who_can_log_in(api: Api) -> None:
    body = {
        "name": "Scenario",
        "admin_email": "boss@scenario.test",
        "admin_password": "scenario password",
        "timezone": "Europe/Oslo",
    }
    opened = api.client.post("/test-controls/accounts", json=body)
    assert opened.status_code == 201, opened.text
    made = opened.json()
    login = api.client.post(
        "/api/v1/auth/login",
        json={"email": "boss@scenario.test", "password": "scenario password"},
    )
    assert login.status_code == 200, login.text
    api.client.cookies.clear()
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    account = api.client.get("/api/v1/account", headers=admin).json()
    assert (account["id"], account["timezone"]) == (made["account_id"], "Europe/Oslo")
    inboxes = api.client.get("/api/v1/inboxes", headers=admin).json()
    assert [inbox["id"] for inbox in inboxes] == [made["inbox_id"]]
    key = {"Authorization": f"Bearer {made['api_key']}"}
    assert api.client.get("/api/v1/conversations", headers=key).json() == []


def test_an_account_whose_admin_email_is_taken_or_zone_unknown_is_refused(api: Api) -> None:
    taken = {"admin_email": "admin@acme.test", "admin_password": "scenario password"}
    assert_error(api.client.post("/test-controls/accounts", json=taken), 409, "conflict")
    nowhere = {**taken, "admin_email": "new@acme.test", "timezone": "Mars/Olympus"}
    refused = api.client.post("/test-controls/accounts", json=nowhere)
    assert "timezone" in assert_error(refused, 422, "validation_failed")["fields"]
    login = api.client.post(
        "/api/v1/auth/login", json={"email": "new@acme.test", "password": "scenario password"}
    )
    assert_error(login, 401, "unauthorized")
