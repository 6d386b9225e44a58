"""The inbox's server side (CV2, RT6): the actions each agent is offered (the domain's
decision, and the server refuses the rest alike), view counts, unread counts and previews,
sorting by waiting time, a contact's earlier conversations, transfer to a team, internal
notes and canned replies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reference_server.domain.chatflow import AssignmentSettings
from reference_server.domain.conversation import ConversationStatus
from reference_server.domain.inbox import agent_actions

from .conftest import Api
from .scene import add_agent, add_chatflow, add_contact, add_team, add_user, add_visitor, say, start
from .test_basics import assert_error

OFF = AssignmentSettings(enabled=False)
URL = "/api/v1/conversations"


@pytest.fixture
def scene(api: Api) -> dict[str, Any]:
    sales = add_team(api, "Sales")
    ann_id, ann = add_agent(api, "Ann", capacity=2, team_ids=[sales])
    bob_id, bob = add_agent(api, "Bob", capacity=2, team_ids=[sales])
    return {
        "sales": sales,
        "ann_id": ann_id,
        "ann": ann,
        "bob_id": bob_id,
        "bob": bob,
        "to_ann": add_chatflow(api, assignment=AssignmentSettings(user_ids=(ann_id,))),
        "manual": add_chatflow(api, assignment=OFF),
    }


def _new(api: Api, chatflow_id: str, text: str | None = None) -> tuple[str, dict[str, str]]:
    visitor = add_visitor(api)
    body: dict[str, Any] = {}
    if text is not None:
        body["message"] = {"client_id": "first", "text": text}
    chat: str = start(api, visitor, chatflow_id, **body)["conversation"]["id"]
    return chat, visitor


def _row(api: Api, headers: dict[str, str], chat: str, view: str = "all") -> dict[str, Any]:
    response = api.client.get(f"{URL}?view={view}", headers=headers)
    assert response.status_code == 200, response.text
    return next(row for row in response.json() if row["id"] == chat)


@pytest.mark.feature("CV2", "RT6")
def test_each_agent_is_offered_what_the_domain_allows_them(api: Api, scene: dict) -> None:
    held, _ = _new(api, scene["to_ann"])
    waiting, _ = _new(api, scene["manual"])
    for who, headers in (("ann_id", scene["ann"]), ("bob_id", scene["bob"])):
        for chat, status, holder in (
            (held, ConversationStatus.ASSIGNED, scene["ann_id"]),
            (waiting, ConversationStatus.UNASSIGNED, None),
        ):
            expected = agent_actions(status, holder, scene[who], supervisor=False)
            row = _row(api, headers, chat)
            detail = api.client.get(f"{URL}/{chat}", headers=headers).json()
            assert set(row["actions"]) == set(detail["actions"]) == expected
    # Bob is not offered Claim on Ann's conversation, and the server refuses it alike.
    assert "claim" not in _row(api, scene["bob"], held)["actions"]
    claim = api.client.post(
        f"{URL}/{held}/assign", headers=scene["bob"], json={"user_id": scene["bob_id"]}
    )
    assert_error(claim, 409, "invalid_transition")


@pytest.mark.feature("RT6")
def test_only_the_holder_or_a_supervisor_transfers_a_conversation(api: Api, scene: dict) -> None:
    held, _ = _new(api, scene["to_ann"])
    refused = api.client.post(
        f"{URL}/{held}/transfer", headers=scene["bob"], json={"user_id": scene["bob_id"]}
    )
    assert_error(refused, 403, "forbidden")
    assert "transfer" not in _row(api, scene["bob"], held)["actions"]
    assert "transfer" in _row(api, api.admin_headers, held)["actions"]
    moved = api.client.post(
        f"{URL}/{held}/transfer", headers=api.admin_headers, json={"user_id": scene["bob_id"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee_id"] == scene["bob_id"]
    assert moved.json()["actions"] == ["reply", "note", "transfer", "close"]


@pytest.mark.feature("RT6", "AV8")
def test_a_transfer_to_a_team_goes_to_a_member_with_room(api: Api, scene: dict) -> None:
    held, _ = _new(api, scene["to_ann"])
    moved = api.client.post(
        f"{URL}/{held}/transfer", headers=scene["ann"], json={"team_id": scene["sales"]}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["assignee_id"] == scene["bob_id"]  # never back to Ann
    # Bob cannot pass it to the team again: Ann is the only other member, and she is away.
    api.client.put(
        f"/api/v1/users/{scene['ann_id']}/status", headers=scene["ann"], json={"status": "away"}
    )
    nobody = api.client.post(
        f"{URL}/{held}/transfer", headers=scene["bob"], json={"team_id": scene["sales"]}
    )
    assert_error(nobody, 409, "at_capacity")
    for body in ({}, {"user_id": scene["ann_id"], "team_id": scene["sales"]}):
        bad = api.client.post(f"{URL}/{held}/transfer", headers=scene["bob"], json=body)
        assert_error(bad, 422, "validation_failed")
    unknown = api.client.post(
        f"{URL}/{held}/transfer", headers=scene["bob"], json={"team_id": "tem_nope"}
    )
    assert_error(unknown, 422, "validation_failed")
    assert _row(api, scene["bob"], held)["assignee_id"] == scene["bob_id"]


@pytest.mark.feature("CV2")
def test_views_are_counted_and_rows_carry_unread_counts_and_a_preview(
    api: Api, scene: dict
) -> None:
    held, visitor = _new(api, scene["to_ann"], "Hello there")
    _new(api, scene["manual"], "Anyone?")
    api.clock.advance(timedelta(seconds=30))
    say(api, visitor, held, "Are you there?")
    row = _row(api, scene["ann"], held, "mine")
    assert row["unread_count"] == 2
    assert row["last_message"]["text"] == "Are you there?"
    assert row["last_message"]["sender_kind"] == "visitor"
    counts = api.client.get(f"{URL}/counts", headers=scene["ann"]).json()
    assert counts == {"unassigned": 1, "mine": 1, "all": 2, "closed": 0}
    assert api.client.get(f"{URL}/counts", headers=scene["bob"]).json()["mine"] == 0
    read = api.client.post(f"{URL}/{held}/read", headers=scene["ann"], json={"up_to_sequence": 2})
    assert read.status_code == 200, read.text
    assert _row(api, scene["ann"], held, "mine")["unread_count"] == 0


@pytest.mark.feature("CV2", "RT5")
def test_the_longest_waiting_conversation_can_be_listed_first(api: Api, scene: dict) -> None:
    first, _ = _new(api, scene["manual"])
    api.clock.advance(timedelta(minutes=2))
    _new(api, scene["to_ann"])
    api.clock.advance(timedelta(minutes=2))
    last, _ = _new(api, scene["manual"])
    waiting = api.client.get(f"{URL}?view=all&sort=waiting", headers=scene["ann"]).json()
    assert [row["id"] for row in waiting][:2] == [first, last]
    newest = api.client.get(f"{URL}?view=all", headers=scene["ann"]).json()
    assert newest[0]["id"] == last
    bad = api.client.get(f"{URL}?sort=loudest", headers=scene["ann"])
    assert_error(bad, 422, "validation_failed")


@pytest.mark.feature("CV2")
def test_a_conversation_lists_the_contacts_earlier_conversations(api: Api, scene: dict) -> None:
    contact = add_contact(api, "kari@example.com")
    earlier = start(api, add_visitor(api, contact_id=contact), scene["manual"])
    api.client.post(f"{URL}/{earlier['conversation']['id']}/close", headers=scene["ann"])
    api.clock.advance(timedelta(hours=2))
    now = start(api, add_visitor(api, contact_id=contact), scene["manual"])
    stranger, _ = _new(api, scene["manual"])
    detail = api.client.get(f"{URL}/{now['conversation']['id']}", headers=scene["ann"]).json()
    assert [c["id"] for c in detail["earlier_conversations"]] == [earlier["conversation"]["id"]]
    assert detail["earlier_conversations"][0]["status"] == "closed"
    alone = api.client.get(f"{URL}/{stranger}", headers=scene["ann"]).json()
    assert alone["earlier_conversations"] == []


@pytest.mark.feature("CV2")
def test_notes_are_for_agents_and_never_reach_the_visitor(api: Api, scene: dict) -> None:
    held, visitor = _new(api, scene["to_ann"], "Hi")
    added = api.client.post(
        f"{URL}/{held}/notes", headers=scene["bob"], json={"text": "VIP customer, be quick"}
    )
    assert added.status_code == 201, added.text
    assert added.json()["author_id"] == scene["bob_id"]
    notes = api.client.get(f"{URL}/{held}/notes", headers=scene["ann"]).json()
    assert [n["text"] for n in notes] == ["VIP customer, be quick"]
    seen = api.client.get(
        f"/widget/v1/{api.account.account_id}/conversations/{held}/messages", headers=visitor
    ).json()
    assert all("VIP" not in message["text"] for message in seen)
    for text in ("   ", "x" * 5001):
        bad = api.client.post(f"{URL}/{held}/notes", headers=scene["ann"], json={"text": text})
        assert_error(bad, 422, "validation_failed")
    by_key = api.client.post(f"{URL}/{held}/notes", headers=api.key_headers, json={"text": "x"})
    assert_error(by_key, 403, "forbidden")
    assert len(api.client.get(f"{URL}/{held}/notes", headers=api.key_headers).json()) == 1


@pytest.mark.feature("CV2")
def test_canned_replies_are_kept_per_account_with_unique_shortcuts(api: Api, scene: dict) -> None:
    url = "/api/v1/canned-replies"
    body = {"shortcut": "Shipping", "title": "Shipping times", "text": "One to three days."}
    created = api.client.post(url, headers=api.admin_headers, json=body)
    assert created.status_code == 201, created.text
    reply = created.json()
    assert reply["shortcut"] == "shipping"  # shortcuts are typed in lower case
    again = api.client.post(url, headers=api.admin_headers, json={**body, "title": "Other"})
    assert_error(again, 409, "conflict")
    listed = api.client.get(url, headers=scene["ann"]).json()
    assert [r["shortcut"] for r in listed] == ["shipping"]
    refused = api.client.post(url, headers=scene["ann"], json={**body, "shortcut": "mine"})
    assert_error(refused, 403, "forbidden")
    for bad in ({**body, "shortcut": "two words"}, {**body, "text": ""}, {**body, "extra": 1}):
        assert_error(
            api.client.post(url, headers=api.admin_headers, json=bad), 422, "validation_failed"
        )
    changed = api.client.patch(
        f"{url}/{reply['id']}", headers=api.admin_headers, json={"text": "Two days."}
    )
    assert changed.status_code == 200 and changed.json()["text"] == "Two days."
    other = api.client.post(url, headers=api.admin_headers, json={**body, "shortcut": "returns"})
    clash = api.client.patch(
        f"{url}/{other.json()['id']}", headers=api.admin_headers, json={"shortcut": "shipping"}
    )
    assert_error(clash, 409, "conflict")
    null = api.client.patch(f"{url}/{reply['id']}", headers=api.admin_headers, json={"text": None})
    assert_error(null, 422, "validation_failed")
    assert api.client.get(f"{url}/{reply['id']}", headers=scene["ann"]).json()["text"] == (
        "Two days."
    )
    gone = api.client.delete(f"{url}/{reply['id']}", headers=api.admin_headers)
    assert gone.status_code == 204
    assert_error(api.client.get(f"{url}/{reply['id']}", headers=scene["ann"]), 404, "not_found")
    assert_error(
        api.client.delete(f"{url}/{reply['id']}", headers=api.admin_headers), 404, "not_found"
    )


@pytest.mark.feature("CV2")
def test_a_users_manager_supervises_in_the_inbox(api: Api, scene: dict) -> None:
    _, manager = add_user(api, "lead@acme.test", permissions=["users"])
    held, _ = _new(api, scene["to_ann"])
    assert "transfer" in _row(api, manager, held)["actions"]
