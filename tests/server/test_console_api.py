"""What the admin console asks the server (CF2, CF4, CF6): the preview of an unsaved
chatflow in any availability state and device, and what the signed-in user may do — the
console offers only that."""

from __future__ import annotations

import pytest

from .conftest import Api
from .scene import add_user
from .test_basics import assert_error

PREVIEW = "/api/v1/chatflow-previews"


def _draft(api: Api, **sections: object) -> dict[str, object]:
    return {
        "name": "Draft",
        "workspace": {"kind": "inbox", "id": api.account.inbox_id},
        **sections,
    }


@pytest.mark.feature("CF4", "AV5", "AV6", "AV7")
def test_an_unsaved_chatflow_is_previewed_in_each_state_without_being_saved(api: Api) -> None:
    draft = _draft(
        api,
        build={
            "welcome_message": "Draft hello",
            "availability": {
                "mode": "always",
                "away_message_enabled": True,
                "away_message": "Gone fishing",
                "at_capacity_behaviour": "wait_message",
                "wait_message": "Please wait",
            },
        },
        display={"accent_color": "#123456", "triggers": {"scroll_percentage": 40}},
    )
    shown = {}
    for state in ("available", "away", "at_capacity"):
        response = api.client.post(
            PREVIEW, headers=api.admin_headers, json={"chatflow": draft, "state": state}
        )
        assert response.status_code == 200, response.text
        shown[state] = response.json()
    assert shown["available"]["welcome_message"] == "Draft hello"
    assert shown["available"]["accent_color"] == "#123456"
    assert shown["away"]["availability"]["message"] == "Gone fishing"
    assert shown["at_capacity"]["availability"]["message"] == "Please wait"
    # Before the scroll trigger fires the desktop widget waits; after it, it prompts.
    display = shown["available"]["display"]
    assert (display["mode"], display["mode_when_triggered"]) == ("hidden", "prompt")
    mobile = api.client.post(
        PREVIEW, headers=api.admin_headers, json={"chatflow": draft, "device": "mobile"}
    ).json()
    assert mobile["display"]["device"] == "mobile"
    assert api.client.get("/api/v1/chatflows", headers=api.admin_headers).json() == []


@pytest.mark.feature("CF4", "CF7")
def test_an_invalid_draft_gets_its_bad_fields_named(api: Api) -> None:
    draft = _draft(
        api, display={"accent_color": "orange"}, build={"assignment": {"user_ids": ["usr_x"]}}
    )
    response = api.client.post(PREVIEW, headers=api.admin_headers, json={"chatflow": draft})
    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == {"display.accent_color"}
    unknown = _draft(api, build={"assignment": {"user_ids": ["usr_x"]}})
    response = api.client.post(PREVIEW, headers=api.admin_headers, json={"chatflow": unknown})
    assert set(assert_error(response, 422, "validation_failed")["fields"]) == {
        "build.assignment.user_ids[0]"
    }
    bad_state = api.client.post(
        PREVIEW, headers=api.admin_headers, json={"chatflow": draft, "state": "sleepy"}
    )
    assert_error(bad_state, 422, "validation_failed")
    assert_error(api.client.post(PREVIEW, json={"chatflow": draft}), 401, "unauthorized")


@pytest.mark.feature("CF6")
def test_each_user_learns_what_they_may_do(api: Api) -> None:
    agent_id, agent = add_user(api, "agent@acme.test")
    manager_id, manager = add_user(api, "lead@acme.test", permissions=["users"])
    me = api.client.get("/api/v1/auth/me", headers=agent).json()
    assert me["can"] == ["inbox"] and me["may_grant_roles"] == []
    lead = api.client.get("/api/v1/auth/me", headers=manager).json()
    assert lead["can"] == ["inbox", "users"] and lead["may_grant_roles"] == ["agent"]
    admin = api.client.get("/api/v1/auth/me", headers=api.admin_headers).json()
    assert admin["can"] == ["chatflows", "inbox", "users"]
    assert admin["may_grant_roles"] == ["agent", "admin"]

    def you_may(headers: dict[str, str], user_id: str) -> set[str]:
        return set(api.client.get(f"/api/v1/users/{user_id}", headers=headers).json()["you_may"])

    assert you_may(agent, agent_id) == {"name", "avatar_url", "password", "status"}
    assert you_may(agent, manager_id) == set()
    assert "role" not in you_may(manager, agent_id)  # only an admin makes admins
    assert {"capacity", "skills", "has_seat", "status", "delete"} <= you_may(manager, agent_id)
    assert not {"role", "permissions", "has_seat", "delete"} & you_may(manager, manager_id)
    assert "role" in you_may(api.admin_headers, agent_id)
    # What is offered is what is allowed: a refused field is one the list leaves out.
    refused = api.client.patch(
        f"/api/v1/users/{manager_id}", headers=manager, json={"has_seat": False}
    )
    assert_error(refused, 403, "forbidden")
