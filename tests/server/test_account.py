"""The account: names and time zone, the widget set-up (CF2), the tracking code (CF5) and
API keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_server.domain.chatflow import AccountDefaults
from reference_server.store.accounts import account_defaults, get_account
from reference_server.store.bootstrap import NewAccount

from .conftest import JSON, Api
from .scene import add_user, other_account, run_db
from .test_basics import assert_error


def read(api: Api) -> dict[str, Any]:
    response = api.client.get("/api/v1/account", headers=api.admin_headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.feature("CF2", "OP5")
def test_the_account_shows_its_names_time_zone_and_widget_set_up(api: Api) -> None:
    account = read(api)
    assert account["id"] == api.account.account_id
    assert (account["name"], account["company_name"], account["domain"]) == (
        "Acme",
        "Acme AS",
        "acme.test",
    )
    assert account["timezone"] == "Europe/Oslo"
    assert account["widget_defaults"]["accent_color"] == "#ff7a59"
    assert account["widget_defaults"]["welcome_message"]


def test_any_user_reads_the_account_but_only_with_credentials(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test")
    assert api.client.get("/api/v1/account", headers=agent).status_code == 200
    assert_error(api.client.get("/api/v1/account"), 401, "unauthorized")
    assert_error(api.client.get("/api/v1/account", headers=api.key_headers), 403, "forbidden")


@pytest.mark.feature("OP5")
def test_an_admin_changes_the_names_and_time_zone(api: Api) -> None:
    response = api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={
            "name": "Acme Norge",
            "company_name": "Acme Norge AS",
            "domain": "Acme.NO",
            "timezone": "America/New_York",
        },
    )
    assert response.status_code == 200, response.text
    account = read(api)
    assert (account["name"], account["company_name"], account["domain"], account["timezone"]) == (
        "Acme Norge",
        "Acme Norge AS",
        "acme.no",
        "America/New_York",
    )


@pytest.mark.feature("CF2")
def test_the_widget_set_up_is_edited_a_piece_at_a_time(api: Api) -> None:
    response = api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={
            "widget_defaults": {
                "accent_color": "#123456",
                "availability": {"reply_time": "few_minutes"},
            }
        },
    )
    assert response.status_code == 200, response.text
    defaults = read(api)["widget_defaults"]
    assert defaults["accent_color"] == "#123456"
    assert defaults["availability"]["reply_time"] == "few_minutes"
    assert defaults["availability"]["mode"] == "user_availability"  # untouched
    api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={"widget_defaults": {"accent_color": None}},
    )
    assert read(api)["widget_defaults"]["accent_color"] == "#ff7a59"  # null: the default


@pytest.mark.feature("CF2")
def test_new_chatflows_start_from_the_stored_set_up(api: Api) -> None:
    api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={
            "widget_defaults": {
                "welcome_message": "Hei! Hva kan vi hjelpe med?",
                "heading": {"kind": "branding", "brand_name": "Acme"},
            }
        },
    )

    async def work(db: AsyncConnection) -> Any:
        return (
            await account_defaults(db, api.account.account_id),
            await get_account(db, api.account.account_id),
        )

    defaults, account = run_db(api, work)
    assert isinstance(defaults, AccountDefaults)
    assert defaults.welcome_message == "Hei! Hva kan vi hjelpe med?"
    assert defaults.heading.brand_name == "Acme"
    assert account["widget_defaults"]["welcome_message"] == defaults.welcome_message

    async def missing(db: AsyncConnection) -> None:
        with pytest.raises(LookupError):
            await account_defaults(db, "acc_nope")
        with pytest.raises(LookupError):
            await get_account(db, "acc_nope")

    run_db(api, missing)


@pytest.mark.feature("CF2", "CF7")
def test_a_bad_widget_set_up_names_each_bad_field_and_changes_nothing(api: Api) -> None:
    before = read(api)
    response = api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={
            "name": "Changed",
            "widget_defaults": {
                "accent_color": "red",
                "welcome_message": "",
                "availability": {"mode": "sometimes"},
                "nonsense": 1,
            },
        },
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {
        "widget_defaults.accent_color",
        "widget_defaults.welcome_message",
        "widget_defaults.availability.mode",
        "widget_defaults.nonsense",
    }
    assert read(api) == before


@pytest.mark.feature("CF2", "CF6", "RT1")
def test_the_set_up_routes_only_to_seated_users_and_known_teams(api: Api) -> None:
    seated, _ = add_user(api, "seated@acme.test")
    unseated, _ = add_user(api, "unseated@acme.test", has_seat=False)
    response = api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={
            "widget_defaults": {
                "assignment": {
                    "user_ids": [seated, unseated, "usr_nope"],
                    "team_ids": ["team_nope"],
                }
            }
        },
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {
        "widget_defaults.assignment.user_ids[1]",
        "widget_defaults.assignment.user_ids[2]",
        "widget_defaults.assignment.team_ids[0]",
    }
    assert "seat" in fields["widget_defaults.assignment.user_ids[1]"]
    ok = api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={"widget_defaults": {"assignment": {"user_ids": [seated]}}},
    )
    assert ok.status_code == 200
    assert ok.json()["widget_defaults"]["assignment"]["user_ids"] == [seated]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"domain": "https://acme.no/x"}, "domain"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"company_name": 5}, "company_name"),
        ({"widget_defaults": "blue"}, "widget_defaults"),
        (
            {"widget_defaults": {"availability": {"away_message": "x" * 2001}}},
            "widget_defaults.availability.away_message",
        ),
        (
            {"widget_defaults": {"heading": {"user_ids": ["u"] * 501}}},
            "widget_defaults.heading.user_ids",
        ),
        ({"plan": "gold"}, "plan"),
    ],
)
@pytest.mark.feature("CF2")
def test_bad_account_changes_are_refused_and_change_nothing(
    api: Api, body: dict[str, Any], field: str
) -> None:
    before = read(api)
    response = api.client.patch("/api/v1/account", headers=api.admin_headers, json=body)
    assert field in assert_error(response, 422, "validation_failed")["fields"]
    assert read(api) == before


@pytest.mark.feature("CF2")
def test_account_changes_need_the_users_permission(api: Api) -> None:
    before = read(api)
    _, agent = add_user(api, "agent@acme.test", permissions=["chatflows"])
    assert_error(
        api.client.patch("/api/v1/account", headers=agent, json={"name": "Mine"}), 403, "forbidden"
    )
    assert_error(api.client.patch("/api/v1/account", json={"name": "Mine"}), 401, "unauthorized")
    assert_error(
        api.client.patch(
            "/api/v1/account",
            headers={**api.admin_headers, **JSON},
            content=b"{nope",
        ),
        400,
        "malformed_json",
    )
    _, manager = add_user(api, "manager@acme.test", permissions=["users"])
    assert (
        api.client.patch(
            "/api/v1/account", headers=manager, json={"company_name": "Managed"}
        ).status_code
        == 200
    )
    assert read(api)["company_name"] == "Managed"
    assert read(api)["name"] == before["name"]


@pytest.mark.feature("CF5")
def test_the_tracking_code_loads_the_accounts_script(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test")
    response = api.client.get("/api/v1/account/tracking-code", headers=agent)
    assert response.status_code == 200
    code = response.json()
    src = f"http://127.0.0.1:8000/embed/{api.account.account_id}.js"
    assert code["account_id"] == api.account.account_id
    assert code["loader_url"] == src
    assert code["snippet"] == (
        f'<script type="text/javascript" id="livechat-loader" src="{src}" async defer></script>'
    )
    assert_error(api.client.get("/api/v1/account/tracking-code"), 401, "unauthorized")


# ---------------------------------------------------------------- API keys


def test_an_api_key_is_shown_once_and_works_until_revoked(api: Api) -> None:
    api.clock.advance(timedelta(minutes=1))
    created = api.client.post(
        "/api/v1/account/api-keys",
        headers=api.admin_headers,
        json={"name": "CRM sync", "scopes": ["contacts:read"]},
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert key["key"].startswith("lck_") and key["name"] == "CRM sync"
    assert key["scopes"] == ["contacts:read"]
    assert key["expires_at"] == "2026-04-05T10:01:00+00:00"  # 90 days unless told
    listed = api.client.get("/api/v1/account/api-keys", headers=api.admin_headers).json()
    assert [k["name"] for k in listed] == ["default", "CRM sync"]
    assert all("key" not in k for k in listed)
    headers = {"Authorization": f"Bearer {key['key']}"}
    assert api.client.get("/api/v1/contacts", headers=headers).status_code == 200
    deleted = api.client.delete(f"/api/v1/account/api-keys/{key['id']}", headers=api.admin_headers)
    assert deleted.status_code == 204
    assert_error(api.client.get("/api/v1/contacts", headers=headers), 401, "unauthorized")
    assert len(api.client.get("/api/v1/account/api-keys", headers=api.admin_headers).json()) == 1


def test_api_keys_are_listed_a_page_at_a_time(api: Api) -> None:
    for name in ("a", "b", "c"):
        api.clock.advance(timedelta(minutes=1))
        api.client.post(
            "/api/v1/account/api-keys",
            headers=api.admin_headers,
            json={"name": name, "scopes": ["contacts:read"]},
        )
    page = api.client.get("/api/v1/account/api-keys?limit=2&offset=1", headers=api.admin_headers)
    assert [k["name"] for k in page.json()] == ["a", "b"]
    assert_error(
        api.client.get("/api/v1/account/api-keys?limit=0", headers=api.admin_headers),
        422,
        "validation_failed",
    )


def test_bad_api_key_requests_are_refused_and_change_nothing(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test")
    other = other_account(api)
    url = "/api/v1/account/api-keys"
    for bad in (
        {"name": "x" * 201, "scopes": ["contacts:read"]},
        {"name": "k"},  # no scopes
        {"name": "k", "scopes": []},
        {"name": "k", "scopes": ["everything"]},
        {"name": "k", "scopes": ["contacts:read"], "expires_in_days": 0},
        {"name": "k", "scopes": ["contacts:read"], "expires_in_days": 731},
    ):
        assert_error(
            api.client.post(url, headers=api.admin_headers, json=bad), 422, "validation_failed"
        )
    assert_error(api.client.post(url, headers=api.admin_headers, json={}), 422, "validation_failed")
    assert_error(
        api.client.post(url, headers={**api.admin_headers, **JSON}, content=b"[1,"),
        400,
        "malformed_json",
    )
    assert_error(
        api.client.post(url, headers=agent, json={"name": "mine", "scopes": ["contacts:read"]}),
        403,
        "forbidden",
    )
    assert_error(api.client.get(url, headers=agent), 403, "forbidden")
    assert_error(
        api.client.post(url, headers=api.key_headers, json={"name": "k"}), 403, "forbidden"
    )
    assert_error(api.client.post(url, json={"name": "k"}), 401, "unauthorized")
    assert_error(api.client.delete(f"{url}/key_nope", headers=api.admin_headers), 404, "not_found")
    other_keys = api.client.get(url, headers={"Authorization": "Bearer " + _login(api, other)})
    other_key_id = other_keys.json()[0]["id"]
    assert_error(
        api.client.delete(f"{url}/{other_key_id}", headers=api.admin_headers), 404, "not_found"
    )
    assert len(api.client.get(url, headers=api.admin_headers).json()) == 1
    assert (
        api.client.get(
            "/api/v1/contacts", headers={"Authorization": f"Bearer {other.api_key}"}
        ).status_code
        == 200
    )


def _login(api: Api, account: NewAccount) -> str:
    login = api.client.post(
        "/api/v1/auth/login",
        json={"email": account.admin_email, "password": account.admin_password},
    )
    api.client.cookies.clear()
    token: str = login.json()["token"]
    return token


def test_openapi_describes_the_account_endpoints(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/account"])
    assert {"get", "post"} <= set(paths["/api/v1/account/api-keys"])
    assert "delete" in paths["/api/v1/account/api-keys/{key_id}"]
    assert "get" in paths["/api/v1/account/tracking-code"]
