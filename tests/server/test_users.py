"""Users: seats and permissions (CF6), status (CV4), capacity (AV8), skills (RT3), and the
snapshot routing decides from."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reference_server.api import users as users_api
from reference_server.domain.routing import Agent, AgentStatus
from reference_server.realtime.broadcast import LocalBroadcast
from reference_server.services import agent_status
from reference_server.store.users import agents_snapshot, set_idle_since

from .conftest import JSON, START, Api
from .scene import PASSWORD, add_conversations, add_user, other_account, run_db
from .test_basics import assert_error

NEW = {"email": "Kari@Acme.test", "name": "Kari", "password": "long enough"}


def users(api: Api) -> list[dict[str, Any]]:
    response = api.client.get("/api/v1/users", headers=api.admin_headers)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


def user(api: Api, user_id: str) -> dict[str, Any]:
    response = api.client.get(f"/api/v1/users/{user_id}", headers=api.admin_headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def can_log_in(api: Api, email: str, password: str) -> bool:
    response = api.client.post("/api/v1/auth/login", json={"email": email, "password": password})
    api.client.cookies.clear()
    return response.status_code == 200


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the server published and the queue-serving calls it made."""
    found: dict[str, list[Any]] = {"events": [], "capacity": []}
    publish = LocalBroadcast.publish

    async def spy(self: LocalBroadcast, channel: str, event: dict[str, Any]) -> None:
        found["events"].append((channel, event))
        await publish(self, channel, event)

    async def capacity_changed(server: Any, account_id: str) -> None:
        found["capacity"].append(account_id)

    monkeypatch.setattr(LocalBroadcast, "publish", spy)
    monkeypatch.setattr(users_api, "on_capacity_changed", capacity_changed)
    monkeypatch.setattr(agent_status, "on_capacity_changed", capacity_changed)
    return found


# ---------------------------------------------------------------- create, read


@pytest.mark.feature("CF6", "AV8", "RT3")
def test_an_admin_adds_an_agent_who_can_then_log_in(api: Api) -> None:
    response = api.client.post(
        "/api/v1/users",
        headers=api.admin_headers,
        json={
            **NEW,
            "permissions": ["chatflows", "chatflows"],
            "capacity": 3,
            "skills": [" norwegian ", "billing", "norwegian"],
            "avatar_url": "https://cdn.acme.test/kari.png",
        },
    )
    assert response.status_code == 201, response.text
    kari = response.json()
    assert kari["email"] == "kari@acme.test"
    assert (kari["role"], kari["permissions"], kari["has_seat"]) == ("agent", ["chatflows"], True)
    assert (kari["capacity"], kari["skills"]) == (3, ["norwegian", "billing"])
    assert (kari["status"], kari["active_chats"]) == ("offline", 0)
    assert "password" not in kari and "password_hash" not in kari
    assert user(api, kari["id"]) == kari
    assert can_log_in(api, "kari@acme.test", "long enough")


