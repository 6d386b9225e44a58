"""Teams: routing to teams (RT1) and teams in the chat heading (BD3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reference_server.api import teams as teams_api

from .conftest import JSON, Api
from .scene import add_user, other_account
from .test_basics import assert_error

pytestmark = pytest.mark.feature("RT1")


def teams(api: Api) -> list[dict[str, Any]]:
    response = api.client.get("/api/v1/teams", headers=api.admin_headers)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


def new_team(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post(
        "/api/v1/teams", headers=api.admin_headers, json={"name": "Sales", **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def capacity_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    async def capacity_changed(server: Any, account_id: str) -> None:
        calls.append(account_id)

    monkeypatch.setattr(teams_api, "on_capacity_changed", capacity_changed)
    return calls


@pytest.mark.feature("BD3")
def test_an_admin_creates_a_team_with_members_and_everyone_reads_it(api: Api) -> None:
    first, agent = add_user(api, "first@acme.test")
    second, _ = add_user(api, "second@acme.test")
    team = new_team(
        api, avatar_url="https://cdn.acme.test/sales.png", user_ids=[second, first, second]
    )
    assert team["name"] == "Sales" and team["avatar_url"].endswith("sales.png")
    assert team["user_ids"] == [first, second]  # each once, in the order they joined
    assert api.client.get(f"/api/v1/teams/{team['id']}", headers=agent).json() == team
    assert api.client.get("/api/v1/teams", headers=agent).json() == [team]


def test_teams_are_listed_a_page_at_a_time(api: Api) -> None:
    for name in ("A", "B", "C"):
        api.clock.advance(timedelta(seconds=1))
        new_team(api, name=name)
    page = api.client.get("/api/v1/teams?limit=2&offset=1", headers=api.admin_headers).json()
    assert [team["name"] for team in page] == ["B", "C"]
    assert_error(
        api.client.get("/api/v1/teams?limit=501", headers=api.admin_headers),
        422,
        "validation_failed",
    )


def test_setting_members_replaces_them_and_serves_the_queue(
    api: Api, capacity_calls: list[str]
) -> None:
    first, _ = add_user(api, "first@acme.test")
    second, _ = add_user(api, "second@acme.test")
    team = new_team(api, user_ids=[first])
    response = api.client.put(
        f"/api/v1/teams/{team['id']}/members",
        headers=api.admin_headers,
        json={"user_ids": [second]},
    )
    assert response.status_code == 200
    assert response.json()["user_ids"] == [second]
    assert capacity_calls == [api.account.account_id] * 2
    emptied = api.client.put(
        f"/api/v1/teams/{team['id']}/members", headers=api.admin_headers, json={"user_ids": []}
    )
    assert emptied.json()["user_ids"] == []


def test_unknown_members_are_named_by_index_and_nothing_changes(api: Api) -> None:
    first, _ = add_user(api, "first@acme.test")
    other = other_account(api)
    team = new_team(api, user_ids=[first])
    response = api.client.put(
        f"/api/v1/teams/{team['id']}/members",
        headers=api.admin_headers,
        json={"user_ids": [first, "usr_nope", other.admin_id]},
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {"user_ids[1]", "user_ids[2]"}
    created = api.client.post(
        "/api/v1/teams",
        headers=api.admin_headers,
        json={"name": "Ghosts", "user_ids": ["usr_nope"]},
    )
    assert set(assert_error(created, 422, "validation_failed")["fields"]) == {"user_ids[0]"}
    assert teams(api) == [team]


def test_a_deleted_user_leaves_their_teams(api: Api) -> None:
    first, _ = add_user(api, "first@acme.test")
    team = new_team(api, user_ids=[first])
    api.client.delete(f"/api/v1/users/{first}", headers=api.admin_headers)
    assert teams(api)[0]["user_ids"] == []
    assert team["user_ids"] == [first]


def test_an_admin_renames_a_team(api: Api) -> None:
    team = new_team(api)
    response = api.client.patch(
        f"/api/v1/teams/{team['id']}",
        headers=api.admin_headers,
        json={"name": "Support", "avatar_url": "/static/support.png"},
    )
    assert response.status_code == 200
    assert teams(api)[0]["name"] == "Support"
    assert teams(api)[0]["avatar_url"] == "/static/support.png"


@pytest.mark.parametrize(
    ("method", "suffix", "body", "field"),
    [
        ("post", "", {"name": ""}, "name"),
        ("post", "", {"name": "x" * 201}, "name"),
        ("post", "", {"name": "A", "avatar_url": "data:image/png;base64,AAAA"}, "avatar_url"),
        ("post", "", {"name": "A", "user_ids": "usr_1"}, "user_ids"),
        ("post", "", {"name": "A", "user_ids": ["u" * 41]}, "user_ids[0]"),
        ("post", "", {"name": "A", "colour": "red"}, "colour"),
        ("patch", "/{id}", {"name": None}, "name"),
        ("patch", "/{id}", {"name": "x" * 201}, "name"),
        ("put", "/{id}/members", {}, "user_ids"),
        ("put", "/{id}/members", {"user_ids": [5]}, "user_ids[0]"),
    ],
)
def test_bad_team_input_is_refused_and_changes_nothing(
    api: Api, method: str, suffix: str, body: dict[str, Any], field: str
) -> None:
    team = new_team(api)
    url = "/api/v1/teams" + suffix.format(id=team["id"])
    response = getattr(api.client, method)(url, headers=api.admin_headers, json=body)
    assert field in assert_error(response, 422, "validation_failed")["fields"]
    assert_error(
        getattr(api.client, method)(url, headers={**api.admin_headers, **JSON}, content=b"{"),
        400,
        "malformed_json",
    )
    assert teams(api) == [team]


def test_only_user_managers_change_teams(api: Api) -> None:
    team = new_team(api)
    _, agent = add_user(api, "agent@acme.test", permissions=["chatflows"])
    url = f"/api/v1/teams/{team['id']}"
    for headers, status in ((agent, 403), (api.key_headers, 403), ({}, 401)):
        code = "forbidden" if status == 403 else "unauthorized"
        assert_error(
            api.client.post("/api/v1/teams", headers=headers, json={"name": "B"}), status, code
        )
        assert_error(api.client.patch(url, headers=headers, json={"name": "B"}), status, code)
        assert_error(
            api.client.put(f"{url}/members", headers=headers, json={"user_ids": []}), status, code
        )
        assert_error(api.client.delete(url, headers=headers), status, code)
    assert teams(api) == [team]


def test_teams_of_another_account_are_not_found(api: Api) -> None:
    other = other_account(api)
    login = api.client.post(
        "/api/v1/auth/login", json={"email": other.admin_email, "password": other.admin_password}
    )
    api.client.cookies.clear()
    theirs = api.client.post(
        "/api/v1/teams",
        json={"name": "Theirs"},
        headers={"Authorization": f"Bearer {login.json()['token']}"},
    ).json()
    url = f"/api/v1/teams/{theirs['id']}"
    h = api.admin_headers
    assert_error(api.client.get(url, headers=h), 404, "not_found")
    assert_error(api.client.patch(url, headers=h, json={"name": "Mine"}), 404, "not_found")
    assert_error(
        api.client.put(f"{url}/members", headers=h, json={"user_ids": []}), 404, "not_found"
    )
    assert_error(api.client.delete(url, headers=h), 404, "not_found")
    assert teams(api) == []


def test_a_team_is_deleted_unless_something_routes_to_it(api: Api) -> None:
    used, spare = new_team(api, name="Used"), new_team(api, name="Spare")
    api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={"widget_defaults": {"assignment": {"team_ids": [used["id"]]}}},
    )
    error = assert_error(
        api.client.delete(f"/api/v1/teams/{used['id']}", headers=api.admin_headers), 409, "conflict"
    )
    assert "widget set-up" in error["message"]
    assert (
        api.client.delete(f"/api/v1/teams/{spare['id']}", headers=api.admin_headers).status_code
        == 204
    )
    assert [team["id"] for team in teams(api)] == [used["id"]]
    assert_error(
        api.client.delete(f"/api/v1/teams/{spare['id']}", headers=api.admin_headers),
        404,
        "not_found",
    )
