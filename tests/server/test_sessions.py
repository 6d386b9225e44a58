"""SE7: sessions, passwords and API keys.

Passwords are Argon2id with a policy (no short or common ones); log-in takes as long for an
unknown address as for a known one; a session ends when unused for the idle time (each use
renews it), at its maximum age, on log-out and when the password changes; the cookie is
``Secure`` over https; API keys carry scopes and expire.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.testclient import TestClient

from reference_server.app import create_app
from reference_server.settings import Settings
from reference_server.store import schema as t

from .conftest import Api
from .scene import add_user, rows, run_db
from .test_basics import assert_error
from .test_realtime import agent_ticket

ADMIN = {"email": "admin@acme.test", "password": "correct horse"}


def log_in(api: Api, email: str = ADMIN["email"], password: str = ADMIN["password"]) -> dict:
    response = api.client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    api.client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['token']}"}


def me(api: Api, headers: dict[str, str]) -> int:
    return api.client.get("/api/v1/auth/me", headers=headers).status_code


# ---------------------------------------------------------------- passwords


@pytest.mark.feature("SE7")
@pytest.mark.parametrize(
    "password",
    [
        "password",
        "12345678",
        "short",
        "Password2024!",
        "qwerty123456",
        "1234567890123",
        "EMAIL",
    ],
)
def test_weak_passwords_are_refused(api: Api, password: str) -> None:
    body = {
        "email": "newbie@acme.test",
        "name": "Newbie",
        "password": password.replace("EMAIL", "newbie@acme.test"),
    }
    response = api.client.post("/api/v1/users", json=body, headers=api.admin_headers)
    assert "password" in assert_error(response, 422, "validation_failed")["fields"]
    own = api.client.patch(
        f"/api/v1/users/{api.account.admin_id}",
        json={"password": password.replace("EMAIL", "admin@acme.test")},
        headers=api.admin_headers,
    )
    assert "password" in assert_error(own, 422, "validation_failed")["fields"]
    assert [row["email"] for row in rows(api, t.users)] == ["admin@acme.test"]
    log_in(api)  # the old password still works


@pytest.mark.feature("SE7")
def test_passwords_are_stored_with_argon2id(api: Api) -> None:
    add_user(api, "ann@acme.test")
    [row] = rows(api, t.users, email="ann@acme.test")
    assert row["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.feature("SE7")
def test_an_older_scrypt_hash_still_logs_in_and_is_upgraded(api: Api) -> None:
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"correct horse", salt=salt, n=2**14, r=8, p=1)
    old = f"scrypt${salt.hex()}${digest.hex()}"

    async def work(db: AsyncConnection) -> None:
        await db.execute(
            t.users.update().where(t.users.c.id == api.account.admin_id).values(password_hash=old)
        )

    run_db(api, work)
    log_in(api)
    [row] = rows(api, t.users, id=api.account.admin_id)
    assert row["password_hash"].startswith("$argon2id$")
    log_in(api)


@pytest.mark.feature("SE7")
def test_log_in_takes_as_long_for_an_unknown_address_as_for_a_known_one(api: Api) -> None:
    """Timing must not tell which addresses have accounts (the work is a password hash:
    tens of milliseconds, against well under one for a database miss)."""

    def timed(email: str) -> float:
        started = time.perf_counter()
        response = api.client.post(
            "/api/v1/auth/login", json={"email": email, "password": "not the password"}
        )
        assert response.status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for _ in range(4):  # interleaved, so load on the machine hits both alike
        known.append(timed("admin@acme.test"))
        unknown.append(timed("nobody@acme.test"))
    assert statistics.median(unknown) > 0.5 * statistics.median(known)


# ---------------------------------------------------------------- sessions


@pytest.mark.feature("SE7")
def test_a_new_password_ends_every_other_session(api: Api) -> None:
    ann_id, ann = add_user(api, "ann@acme.test")
    other_device = log_in(api, "ann@acme.test", "agent password")
    ticket = agent_ticket(api, other_device)
    changed = api.client.patch(
        f"/api/v1/users/{ann_id}", json={"password": "a brand new secret"}, headers=ann
    )
    assert changed.status_code == 200, changed.text
    assert me(api, ann) == 200  # the session that changed it goes on
    assert me(api, other_device) == 401
    with api.client.websocket_connect(f"/ws/agent?ticket={ticket}") as ws:
        assert ws.receive()["code"] == 4401  # its socket ticket died with it
    log_in(api, "ann@acme.test", "a brand new secret")


@pytest.mark.feature("SE7")
def test_an_admin_setting_a_password_ends_all_the_users_sessions(api: Api) -> None:
    ann_id, ann = add_user(api, "ann@acme.test")
    changed = api.client.patch(
        f"/api/v1/users/{ann_id}", json={"password": "set by the admin"}, headers=api.admin_headers
    )
    assert changed.status_code == 200, changed.text
    assert me(api, ann) == 401
    assert me(api, api.admin_headers) == 200


@pytest.mark.feature("SE7")
def test_a_session_ends_when_unused_and_each_use_renews_it(api: Api) -> None:
    session = log_in(api)
    for _ in range(2):
        api.clock.advance(timedelta(hours=7))
        assert me(api, session) == 200
    api.clock.advance(timedelta(hours=8, seconds=1))
    assert me(api, session) == 401


@pytest.mark.feature("SE7")
def test_a_session_ends_at_its_maximum_age_however_much_it_is_used(api: Api) -> None:
    session = log_in(api)
    for _ in range(5):
        api.clock.advance(timedelta(hours=4))
        assert me(api, session) == 200
    api.clock.advance(timedelta(hours=4))  # 24 hours after log-in
    assert me(api, session) == 401


def cookie_of(settings: Settings) -> str:
    with TestClient(create_app(settings)) as client:
        from reference_server.store.bootstrap import create_account

        server = client.app_state["server"]
        assert client.portal is not None
        client.portal.call(
            lambda: create_account(
                server.engine,
                server.clock.now(),
                name="A",
                admin_email="a@a.test",
                admin_password="correct horse",
            )
        )
        login = client.post(
            "/api/v1/auth/login", json={"email": "a@a.test", "password": "correct horse"}
        )
        return str(login.headers["set-cookie"])


@pytest.mark.feature("SE7")
def test_the_session_cookie_is_secure_over_https(tmp_path: Path) -> None:
    https = cookie_of(
        Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}",
            public_url="https://chat.example.com",
        )
    )
    assert "Secure" in https and "HttpOnly" in https and "SameSite=lax" in https
    assert "Max-Age=86400" in https  # the session's maximum age, not seven days
    local = cookie_of(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'l.db'}"))
    assert "Secure" not in local and "HttpOnly" in local


# ---------------------------------------------------------------- API keys


def new_key(api: Api, *scopes: str, days: int | None = None) -> dict[str, str]:
    body: dict[str, object] = {"name": "sync", "scopes": list(scopes)}
    if days is not None:
        body["expires_in_days"] = days
    created = api.client.post("/api/v1/account/api-keys", json=body, headers=api.admin_headers)
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['key']}"}


@pytest.mark.feature("SE7")
def test_an_api_key_does_only_what_its_scopes_allow(api: Api) -> None:
    reader = new_key(api, "contacts:read")
    assert api.client.get("/api/v1/contacts", headers=reader).status_code == 200
    created = api.client.post("/api/v1/contacts", json={"email": "k@x.test"}, headers=reader)
    assert assert_error(created, 403, "insufficient_scope")["message"].endswith(
        "'contacts:write' scope"
    )
    assert_error(api.client.get("/api/v1/conversations", headers=reader), 403, "insufficient_scope")
    assert rows(api, t.contacts) == []
    writer = new_key(api, "contacts:write", "identification:write")
    assert api.client.get("/api/v1/contacts", headers=writer).status_code == 200
    created = api.client.post("/api/v1/contacts", json={"email": "k@x.test"}, headers=writer)
    assert created.status_code == 201
    token = api.client.post(
        "/api/v1/visitor-identification/tokens", json={"email": "k@x.test"}, headers=writer
    )
    assert token.status_code == 200, token.text


@pytest.mark.feature("SE7")
def test_an_api_key_stops_working_when_it_expires(api: Api) -> None:
    key = new_key(api, "contacts:read", days=7)
    api.clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert api.client.get("/api/v1/contacts", headers=key).status_code == 200
    api.clock.advance(timedelta(seconds=1))
    error = assert_error(api.client.get("/api/v1/contacts", headers=key), 401, "unauthorized")
    assert "expired" in error["message"]
