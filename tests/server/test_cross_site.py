"""SE1, SE6, SE8: what a page on another origin can do with an agent's browser — nothing.

A request that rides on the session cookie and may change something must come from the
server's own origin (``LIVECHAT_PUBLIC_URL``; here the test default, http://127.0.0.1:8000)
and carry JSON; bearer tokens and API keys are not cookies and need no such check. No
secret is ever accepted from a URL. CORS is open on what customer sites load (the widget
API, the loader, the widget's files) and closed on ``/api/v1``. The browser-level proof —
a page on another port trying the same attacks in Chromium — is ``e2e/test_cross_site.py``.
"""

from __future__ import annotations

import pytest

from reference_server.store import schema as t

from .conftest import Api
from .scene import rows
from .test_basics import assert_error

OWN = "http://127.0.0.1:8000"
NEW_AGENT = {
    "email": "eve@evil.test",
    "name": "Eve",
    "password": "a long password",
    "role": "admin",
}


def cookie_session(api: Api) -> None:
    """Log in as the admin the way the pages do: the client keeps the session cookie."""
    login = api.client.post(
        "/api/v1/auth/login", json={"email": "admin@acme.test", "password": "correct horse"}
    )
    assert login.status_code == 200, login.text
    assert "livechat_session" in api.client.cookies


def admins(api: Api) -> list[str]:
    return [row["email"] for row in rows(api, t.users) if row["role"] == "admin"]


@pytest.mark.feature("SE1")
@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:8001",  # another port of the same host: the same "site"
        "http://sub.127.0.0.1.nip.io:8000",
        "null",  # a sandboxed frame or a data: page
        None,  # no Origin at all
    ],
)
def test_a_cookie_request_from_another_origin_changes_nothing(api: Api, origin: str | None) -> None:
    cookie_session(api)
    headers = {} if origin is None else {"origin": origin}
    response = api.client.post("/api/v1/users", json=NEW_AGENT, headers=headers)
    assert_error(response, 403, "cross_origin")
    assert admins(api) == ["admin@acme.test"]


@pytest.mark.feature("SE1")
def test_a_cookie_request_from_the_servers_own_pages_works(api: Api) -> None:
    cookie_session(api)
    response = api.client.post("/api/v1/users", json=NEW_AGENT, headers={"origin": OWN})
    assert response.status_code == 201, response.text
    assert sorted(admins(api)) == ["admin@acme.test", "eve@evil.test"]


@pytest.mark.feature("SE1")
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_only_json_bodies_are_read(api: Api, content_type: str | None) -> None:
    """What an HTML form or a "simple" cross-site fetch can send is refused, whoever sends it."""
    import json

    headers = {**api.admin_headers}
    if content_type is not None:
        headers["content-type"] = content_type
    response = api.client.post("/api/v1/users", content=json.dumps(NEW_AGENT), headers=headers)
    assert_error(response, 415, "unsupported_media_type")
    assert admins(api) == ["admin@acme.test"]


@pytest.mark.feature("SE1")
def test_bearer_tokens_and_api_keys_need_no_origin(api: Api) -> None:
    created = api.client.post("/api/v1/users", json=NEW_AGENT, headers=api.admin_headers)
    assert created.status_code == 201, created.text
    contact = api.client.post(
        "/api/v1/contacts", json={"email": "kari@example.com"}, headers=api.key_headers
    )
    assert contact.status_code == 201, contact.text


@pytest.mark.feature("SE1")
def test_reading_with_the_cookie_needs_no_origin(api: Api) -> None:
    """GETs change nothing; what another origin could read, CORS keeps from it."""
    cookie_session(api)
    assert api.client.get("/api/v1/auth/me").status_code == 200


@pytest.mark.feature("SE6")
def test_a_token_in_the_query_string_is_not_a_credential(api: Api) -> None:
    session = api.admin_headers["Authorization"][7:]
    for token in (session, api.account.api_key):
        assert_error(api.client.get(f"/api/v1/auth/me?token={token}"), 401, "unauthorized")
        assert_error(api.client.get(f"/api/v1/contacts?token={token}"), 401, "unauthorized")


@pytest.mark.feature("SE8")
def test_the_api_sends_no_cors_headers_to_other_origins(api: Api) -> None:
    answer = api.client.get(
        "/api/v1/auth/me", headers={**api.admin_headers, "origin": "https://shop.example"}
    )
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers
    preflight = api.client.options(
        "/api/v1/users",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.feature("SE8")
@pytest.mark.parametrize(
    "path", ["/widget/v1/ACC/config", "/embed/ACC.js", "/static/widget.js", "/static/widget.css"]
)
def test_what_customer_sites_load_is_open_to_every_origin(api: Api, path: str) -> None:
    path = path.replace("ACC", api.account.account_id)
    preflight = api.client.options(
        path,
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-visitor-token",
        },
    )
    assert preflight.status_code == 200, preflight.text
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    simple = api.client.get(path, headers={"origin": "https://shop.example"})
    assert simple.headers["access-control-allow-origin"] == "*"


@pytest.mark.feature("SE8")
def test_listed_origins_may_call_the_api_with_bearer_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from starlette.testclient import TestClient

    from reference_server.app import create_app
    from reference_server.settings import Settings

    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        cors_origins=("https://crm.example",),
    )
    with TestClient(create_app(settings)) as client:
        preflight = client.options(
            "/api/v1/contacts",
            headers={
                "origin": "https://crm.example",
                "access-control-request-method": "GET",
                "access-control-request-headers": "authorization",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == "https://crm.example"
        other = client.options(
            "/api/v1/contacts",
            headers={"origin": "https://shop.example", "access-control-request-method": "GET"},
        )
        assert other.headers.get("access-control-allow-origin") != "https://shop.example"


@pytest.mark.feature("SE8", "CF5")
def test_the_loader_names_the_configured_origin_whatever_the_host_header(api: Api) -> None:
    """A cache in front would keep what one client sent as ``Host`` and serve it to all."""
    loader = api.client.get(
        f"/embed/{api.account.account_id}.js", headers={"host": "attacker.example"}
    )
    assert loader.status_code == 200
    assert "attacker.example" not in loader.text
    assert f'"origin": "{OWN}"' in loader.text
    demo = api.client.get("/demo/", headers={"host": "attacker.example"})
    assert "attacker.example" not in demo.text


@pytest.mark.feature("SE8")
@pytest.mark.parametrize(
    "path", ["/", "/admin", "/inbox", "/docs", "/demo/", "/demo/help/reset-password"]
)
def test_pages_carry_a_content_security_policy_and_refuse_framing(api: Api, path: str) -> None:
    page = api.client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    for directive in ("script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert "<script>" not in page.text and "<style>" not in page.text  # nothing inline


@pytest.mark.feature("SE8", "CF4")
def test_only_the_consoles_own_pages_may_frame_its_preview(api: Api) -> None:
    page = api.client.get("/admin/preview-frame")
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "frame-ancestors 'none'" not in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "SAMEORIGIN"


@pytest.mark.feature("SE8")
def test_every_answer_says_nosniff(api: Api) -> None:
    for path in ("/healthz", "/openapi.json", "/static/widget.js", "/api/v1/nothing"):
        assert api.client.get(path).headers["x-content-type-options"] == "nosniff"
