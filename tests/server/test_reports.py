"""The chat report (``GET /api/v1/reports/chats``): the KPIs of the chats that arrived in a
window, as a load test reads them beside what its visitors measured."""

from __future__ import annotations

from datetime import timedelta

import pytest

from .conftest import START, Api
from .scene import add_agent, add_chatflow, add_visitor, start, widget_url
from .test_basics import assert_error

pytestmark = pytest.mark.feature("QA2")


def _report(api: Api, headers: dict[str, str] | None = None, **query: object) -> dict:  # type: ignore[type-arg]
    response = api.client.get(
        "/api/v1/reports/chats", params=query, headers=headers or api.admin_headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_report_counts_answered_abandoned_and_waiting_chats_with_their_waits(
    api: Api,
) -> None:
    _, ann = add_agent(api, "Ann", capacity=1)
    chatflow_id = add_chatflow(api)
    first = start(api, add_visitor(api), chatflow_id)["conversation"]  # Ann takes it at once
    leaving = add_visitor(api)
    left = start(api, leaving, chatflow_id)["conversation"]  # Ann is full: it waits
    api.clock.advance(timedelta(seconds=90))
    gone = api.client.post(widget_url(api, f"/{left['id']}/close"), headers=leaving)
    assert gone.status_code == 200, gone.text  # the visitor gave up after 90 s
    start(api, add_visitor(api), chatflow_id)  # waits for Ann
    api.clock.advance(timedelta(seconds=30))
    closed = api.client.post(f"/api/v1/conversations/{first['id']}/close", headers=ann)
    assert closed.status_code == 200, closed.text  # Ann is free: the third one is hers
    start(api, add_visitor(api), chatflow_id)  # still waiting when the report is read

    report = _report(api, since=START.isoformat(), service_level_seconds=60)

    assert {k: report[k] for k in ("chats", "offered", "answered", "abandoned", "waiting")} == {
        "chats": 4,
        "offered": 3,
        "answered": 2,
        "abandoned": 1,
        "waiting": 1,
    }
    assert report["answered_in_time"] == 2  # waits 0 s and 30 s; the 90 s one left
    assert report["service_level"] == 2 / 3
    assert report["abandonment"] == 1 / 3
    assert report["mean_wait_seconds"] == (0 + 90 + 30) / 3
    assert report["wait_percentiles_seconds"]["p50"] == 30.0
    # A shorter threshold counts only the chat taken at once.
    assert _report(api, since=START.isoformat(), service_level_seconds=10)["answered_in_time"] == 1


def test_a_window_before_the_chats_is_empty(api: Api) -> None:
    add_agent(api, "Ann", capacity=1)
    start(api, add_visitor(api), add_chatflow(api))
    earlier = START - timedelta(hours=2)
    report = _report(
        api, since=earlier.isoformat(), until=(START - timedelta(seconds=1)).isoformat()
    )
    assert report["chats"] == 0
    assert report["service_level"] is None
    assert report["wait_percentiles_seconds"] == {"p50": None, "p90": None, "p95": None}


def test_an_api_key_reads_the_report_and_an_agent_may_not(api: Api) -> None:
    _, ann = add_agent(api, "Ann")
    assert _report(api, headers=api.key_headers)["chats"] == 0
    assert_error(api.client.get("/api/v1/reports/chats", headers=ann), 403, "forbidden")
    assert_error(api.client.get("/api/v1/reports/chats"), 401, "unauthorized")


def test_a_bad_window_is_refused_with_the_field_named(api: Api) -> None:
    error = assert_error(
        api.client.get("/api/v1/reports/chats?since=yesterday", headers=api.admin_headers),
        422,
        "validation_failed",
    )
    assert "since" in error["fields"]
    for threshold in ("-1", "nan", "a minute", "86401"):
        error = assert_error(
            api.client.get(
                "/api/v1/reports/chats",
                params={"service_level_seconds": threshold},
                headers=api.admin_headers,
            ),
            422,
            "validation_failed",
        )
        assert "service_level_seconds" in error["fields"]
    later = (START + timedelta(minutes=5)).isoformat()
    error = assert_error(
        api.client.get(
            "/api/v1/reports/chats",
            params={"since": later, "until": START.isoformat()},
            headers=api.admin_headers,
        ),
        422,
        "validation_failed",
    )
    assert "since" in error["fields"]
