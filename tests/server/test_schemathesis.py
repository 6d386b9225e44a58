"""SE3, SE9: the whole OpenAPI document, exercised by schemathesis — a bounded number of
generated requests per operation, valid and invalid — against the app in-process, on SQLite
and (``make test`` runs ``tests/server`` twice) on PostgreSQL. No answer may be a 5xx, and
every answer must be one the document describes: its status, its content type, its headers
and its body's schema.

Each operation gets the credentials its ``security`` names (the admin's session, the
account's API key, or a visitor's token) and, in its path, ids that exist — the account, a
published chatflow showing a knowledge base with an article, a conversation of that visitor,
a contact, a survey, a team, an agent, a canned reply — so that requests reach past "not
found" (a DELETE keeps the generated id: the others need their objects). The abuse limits
are off here (their 429 is documented and tested in ``test_abuse_limits.py``): the generator
would trip them at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from reference_server.app import create_app
from reference_server.clock import ControllableClock
from reference_server.secrets import hash_secret, new_secret
from reference_server.settings import Limits, Settings
from reference_server.store import schema as t
from reference_server.store.bootstrap import NewAccount
from reference_server.store.database import open_engine
from reference_server.store.visitors import create_visitor

from ..databases import fresh_postgres_database
from .conftest import Api, bootstrap, on_postgresql
from .scene import add_agent, add_contact, add_knowledge_base, add_survey, add_team, published

pytestmark = pytest.mark.feature("SE3", "SE9")

EXAMPLES = 10  # per operation and kind (valid, invalid): about 2,000 requests a run
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NO_LIMITS = Limits(**{limit.name: None for limit in fields(Limits)})


@dataclass(frozen=True)
class Served:
    app: Any
    admin: dict[str, str]
    api_key: dict[str, str]
    visitor: dict[str, str]
    ids: dict[str, str]  # path parameter → an id that exists


async def _sessions(settings: Settings, user_id: str, account_id: str) -> tuple[str, str]:
    """A session for the admin (straight into the store: log-in is slow by design) and a
    visitor of the account, on the real clock (the app runs on it)."""
    token = new_secret("lcs")
    now = datetime.now(UTC)
    engine = open_engine(settings)
    try:
        async with engine.begin() as db:
            await db.execute(
                t.sessions.insert().values(
                    token_hash=hash_secret(token),
                    user_id=user_id,
                    expires_at=now + timedelta(hours=8),
                    created_at=now,
                )
            )
            _, visitor = await create_visitor(db, account_id, now)
    finally:
        await engine.dispose()
    return token, visitor


def _scene(app: Any, account: NewAccount, served: Served) -> dict[str, str]:
    """Objects for the paths to name, made through the API (the app's lifespan runs for
    this, then stops; schemathesis starts it again)."""
    with TestClient(app) as client:
        api = Api(client, account, ControllableClock(), served.admin, served.api_key)
        kb_id = add_knowledge_base(api, (("Returns", "Send it back within 30 days."),))
        chatflow = published(
            api,
            "Everywhere",
            build={"knowledge_base": {"enabled": True, "knowledge_base_id": kb_id}},
            options={
                "cookie_consent": {"enabled": False},
                "data_processing_consent": {"kind": "legitimate_interest"},
            },
        )
        [article] = client.get(
            f"/api/v1/knowledge-bases/{kb_id}/articles", headers=served.admin
        ).json()
        started = client.post(
            f"/widget/v1/{account.account_id}/conversations",
            headers=served.visitor,
            json={"chatflow_id": chatflow["id"], "message": {"client_id": "c1", "text": "Hi"}},
        )
        assert started.status_code == 201, started.text
        reply = client.post(
            "/api/v1/canned-replies",
            headers=served.admin,
            json={"shortcut": "hello", "title": "Hello", "text": "Hello! How can I help?"},
        )
        assert reply.status_code == 201, reply.text
        agent_id, _ = add_agent(api, "Ann")
        return {
            "account_id": account.account_id,
            "chatflow_id": chatflow["id"],
            "kb_id": kb_id,
            "article_id": article["id"],
            "conversation_id": started.json()["conversation"]["id"],
            "contact_id": add_contact(api, "kari@example.com"),
            "survey_id": add_survey(api),
            "team_id": add_team(api, "Sales"),
            "inbox_id": account.inbox_id,
            "user_id": agent_id,
            "reply_id": reply.json()["id"],
        }


class _Database:
    """A fresh database for this module: a SQLite file, or a new PostgreSQL database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._postgres: Any = None

    def __enter__(self) -> str:
        if on_postgresql():
            self._postgres = fresh_postgres_database()
            return str(self._postgres.__enter__())
        return f"sqlite+aiosqlite:///{self.folder / 'livechat.db'}"

    def __exit__(self, *exc: object) -> None:
        if self._postgres is not None:
            self._postgres.__exit__(*exc)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with _Database(tmp_path_factory.mktemp("schemathesis")) as url:
        settings = Settings(database_url=url, limits=NO_LIMITS)
        account = bootstrap(settings)
        token, visitor = asyncio.run(_sessions(settings, account.admin_id, account.account_id))
        app = create_app(settings)
        served = Served(
            app=app,
            admin={"Authorization": f"Bearer {token}"},
            api_key={"Authorization": f"Bearer {account.api_key}"},
            visitor={"X-Visitor-Token": visitor},
            ids={},
        )
        served.ids.update(_scene(app, account, served))
        yield served


def _credentials_for(case: Any, served: Served) -> dict[str, str]:
    security = case.operation.definition.raw.get("security", [])
    names = {name for requirement in security for name in requirement}
    if "visitor" in names:
        return served.visitor
    if "session" in names:
        return served.admin
    if "bearer" in names:
        return served.api_key
    return {}


def _document() -> dict[str, Any]:
    """The OpenAPI document as the server serves it (the app is built, not started: no
    database is opened for this)."""
    document: dict[str, Any] = TestClient(create_app(Settings())).get("/openapi.json").json()
    return document


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_the_document(case: Any, served: Served) -> None:
    if case.operation.path == "/api/v1/auth/logout":
        pytest.skip("would end the session every other operation uses")
    if case.method.upper() != "DELETE" and case.path_parameters:
        for name, value in served.ids.items():
            if name in case.path_parameters:
                case.path_parameters[name] = value
    case.call_and_validate(app=served.app, headers=_credentials_for(case, served), checks=CHECKS)
