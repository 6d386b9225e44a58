"""Inboxes and helpdesks: the workspaces chatflows send conversations to (CF1)."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.domain.chatflow import (
    AssignmentSettings,
    BuildSettings,
    HeadingSettings,
)

from .conftest import JSON, Api
from .scene import add_chatflow, add_user, other_account
from .test_basics import assert_error

pytestmark = pytest.mark.feature("CF1")


def inboxes(api: Api) -> list[dict[str, Any]]:
    response = api.client.get("/api/v1/inboxes", headers=api.admin_headers)
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


def new_inbox(api: Api, **body: Any) -> dict[str, Any]:
    response = api.client.post(
        "/api/v1/inboxes", headers=api.admin_headers, json={"name": "Support desk", **body}
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_the_account_starts_with_a_chat_inbox(api: Api) -> None:
    [inbox] = inboxes(api)
    assert inbox["id"] == api.account.inbox_id
    assert (inbox["kind"], inbox["name"], inbox["chat_channel"]) == ("inbox", "Chat inbox", True)


def test_an_admin_adds_a_helpdesk_and_every_user_reads_it(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test")
    desk = new_inbox(api, kind="helpdesk", chat_channel=False)
    assert (desk["kind"], desk["name"], desk["chat_channel"]) == ("helpdesk", "Support desk", False)
    assert api.client.get(f"/api/v1/inboxes/{desk['id']}", headers=agent).json() == desk
    listed = api.client.get("/api/v1/inboxes?offset=1", headers=agent).json()
    assert listed == [desk]
    assert new_inbox(api)["kind"] == "inbox"  # the default kind
    assert_error(api.client.get("/api/v1/inboxes?limit=0", headers=agent), 422, "validation_failed")


def test_an_admin_renames_and_reconnects_an_unused_inbox(api: Api) -> None:
    desk = new_inbox(api, kind="helpdesk")
    response = api.client.patch(
        f"/api/v1/inboxes/{desk['id']}",
        headers=api.admin_headers,
        json={"name": "Tickets", "chat_channel": False, "kind": "inbox"},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["chat_channel"], response.json()["kind"]) == (
        "Tickets",
        False,
        "inbox",
    )


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("post", {"kind": "mailbox", "name": "x"}, "kind"),
        ("post", {"name": ""}, "name"),
        ("post", {"name": "n" * 201}, "name"),
        ("post", {"name": "x", "chat_channel": "sometimes"}, "chat_channel"),
        ("post", {"name": "x", "email": "a@b.c"}, "email"),
        ("patch", {"name": None}, "name"),
        ("patch", {"kind": "mailbox"}, "kind"),
        ("patch", {"chat_channel": None}, "chat_channel"),
    ],
)
def test_bad_inbox_input_is_refused_and_changes_nothing(
    api: Api, method: str, body: dict[str, Any], field: str
) -> None:
    before = inboxes(api)
    url = "/api/v1/inboxes" + ("" if method == "post" else f"/{api.account.inbox_id}")
    response = getattr(api.client, method)(url, headers=api.admin_headers, json=body)
    assert field in assert_error(response, 422, "validation_failed")["fields"]
    assert_error(
        getattr(api.client, method)(url, headers={**api.admin_headers, **JSON}, content=b"{'"),
        400,
        "malformed_json",
    )
    assert inboxes(api) == before


def test_only_user_managers_change_inboxes(api: Api) -> None:
    _, agent = add_user(api, "agent@acme.test", permissions=["chatflows"])
    url = f"/api/v1/inboxes/{api.account.inbox_id}"
    before = inboxes(api)
    for headers, status in ((agent, 403), (api.key_headers, 403), ({}, 401)):
        code = "forbidden" if status == 403 else "unauthorized"
        assert_error(
            api.client.post("/api/v1/inboxes", headers=headers, json={"name": "B"}), status, code
        )
        assert_error(api.client.patch(url, headers=headers, json={"name": "B"}), status, code)
        assert_error(api.client.delete(url, headers=headers), status, code)
    assert_error(api.client.get("/api/v1/inboxes", headers=api.key_headers), 403, "forbidden")
    assert inboxes(api) == before


def test_inboxes_of_another_account_are_not_found(api: Api) -> None:
    other = other_account(api)
    url = f"/api/v1/inboxes/{other.inbox_id}"
    h = api.admin_headers
    assert_error(api.client.get(url, headers=h), 404, "not_found")
    assert_error(api.client.patch(url, headers=h, json={"name": "Mine"}), 404, "not_found")
    assert_error(api.client.delete(url, headers=h), 404, "not_found")
    assert_error(api.client.get("/api/v1/inboxes/inb_nope", headers=h), 404, "not_found")
    assert [inbox["id"] for inbox in inboxes(api)] == [api.account.inbox_id]


def test_an_unused_inbox_is_deleted(api: Api) -> None:
    desk = new_inbox(api)
    assert (
        api.client.delete(f"/api/v1/inboxes/{desk['id']}", headers=api.admin_headers).status_code
        == 204
    )
    assert [inbox["id"] for inbox in inboxes(api)] == [api.account.inbox_id]
    assert_error(
        api.client.delete(f"/api/v1/inboxes/{desk['id']}", headers=api.admin_headers),
        404,
        "not_found",
    )


def test_a_workspace_a_chatflow_uses_keeps_its_kind_chat_channel_and_existence(api: Api) -> None:
    add_chatflow(api, name="Sales", published=False)
    url = f"/api/v1/inboxes/{api.account.inbox_id}"
    before = inboxes(api)
    error = assert_error(api.client.delete(url, headers=api.admin_headers), 409, "conflict")
    assert "'Sales'" in error["message"]
    for change in ({"chat_channel": False}, {"kind": "helpdesk"}):
        assert_error(api.client.patch(url, headers=api.admin_headers, json=change), 409, "conflict")
    assert inboxes(api) == before
    renamed = api.client.patch(
        url,
        headers=api.admin_headers,
        json={"name": "Sales inbox", "kind": "inbox", "chat_channel": True},
    )
    assert renamed.status_code == 200


@pytest.mark.feature("RT1", "BD3")
def test_users_and_teams_a_chatflow_names_are_not_deleted(api: Api) -> None:
    routed, _ = add_user(api, "routed@acme.test")
    shown, _ = add_user(api, "shown@acme.test")
    team = api.client.post(
        "/api/v1/teams", headers=api.admin_headers, json={"name": "Sales"}
    ).json()
    add_chatflow(
        api,
        name="Sales",
        published=False,
        build=BuildSettings(
            assignment=AssignmentSettings(user_ids=(routed,)),
            heading=HeadingSettings(user_ids=(shown,), team_ids=(team["id"],)),
        ),
    )
    for url in (f"/api/v1/users/{routed}", f"/api/v1/users/{shown}", f"/api/v1/teams/{team['id']}"):
        error = assert_error(api.client.delete(url, headers=api.admin_headers), 409, "conflict")
        assert "chatflow 'Sales'" in error["message"]
        assert api.client.get(url, headers=api.admin_headers).status_code == 200
