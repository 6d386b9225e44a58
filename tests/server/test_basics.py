"""The contracts every endpoint relies on: health, the JSON error shape, auth, OpenAPI."""

from __future__ import annotations

import pytest

from .conftest import Api


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def test_health_answers_ok(api: Api) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"


def test_an_unknown_route_is_a_json_404(api: Api) -> None:
    assert_error(api.client.get("/api/v1/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_json_405(api: Api) -> None:
    assert_error(api.client.delete("/api/v1/auth/login"), 405, "method_not_allowed")


@pytest.mark.feature("CF6")
def test_log_in_gives_a_token_that_identifies_the_user(api: Api) -> None:
    me = api.client.get("/api/v1/auth/me", headers=api.admin_headers)
    assert me.status_code == 200
    assert me.json()["user_id"] == api.account.admin_id
    assert "chatflows" in me.json()["permissions"]


def test_a_wrong_password_is_refused(api: Api) -> None:
    response = api.client.post(
        "/api/v1/auth/login", json={"email": "admin@acme.test", "password": "nope"}
    )
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b'{"email": 5, "password": "x"}', 422, "validation_failed"),
        (b'{"email": "a@b.c"}', 422, "validation_failed"),
        (b'{"email": "a@b.c", "password": "x", "extra": 1}', 422, "validation_failed"),
        (b"\xff\xfe", 400, "malformed_json"),
    ],
)
def test_bad_login_input_is_a_clear_json_error(
    api: Api, body: bytes, status: int, code: str
) -> None:
    response = api.client.post(
        "/api/v1/auth/login", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, status, code)


def test_validation_errors_name_the_bad_fields(api: Api) -> None:
    response = api.client.post("/api/v1/auth/login", json={"email": 5})
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {"email", "password"}


def test_an_oversize_body_is_refused_with_413(api: Api) -> None:
    response = api.client.post(
        "/api/v1/auth/login", json={"email": "a@b.c", "password": "x" * 400_000}
    )
    assert_error(response, 413, "payload_too_large")


def test_requests_without_credentials_are_401(api: Api) -> None:
    assert_error(api.client.get("/api/v1/auth/me"), 401, "unauthorized")
    assert_error(
        api.client.get("/api/v1/auth/me", headers={"Authorization": "Bearer lcs_bogus"}),
        401,
        "unauthorized",
    )


def test_an_api_key_cannot_act_as_a_user(api: Api) -> None:
    assert_error(api.client.get("/api/v1/auth/me", headers=api.key_headers), 403, "forbidden")


def test_logging_out_ends_the_session(api: Api) -> None:
    assert api.client.post("/api/v1/auth/logout", headers=api.admin_headers).status_code == 204
    assert_error(api.client.get("/api/v1/auth/me", headers=api.admin_headers), 401, "unauthorized")


def test_openapi_is_3_1_and_describes_the_endpoints(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("LoginIn")
    assert "LoginIn" in doc["components"]["schemas"]
    assert "text/html" in api.client.get("/docs").headers["content-type"]
