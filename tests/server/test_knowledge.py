"""Knowledge bases and articles (BD5): CRUD, search ranking through the API, permissions,
bad input, and refusing to delete a knowledge base a chatflow shows."""

from __future__ import annotations

import pytest

from reference_server.store import schema as t

from .conftest import Api
from .scene import add_agent, add_knowledge_base, create_chatflow, other_account, rows, run_db
from .test_basics import assert_error

URL = "/api/v1/knowledge-bases"
ARTICLES = (
    ("Reset your password", "Open the log-in page and choose 'Forgot password'."),
    ("Billing", "Invoices are due within 14 days. Change the password on the billing page."),
    ("Bytte passord", "Gå til Innstillinger og velg «Bytt passord»."),
)


@pytest.mark.feature("BD5")
def test_knowledge_bases_are_created_listed_read_renamed_and_deleted(api: Api) -> None:
    created = api.client.post(URL, json={"name": "Help"}, headers=api.admin_headers)
    assert created.status_code == 201, created.text
    kb = created.json()
    assert kb["id"].startswith("kb_") and kb["name"] == "Help" and kb["article_count"] == 0
    assert api.client.get(URL, headers=api.admin_headers).json() == [kb]
    assert api.client.get(f"{URL}/{kb['id']}", headers=api.admin_headers).json() == kb
    renamed = api.client.patch(f"{URL}/{kb['id']}", json={"name": "FAQ"}, headers=api.admin_headers)
    assert renamed.json()["name"] == "FAQ"
    unchanged = api.client.patch(f"{URL}/{kb['id']}", json={}, headers=api.admin_headers)
    assert unchanged.json()["name"] == "FAQ"
    assert api.client.delete(f"{URL}/{kb['id']}", headers=api.admin_headers).status_code == 204
    assert rows(api, t.knowledge_bases) == []


@pytest.mark.feature("BD5")
def test_articles_are_written_read_changed_and_deleted(api: Api) -> None:
    kb = add_knowledge_base(api)
    base = f"{URL}/{kb}/articles"
    created = api.client.post(
        base,
        json={"title": "Shipping", "body": "Two days.", "category": "Orders"},
        headers=api.admin_headers,
    )
    assert created.status_code == 201, created.text
    article = created.json()
    assert article["knowledge_base_id"] == kb and article["category"] == "Orders"
    assert api.client.get(base, headers=api.admin_headers).json() == [article]
    assert api.client.get(f"{URL}/{kb}", headers=api.admin_headers).json()["article_count"] == 1
    path = f"{base}/{article['id']}"
    assert api.client.get(path, headers=api.admin_headers).json() == article
    changed = api.client.patch(path, json={"body": "One day."}, headers=api.admin_headers)
    assert changed.json()["body"] == "One day." and changed.json()["title"] == "Shipping"
    assert api.client.delete(path, headers=api.admin_headers).status_code == 204
    assert rows(api, t.articles) == []
    assert_error(api.client.delete(path, headers=api.admin_headers), 404, "not_found")


@pytest.mark.feature("BD5")
def test_deleting_a_knowledge_base_removes_its_articles(api: Api) -> None:
    kb = add_knowledge_base(api, ARTICLES)
    assert len(rows(api, t.articles)) == 3
    assert api.client.delete(f"{URL}/{kb}", headers=api.admin_headers).status_code == 204
    assert rows(api, t.articles) == []


