"""The visitor identification API (CV7): API key only, hashed 12-hour tokens, and the widget
treating an identified visitor as the contact."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reference_server.secrets import hash_secret
from reference_server.store import schema as t

from .conftest import START, Api
from .scene import (
    add_agent,
    add_chatflow,
    config,
    config_json,
    other_account,
    published,
    rows,
)
from .test_basics import assert_error

URL = "/api/v1/visitor-identification/tokens"


def identify(api: Api, email: str = "Kari@Example.COM", **names: str) -> str:
    response = api.client.post(URL, json={"email": email, **names}, headers=api.key_headers)
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@pytest.mark.feature("CV7")
def test_an_api_key_gets_a_twelve_hour_token_stored_only_as_a_hash(api: Api) -> None:
    response = api.client.post(
        URL, json={"email": "Kari@Example.COM", "first_name": "Kari"}, headers=api.key_headers
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    assert response.json()["expires_at"] == (START + timedelta(hours=12)).isoformat()
    (row,) = rows(api, t.identification_tokens)
    assert row["token_hash"] == hash_secret(token) != token
    assert row["email"] == "Kari@example.com"
    assert row["first_name"] == "Kari"
    assert row["account_id"] == api.account.account_id


@pytest.mark.feature("CV7")
def test_only_an_api_key_may_ask_for_a_token(api: Api) -> None:
    body = {"email": "kari@example.com"}
    assert_error(api.client.post(URL, json=body), 401, "unauthorized")
    assert_error(api.client.post(URL, json=body, headers=api.admin_headers), 403, "forbidden")
    _, agent = add_agent(api, "Ada", permissions=("chatflows",))
    assert_error(api.client.post(URL, json=body, headers=agent), 403, "forbidden")
    assert rows(api, t.identification_tokens) == []


@pytest.mark.feature("CV7")
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b'{"email": "not an address"}', 422, "validation_failed"),
        (b'{"email": "kari@"}', 422, "validation_failed"),
        (b'{"email": 42}', 422, "validation_failed"),
        (b"{}", 422, "validation_failed"),
        (b'{"email": "kari@example.com", "role": "admin"}', 422, "validation_failed"),
        (
            b'{"email": "kari@example.com", "first_name": "' + b"k" * 201 + b'"}',
            422,
            "validation_failed",
        ),
        (
            b'{"email": "kari@example.com", "first_name": "' + b"k" * 300_000 + b'"}',
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_identification_input_is_refused_and_nothing_is_stored(
    api: Api, body: bytes, status: int, code: str
) -> None:
    response = api.client.post(
        URL, content=body, headers={**api.key_headers, "content-type": "application/json"}
    )
    assert_error(response, status, code)
    assert rows(api, t.identification_tokens) == []


@pytest.mark.feature("CV7", "TG4")
def test_the_widget_treats_an_identified_visitor_as_the_contact_created_for_the_email(
    api: Api,
) -> None:
    published(api)
    token = identify(api, first_name="Kari", last_name="Nordmann")
    answer = config_json(api, identification_email="kari@example.com", identification_token=token)
    assert answer["visitor"]["identified"] is True
    (contact,) = rows(api, t.contacts)
    assert contact["email"] == "Kari@example.com"
    assert contact["name"] == "Kari Nordmann"
    (visitor,) = rows(api, t.visitors)
    assert visitor["contact_id"] == contact["id"] and visitor["identified"] is True
    again = config_json(
        api,
        identification_email="KARI@example.com",
        identification_token=token,
        visitor_token=answer["visitor"]["token"],
    )
    assert again["visitor"]["token"] == answer["visitor"]["token"]
    assert len(rows(api, t.contacts)) == 1 and len(rows(api, t.visitors)) == 1


@pytest.mark.feature("CV7")
def test_an_existing_contact_is_linked_not_duplicated(api: Api) -> None:
    published(api)
    created = api.client.post(
        "/api/v1/contacts", json={"email": "kari@example.com"}, headers=api.admin_headers
    )
    assert created.status_code == 201, created.text
    token = identify(api)
    config_json(api, identification_email="kari@example.com", identification_token=token)
    (visitor,) = rows(api, t.visitors)
    assert visitor["contact_id"] == created.json()["id"]
    assert len(rows(api, t.contacts)) == 1


@pytest.mark.feature("CV7")
def test_a_token_expires_after_twelve_hours(api: Api) -> None:
    published(api)
    token = identify(api)
    api.clock.advance(timedelta(hours=12) - timedelta(seconds=1))
    pair = {"identification_email": "kari@example.com", "identification_token": token}
    last_valid = config_json(api, **pair)
    assert last_valid["visitor"]["identified"] is True
    api.clock.advance(timedelta(seconds=1))
    expired = config_json(api, **pair, visitor_token=last_valid["visitor"]["token"])
    assert expired["visitor"]["identified"] is False
    assert expired["visitor"]["token"] != last_valid["visitor"]["token"]  # a new anonymous one
    assert expired["consent"]["cookie_banner"] == "before_chat"


@pytest.mark.feature("CV7")
def test_a_token_works_only_for_its_email_and_its_account(api: Api) -> None:
    published(api)
    token = identify(api)
    other_email = config_json(
        api, identification_email="ola@example.com", identification_token=token
    )
    assert other_email["visitor"]["identified"] is False
    bogus = config_json(
        api, identification_email="kari@example.com", identification_token="lci_bogus"
    )
    assert bogus["visitor"]["identified"] is False
    theirs = other_account(api)
    add_chatflow(api, name="Theirs", account_id=theirs.account_id, workspace_id=theirs.inbox_id)
    other = theirs.account_id
    response = api.client.post(
        f"/widget/v1/{other}/config",
        json={
            "url": "https://other.test/",
            "identification_email": "kari@example.com",
            "identification_token": token,
        },
    )
    assert response.status_code == 200, response.text
    assert response.json()["visitor"]["identified"] is False
    assert rows(api, t.contacts) == []


def test_identification_without_a_matching_chatflow_still_answers_204(api: Api) -> None:
    token = identify(api)
    response = config(api, identification_email="kari@example.com", identification_token=token)
    assert response.status_code == 204
    assert rows(api, t.visitors) == []