def test_any_user_of_the_account_lists_and_reads_users(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    listed = api.client.get("/api/v1/users", headers=agent)
    assert [u["email"] for u in listed.json()] == ["admin@acme.test", "agent@acme.test"]
    assert listed.json()[0]["permissions"] == ["chatflows", "users"]
    assert api.client.get(f"/api/v1/users/{agent_id}", headers=agent).status_code == 200
    page = api.client.get("/api/v1/users?limit=1&offset=1", headers=agent).json()
    assert [u["id"] for u in page] == [agent_id]
    assert_error(api.client.get("/api/v1/users?offset=-1", headers=agent), 422, "validation_failed")
    assert_error(api.client.get("/api/v1/users?limit=x", headers=agent), 422, "validation_failed")
    assert_error(api.client.get("/api/v1/users"), 401, "unauthorized")
    assert_error(api.client.get("/api/v1/users", headers=api.key_headers), 403, "forbidden")


def test_users_of_another_account_are_not_found(api: Api) -> None:
    other = other_account(api)
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        response = getattr(api.client, method)(
            f"/api/v1/users/{other.admin_id}", headers=api.admin_headers, **kwargs
        )
        assert_error(response, 404, "not_found")
    assert_error(
        api.client.put(
            f"/api/v1/users/{other.admin_id}/status",
            headers=api.admin_headers,
            json={"status": "away"},
        ),
        404,
        "not_found",
    )
    assert_error(
        api.client.get("/api/v1/users/usr_nope", headers=api.admin_headers), 404, "not_found"
    )
    assert other.admin_id not in {u["id"] for u in users(api)}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": "a@" + "b" * 250 + ".no"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "p" * 201}, "password"),
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"role": "boss"}, "role"),
        ({"permissions": ["inbox"]}, "permissions[0]"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 101}, "capacity"),
        ({"capacity": "lots"}, "capacity"),
        ({"has_seat": "perhaps"}, "has_seat"),
        ({"skills": ["s" * 51]}, "skills[0]"),
        ({"skills": ["s"] * 51}, "skills"),
        ({"skills": "norwegian"}, "skills"),
        ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"avatar_url": "https://x/" + "a" * 500}, "avatar_url"),
        ({"favourite": "tea"}, "favourite"),
    ],
)
def test_bad_new_users_are_refused_and_nothing_is_created(
    api: Api, change: dict[str, Any], field: str
) -> None:
    response = api.client.post("/api/v1/users", headers=api.admin_headers, json={**NEW, **change})
    assert field in assert_error(response, 422, "validation_failed")["fields"]
    assert len(users(api)) == 1