@pytest.mark.feature("BD5")
def test_search_ranks_title_hits_first_and_matches_prefixes_and_accents(api: Api) -> None:
    # (The questions visitors ask, with their typos, are in test_help_search.py.)
    kb = add_knowledge_base(api, ARTICLES)
    _, agent = add_agent(api, "Ada")
    response = api.client.get(f"{URL}/{kb}/search?q=passw", headers=agent)
    assert response.status_code == 200, response.text
    hits = response.json()
    assert [hit["title"] for hit in hits] == ["Reset your password", "Billing"]
    every = api.client.get(f"{URL}/{kb}/search?q=pass", headers=agent).json()
    assert [hit["title"] for hit in every] == ["Bytte passord", "Reset your password", "Billing"]
    assert "password" in hits[1]["snippet"]
    assert hits[0]["score"] > hits[1]["score"]
    norsk = api.client.get(f"{URL}/{kb}/search", params={"q": "BYTTE PÅSSORD"}, headers=agent)
    assert [hit["title"] for hit in norsk.json()] == ["Bytte passord"]
    both = api.client.get(f"{URL}/{kb}/search?q=billing+password", headers=agent)
    assert both.json()[0]["title"] == "Billing"  # ranked first: both words match
    assert api.client.get(f"{URL}/{kb}/search?q=passw&limit=1", headers=agent).json() == hits[:1]


@pytest.mark.feature("BD5")
@pytest.mark.parametrize("query", ["", "q=", "q=%20%20", "q=" + "x" * 201, "q=a&limit=0"])
def test_a_bad_search_query_is_422(api: Api, query: str) -> None:
    kb = add_knowledge_base(api)
    response = api.client.get(f"{URL}/{kb}/search?{query}", headers=api.admin_headers)
    assert_error(response, 422, "validation_failed")


@pytest.mark.feature("BD5", "CF6")
def test_agents_read_and_search_but_only_the_chatflows_permission_writes(api: Api) -> None:
    kb = add_knowledge_base(api, ARTICLES[:1])
    (article,) = rows(api, t.articles)
    _, agent = add_agent(api, "Ada")
    assert api.client.get(URL, headers=agent).status_code == 200
    assert api.client.get(f"{URL}/{kb}/articles", headers=agent).status_code == 200
    for method, path in [
        ("POST", URL),
        ("PATCH", f"{URL}/{kb}"),
        ("DELETE", f"{URL}/{kb}"),
        ("POST", f"{URL}/{kb}/articles"),
        ("PATCH", f"{URL}/{kb}/articles/{article['id']}"),
        ("DELETE", f"{URL}/{kb}/articles/{article['id']}"),
    ]:
        response = api.client.request(
            method, path, json={"name": "x", "title": "x", "body": "x"}, headers=agent
        )
        assert_error(response, 403, "forbidden")
    assert rows(api, t.articles) == [article]
    assert [kb_row["name"] for kb_row in rows(api, t.knowledge_bases)] == ["Help"]
    _, editor = add_agent(api, "Ed", permissions=("chatflows",))
    assert api.client.post(URL, json={"name": "Ed's"}, headers=editor).status_code == 201


