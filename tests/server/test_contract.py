"""SE9: smaller contract defects — what the API says and does must agree.

Two agents' client ids never clash; PATCH and PUT refuse the priority POST refuses; links
cannot be ``javascript:`` or another site's ``//host``; a 405 says what is allowed; ``0`` is
not a boolean. The OpenAPI document itself is checked whole by ``test_schemathesis.py``.
"""

from __future__ import annotations

import pytest

from reference_server.store import schema as t

from .conftest import Api
from .scene import add_agent, add_chatflow, add_visitor, create_chatflow, rows, start
from .test_basics import assert_error

pytestmark = pytest.mark.feature("SE9")


@pytest.mark.feature("CV1")
def test_two_agents_may_use_the_same_client_id_in_one_conversation(api: Api) -> None:
    _, ann = add_agent(api, "Ann")
    _, bob = add_agent(api, "Bob")
    chat = start(api, add_visitor(api), add_chatflow(api))["conversation"]["id"]
    url = f"/api/v1/conversations/{chat}/messages"
    for agent, text in ((ann, "Hi from Ann"), (bob, "Hi from Bob")):
        sent = api.client.post(url, headers=agent, json={"client_id": "m1", "text": text})
        assert sent.status_code == 201, sent.text
    again = api.client.post(url, headers=ann, json={"client_id": "m1", "text": "Hi from Ann"})
    assert again.status_code == 200  # Ann's own resend is still a resend
    assert [m["text"] for m in rows(api, t.messages)] == ["Hi from Ann", "Hi from Bob"]


@pytest.mark.feature("CF1", "CF7")
@pytest.mark.parametrize("priority", [-1, 1_000_001])
def test_every_way_of_saving_a_chatflow_refuses_a_bad_priority(api: Api, priority: int) -> None:
    chatflow = create_chatflow(api)
    url = f"/api/v1/chatflows/{chatflow['id']}"
    post = api.client.post(
        "/api/v1/chatflows",
        headers=api.admin_headers,
        json={"name": "x", "workspace": chatflow["workspace"], "priority": priority},
    )
    patch = api.client.patch(url, headers=api.admin_headers, json={"priority": priority})
    whole = {k: chatflow[k] for k in ("name", "workspace", "build", "target", "display")}
    put = api.client.put(
        url,
        headers=api.admin_headers,
        json={**whole, "options": chatflow["options"], "priority": priority},
    )
    for response in (post, patch, put):
        assert "priority" in assert_error(response, 422, "validation_failed")["fields"]
    assert [row["priority"] for row in rows(api, t.chatflows)] == [chatflow["priority"]]


@pytest.mark.feature("BD3")
@pytest.mark.parametrize(
    "avatar", ["//evil.example/me.png", "/\\evil.example/me.png", "javascript:alert(1)"]
)
def test_avatars_are_web_addresses_or_paths_on_this_server(api: Api, avatar: str) -> None:
    created = api.client.post(
        "/api/v1/users",
        headers=api.admin_headers,
        json={
            "email": "k@acme.test",
            "name": "K",
            "password": "a long password",
            "avatar_url": avatar,
        },
    )
    assert "avatar_url" in assert_error(created, 422, "validation_failed")["fields"]
    team = api.client.post(
        "/api/v1/teams", headers=api.admin_headers, json={"name": "T", "avatar_url": avatar}
    )
    assert "avatar_url" in assert_error(team, 422, "validation_failed")["fields"]


@pytest.mark.feature("OP4")
def test_a_javascript_privacy_policy_link_is_refused(api: Api) -> None:
    chatflow = create_chatflow(api)
    response = api.client.patch(
        f"/api/v1/chatflows/{chatflow['id']}/options",
        headers=api.admin_headers,
        json={
            "data_processing_consent": {"privacy_policy_url": "javascript:alert(document.cookie)"}
        },
    )
    fields = assert_error(response, 422, "validation_failed")["fields"]
    assert "options.data_processing_consent.privacy_policy_url" in fields


def test_a_wrong_method_says_which_are_allowed(api: Api) -> None:
    response = api.client.delete("/api/v1/auth/login")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize("value", [0, 1, "true", "yes"])
def test_only_true_and_false_are_booleans(api: Api, value: object) -> None:
    response = api.client.post(
        "/api/v1/inboxes", headers=api.admin_headers, json={"name": "Mail", "chat_channel": value}
    )
    assert "chat_channel" in assert_error(response, 422, "validation_failed")["fields"]
    assert [row["name"] for row in rows(api, t.inboxes)] == ["Chat inbox"]


# ---------------------------------------------------------------- the OpenAPI document


def _document(api: Api) -> dict:
    return dict(api.client.get("/openapi.json").json())


def _refs(value: object) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if isinstance(value.get("$ref"), str) else []
        return found + [ref for item in value.values() for ref in _refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _refs(item)]
    return []


def test_every_schema_the_document_refers_to_is_in_it(api: Api) -> None:
    document = _document(api)
    names = set(document["components"]["schemas"])
    missing = {ref for ref in _refs(document) if ref.split("/")[-1] not in names}
    assert missing == set()


def test_query_parameters_have_their_types(api: Api) -> None:
    document = _document(api)
    typed = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    typed[(method, path, parameter["name"])] = parameter["schema"]
    numbers = {key: schema for key, schema in typed.items() if key[2] in ("limit", "offset")}
    assert numbers and all(schema["type"] == "integer" for schema in numbers.values())
    assert typed[("get", "/api/v1/conversations", "limit")]["maximum"] == 200  # as the code
    assert typed[("get", "/api/v1/conversations", "view")]["enum"] == [
        "unassigned",
        "mine",
        "all",
        "closed",
    ]


def test_patch_schemas_allow_null_only_where_the_server_takes_it(api: Api) -> None:
    patch = _document(api)["components"]["schemas"]["UserPatch"]["properties"]
    assert "null" not in str(patch["email"]) and "null" not in str(patch["has_seat"])
    assert {"type": "null"} in patch["capacity"]["anyOf"]  # null: no capacity limit


def test_every_answer_is_documented_with_its_media_type(api: Api) -> None:
    paths = _document(api)["paths"]
    config = paths["/widget/v1/{account_id}/config"]["post"]["responses"]
    assert "204" in config and "429" in config
    assert config["429"]["headers"]["Retry-After"]
    transcript = paths["/api/v1/conversations/{conversation_id}/transcript"]["get"]
    assert set(transcript["responses"]["200"]["content"]) == {"application/json", "text/plain"}
    start = paths["/widget/v1/{account_id}/conversations"]["post"]["responses"]
    assert {"200", "201"} <= set(start)  # 200: a start resent
    assert "415" in paths["/api/v1/users"]["post"]["responses"]
