"""Customer satisfaction surveys (OP7): CRUD, answers with their summary, permissions, bad
input, and protecting a survey that a chatflow's CSAT option uses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reference_server.secrets import new_id
from reference_server.store import schema as t

from .conftest import JSON, START, Api
from .scene import (
    add_agent,
    add_conversations,
    add_survey,
    create_chatflow,
    other_account,
    rows,
    run_db,
)
from .test_basics import assert_error

URL = "/api/v1/surveys"


def answer(api: Api, survey_id: str, rating: int, comment: str = "", minutes: int = 0) -> None:
    """A closed conversation with a CSAT answer, as the widget's CSAT endpoint writes it."""
    add_conversations(api, api.account.admin_id, 1, status="closed")
    taken = {row["conversation_id"] for row in rows(api, t.survey_answers)}
    conversation_id = next(
        row["id"] for row in rows(api, t.conversations) if row["id"] not in taken
    )

    async def work(db):  # type: ignore[no-untyped-def]
        await db.execute(
            t.survey_answers.insert().values(
                id=new_id("ans"),
                survey_id=survey_id,
                conversation_id=conversation_id,
                rating=rating,
                comment=comment,
                created_at=START + timedelta(minutes=minutes),
            )
        )

    run_db(api, work)


@pytest.mark.feature("OP7")
def test_surveys_are_created_listed_read_changed_and_deleted(api: Api) -> None:
    created = api.client.post(
        URL,
        json={"name": "CSAT", "delivery": "chat", "question": "How did we do?"},
        headers=api.admin_headers,
    )
    assert created.status_code == 201, created.text
    survey = created.json()
    assert survey["id"].startswith("srv_") and survey["delivery"] == "chat"
    assert api.client.get(URL, headers=api.admin_headers).json() == [survey]
    assert api.client.get(f"{URL}/{survey['id']}", headers=api.admin_headers).json() == survey
    changed = api.client.patch(
        f"{URL}/{survey['id']}", json={"question": "Rate us"}, headers=api.admin_headers
    )
    assert changed.json()["question"] == "Rate us" and changed.json()["name"] == "CSAT"
    email = api.client.patch(
        f"{URL}/{survey['id']}", json={"delivery": "email"}, headers=api.admin_headers
    )
    assert email.json()["delivery"] == "email"
    assert api.client.delete(f"{URL}/{survey['id']}", headers=api.admin_headers).status_code == 204
    assert rows(api, t.surveys) == []


@pytest.mark.feature("OP7")
def test_answers_come_newest_first_with_count_and_mean_rating(api: Api) -> None:
    survey = add_survey(api)
    empty = api.client.get(f"{URL}/{survey}/answers", headers=api.admin_headers).json()
    assert (empty["count"], empty["average_rating"], empty["answers"]) == (0, None, [])
    answer(api, survey, 5, "great", minutes=1)
    answer(api, survey, 2, "slow", minutes=2)
    answer(api, survey, 4, minutes=3)
    _, agent = add_agent(api, "Ada")
    response = api.client.get(f"{URL}/{survey}/answers", headers=agent)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["survey"]["id"] == survey
    assert body["count"] == 3
    assert body["average_rating"] == pytest.approx(3.67)
    assert [a["rating"] for a in body["answers"]] == [4, 2, 5]
    assert body["answers"][1]["comment"] == "slow"
    page = api.client.get(f"{URL}/{survey}/answers?limit=1&offset=1", headers=agent).json()
    assert [a["rating"] for a in page["answers"]] == [2]
    assert page["count"] == 3


@pytest.mark.feature("OP7")
def test_deleting_a_survey_removes_its_answers(api: Api) -> None:
    survey = add_survey(api)
    answer(api, survey, 3)
    assert api.client.delete(f"{URL}/{survey}", headers=api.admin_headers).status_code == 204
    assert rows(api, t.survey_answers) == []


