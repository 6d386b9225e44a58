"""SE2: abuse limits — per visitor token, per account, per address and on log-in — answered
429 with ``Retry-After`` in the JSON error format (a ``rate_limited`` frame with
``retry_after`` on a socket), on the server's own clock; and a start whose visitor has gone
is dropped before it costs a routing transaction.

The defaults are the settings' (``Limits()``); tests that need a small limit start an app
with one. The limits across several workers (Redis) are in ``tests/scale_out``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from reference_server.services.routing_service import _account_lock
from reference_server.settings import Limits, Rate, Settings
from reference_server.store import schema as t
from reference_server.store.bootstrap import NewAccount

from .conftest import START, Api, running_api
from .scene import (
    add_agent,
    add_chatflow,
    add_visitor,
    count,
    frame,
    rows,
    visitor_socket_url,
    widget_start,
)
from .test_basics import assert_error
from .test_realtime import ready

pytestmark = pytest.mark.feature("SE2")


def refused(response: Any, retry_after: int) -> dict[str, Any]:
    error = assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == str(retry_after)
    return error


@contextmanager
def limited(settings: Settings, account: NewAccount, **limits: Rate | None) -> Iterator[Api]:
    """The app with some limits changed (the rest as by default)."""
    with running_api(replace(settings, limits=replace(Limits(), **limits)), account) as api:
        yield api


def start_rest(api: Api, visitor: dict[str, str], chatflow_id: str) -> Any:
    return api.client.post(
        f"/widget/v1/{api.account.account_id}/conversations",
        headers=visitor,
        json={"chatflow_id": chatflow_id, "page_url": "https://acme.test/"},
    )


# ---------------------------------------------------------------- per visitor token


def test_a_visitor_starts_at_most_ten_conversations_an_hour(api: Api) -> None:
    chatflow_id = add_chatflow(api)
    visitor = add_visitor(api)
    for _ in range(10):
        assert start_rest(api, visitor, chatflow_id).status_code == 201
    refused(start_rest(api, visitor, chatflow_id), retry_after=3600)  # the hour ends at 11:00
    with api.client.websocket_connect(visitor_socket_url(api, visitor["X-Visitor-Token"])) as ws:
        ready(ws)
        widget_start(ws, {"chatflow_id": chatflow_id}, "https://acme.test/")
        error = frame(ws)
        assert error["type"] == "error" and error["code"] == "rate_limited"
        assert error["retry_after"] == 3600 and error["ref"] == "start-c1"
    assert start_rest(api, add_visitor(api), chatflow_id).status_code == 201  # others may
    assert count(api, t.conversations) == 11
    api.clock.advance(timedelta(hours=1))
    assert start_rest(api, visitor, chatflow_id).status_code == 201


def test_a_visitor_sends_at_most_sixty_messages_a_minute(api: Api) -> None:
    chatflow_id = add_chatflow(api)
    visitor = add_visitor(api)
    chat = start_rest(api, visitor, chatflow_id).json()["conversation"]["id"]
    url = f"/widget/v1/{api.account.account_id}/conversations/{chat}/messages"
    for number in range(60):
        sent = api.client.post(url, headers=visitor, json={"client_id": f"c{number}", "text": "x"})
        assert sent.status_code == 201, sent.text
    refused(api.client.post(url, headers=visitor, json={"client_id": "c60", "text": "x"}), 60)
    assert count(api, t.messages) == 60


# ---------------------------------------------------------------- per account


def test_an_account_starts_only_so_many_conversations_a_minute(
    server_settings: Settings, test_account: NewAccount
) -> None:
    with limited(server_settings, test_account, account_conversations=Rate(3, 60)) as api:
        chatflow_id = add_chatflow(api)
        for _ in range(3):
            assert start_rest(api, add_visitor(api), chatflow_id).status_code == 201
        refused(start_rest(api, add_visitor(api), chatflow_id), retry_after=60)
        api.clock.advance(timedelta(seconds=60))
        assert start_rest(api, add_visitor(api), chatflow_id).status_code == 201
        assert count(api, t.conversations) == 4


def test_new_visitors_are_limited_per_address(
    server_settings: Settings, test_account: NewAccount
) -> None:
    """2,000 config calls once made 2,000 visitor rows."""
    with limited(server_settings, test_account, address_visitors=Rate(3, 3600)) as api:
        add_chatflow(api)
        url = f"/widget/v1/{api.account.account_id}/config"
        page = {"url": "https://acme.test/"}
        tokens = [api.client.post(url, json=page).json()["visitor"]["token"] for _ in range(3)]
        refused(api.client.post(url, json=page), retry_after=3600)
        again = api.client.post(url, json={**page, "visitor_token": tokens[0]})
        assert again.status_code == 200  # a known visitor comes back as often as it likes
        assert len(rows(api, t.visitors)) == 3


def test_new_visitors_are_limited_per_account(
    server_settings: Settings, test_account: NewAccount
) -> None:
    with limited(
        server_settings, test_account, address_visitors=None, account_visitors=Rate(5, 60)
    ) as api:
        add_chatflow(api)
        url = f"/widget/v1/{api.account.account_id}/config"
        for _ in range(5):
            assert api.client.post(url, json={"url": "https://acme.test/"}).status_code == 200
        refused(api.client.post(url, json={"url": "https://acme.test/"}), retry_after=60)
        assert len(rows(api, t.visitors)) == 5


# ---------------------------------------------------------------- per address


def test_widget_requests_per_address_are_limited_and_can_be_switched_off(
    server_settings: Settings, test_account: NewAccount
) -> None:
    with limited(server_settings, test_account, address_requests=Rate(5, 60)) as api:
        chatflow_id = add_chatflow(api)
        visitor = add_visitor(api)
        for _ in range(5):
            assert start_rest(api, visitor, chatflow_id).status_code == 201
        refused(start_rest(api, visitor, chatflow_id), retry_after=60)
        with api.client.websocket_connect(visitor_socket_url_unlimited(api, visitor)) as ws:
            assert ws.receive()["code"] == 4429
        assert api.client.get("/api/v1/auth/me", headers=api.admin_headers).status_code == 200
    with limited(server_settings, test_account, address_requests=None) as api:
        chatflow_id = add_chatflow(api)
        visitor = add_visitor(api)
        for _ in range(10):
            assert start_rest(api, visitor, chatflow_id).status_code == 201


def visitor_socket_url_unlimited(api: Api, visitor: dict[str, str]) -> str:
    """A ticket straight from the store (the REST call for one is itself limited here)."""
    from reference_server.store.socket_tickets import issue_ticket

    from .scene import run_db

    [row] = [r for r in rows(api, t.visitors)]

    async def work(db: Any) -> str:
        ticket, _ = await issue_ticket(db, START, visitor_id=row["id"])
        return ticket

    ticket = run_db(api, work)
    return f"/ws/visitor?account_id={api.account.account_id}&ticket={ticket}"


# ---------------------------------------------------------------- log-in


def log_in(api: Api, password: str, email: str = "admin@acme.test") -> Any:
    answer = api.client.post("/api/v1/auth/login", json={"email": email, "password": password})
    api.client.cookies.clear()
    return answer


def test_wrong_passwords_back_off_twice_as_long_each_time(api: Api) -> None:
    for _ in range(5):
        assert_error(log_in(api, "wrong password"), 401, "unauthorized")
    refused(log_in(api, "correct horse"), retry_after=30)  # even the right one must wait
    api.clock.advance(timedelta(seconds=30))
    assert_error(log_in(api, "wrong again"), 401, "unauthorized")
    refused(log_in(api, "correct horse"), retry_after=60)
    api.clock.advance(timedelta(seconds=60))
    assert log_in(api, "correct horse").status_code == 200  # … which ends the streak
    assert_error(log_in(api, "wrong password"), 401, "unauthorized")
    assert log_in(api, "correct horse").status_code == 200


def test_unknown_addresses_back_off_alike(api: Api) -> None:
    for _ in range(5):
        assert_error(log_in(api, "guess", "nobody@acme.test"), 401, "unauthorized")
    refused(log_in(api, "guess", "nobody@acme.test"), retry_after=30)
    assert log_in(api, "correct horse").status_code == 200  # another e-mail is not held up


def test_one_address_trying_many_e_mail_addresses_backs_off(api: Api) -> None:
    for number in range(30):
        assert_error(log_in(api, "guess", f"user{number}@acme.test"), 401, "unauthorized")
    refused(log_in(api, "correct horse"), retry_after=30)


# ---------------------------------------------------------------- starts whose visitor left


def test_a_start_whose_visitor_has_gone_costs_no_routing_transaction(api: Api) -> None:
    """1,500 visitors that send ``start`` and leave once held up a real visitor for seconds:
    starts are routed one at a time per account. Here the account's turn is held while
    twenty visitors start and leave; when it is released, only the real visitor's start is
    routed."""
    add_agent(api, "Ann", capacity=50)
    chatflow_id = add_chatflow(api)
    server = api.client.app_state["server"]
    portal = api.client.portal
    assert portal is not None
    turn = _account_lock(server, api.account.account_id)  # the account's routing turn
    portal.call(turn.acquire)
    with ExitStack() as stack:
        for number in range(20):
            visitor = add_visitor(api)
            ws = stack.enter_context(
                api.client.websocket_connect(visitor_socket_url(api, visitor["X-Visitor-Token"]))
            )
            ready(ws)
            widget_start(ws, {"chatflow_id": chatflow_id}, "https://acme.test/", ref=f"s{number}")
            ws.close()
        _until_no_visitor_sockets(api)
        portal.call(turn.release)
    real = add_visitor(api)
    with api.client.websocket_connect(visitor_socket_url(api, real["X-Visitor-Token"])) as ws:
        ready(ws)
        widget_start(ws, {"chatflow_id": chatflow_id}, "https://acme.test/")
        started = frame(ws)
        assert started["type"] == "started", started
    assert [c["id"] for c in rows(api, t.conversations)] == [started["conversation"]["id"]]


def _until_no_visitor_sockets(api: Api) -> None:
    """Wait (on the server's own account of it) until it has seen every visitor leave."""
    import time

    deadline = time.monotonic() + 10
    while api.client.get("/healthz").json()["open_sockets"]["visitor"]:
        assert time.monotonic() < deadline, "the server did not see the visitors leave"
        time.sleep(0.01)  # polling the server's state, not waiting for time to pass