def test_knowledge_base_endpoints_need_credentials(api: Api) -> None:
    kb = add_knowledge_base(api)
    for method, path in [
        ("GET", URL),
        ("POST", URL),
        ("GET", f"{URL}/{kb}"),
        ("GET", f"{URL}/{kb}/search?q=a"),
        ("GET", f"{URL}/{kb}/articles"),
    ]:
        assert_error(api.client.request(method, path), 401, "unauthorized")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{", 400, "malformed_json"),
        (b'{"name": ""}', 422, "validation_failed"),
        (b'{"name": 3}', 422, "validation_failed"),
        (b'{"name": "x", "owner": 1}', 422, "validation_failed"),
        (b'{"name": "' + b"x" * 201 + b'"}', 422, "validation_failed"),
    ],
)
def test_bad_knowledge_base_input_changes_nothing(
    api: Api, body: bytes, status: int, code: str
) -> None:
    kb = add_knowledge_base(api)
    headers = {**api.admin_headers, "content-type": "application/json"}
    assert_error(api.client.post(URL, content=body, headers=headers), status, code)
    assert_error(api.client.patch(f"{URL}/{kb}", content=body, headers=headers), status, code)
    assert [row["name"] for row in rows(api, t.knowledge_bases)] == ["Help"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "body": "b"}, "title"),
        ({"title": "t"}, "body"),
        ({"title": "t", "body": "b", "category": "c" * 201}, "category"),
        ({"title": "t", "body": "x" * 100_001}, "body"),
        ({"title": None, "body": "b"}, "title"),
    ],
)
def test_bad_article_input_names_the_field_and_changes_nothing(
    api: Api,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    kb = add_knowledge_base(api, ARTICLES[:1])
    (before,) = rows(api, t.articles)
    base = f"{URL}/{kb}/articles"
    fields = assert_error(
        api.client.post(base, json=body, headers=api.admin_headers), 422, "validation_failed"
    )["fields"]
    assert field in fields
    patched = api.client.patch(
        f"{base}/{before['id']}",
        json={field: body.get(field, 5) or None},
        headers=api.admin_headers,
    )
    assert_error(patched, 422, "validation_failed")
    assert rows(api, t.articles) == [before]


def test_an_oversize_article_body_is_413(api: Api) -> None:
    kb = add_knowledge_base(api)
    response = api.client.post(
        f"{URL}/{kb}/articles",
        json={"title": "t", "body": "x" * 300_000},
        headers=api.admin_headers,
    )
    assert_error(response, 413, "payload_too_large")
    assert rows(api, t.articles) == []


def test_unknown_and_foreign_knowledge_bases_and_articles_are_404(api: Api) -> None:
    other = other_account(api).account_id

    async def foreign_kb(db):  # type: ignore[no-untyped-def]
        from .conftest import START

        await db.execute(
            t.knowledge_bases.insert().values(
                id="kb_theirs", account_id=other, name="Theirs", created_at=START
            )
        )
        await db.execute(
            t.articles.insert().values(
                id="art_theirs",
                knowledge_base_id="kb_theirs",
                title="Secret",
                body="Secret",
                created_at=START,
            )
        )

    run_db(api, foreign_kb)
    mine = add_knowledge_base(api)
    for kb, article in [("kb_nope", "art_nope"), ("kb_theirs", "art_theirs"), (mine, "art_theirs")]:
        for method, path in [
            ("GET", f"{URL}/{kb}"),
            ("PATCH", f"{URL}/{kb}"),
            ("DELETE", f"{URL}/{kb}"),
            ("GET", f"{URL}/{kb}/search?q=secret"),
            ("GET", f"{URL}/{kb}/articles/{article}"),
            ("PATCH", f"{URL}/{kb}/articles/{article}"),
            ("DELETE", f"{URL}/{kb}/articles/{article}"),
        ]:
            if kb == mine and "articles" not in path:
                continue
            response = api.client.request(method, path, json={}, headers=api.admin_headers)
            assert_error(response, 404, "not_found")
        if kb != mine:
            response = api.client.get(f"{URL}/{kb}/articles", headers=api.admin_headers)
            assert_error(response, 404, "not_found")
            response = api.client.post(
                f"{URL}/{kb}/articles", json={"title": "t", "body": "b"}, headers=api.admin_headers
            )
            assert_error(response, 404, "not_found")
    assert len(rows(api, t.articles)) == 1


@pytest.mark.feature("BD5")
def test_a_knowledge_base_shown_by_a_chatflow_cannot_be_deleted(api: Api) -> None:
    kb = add_knowledge_base(api, ARTICLES[:1])
    cid = create_chatflow(
        api, "Help desk", build={"knowledge_base": {"enabled": True, "knowledge_base_id": kb}}
    )["id"]
    error = assert_error(
        api.client.delete(f"{URL}/{kb}", headers=api.admin_headers), 409, "conflict"
    )
    assert "Help desk" in error["message"]
    assert len(rows(api, t.articles)) == 1
    switched_off = api.client.patch(
        f"/api/v1/chatflows/{cid}/build",
        json={"knowledge_base": {"enabled": False}},
        headers=api.admin_headers,
    )
    assert switched_off.status_code == 200
    assert api.client.delete(f"{URL}/{kb}", headers=api.admin_headers).status_code == 204