@pytest.mark.feature("OP7")
def test_a_survey_a_chatflow_uses_cannot_be_deleted_or_moved_to_email(api: Api) -> None:
    survey = add_survey(api)
    create_chatflow(api, "Sales", options={"csat": {"enabled": True, "survey_id": survey}})
    error = assert_error(
        api.client.delete(f"{URL}/{survey}", headers=api.admin_headers), 409, "conflict"
    )
    assert "Sales" in error["message"]
    moved = api.client.patch(
        f"{URL}/{survey}", json={"delivery": "email"}, headers=api.admin_headers
    )
    assert_error(moved, 409, "conflict")
    assert rows(api, t.surveys)[0]["delivery"] == "chat"
    renamed = api.client.patch(
        f"{URL}/{survey}", json={"name": "New name"}, headers=api.admin_headers
    )
    assert renamed.status_code == 200


@pytest.mark.feature("OP7", "CF6")
def test_agents_read_surveys_but_only_the_chatflows_permission_writes(api: Api) -> None:
    survey = add_survey(api)
    _, agent = add_agent(api, "Ada")
    assert api.client.get(URL, headers=agent).status_code == 200
    assert api.client.get(f"{URL}/{survey}", headers=agent).status_code == 200
    body = {"name": "x", "question": "y"}
    assert_error(api.client.post(URL, json=body, headers=agent), 403, "forbidden")
    assert_error(api.client.patch(f"{URL}/{survey}", json=body, headers=agent), 403, "forbidden")
    assert_error(api.client.delete(f"{URL}/{survey}", headers=agent), 403, "forbidden")
    assert [row["name"] for row in rows(api, t.surveys)] == ["CSAT"]
    for method, path in [
        ("GET", URL),
        ("POST", URL),
        ("GET", f"{URL}/{survey}"),
        ("GET", f"{URL}/{survey}/answers"),
    ]:
        assert_error(api.client.request(method, path), 401, "unauthorized")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "question": "q"},
        {"name": "n", "question": ""},
        {"name": "n", "question": "q", "delivery": "pigeon"},
        {"name": "n", "question": "q" * 501},
        {"name": "n", "question": "q", "extra": True},
        {"name": None, "question": "q"},
        {"name": ["n"], "question": "q"},
    ],
)
def test_bad_survey_input_is_422_and_changes_nothing(api: Api, body: dict) -> None:  # type: ignore[type-arg]
    survey = add_survey(api)
    before = rows(api, t.surveys)
    assert_error(
        api.client.post(URL, json=body, headers=api.admin_headers), 422, "validation_failed"
    )
    assert_error(
        api.client.patch(f"{URL}/{survey}", json=body, headers=api.admin_headers),
        422,
        "validation_failed",
    )
    assert rows(api, t.surveys) == before


def test_malformed_and_oversize_survey_bodies_are_refused(api: Api) -> None:
    headers = {**api.admin_headers, "content-type": "application/json"}
    assert_error(
        api.client.post(URL, content=b"{x", headers={**headers, **JSON}), 400, "malformed_json"
    )
    big = api.client.post(
        URL, json={"name": "n", "question": "q" * 300_000}, headers=api.admin_headers
    )
    assert_error(big, 413, "payload_too_large")
    assert rows(api, t.surveys) == []


def test_unknown_and_foreign_surveys_are_404(api: Api) -> None:
    other = other_account(api).account_id

    async def work(db):  # type: ignore[no-untyped-def]
        await db.execute(
            t.surveys.insert().values(
                id="srv_theirs",
                account_id=other,
                name="Theirs",
                delivery="chat",
                question="?",
                created_at=START,
            )
        )

    run_db(api, work)
    for survey in ("srv_nope", "srv_theirs"):
        for method, path in [
            ("GET", f"{URL}/{survey}"),
            ("PATCH", f"{URL}/{survey}"),
            ("DELETE", f"{URL}/{survey}"),
            ("GET", f"{URL}/{survey}/answers"),
        ]:
            response = api.client.request(method, path, json={}, headers=api.admin_headers)
            assert_error(response, 404, "not_found")
    assert len(rows(api, t.surveys)) == 1
