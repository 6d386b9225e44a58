"""SE2 across workers: two server processes on one PostgreSQL database and one Redis count
the same limits. A visitor who has started its conversations on one server may start no
more on the other, and wrong passwords tried on both back off together."""

from __future__ import annotations

import urllib.error
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from reference_server.settings import Settings

from ..databases import fresh_postgres_database
from ..live_server import ApiClient, server_process
from ..server.conftest import bootstrap
from .test_two_servers import REDIS_URL, admin_on, publish_chatflow, require_redis

LIMITS = {
    "LIVECHAT_LIMIT_VISITOR_CONVERSATIONS": "3/hour",
    "LIVECHAT_LIMIT_LOGIN_FAILURES": "4/15min",
}


@pytest.mark.feature("SE2")
def test_limits_hold_across_two_servers(tmp_path: Path) -> None:
    require_redis()
    with fresh_postgres_database() as database_url, ExitStack() as stack:
        account = bootstrap(Settings(database_url=database_url))
        first, second = (
            stack.enter_context(
                server_process(
                    tmp_path,
                    name=name,
                    database_url=database_url,
                    redis_url=REDIS_URL,
                    extra=LIMITS,
                )
            ).url
            for name in ("first", "second")
        )
        chatflow_id = publish_chatflow(admin_on(first), account.inbox_id)
        config = ApiClient(first).post(
            f"/widget/v1/{account.account_id}/config", {"url": "https://acme.test/"}
        )
        token = config["visitor"]["token"]
        path = f"/widget/v1/{account.account_id}/conversations"
        body = {"chatflow_id": chatflow_id, "page_url": "https://acme.test/"}
        for url in (first, second, first):
            assert "conversation" in ApiClient(url, visitor_token=token).post(path, body)
        for url in (second, first):
            refused = ApiClient(url, visitor_token=token).call("POST", path, body, ok=False)
            assert refused["error"]["code"] == "rate_limited", refused

        login = {"email": "admin@acme.test", "password": "wrong password"}
        for url in (first, second, first, second):
            answer = ApiClient(url).call("POST", "/api/v1/auth/login", login, ok=False)
            assert answer["error"]["code"] == "unauthorized"
        request = urllib.request.Request(
            first + "/api/v1/auth/login",
            data=b'{"email": "admin@acme.test", "password": "correct horse"}',
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            urllib.request.urlopen(request, timeout=15)
            raise AssertionError("the fifth attempt was not held back")
        except urllib.error.HTTPError as error:
            assert error.code == 429
            assert int(error.headers["Retry-After"]) == 30