def test_malformed_and_unauthorised_user_creation_is_refused(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test", permissions=["chatflows"])
    assert_error(
        api.client.post("/api/v1/users", headers={**api.admin_headers, **JSON}, content=b"{"),
        400,
        "malformed_json",
    )
    assert_error(api.client.post("/api/v1/users", json=NEW), 401, "unauthorized")
    assert_error(api.client.post("/api/v1/users", headers=agent, json=NEW), 403, "forbidden")
    assert_error(
        api.client.post("/api/v1/users", headers=api.key_headers, json=NEW), 403, "forbidden"
    )
    assert len(users(api)) == 2


def test_an_email_address_belongs_to_one_user_in_any_account(api: Api) -> None:
    add_user(api, "taken@acme.test")
    other = other_account(api)
    for email in ("TAKEN@acme.test", other.admin_email):
        response = api.client.post(
            "/api/v1/users", headers=api.admin_headers, json={**NEW, "email": email}
        )
        assert assert_error(response, 409, "conflict")["fields"] == {"email": "is in use"}
    assert len(users(api)) == 2


@pytest.mark.feature("CF6")
def test_only_an_admin_makes_or_changes_an_admin(api: Api) -> None:
    _, manager = add_user(api, "manager@acme.test", permissions=["users"])
    created = api.client.post("/api/v1/users", headers=manager, json=NEW)
    assert created.status_code == 201
    assert_error(
        api.client.post(
            "/api/v1/users", headers=manager, json={**NEW, "email": "a2@acme.test", "role": "admin"}
        ),
        403,
        "forbidden",
    )
    assert_error(
        api.client.patch(
            f"/api/v1/users/{created.json()['id']}", headers=manager, json={"role": "admin"}
        ),
        403,
        "forbidden",
    )
    assert_error(
        api.client.patch(
            f"/api/v1/users/{api.account.admin_id}", headers=manager, json={"name": "Demoted"}
        ),
        403,
        "forbidden",
    )
    assert_error(
        api.client.delete(f"/api/v1/users/{api.account.admin_id}", headers=manager),
        403,
        "forbidden",
    )
    assert user(api, api.account.admin_id)["name"] == "Admin"
    assert user(api, created.json()["id"])["role"] == "agent"


# ---------------------------------------------------------------- change


@pytest.mark.feature("AV8", "RT3", "CF6")
def test_an_admin_changes_a_users_seat_capacity_and_skills(api: Api) -> None:
    agent_id, _ = add_user(api, "agent@acme.test", capacity=2)
    response = api.client.patch(
        f"/api/v1/users/{agent_id}",
        headers=api.admin_headers,
        json={
            "has_seat": False,
            "capacity": 5,
            "skills": ["sales"],
            "permissions": ["users"],
            "email": "Agent2@Acme.test",
        },
    )
    assert response.status_code == 200, response.text
    changed = user(api, agent_id)
    assert (changed["has_seat"], changed["capacity"], changed["skills"]) == (False, 5, ["sales"])
    assert (changed["permissions"], changed["email"]) == (["users"], "agent2@acme.test")
    assert can_log_in(api, "agent2@acme.test", PASSWORD)
    cleared = api.client.patch(
        f"/api/v1/users/{agent_id}", headers=api.admin_headers, json={"capacity": None}
    )
    assert cleared.json()["capacity"] is None  # null: no limit


def test_a_capacity_change_serves_the_queue(api: Api, recorded: dict[str, list[Any]]) -> None:
    agent_id, _ = add_user(api, "agent@acme.test", capacity=1)
    api.client.patch(f"/api/v1/users/{agent_id}", headers=api.admin_headers, json={"name": "A"})
    assert recorded["capacity"] == []
    api.client.patch(f"/api/v1/users/{agent_id}", headers=api.admin_headers, json={"capacity": 4})
    assert recorded["capacity"] == [api.account.account_id]


def test_a_user_changes_their_own_name_avatar_and_password(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    response = api.client.patch(
        f"/api/v1/users/{agent_id}",
        headers=agent,
        json={"name": "Ola", "avatar_url": "/static/ola.png", "password": "a new password"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["avatar_url"]) == ("Ola", "/static/ola.png")
    assert can_log_in(api, "agent@acme.test", "a new password")
    assert not can_log_in(api, "agent@acme.test", PASSWORD)


@pytest.mark.feature("CF6")
def test_a_user_changes_nothing_else_about_themselves_or_others(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    other_id, _ = add_user(api, "other@acme.test")
    before = users(api)
    for change in (
        {"capacity": 10},
        {"role": "admin"},
        {"has_seat": False},
        {"permissions": ["users"]},
        {"email": "me@acme.test"},
        {"name": "Sneaky", "skills": ["all"]},
    ):
        response = api.client.patch(f"/api/v1/users/{agent_id}", headers=agent, json=change)
        assert_error(response, 403, "forbidden")
    assert_error(
        api.client.patch(f"/api/v1/users/{other_id}", headers=agent, json={"name": "Renamed"}),
        403,
        "forbidden",
    )
    assert users(api) == before


@pytest.mark.feature("CF6")
def test_nobody_changes_their_own_role_permissions_or_seat(api: Api) -> None:
    me = f"/api/v1/users/{api.account.admin_id}"
    changes: list[dict[str, Any]] = [{"role": "agent"}, {"permissions": []}, {"has_seat": False}]
    for change in changes:
        error = assert_error(
            api.client.patch(me, headers=api.admin_headers, json=change), 403, "forbidden"
        )
        assert set(error["fields"]) == set(change)
    assert api.client.patch(me, headers=api.admin_headers, json={"capacity": 4}).status_code == 200
    admin = user(api, api.account.admin_id)
    assert (admin["role"], admin["has_seat"], admin["capacity"]) == ("admin", True, 4)


def test_one_admin_may_demote_another(api: Api) -> None:
    second_id, _ = add_user(api, "second@acme.test", role="admin")
    response = api.client.patch(
        f"/api/v1/users/{second_id}", headers=api.admin_headers, json={"role": "agent"}
    )
    assert response.status_code == 200
    assert user(api, second_id)["role"] == "agent"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"name": None}, 422, "name"),
        ({"has_seat": None}, 422, "has_seat"),
        ({"capacity": 0}, 422, "capacity"),
        ({"email": "admin@acme.test"}, 409, "email"),
        ({"skills": [""]}, 422, "skills[0]"),
        ({"status": "available"}, 422, "status"),
    ],
)
def test_bad_user_changes_are_refused_and_change_nothing(
    api: Api, change: dict[str, Any], status: int, field: str
) -> None:
    agent_id, _ = add_user(api, "agent@acme.test")
    before = users(api)
    response = api.client.patch(f"/api/v1/users/{agent_id}", headers=api.admin_headers, json=change)
    code = "conflict" if status == 409 else "validation_failed"
    assert field in assert_error(response, status, code)["fields"]
    assert_error(
        api.client.patch(
            f"/api/v1/users/{agent_id}", headers={**api.admin_headers, **JSON}, content=b"nope"
        ),
        400,
        "malformed_json",
    )
    assert users(api) == before


