"""Chatflows (CF1, CF3, CF4, CF6, CF7): create from the widget set-up, read, replace, edit by
section with whole-chatflow validation, publish, delete, preview; permissions and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_inbox,
    add_knowledge_base,
    add_survey,
    add_team,
    chatflow_row,
    create_chatflow,
    other_account,
    rows,
)
from .test_basics import assert_error

URL = "/api/v1/chatflows"


@pytest.mark.feature("CF1", "CF2")
def test_a_new_chatflow_starts_from_the_accounts_widget_set_up(api: Api) -> None:
    patched = api.client.patch(
        "/api/v1/account",
        json={"widget_defaults": {"accent_color": "#112233", "welcome_message": "Hei!"}},
        headers=api.admin_headers,
    )
    assert patched.status_code == 200, patched.text
    chatflow = create_chatflow(api, "Support")
    assert chatflow["id"].startswith("cfl_")
    assert chatflow["name"] == "Support"
    assert chatflow["display"]["accent_color"] == "#112233"
    assert chatflow["build"]["welcome_message"] == "Hei!"
    assert chatflow["published"] is False
    assert chatflow["version"] == 1
    assert chatflow["workspace"] == {"kind": "inbox", "id": api.account.inbox_id}


@pytest.mark.feature("CF1")
def test_sections_given_at_creation_are_merged_over_the_defaults(api: Api) -> None:
    chatflow = create_chatflow(
        api,
        language="nb",
        priority=5,
        build={"welcome_message": "Hallo"},
        display={"desktop": "launcher"},
    )
    assert chatflow["language"] == "nb"
    assert chatflow["priority"] == 5
    assert chatflow["build"]["welcome_message"] == "Hallo"
    assert chatflow["build"]["availability"]["mode"] == "user_availability"  # kept
    assert chatflow["display"]["desktop"] == "launcher"
    assert chatflow["display"]["accent_color"] == "#ff7a59"


@pytest.mark.feature("CF1")
def test_chatflows_are_listed_and_read_by_any_user(api: Api) -> None:
    first = create_chatflow(api, "One", priority=2)
    second = create_chatflow(api, "Two", priority=1)
    _, agent = add_agent(api, "Ada")
    listed = api.client.get(URL, headers=agent)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [second["id"], first["id"]]
    read = api.client.get(f"{URL}/{first['id']}", headers=agent)
    assert read.status_code == 200
    assert read.json() == first
    assert read.headers["etag"] == '"1"'
    assert len(api.client.get(f"{URL}?limit=1", headers=agent).json()) == 1


@pytest.mark.feature("CF1")
def test_an_api_key_may_manage_chatflows(api: Api) -> None:
    body = {"name": "Bot", "workspace": {"id": api.account.inbox_id}}
    created = api.client.post(URL, json=body, headers=api.key_headers)
    assert created.status_code == 201, created.text
    assert api.client.get(URL, headers=api.key_headers).status_code == 200


@pytest.mark.feature("CF1")
def test_only_a_workspace_with_a_chat_channel_can_be_chosen(api: Api) -> None:
    no_chat = add_inbox(api, chat_channel=False)
    helpdesk = add_inbox(api, kind="helpdesk")
    for workspace in ({"id": no_chat}, {"id": "inb_nope"}, {"kind": "helpdesk", "id": no_chat}):
        response = api.client.post(
            URL, json={"name": "X", "workspace": workspace}, headers=api.admin_headers
        )
        assert assert_error(response, 422, "validation_failed")["fields"] == {
            "workspace.id": "must be an inbox or helpdesk with a chat channel"
        }
    ok = api.client.post(
        URL,
        json={"name": "Desk", "workspace": {"kind": "helpdesk", "id": helpdesk}},
        headers=api.admin_headers,
    )
    assert ok.status_code == 201
    assert rows(api, t.chatflows) and len(rows(api, t.chatflows)) == 1


@pytest.mark.feature("CF1")
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{nope", 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b"[]", 422, "validation_failed"),
        (b'{"name": 5, "workspace": {"id": "x"}}', 422, "validation_failed"),
        (b'{"workspace": {"id": "x"}}', 422, "validation_failed"),
        (b'{"name": "A", "workspace": {"id": "x"}, "colour": 1}', 422, "validation_failed"),
        (b'{"name": "A", "workspace": {"id": "x"}, "build": 3}', 422, "validation_failed"),
        (b'{"name": "A", "workspace": {"id": "x"}, "language": "de"}', 422, "validation_failed"),
    ],
)
def test_bad_chatflow_creation_input_is_refused_and_nothing_is_stored(
    api: Api, body: bytes, status: int, code: str
) -> None:
    response = api.client.post(
        URL, content=body, headers={**api.admin_headers, "content-type": "application/json"}
    )
    assert_error(response, status, code)
    assert rows(api, t.chatflows) == []


@pytest.mark.feature("CF7")
def test_creation_validates_the_sections_naming_every_bad_field(api: Api) -> None:
    response = api.client.post(
        URL,
        json={
            "name": "A",
            "workspace": {"id": api.account.inbox_id},
            "build": {"availability": {"mode": "office_hours", "timezone": "Mars/Base"}},
            "display": {"accent_color": "red", "triggers": {"scroll_percentage": 0}},
        },
        headers=api.admin_headers,
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {
        "build.availability.timezone",
        "build.availability.office_hours",
        "display.accent_color",
        "display.triggers.scroll_percentage",
    }
    assert rows(api, t.chatflows) == []


def test_an_oversize_chatflow_is_refused(api: Api) -> None:
    response = api.client.post(
        URL,
        json={
            "name": "A",
            "workspace": {"id": api.account.inbox_id},
            "build": {"welcome_message": "x" * 300_000},
        },
        headers=api.admin_headers,
    )
    assert_error(response, 413, "payload_too_large")
    long_welcome = {
        "name": "A",
        "workspace": {"id": api.account.inbox_id},
        "build": {"welcome_message": "x" * 1001},
    }
    fields = assert_error(
        api.client.post(URL, json=long_welcome, headers=api.admin_headers),
        422,
        "validation_failed",
    )["fields"]
    assert fields == {"build.welcome_message": "must be at most 1000 characters"}
    assert rows(api, t.chatflows) == []


@pytest.mark.feature("CF6")
def test_a_user_without_the_chatflows_permission_cannot_create_or_edit(api: Api) -> None:
    chatflow = create_chatflow(api)
    _, agent = add_agent(api, "Bo")
    cid = chatflow["id"]
    body = {"name": "Mine", "workspace": {"id": api.account.inbox_id}}
    assert_error(api.client.post(URL, json=body, headers=agent), 403, "forbidden")
    assert_error(api.client.put(f"{URL}/{cid}", json=body, headers=agent), 403, "forbidden")
    assert_error(
        api.client.patch(f"{URL}/{cid}", json={"name": "Z"}, headers=agent), 403, "forbidden"
    )
    assert_error(api.client.patch(f"{URL}/{cid}/build", json={}, headers=agent), 403, "forbidden")
    assert_error(api.client.post(f"{URL}/{cid}/publish", headers=agent), 403, "forbidden")
    assert_error(api.client.post(f"{URL}/{cid}/unpublish", headers=agent), 403, "forbidden")
    assert_error(api.client.delete(f"{URL}/{cid}", headers=agent), 403, "forbidden")
    assert [row["version"] for row in rows(api, t.chatflows)] == [1]
    assert chatflow_row(api, cid)["name"] == "Sales"


@pytest.mark.feature("CF6")
def test_a_user_with_the_chatflows_permission_may_create_and_edit(api: Api) -> None:
    _, editor = add_agent(api, "Cy", permissions=("chatflows",))
    body = {"name": "Hers", "workspace": {"id": api.account.inbox_id}}
    created = api.client.post(URL, json=body, headers=editor)
    assert created.status_code == 201
    edited = api.client.patch(
        f"{URL}/{created.json()['id']}", json={"name": "Hers 2"}, headers=editor
    )
    assert edited.status_code == 200
    assert edited.json()["name"] == "Hers 2"


def test_chatflow_endpoints_need_credentials(api: Api) -> None:
    cid = create_chatflow(api)["id"]
    for method, path in [
        ("GET", URL),
        ("POST", URL),
        ("GET", f"{URL}/{cid}"),
        ("PUT", f"{URL}/{cid}"),
        ("PATCH", f"{URL}/{cid}/build"),
        ("POST", f"{URL}/{cid}/publish"),
        ("DELETE", f"{URL}/{cid}"),
        ("GET", f"{URL}/{cid}/preview"),
    ]:
        assert_error(api.client.request(method, path, json={}), 401, "unauthorized")
    assert len(rows(api, t.chatflows)) == 1


@pytest.mark.feature("CF6")
def test_only_seated_users_can_be_named_in_routing(api: Api) -> None:
    seated, _ = add_agent(api, "Seated")
    unseated, _ = add_agent(api, "Unseated", has_seat=False)
    cid = create_chatflow(api)["id"]
    response = api.client.patch(
        f"{URL}/{cid}/build",
        json={
            "assignment": {"user_ids": [seated, unseated, "usr_gone"], "team_ids": ["team_gone"]}
        },
        headers=api.admin_headers,
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {
        "build.assignment.user_ids[1]",
        "build.assignment.user_ids[2]",
        "build.assignment.team_ids[0]",
    }
    assert "no seat" in fields["build.assignment.user_ids[1]"]
    assert chatflow_row(api, cid)["version"] == 1
    team = add_team(api, "Sales", [seated])
    ok = api.client.patch(
        f"{URL}/{cid}/build",
        json={"assignment": {"user_ids": [seated], "team_ids": [team]}},
        headers=api.admin_headers,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["build"]["assignment"]["user_ids"] == [seated]


@pytest.mark.feature("CF7")
def test_editing_a_section_keeps_the_other_sections_and_bumps_the_version(api: Api) -> None:
    chatflow = create_chatflow(api, build={"welcome_message": "Hi"})
    cid = chatflow["id"]
    response = api.client.patch(
        f"{URL}/{cid}/display",
        json={"desktop": "prompt_then_open", "triggers": {"time_on_page_seconds": 5}},
        headers=api.admin_headers,
    )
    assert response.status_code == 200, response.text
    edited = response.json()
    assert edited["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert edited["display"]["desktop"] == "prompt_then_open"
    assert edited["display"]["triggers"]["time_on_page_seconds"] == 5
    assert edited["display"]["accent_color"] == chatflow["display"]["accent_color"]
    assert edited["build"] == chatflow["build"]
    assert chatflow_row(api, cid)["settings"]["display"]["desktop"] == "prompt_then_open"


@pytest.mark.feature("CF7")
def test_null_in_a_section_patch_resets_the_field_to_its_default(api: Api) -> None:
    cid = create_chatflow(api, display={"triggers": {"scroll_percentage": 50}})["id"]
    response = api.client.patch(
        f"{URL}/{cid}/display",
        json={"triggers": {"scroll_percentage": None}},
        headers=api.admin_headers,
    )
    assert response.status_code == 200
    assert response.json()["display"]["triggers"]["scroll_percentage"] is None


@pytest.mark.feature("CF7")
def test_a_bad_section_edit_names_every_bad_field_with_its_full_path(api: Api) -> None:
    chatflow = create_chatflow(api)
    cid = chatflow["id"]
    response = api.client.patch(
        f"{URL}/{cid}/build",
        json={
            "welcome_message": "  ",
            "availability": {
                "mode": "office_hours",
                "office_hours": [
                    {"day": "monday", "start": "25:00", "end": "17:00"},
                    {"day": "funday"},
                ],
            },
            "knowledge_base": {"enabled": True, "knowledge_base_id": "kb_nope"},
        },
        headers=api.admin_headers,
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert set(fields) == {
        "build.welcome_message",
        "build.availability.office_hours[0].start",
        "build.availability.office_hours[1].day",
    }
    assert api.client.get(f"{URL}/{cid}", headers=api.admin_headers).json() == chatflow


@pytest.mark.feature("CF7")
def test_references_to_knowledge_bases_and_surveys_are_checked(api: Api) -> None:
    cid = create_chatflow(api)["id"]
    email_survey = add_survey(api, delivery="email")
    response = api.client.patch(
        f"{URL}/{cid}/options",
        json={"csat": {"enabled": True, "survey_id": email_survey}},
        headers=api.admin_headers,
    )
    assert assert_error(response, 422, "validation_failed")["fields"] == {
        "options.csat.survey_id": "must be a survey delivered by chat"
    }
    response = api.client.patch(
        f"{URL}/{cid}/build",
        json={"knowledge_base": {"enabled": True, "knowledge_base_id": "kb_nope"}},
        headers=api.admin_headers,
    )
    assert assert_error(response, 422, "validation_failed")["fields"] == {
        "build.knowledge_base.knowledge_base_id": "no such knowledge base"
    }
    kb = add_knowledge_base(api)
    chat_survey = add_survey(api)
    assert (
        api.client.patch(
            f"{URL}/{cid}/build",
            json={"knowledge_base": {"enabled": True, "knowledge_base_id": kb}},
            headers=api.admin_headers,
        ).status_code
        == 200
    )
    assert (
        api.client.patch(
            f"{URL}/{cid}/options",
            json={"csat": {"enabled": True, "survey_id": chat_survey}},
            headers=api.admin_headers,
        ).status_code
        == 200
    )


@pytest.mark.feature("CF7")
@pytest.mark.parametrize(
    ("section", "body", "status", "code"),
    [
        ("build", b"{oops", 400, "malformed_json"),
        ("build", b"[1]", 422, "validation_failed"),
        ("build", b'{"welcome_message": 7}', 422, "validation_failed"),
        ("target", b'{"groups": "all"}', 422, "validation_failed"),
        ("options", b'{"unknown_option": true}', 422, "validation_failed"),
        ("nonsense", b"{}", 404, "not_found"),
    ],
)
def test_bad_section_edits_are_refused_and_change_nothing(
    api: Api, section: str, body: bytes, status: int, code: str
) -> None:
    chatflow = create_chatflow(api)
    response = api.client.patch(
        f"{URL}/{chatflow['id']}/{section}",
        content=body,
        headers={**api.admin_headers, "content-type": "application/json"},
    )
    assert_error(response, status, code)
    assert chatflow_row(api, chatflow["id"])["version"] == 1


@pytest.mark.feature("CF7")
def test_put_replaces_the_whole_chatflow_and_echoed_fields_are_ignored(api: Api) -> None:
    chatflow = create_chatflow(api, build={"welcome_message": "Old"})
    cid = chatflow["id"]
    whole: dict[str, Any] = {**chatflow, "name": "Renamed"}
    whole["build"] = {**chatflow["build"], "welcome_message": "New"}
    response = api.client.put(f"{URL}/{cid}", json=whole, headers=api.admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Renamed"
    assert response.json()["build"]["welcome_message"] == "New"
    assert response.json()["version"] == 2
    assert chatflow_row(api, cid)["name"] == "Renamed"
    minimal = {"name": "Bare", "workspace": chatflow["workspace"]}
    replaced = api.client.put(f"{URL}/{cid}", json=minimal, headers=api.admin_headers).json()
    assert replaced["build"]["welcome_message"] == "Hi! How can we help you?"  # product default


@pytest.mark.feature("CF7")
def test_the_id_cannot_change(api: Api) -> None:
    chatflow = create_chatflow(api)
    response = api.client.put(
        f"{URL}/{chatflow['id']}", json={**chatflow, "id": "cfl_other"}, headers=api.admin_headers
    )
    assert "id" in assert_error(response, 422, "validation_failed")["fields"]
    assert rows(api, t.chatflows, id="cfl_other") == []


@pytest.mark.feature("CF7")
def test_if_match_refuses_a_save_over_someone_elses(api: Api) -> None:
    cid = create_chatflow(api)["id"]
    first = api.client.patch(
        f"{URL}/{cid}", json={"name": "A"}, headers={**api.admin_headers, "If-Match": '"1"'}
    )
    assert first.status_code == 200
    stale = api.client.patch(
        f"{URL}/{cid}/build",
        json={"welcome_message": "B"},
        headers={**api.admin_headers, "If-Match": "1"},
    )
    assert_error(stale, 409, "conflict")
    assert chatflow_row(api, cid)["version"] == 2
    assert chatflow_row(api, cid)["settings"]["build"]["welcome_message"] != "B"
    bad = api.client.patch(
        f"{URL}/{cid}", json={"name": "C"}, headers={**api.admin_headers, "If-Match": "yesterday"}
    )
    assert_error(bad, 400, "bad_request")
    weak = api.client.patch(
        f"{URL}/{cid}", json={"name": "D"}, headers={**api.admin_headers, "If-Match": 'W/"2"'}
    )
    assert weak.status_code == 200
    star = api.client.patch(
        f"{URL}/{cid}", json={"name": "E"}, headers={**api.admin_headers, "If-Match": "*"}
    )
    assert star.json()["version"] == 4


@pytest.mark.feature("CF3")
def test_publishing_and_unpublishing(api: Api) -> None:
    cid = create_chatflow(api)["id"]
    published = api.client.post(f"{URL}/{cid}/publish", headers=api.admin_headers)
    assert published.status_code == 200
    assert published.json()["published"] is True
    assert chatflow_row(api, cid)["published"] is True
    unpublished = api.client.post(f"{URL}/{cid}/unpublish", headers=api.admin_headers)
    assert unpublished.json()["published"] is False
    assert chatflow_row(api, cid)["published"] is False
    assert unpublished.json()["version"] == 3


@pytest.mark.feature("CF3", "CF6")
def test_publishing_revalidates_references_but_switching_off_always_works(api: Api) -> None:
    agent, _ = add_agent(api, "Dee")
    cid = create_chatflow(api, build={"assignment": {"user_ids": [agent]}})["id"]
    revoke = api.client.patch(
        f"/api/v1/users/{agent}", json={"has_seat": False}, headers=api.admin_headers
    )
    assert revoke.status_code == 200, revoke.text
    response = api.client.post(f"{URL}/{cid}/publish", headers=api.admin_headers)
    assert assert_error(response, 422, "validation_failed")["fields"] == {
        "build.assignment.user_ids[0]": f"user {agent!r} has no seat"
    }
    assert chatflow_row(api, cid)["published"] is False
    assert api.client.post(f"{URL}/{cid}/unpublish", headers=api.admin_headers).status_code == 200


def test_unknown_chatflows_are_404_including_another_accounts(api: Api) -> None:
    other = other_account(api)
    theirs = add_chatflow(
        api, name="Theirs", account_id=other.account_id, workspace_id=other.inbox_id
    )
    for cid in ("cfl_nope", theirs):
        for method, path in [
            ("GET", f"{URL}/{cid}"),
            ("PUT", f"{URL}/{cid}"),
            ("PATCH", f"{URL}/{cid}"),
            ("PATCH", f"{URL}/{cid}/build"),
            ("POST", f"{URL}/{cid}/publish"),
            ("POST", f"{URL}/{cid}/unpublish"),
            ("DELETE", f"{URL}/{cid}"),
            ("GET", f"{URL}/{cid}/preview"),
        ]:
            response = api.client.request(
                method,
                path,
                json={"name": "x", "workspace": {"id": "y"}},
                headers=api.admin_headers,
            )
            assert_error(response, 404, "not_found")
    assert chatflow_row(api, theirs)["version"] == 1
    assert [c["id"] for c in api.client.get(URL, headers=api.admin_headers).json()] == []


def test_deleting_a_chatflow(api: Api) -> None:
    cid = create_chatflow(api)["id"]
    assert api.client.delete(f"{URL}/{cid}", headers=api.admin_headers).status_code == 204
    assert rows(api, t.chatflows) == []
    assert_error(api.client.get(f"{URL}/{cid}", headers=api.admin_headers), 404, "not_found")


def test_bad_list_parameters_are_422(api: Api) -> None:
    assert_error(
        api.client.get(f"{URL}?limit=0", headers=api.admin_headers), 422, "validation_failed"
    )
    assert_error(
        api.client.get(f"{URL}?offset=x", headers=api.admin_headers), 422, "validation_failed"
    )


@pytest.mark.feature("CF4")
@pytest.mark.parametrize(
    ("device", "mode"), [("desktop", "open"), ("tablet", "open"), ("mobile", "prompt")]
)
def test_preview_shows_the_widget_per_device_with_triggers_fired(
    api: Api, device: str, mode: str
) -> None:
    add_agent(api, "Eve")
    cid = create_chatflow(
        api,
        display={
            "desktop": "prompt_then_open",
            "mobile": "prompt",
            "triggers": {"exit_intent": True},
            "accent_color": "#000000",
        },
        target={
            "groups": [{"rules": [{"field": "page_url", "operator": "is", "value": "/nowhere"}]}]
        },
    )["id"]
    response = api.client.get(f"{URL}/{cid}/preview?device={device}", headers=api.admin_headers)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["display"]["mode"] == mode
    assert preview["display"]["device"] == device
    assert preview["accent_color"] == "#000000"
    assert preview["availability"]["state"] == "available"
    assert preview["texts"]["widget.send"] == "Send"
    assert "visitor" not in preview and "cookies" not in preview
    assert rows(api, t.visitors) == []


@pytest.mark.feature("CF4")
def test_preview_refuses_an_unknown_device(api: Api) -> None:
    cid = create_chatflow(api)["id"]
    response = api.client.get(f"{URL}/{cid}/preview?device=watch", headers=api.admin_headers)
    assert assert_error(response, 422, "validation_failed")["fields"] == {
        "device": "must be desktop, tablet or mobile"
    }


def test_the_openapi_document_describes_the_chatflow_endpoints(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert set(paths["/api/v1/chatflows/{chatflow_id}"]) == {"get", "put", "patch", "delete"}
    for section in ("build", "target", "display", "options"):
        assert "patch" in paths[f"/api/v1/chatflows/{{chatflow_id}}/{section}"]
    assert "post" in paths["/widget/v1/{account_id}/config"]


@pytest.mark.feature("CF7")
def test_every_chatflow_section_has_a_typed_schema_from_the_settings_model(api: Api) -> None:
    """No section is an untyped object: each is the schema generated from the domain's
    dataclasses, and a section edit's body is that section's merge-patch form."""
    from jsonschema import Draft202012Validator

    document = api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    out = schemas["ChatflowOut"]["properties"]
    for section, name in (
        ("build", "BuildSettings"),
        ("target", "TargetSettings"),
        ("display", "DisplaySettings"),
        ("options", "OptionsSettings"),
    ):
        assert out[section] == {
            "allOf": [{"$ref": f"#/components/schemas/{name}"}],
            "title": section.title(),
        }
        assert schemas[name]["additionalProperties"] is False
        body = document["paths"][f"/api/v1/chatflows/{{chatflow_id}}/{section}"]["patch"]
        schema = body["requestBody"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": f"#/components/schemas/{name}Patch"}
    # A chatflow as the API returns it validates against its own documented schema.
    created = api.client.post(
        URL,
        headers=api.admin_headers,
        json={"name": "Typed", "workspace": {"kind": "inbox", "id": api.account.inbox_id}},
    ).json()
    validator = Draft202012Validator({**schemas["ChatflowOut"], "components": {"schemas": schemas}})
    assert list(validator.iter_errors(created)) == []
    assert schemas["AccountOut"]["properties"]["widget_defaults"]["allOf"] == [
        {"$ref": "#/components/schemas/AccountDefaults"}
    ]
