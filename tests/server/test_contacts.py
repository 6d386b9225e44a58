"""Contacts: email matching (BD2), owners (RT4), properties (TG4), marketing contacts (OP6)
and subscriptions (OP5), read and written by users and by API key (CRM sync)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_server.domain.conversation import InvalidEmail
from reference_server.store.contacts import (
    ContactExists,
    add_subscription,
    create_contact,
    find_contact_by_email,
    get_contact,
)

from .conftest import JSON, START, Api
from .scene import add_user, other_account, run_db
from .test_basics import assert_error

KARI = {
    "email": " Kari.Nordmann@Example.NO ",
    "name": "Kari Nordmann",
    "properties": {"plan": "pro", "country": "NO"},
    "marketing": True,
    "subscriptions": ["newsletter", "newsletter", "product"],
}


def contacts(api: Api) -> list[dict[str, Any]]:
    response = api.client.get("/api/v1/contacts", headers=api.key_headers)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


def new_contact(api: Api, **body: Any) -> dict[str, Any]:
    api.clock.advance(timedelta(seconds=1))
    response = api.client.post("/api/v1/contacts", headers=api.key_headers, json={**KARI, **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.feature("OP5", "OP6", "TG4")
def test_a_crm_creates_a_contact_with_an_api_key(api: Api) -> None:
    kari = new_contact(api)
    assert kari["email"] == "Kari.Nordmann@example.no"  # the domain's normal form
    assert (kari["name"], kari["marketing"], kari["owner_id"]) == ("Kari Nordmann", True, None)
    assert kari["properties"] == {"plan": "pro", "country": "NO"}
    assert kari["subscriptions"] == ["newsletter", "product"]
    assert api.client.get(f"/api/v1/contacts/{kari['id']}", headers=api.key_headers).json() == kari
    assert contacts(api) == [kari]


@pytest.mark.feature("BD2")
def test_a_contact_is_found_by_email_ignoring_case(api: Api) -> None:
    kari = new_contact(api)
    new_contact(api, email="ola@example.no")
    found = api.client.get(
        "/api/v1/contacts", params={"email": "KARI.NORDMANN@example.no"}, headers=api.admin_headers
    )
    assert found.json() == [kari]
    none = api.client.get("/api/v1/contacts?email=nobody@example.no", headers=api.admin_headers)
    assert none.json() == []
    assert_error(
        api.client.get("/api/v1/contacts", params={"email": "a" * 255}, headers=api.admin_headers),
        422,
        "validation_failed",
    )


@pytest.mark.feature("BD2")
def test_one_address_belongs_to_one_contact_of_an_account(api: Api) -> None:
    kari = new_contact(api)
    duplicate = api.client.post(
        "/api/v1/contacts", headers=api.key_headers, json={"email": "kari.nordmann@EXAMPLE.no"}
    )
    assert kari["id"] in assert_error(duplicate, 409, "conflict")["fields"]["email"]
    ola = new_contact(api, email="ola@example.no")
    taken = api.client.patch(
        f"/api/v1/contacts/{ola['id']}",
        headers=api.key_headers,
        json={"email": "KARI.nordmann@example.no"},
    )
    assert_error(taken, 409, "conflict")
    other = other_account(api)
    theirs = api.client.post(
        "/api/v1/contacts",
        json={"email": kari["email"]},
        headers={"Authorization": f"Bearer {other.api_key}"},
    )
    assert theirs.status_code == 201  # another account may know the same person
    assert [c["email"] for c in contacts(api)] == [kari["email"], "ola@example.no"]


def test_contacts_are_listed_a_page_at_a_time(api: Api) -> None:
    made = [new_contact(api, email=f"c{i}@example.no") for i in range(3)]
    page = api.client.get("/api/v1/contacts?limit=1&offset=2", headers=api.key_headers).json()
    assert page == [made[2]]
    assert_error(
        api.client.get("/api/v1/contacts?limit=abc", headers=api.key_headers),
        422,
        "validation_failed",
    )


@pytest.mark.feature("RT4")
def test_the_owner_is_a_user_of_the_account(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    other = other_account(api)
    owned = api.client.post(
        "/api/v1/contacts", headers=agent, json={"email": "owned@example.no", "owner_id": agent_id}
    )
    assert owned.status_code == 201 and owned.json()["owner_id"] == agent_id
    for owner in (other.admin_id, "usr_nope"):
        refused = api.client.post(
            "/api/v1/contacts",
            headers=api.key_headers,
            json={"email": "x@example.no", "owner_id": owner},
        )
        assert set(assert_error(refused, 422, "validation_failed")["fields"]) == {"owner_id"}
        moved = api.client.patch(
            f"/api/v1/contacts/{owned.json()['id']}",
            headers=api.key_headers,
            json={"owner_id": owner},
        )
        assert_error(moved, 422, "validation_failed")
    cleared = api.client.patch(
        f"/api/v1/contacts/{owned.json()['id']}", headers=api.key_headers, json={"owner_id": None}
    )
    assert cleared.json()["owner_id"] is None
    assert len(contacts(api)) == 1


@pytest.mark.feature("RT4")
def test_a_deleted_owner_leaves_the_contact_without_one(api: Api) -> None:
    agent_id, _ = add_user(api, "agent@acme.test")
    kari = new_contact(api, owner_id=agent_id)
    api.client.delete(f"/api/v1/users/{agent_id}", headers=api.admin_headers)
    assert (
        api.client.get(f"/api/v1/contacts/{kari['id']}", headers=api.key_headers).json()["owner_id"]
        is None
    )


@pytest.mark.feature("TG4", "OP6")
def test_a_change_merges_properties_and_replaces_the_rest(api: Api) -> None:
    kari = new_contact(api)
    response = api.client.patch(
        f"/api/v1/contacts/{kari['id']}",
        headers=api.key_headers,
        json={
            "properties": {"plan": "enterprise", "country": None, "city": "Oslo"},
            "marketing": False,
            "subscriptions": ["product"],
            "name": "Kari N.",
            "email": "kari@example.no",
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["properties"] == {"plan": "enterprise", "city": "Oslo"}
    assert (changed["marketing"], changed["subscriptions"]) == (False, ["product"])
    assert (changed["name"], changed["email"]) == ("Kari N.", "kari@example.no")
    no_email = api.client.patch(
        f"/api/v1/contacts/{kari['id']}", headers=api.key_headers, json={"email": None}
    )
    assert no_email.json()["email"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "kari"}, "email"),
        ({"email": "kari@example"}, "email"),
        ({"email": "a" * 250 + "@example.no"}, "email"),
        ({"name": "n" * 201}, "name"),
        ({"properties": {"plan": 5}}, "properties.plan"),
        ({"properties": {"plan": "p" * 1001}}, "properties.plan"),
        ({"properties": {"p" * 101: "x"}}, "properties.pp"),
        ({"properties": {f"p{i}": "x" for i in range(101)}}, "properties"),
        ({"properties": ["plan"]}, "properties"),
        ({"marketing": "maybe"}, "marketing"),
        ({"subscriptions": [""]}, "subscriptions[0]"),
        ({"subscriptions": ["s" * 101]}, "subscriptions[0]"),
        ({"owner_id": 5}, "owner_id"),
        ({"phone": "123"}, "phone"),
    ],
)
def test_bad_contacts_are_refused_and_nothing_changes(
    api: Api, change: dict[str, Any], field: str
) -> None:
    kari = new_contact(api)
    created = api.client.post(
        "/api/v1/contacts",
        headers=api.key_headers,
        json={**KARI, "email": "new@example.no", **change},
    )
    fields = assert_error(created, 422, "validation_failed")["fields"]
    assert any(name.startswith(field) for name in fields), fields
    changed = api.client.patch(
        f"/api/v1/contacts/{kari['id']}", headers=api.key_headers, json=change
    )
    assert_error(changed, 422, "validation_failed")
    assert contacts(api) == [kari]


def test_a_change_that_would_exceed_the_property_limit_is_refused(api: Api) -> None:
    kari = new_contact(api, properties={f"p{i}": "x" for i in range(60)})
    more = {f"q{i}": "y" for i in range(60)}
    response = api.client.patch(
        f"/api/v1/contacts/{kari['id']}", headers=api.key_headers, json={"properties": more}
    )
    assert "properties" in assert_error(response, 422, "validation_failed")["fields"]
    assert contacts(api) == [kari]


def test_null_is_refused_where_it_means_nothing(api: Api) -> None:
    kari = new_contact(api)
    for change in (
        {"name": None},
        {"marketing": None},
        {"properties": None},
        {"subscriptions": None},
    ):
        response = api.client.patch(
            f"/api/v1/contacts/{kari['id']}", headers=api.key_headers, json=change
        )
        assert set(assert_error(response, 422, "validation_failed")["fields"]) == set(change)
    assert contacts(api) == [kari]


def test_malformed_and_unauthenticated_contact_requests_are_refused(api: Api) -> None:
    kari = new_contact(api)
    url = f"/api/v1/contacts/{kari['id']}"
    assert_error(
        api.client.post("/api/v1/contacts", headers={**api.key_headers, **JSON}, content=b"{x"),
        400,
        "malformed_json",
    )
    assert_error(
        api.client.patch(url, headers={**api.key_headers, **JSON}, content=b""),
        400,
        "malformed_json",
    )
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        assert_error(getattr(api.client, method)(url, **kwargs), 401, "unauthorized")
        assert_error(
            getattr(api.client, method)(url, headers={"Authorization": "Bearer lck_x"}, **kwargs),
            401,
            "unauthorized",
        )
    assert_error(api.client.post("/api/v1/contacts", json=KARI), 401, "unauthorized")
    assert contacts(api) == [kari]


def test_contacts_of_another_account_are_not_found(api: Api) -> None:
    other = other_account(api)
    theirs = api.client.post(
        "/api/v1/contacts",
        json={"email": "theirs@example.no"},
        headers={"Authorization": f"Bearer {other.api_key}"},
    ).json()
    url = f"/api/v1/contacts/{theirs['id']}"
    for headers in (api.key_headers, api.admin_headers):
        assert_error(api.client.get(url, headers=headers), 404, "not_found")
        assert_error(api.client.patch(url, headers=headers, json={"name": "x"}), 404, "not_found")
        assert_error(api.client.delete(url, headers=headers), 404, "not_found")
    found = api.client.get("/api/v1/contacts?email=theirs@example.no", headers=api.key_headers)
    assert found.json() == []
    assert contacts(api) == []


def test_a_contact_is_deleted(api: Api) -> None:
    kari = new_contact(api)
    _, agent = add_user(api, "agent@acme.test")
    url = f"/api/v1/contacts/{kari['id']}"
    assert api.client.delete(url, headers=agent).status_code == 204
    assert_error(api.client.get(url, headers=api.key_headers), 404, "not_found")
    assert_error(api.client.delete(url, headers=api.key_headers), 404, "not_found")


# ---------------------------------------------------------------- what conversations call


@pytest.mark.feature("BD2", "OP5", "OP6")
def test_the_store_functions_conversations_call(api: Api) -> None:
    account = api.account.account_id

    async def work(db: AsyncConnection) -> Any:
        made = await create_contact(db, account, START, email="Visitor@Example.no", marketing=True)
        assert made["email"] == "Visitor@example.no" and made["marketing"] is True
        found = await find_contact_by_email(db, account, "visitor@EXAMPLE.NO")
        assert found is not None and found["id"] == made["id"]
        assert await find_contact_by_email(db, "acc_other", "visitor@example.no") is None
        with pytest.raises(ContactExists) as exists:
            await create_contact(db, account, START, email="VISITOR@example.no")
        assert exists.value.contact_id == made["id"]
        with pytest.raises(InvalidEmail):
            await create_contact(db, account, START, email="not an address")
        await add_subscription(db, account, made["id"], "newsletter")
        await add_subscription(db, account, made["id"], "newsletter")
        contact = await get_contact(db, account, made["id"])
        assert contact is not None and contact["subscriptions"] == ["newsletter"]
        assert await get_contact(db, "acc_other", made["id"]) is None
        with pytest.raises(LookupError):
            await add_subscription(db, account, "con_nope", "newsletter")

    run_db(api, work)