# ---------------------------------------------------------------- delete


def test_an_admin_deletes_a_user_who_then_cannot_log_in(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    assert (
        api.client.delete(f"/api/v1/users/{agent_id}", headers=api.admin_headers).status_code == 204
    )
    assert_error(
        api.client.get(f"/api/v1/users/{agent_id}", headers=api.admin_headers), 404, "not_found"
    )
    assert_error(api.client.get("/api/v1/auth/me", headers=agent), 401, "unauthorized")
    assert not can_log_in(api, "agent@acme.test", PASSWORD)
    assert_error(
        api.client.delete(f"/api/v1/users/{agent_id}", headers=api.admin_headers), 404, "not_found"
    )


def test_deleting_yourself_or_the_last_admin_is_refused(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test")
    assert_error(
        api.client.delete(f"/api/v1/users/{api.account.admin_id}", headers=api.admin_headers),
        409,
        "conflict",
    )
    assert_error(
        api.client.delete(f"/api/v1/users/{api.account.admin_id}", headers=agent), 403, "forbidden"
    )
    assert_error(api.client.delete(f"/api/v1/users/{api.account.admin_id}"), 401, "unauthorized")
    assert len(users(api)) == 2


def test_a_user_holding_conversations_is_not_deleted(api: Api) -> None:
    agent_id, _ = add_user(api, "agent@acme.test")
    add_conversations(api, agent_id, account_id=api.account.account_id)
    error = assert_error(
        api.client.delete(f"/api/v1/users/{agent_id}", headers=api.admin_headers), 409, "conflict"
    )
    assert "1 open conversation" in error["message"]
    assert user(api, agent_id)["active_chats"] == 1


@pytest.mark.feature("RT1", "BD3")
def test_a_user_named_in_the_widget_set_up_is_not_deleted(api: Api) -> None:
    agent_id, _ = add_user(api, "agent@acme.test")
    api.client.patch(
        "/api/v1/account",
        headers=api.admin_headers,
        json={"widget_defaults": {"heading": {"user_ids": [agent_id]}}},
    )
    error = assert_error(
        api.client.delete(f"/api/v1/users/{agent_id}", headers=api.admin_headers), 409, "conflict"
    )
    assert "widget set-up" in error["message"]
    assert user(api, agent_id)["name"] == "agent"


# ---------------------------------------------------------------- status (CV4)


@pytest.mark.feature("CV4", "RT5")
def test_an_agent_becoming_available_is_idle_from_now_and_announced(
    api: Api, recorded: dict[str, list[Any]]
) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    api.clock.advance(timedelta(minutes=5))
    now = api.clock.now()
    response = api.client.put(
        f"/api/v1/users/{agent_id}/status", headers=agent, json={"status": "available"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "available"
    assert response.json()["idle_since"] == now.isoformat()
    channel = f"account:{api.account.account_id}:inbox"
    assert recorded["events"] == [
        (channel, {"type": "agent_status", "user_id": agent_id, "status": "available"})
    ]
    assert recorded["capacity"] == [api.account.account_id]
    api.clock.advance(timedelta(minutes=5))
    again = api.client.put(
        f"/api/v1/users/{agent_id}/status", headers=agent, json={"status": "available"}
    )
    assert again.json()["idle_since"] == now.isoformat()  # no change: still idle since then
    assert len(recorded["events"]) == 1


@pytest.mark.feature("CV4")
def test_going_away_is_announced_and_keeps_the_idle_time(
    api: Api, recorded: dict[str, list[Any]]
) -> None:
    agent_id, _ = add_user(api, "agent@acme.test")
    before = user(api, agent_id)["idle_since"]
    api.clock.advance(timedelta(minutes=5))
    response = api.client.put(
        f"/api/v1/users/{agent_id}/status", headers=api.admin_headers, json={"status": "away"}
    )
    assert (response.json()["status"], response.json()["idle_since"]) == ("away", before)
    assert recorded["events"][-1][1] == {
        "type": "agent_status",
        "user_id": agent_id,
        "status": "away",
    }


@pytest.mark.feature("CV4")
def test_only_the_user_or_a_user_manager_sets_a_status(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    other_id, _ = add_user(api, "other@acme.test")
    url = f"/api/v1/users/{other_id}/status"
    assert_error(api.client.put(url, headers=agent, json={"status": "available"}), 403, "forbidden")
    assert_error(api.client.put(url, json={"status": "available"}), 401, "unauthorized")
    assert_error(
        api.client.put(url, headers=api.key_headers, json={"status": "available"}), 403, "forbidden"
    )
    for body in ({"status": "busy"}, {"status": None}, {}, {"status": "away", "x": 1}):
        assert_error(
            api.client.put(url, headers=api.admin_headers, json=body), 422, "validation_failed"
        )
    assert_error(
        api.client.put(url, headers={**api.admin_headers, **JSON}, content=b"["),
        400,
        "malformed_json",
    )
    assert_error(
        api.client.put(
            "/api/v1/users/usr_nope/status", headers=api.admin_headers, json={"status": "away"}
        ),
        404,
        "not_found",
    )
    assert user(api, other_id)["status"] == "offline"
    assert user(api, agent_id)["status"] == "offline"


# ---------------------------------------------------------------- routing snapshot


@pytest.mark.feature("AV8", "RT1", "RT3", "RT5", "CF6")
def test_the_routing_snapshot_shows_each_user_as_routing_sees_them(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test", capacity=2, skills=["nb"])
    spare_id, _ = add_user(api, "spare@acme.test", has_seat=False)
    team = api.client.post(
        "/api/v1/teams", headers=api.admin_headers, json={"name": "Sales", "user_ids": [agent_id]}
    ).json()
    api.clock.advance(timedelta(minutes=1))
    api.client.put(f"/api/v1/users/{agent_id}/status", headers=agent, json={"status": "available"})
    account = api.account.account_id
    add_conversations(api, agent_id, account_id=account)
    add_conversations(api, agent_id, account_id=account, status="closed")
    add_conversations(api, None, account_id=account, status="waiting")
    other = other_account(api)
    add_conversations(api, other.admin_id, account_id=other.account_id)

    snapshot = run_db(api, lambda db: agents_snapshot(db, account))
    assert [a.id for a in snapshot] == [api.account.admin_id, agent_id, spare_id]
    assert snapshot[0] == Agent(
        id=api.account.admin_id,
        status=AgentStatus.OFFLINE,
        capacity=None,
        active_chats=0,
        has_seat=True,
        team_ids=frozenset(),
        skills=frozenset(),
        idle_since=START.timestamp(),
    )
    assert snapshot[1] == Agent(
        id=agent_id,
        status=AgentStatus.AVAILABLE,
        capacity=2,
        active_chats=1,
        has_seat=True,
        team_ids=frozenset({team["id"]}),
        skills=frozenset({"nb"}),
        idle_since=api.clock.now().timestamp(),
    )
    assert snapshot[2].has_seat is False
    assert user(api, agent_id)["active_chats"] == 1


def test_a_user_is_idle_again_when_their_chats_end(api: Api) -> None:
    agent_id, _ = add_user(api, "agent@acme.test")
    later = START + timedelta(hours=2)
    run_db(api, lambda db: set_idle_since(db, api.account.account_id, agent_id, later))
    assert user(api, agent_id)["idle_since"] == later.isoformat()


def test_openapi_describes_the_user_endpoints(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/users"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/users/{user_id}"])
    assert "put" in paths["/api/v1/users/{user_id}/status"]
