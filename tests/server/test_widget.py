"""The public widget API: the loader's config (TG, AV, DS, OP, BD decisions composed from the
domain), display actions (DS4), the help tab (BD5), and bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa

from reference_server.domain.display import (
    HIDE_WELCOME,
    HIDE_WELCOME_MAX_AGE,
    IS_OPEN,
    IS_OPEN_MAX_AGE,
    MESSAGES_UTK,
    MESSAGES_UTK_MAX_AGE,
)
from reference_server.secrets import hash_secret
from reference_server.store import schema as t

from .conftest import Api
from .scene import (
    add_agent,
    add_chatflow,
    add_conversations,
    add_knowledge_base,
    add_team,
    config,
    config_json,
    create_chatflow,
    other_account,
    pages,
    published,
    rows,
    say,
    server_of,
    set_status,
    start,
)
from .test_basics import assert_error

T = TypeVar("T")
NO_COOKIE_CONSENT = {"cookie_consent": {"enabled": False}}
OFFICE_HOURS = {
    "mode": "office_hours",
    "timezone": "Europe/Oslo",
    "office_hours": [
        {"day": day, "start": "09:00", "end": "17:00"}
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    ],
}


def cookie_names(answer: dict[str, Any]) -> list[str]:
    return [cookie["name"] for cookie in answer["cookies"]]


# ---------------------------------------------------------------- targeting (TG)


@pytest.mark.feature("TG1", "TG3", "TG6")
def test_the_pricing_page_gets_the_sales_chatflow_and_the_privacy_page_none(api: Api) -> None:
    add_agent(api, "Ada")
    sales = published(api, "Sales", target=pages("/pricing"))
    support = published(
        api,
        "Support",
        target={"exclusions": [{"field": "page_url", "operator": "contains", "value": "privacy"}]},
    )
    assert config_json(api, "https://acme.test/pricing/team")["chatflow_id"] == sales["id"]
    assert config_json(api, "https://acme.test/about")["chatflow_id"] == support["id"]
    privacy = config(api, "https://acme.test/privacy")
    assert privacy.status_code == 204
    assert privacy.content == b""


@pytest.mark.feature("CF3")
def test_an_unpublished_chatflow_never_appears(api: Api) -> None:
    chatflow = create_chatflow(api)
    assert config(api).status_code == 204
    assert rows(api, t.visitors) == []
    api.client.post(f"/api/v1/chatflows/{chatflow['id']}/publish", headers=api.admin_headers)
    assert config_json(api)["chatflow_id"] == chatflow["id"]
    api.client.post(f"/api/v1/chatflows/{chatflow['id']}/unpublish", headers=api.admin_headers)
    assert config(api).status_code == 204


@pytest.mark.feature("TG6")
def test_among_equal_matches_the_lower_priority_wins(api: Api) -> None:
    first = published(api, "First", priority=2)
    second = published(api, "Second", priority=1)
    assert config_json(api)["chatflow_id"] == second["id"]
    api.client.patch(
        f"/api/v1/chatflows/{first['id']}", json={"priority": 0}, headers=api.admin_headers
    )
    assert config_json(api)["chatflow_id"] == first["id"]


@pytest.mark.feature("TG4", "CV7")
def test_known_contact_targeting_follows_identification(api: Api) -> None:
    created = api.client.post(
        "/api/v1/contacts",
        json={"email": "vip@example.com", "properties": {"plan": "gold"}},
        headers=api.admin_headers,
    )
    assert created.status_code == 201, created.text
    customers = published(
        api,
        "Customers",
        target={
            "groups": [
                {"rules": [{"field": "visitor", "operator": "is", "value": "known_contact"}]}
            ]
        },
    )
    gold = published(
        api,
        "Gold",
        target={
            "groups": [
                {
                    "rules": [
                        {
                            "field": "contact_property",
                            "operator": "is",
                            "name": "plan",
                            "value": "gold",
                        }
                    ]
                }
            ]
        },
        priority=1,
    )
    assert config(api).status_code == 204  # unknown visitors see neither
    token = api.client.post(
        "/api/v1/visitor-identification/tokens",
        json={"email": "vip@example.com"},
        headers=api.key_headers,
    )
    pair = {
        "identification_email": "vip@example.com",
        "identification_token": token.json()["token"],
    }
    assert config_json(api, **pair)["chatflow_id"] == gold["id"]
    api.client.post(f"/api/v1/chatflows/{gold['id']}/unpublish", headers=api.admin_headers)
    assert config_json(api, **pair)["chatflow_id"] == customers["id"]


@pytest.mark.feature("TG4")
def test_device_rules_hide_a_chatflow_on_mobile(api: Api) -> None:
    published(
        api,
        target={
            "groups": [{"rules": [{"field": "device", "operator": "is_not", "value": "mobile"}]}]
        },
    )
    assert config(api, device="desktop").status_code == 200
    assert config(api, device="mobile").status_code == 204


# ---------------------------------------------------------------- availability (AV)


@pytest.mark.feature("AV1", "CV4")
def test_an_agent_status_change_shows_in_the_very_next_config(api: Api) -> None:
    agent, _ = add_agent(api, "Ada", status="offline")
    published(api, options=NO_COOKIE_CONSENT)
    assert config_json(api)["availability"]["state"] == "away"
    set_status(api, agent, "available")
    assert config_json(api)["availability"]["state"] == "available"
    set_status(api, agent, "away")
    assert config_json(api)["availability"]["state"] == "away"


@pytest.mark.feature("AV1", "AV7", "CV4", "CF7")
def test_a_returning_visitors_next_page_view_shows_every_change(api: Api) -> None:
    ada, _ = add_agent(api, "Ada", capacity=1)
    flow = published(api, options=NO_COOKIE_CONSENT)
    token = config_json(api)["visitor"]["token"]

    def page_view() -> dict[str, Any]:
        return config_json(api, visitor_token=token)

    assert page_view()["availability"]["state"] == "available"
    set_status(api, ada, "away")
    assert page_view()["availability"]["state"] == "away"
    set_status(api, ada, "available")
    assert page_view()["availability"]["state"] == "available"
    add_conversations(api, ada, 1)
    assert page_view()["availability"]["state"] == "at_capacity"
    edited = api.client.patch(
        f"/api/v1/chatflows/{flow['id']}/display",
        json={"accent_color": "#123456"},
        headers=api.admin_headers,
    )
    assert edited.status_code == 200, edited.text
    assert page_view()["accent_color"] == "#123456"
    unpublished = api.client.post(
        f"/api/v1/chatflows/{flow['id']}/unpublish", headers=api.admin_headers
    )
    assert unpublished.status_code == 200, unpublished.text
    assert config(api, visitor_token=token).status_code == 204


def statements_of(api: Api, work: Callable[[], T]) -> tuple[T, list[str]]:
    """What ``work`` returns, and the SQL statements the server ran meanwhile."""
    statements: list[str] = []
    engine = server_of(api).engine.sync_engine

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        return work(), statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


@pytest.mark.feature("AV1")
def test_a_returning_visitors_page_view_asks_the_database_nothing(api: Api) -> None:
    """Issue 10: page views come at the rate of a bare endpoint only if the steady state
    reads what it needs from what the process keeps (and the tests around show it is kept
    no longer than the next write that changes it)."""
    add_agent(api, "Ada")
    published(api, options=NO_COOKIE_CONSENT)
    token = config_json(api)["visitor"]["token"]
    first = config_json(api, visitor_token=token)
    again, statements = statements_of(api, lambda: config_json(api, visitor_token=token))
    assert statements == []
    assert again == first


@pytest.mark.feature("AV1", "CV1")
def test_messages_in_other_chats_do_not_make_page_views_read_again(api: Api) -> None:
    add_agent(api, "Ada")
    no_consents = {**NO_COOKIE_CONSENT, "data_processing_consent": {"enabled": False}}
    flow = published(api, options=no_consents)
    token = config_json(api)["visitor"]["token"]
    config_json(api, visitor_token=token)
    chatting = {"X-Visitor-Token": config_json(api)["visitor"]["token"]}
    chat = start(api, chatting, flow["id"])["conversation"]["id"]
    config_json(api, visitor_token=token)  # read again once: a chat was assigned
    say(api, chatting, chat, "Still there?")
    _, statements = statements_of(api, lambda: config_json(api, visitor_token=token))
    assert statements == []


@pytest.mark.feature("AV1", "CV4")
def test_a_returning_visitors_next_page_view_shows_the_chat_it_started_and_its_end(
    api: Api,
) -> None:
    add_agent(api, "Ada")
    flow = published(api, options=NO_COOKIE_CONSENT)
    token = config_json(api)["visitor"]["token"]
    assert config_json(api, visitor_token=token)["conversation"] is None
    chat = start(api, {"X-Visitor-Token": token}, flow["id"])["conversation"]["id"]
    assert config_json(api, visitor_token=token)["conversation"]["id"] == chat
    closed = api.client.post(f"/api/v1/conversations/{chat}/close", headers=api.admin_headers)
    assert closed.status_code == 200, closed.text
    assert config_json(api, visitor_token=token)["conversation"] is None


@pytest.mark.feature("AV1", "RT1")
def test_only_agents_routing_could_assign_count_for_availability(api: Api) -> None:
    sales, _ = add_agent(api, "Sam", status="offline")
    add_agent(api, "Other")  # available, but not in this chatflow's routing
    team = add_team(api, "Sales", [sales])
    published(api, build={"assignment": {"team_ids": [team]}})
    assert config_json(api)["availability"]["state"] == "away"
    set_status(api, sales, "available")
    assert config_json(api)["availability"]["state"] == "available"


@pytest.mark.feature("AV1", "CF6")
def test_an_agent_without_a_seat_does_not_make_chat_available(api: Api) -> None:
    add_agent(api, "Nobody", has_seat=False)
    published(api)
    assert config_json(api)["availability"]["state"] == "away"


@pytest.mark.feature("AV4", "AV5")
def test_reply_time_while_available_and_away_message_while_away(api: Api) -> None:
    agent, _ = add_agent(api, "Ada")
    published(
        api,
        build={
            "availability": {
                "reply_time": "few_minutes",
                "away_message_enabled": True,
                "away_message": "Back soon!",
            }
        },
    )
    available = config_json(api)["availability"]
    assert available["reply_time_text"] == "The team typically replies in a few minutes."
    assert available["message_kind"] == "welcome"
    set_status(api, agent, "away")
    away = config_json(api)["availability"]
    assert (away["state"], away["message_kind"], away["message"]) == ("away", "away", "Back soon!")


@pytest.mark.feature("AV2", "AV6")
def test_outside_office_hours_the_widget_shows_the_return_time(api: Api) -> None:
    add_agent(api, "Ada")
    published(api, build={"availability": OFFICE_HOURS})
    inside = config_json(api)["availability"]  # Monday 11:00 in Oslo
    assert inside["state"] == "available"
    api.clock.set(datetime(2026, 1, 5, 20, 0, tzinfo=UTC))  # Monday 21:00 in Oslo
    outside = config_json(api)["availability"]
    assert outside["state"] == "offline"
    assert outside["message_kind"] == "return_time"
    assert outside["message"] == "We're away right now. We'll be back tomorrow at 09:00."
    assert outside["return_at"] == "2026-01-06T09:00:00+01:00"
    api.clock.set(datetime(2026, 1, 9, 17, 30, tzinfo=UTC))  # Friday 18:30 in Oslo
    weekend = config_json(api)["availability"]
    assert weekend["message"] == "We're away right now. We'll be back on Monday at 09:00."


@pytest.mark.feature("AV6", "AV2")
def test_outside_office_hours_the_launcher_can_be_hidden(api: Api) -> None:
    add_agent(api, "Ada")
    published(api, build={"availability": {**OFFICE_HOURS, "offline_behaviour": "hide_launcher"}})
    api.clock.set(datetime(2026, 1, 10, 12, 0, tzinfo=UTC))  # Saturday
    answer = config_json(api)
    assert answer["availability"]["launcher_hidden"] is True
    assert answer["availability"]["message_kind"] == "none"
    assert answer["display"]["mode"] == "hidden"


@pytest.mark.feature("AV3")
def test_a_24_7_chat_is_available_with_nobody_online(api: Api) -> None:
    published(api, build={"availability": {"mode": "always"}})
    assert config_json(api)["availability"]["state"] == "available"


@pytest.mark.feature("AV7", "AV8")
def test_when_everyone_is_at_capacity_the_wait_message_shows(api: Api) -> None:
    ada, _ = add_agent(api, "Ada", capacity=1)
    bo, _ = add_agent(api, "Bo", capacity=2)
    published(
        api,
        build={
            "availability": {
                "at_capacity_behaviour": "wait_message",
                "wait_message": "Everyone is busy.",
            }
        },
    )
    add_conversations(api, ada, 1)
    add_conversations(api, bo, 1)
    assert config_json(api)["availability"]["state"] == "available"
    add_conversations(api, bo, 1)
    full = config_json(api)["availability"]
    assert (full["state"], full["message_kind"], full["message"]) == (
        "at_capacity",
        "wait",
        "Everyone is busy.",
    )


@pytest.mark.feature("AV7")
def test_when_everyone_is_at_capacity_the_launcher_can_be_hidden(api: Api) -> None:
    ada, _ = add_agent(api, "Ada", capacity=1)
    published(api, build={"availability": {"at_capacity_behaviour": "hide_launcher"}})
    add_conversations(api, ada, 1)
    add_conversations(api, ada, 1, status="closed")  # closed chats do not count
    answer = config_json(api)
    assert answer["availability"]["state"] == "at_capacity"
    assert answer["display"]["mode"] == "hidden"


# ---------------------------------------------------------------- display (DS)


@pytest.mark.feature("DS1", "DS2", "DS3")
def test_the_display_mode_follows_device_and_triggers(api: Api) -> None:
    add_agent(api, "Ada")
    published(
        api,
        display={
            "desktop": "prompt_then_open",
            "mobile": "prompt",
            "triggers": {"time_on_page_seconds": 10, "scroll_percentage": 50},
        },
    )
    desktop = config_json(api, device="desktop")["display"]
    assert (desktop["mode"], desktop["mode_when_triggered"]) == ("prompt", "open")
    assert desktop["triggers"] == {
        "exit_intent": False,
        "time_on_page_seconds": 10,
        "scroll_percentage": 50,
    }
    mobile = config_json(api, device="mobile")["display"]
    assert (mobile["mode"], mobile["mode_when_triggered"]) == ("hidden", "prompt")


@pytest.mark.feature("DS4")
def test_minimizing_writes_the_24_hour_cookie_that_keeps_the_widget_minimized(api: Api) -> None:
    add_agent(api, "Ada")
    chatflow = published(api, display={"desktop": "prompt"})
    assert config_json(api)["display"]["mode"] == "prompt"
    response = api.client.post(
        f"/widget/v1/{api.account.account_id}/events",
        json={"chatflow_id": chatflow["id"], "action": "minimize"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["cookies"] == [
        {"name": HIDE_WELCOME, "value": "true", "max_age_seconds": HIDE_WELCOME_MAX_AGE},
        {"name": IS_OPEN, "value": "false", "max_age_seconds": IS_OPEN_MAX_AGE},
    ]
    assert HIDE_WELCOME_MAX_AGE == 24 * 3600
    minimized = config_json(api, cookies={HIDE_WELCOME: "true", IS_OPEN: "false"})
    assert minimized["display"]["mode"] == "launcher"
    other = published(api, "Other", priority=1)  # across chatflows too
    again = config_json(api, cookies={HIDE_WELCOME: "true"})
    assert again["chatflow_id"] == other["id"]
    assert again["display"]["mode"] == "launcher"
    opened = config_json(api, cookies={IS_OPEN: "true"})
    assert opened["display"]["mode"] == "open"


@pytest.mark.feature("DS4")
def test_opening_and_closing_write_the_30_minute_cookie(api: Api) -> None:
    chatflow = published(api)
    url = f"/widget/v1/{api.account.account_id}/events"
    opened = api.client.post(url, json={"chatflow_id": chatflow["id"], "action": "open"})
    assert opened.json()["cookies"] == [
        {"name": IS_OPEN, "value": "true", "max_age_seconds": IS_OPEN_MAX_AGE}
    ]
    closed = api.client.post(url, json={"chatflow_id": chatflow["id"], "action": "close"})
    assert closed.json()["cookies"][0]["value"] == "false"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"chatflow_id": "cfl_nope", "action": "open"}, 404, "not_found"),
        ({"chatflow_id": "CF", "action": "explode"}, 422, "validation_failed"),
        ({"action": "open"}, 422, "validation_failed"),
        ({"chatflow_id": 5, "action": "open"}, 422, "validation_failed"),
    ],
)
def test_bad_events_are_refused(api: Api, body: dict[str, Any], status: int, code: str) -> None:
    response = api.client.post(f"/widget/v1/{api.account.account_id}/events", json=body)
    assert_error(response, status, code)


def test_events_for_another_accounts_chatflow_or_an_unknown_account_are_404(api: Api) -> None:
    other = other_account(api)
    theirs = add_chatflow(
        api, name="Theirs", account_id=other.account_id, workspace_id=other.inbox_id
    )
    mine = published(api)
    body = {"chatflow_id": theirs, "action": "open"}
    response = api.client.post(f"/widget/v1/{api.account.account_id}/events", json=body)
    assert_error(response, 404, "not_found")
    response = api.client.post(
        "/widget/v1/acc_nope/events", json={"chatflow_id": mine["id"], "action": "open"}
    )
    assert_error(response, 404, "not_found")


# ---------------------------------------------------------------- visitors and cookies


@pytest.mark.feature("OP3")
def test_without_cookie_consent_the_first_load_sets_messages_utk_to_the_visitor_token(
    api: Api,
) -> None:
    published(api, options=NO_COOKIE_CONSENT)
    first = config_json(api)
    token = first["visitor"]["token"]
    assert first["cookies"] == [
        {"name": MESSAGES_UTK, "value": token, "max_age_seconds": MESSAGES_UTK_MAX_AGE}
    ]
    (visitor,) = rows(api, t.visitors)
    assert visitor["token_hash"] == hash_secret(token)
    second = config_json(api, cookies={MESSAGES_UTK: token, "_ga": "x"})
    assert second["visitor"]["token"] == token
    assert second["cookies"] == []
    assert len(rows(api, t.visitors)) == 1


@pytest.mark.feature("OP3")
def test_a_messages_utk_the_server_does_not_know_is_replaced(api: Api) -> None:
    published(api, options=NO_COOKIE_CONSENT)
    answer = config_json(api, cookies={MESSAGES_UTK: "lcv_forged"})
    assert answer["visitor"]["token"] != "lcv_forged"
    assert answer["cookies"] == [
        {
            "name": MESSAGES_UTK,
            "value": answer["visitor"]["token"],
            "max_age_seconds": MESSAGES_UTK_MAX_AGE,
        }
    ]


@pytest.mark.feature("OP3")
def test_a_stale_messages_utk_does_not_hide_a_valid_session_token(api: Api) -> None:
    published(api)
    token = config_json(api)["visitor"]["token"]
    answer = config_json(api, cookies={MESSAGES_UTK: "lcv_stale"}, visitor_token=token)
    assert answer["visitor"]["token"] == token
    assert answer["cookies"] == [{"name": MESSAGES_UTK, "value": "", "max_age_seconds": 0}]
    assert len(rows(api, t.visitors)) == 1


@pytest.mark.feature("OP3")
def test_with_cookie_consent_messages_utk_waits_for_the_visitors_yes(api: Api) -> None:
    published(api)
    first = config_json(api)
    assert first["consent"]["cookie_banner"] == "before_chat"
    assert first["cookies"] == []
    token = first["visitor"]["token"]
    session = config_json(api, visitor_token=token)  # same page session, still no answer
    assert session["visitor"]["token"] == token and session["cookies"] == []
    yes = config_json(api, visitor_token=token, consent={"cookies": True})
    assert yes["cookies"] == [
        {"name": MESSAGES_UTK, "value": token, "max_age_seconds": MESSAGES_UTK_MAX_AGE}
    ]
    later = config_json(api, cookies={MESSAGES_UTK: token})  # the cookie remembers the yes
    assert later["cookies"] == [] and later["visitor"]["token"] == token
    no = config_json(api, cookies={MESSAGES_UTK: token}, consent={"cookies": False})
    assert no["cookies"] == [{"name": MESSAGES_UTK, "value": "", "max_age_seconds": 0}]
    assert len(rows(api, t.visitors)) == 1


@pytest.mark.feature("OP8", "CV7", "BD2")
def test_an_identified_visitor_gets_no_banner_no_messages_utk_and_no_email_question(
    api: Api,
) -> None:
    published(api, build={"email_capture": {"when": "always"}})
    anonymous = config_json(api)
    assert anonymous["email_capture"]["ask"] is True
    assert anonymous["consent"]["cookie_banner"] == "before_chat"
    token = api.client.post(
        "/api/v1/visitor-identification/tokens",
        json={"email": "kari@example.com"},
        headers=api.key_headers,
    )
    identified = config_json(
        api,
        cookies={MESSAGES_UTK: anonymous["visitor"]["token"]},
        consent={"cookies": True},
        identification_email="kari@example.com",
        identification_token=token.json()["token"],
    )
    assert identified["visitor"]["identified"] is True
    assert identified["visitor"]["token"] != anonymous["visitor"]["token"]
    assert identified["consent"]["cookie_banner"] is None
    assert identified["consent"]["cookie_text"] == ""
    assert identified["email_capture"]["ask"] is False
    assert identified["cookies"] == [{"name": MESSAGES_UTK, "value": "", "max_age_seconds": 0}]
    anonymous_row = next(v for v in rows(api, t.visitors) if not v["identified"])
    assert anonymous_row["contact_id"] is None  # the anonymous visitor was not merged


@pytest.mark.feature("BD2")
def test_email_capture_when_unavailable_asks_only_while_nobody_is_available(api: Api) -> None:
    agent, _ = add_agent(api, "Ada")
    published(api, build={"email_capture": {"when": "when_unavailable", "message": "Email?"}})
    assert config_json(api)["email_capture"]["ask"] is False
    set_status(api, agent, "away")
    capture = config_json(api)["email_capture"]
    assert capture == {"ask": True, "when": "when_unavailable", "text": "Email?"}


# ---------------------------------------------------------------- what the widget shows


@pytest.mark.feature("BD1", "BD3", "OP1")
def test_heading_welcome_colour_and_texts_come_from_the_chatflow(api: Api) -> None:
    ada, _ = add_agent(api, "Ada")
    bo, _ = add_agent(api, "Bo")
    team = add_team(api, "Crew", [bo, ada])
    published(
        api,
        language="nb",
        build={"welcome_message": "Hei!", "heading": {"user_ids": [ada], "team_ids": [team]}},
        display={"accent_color": "#123456"},
    )
    answer = config_json(api)
    assert answer["language"] == "nb"
    assert answer["texts"]["widget.send"] == "Send"
    assert answer["texts"]["widget.placeholder"] == "Skriv en melding…"
    assert answer["welcome_message"] == "Hei!"
    assert answer["accent_color"] == "#123456"
    assert [p["name"] for p in answer["heading"]["people"]] == ["Ada", "Bo"]
    assert answer["heading"]["people"][0]["avatar_url"] == "https://img.test/Ada.png"


@pytest.mark.feature("BD3", "BD4")
def test_a_branding_heading_with_the_alias(api: Api) -> None:
    published(
        api,
        build={
            "heading": {
                "kind": "branding",
                "brand_name": "Acme",
                "brand_avatar_url": "/logo.png",
                "brand_alias": True,
            }
        },
    )
    heading = config_json(api)["heading"]
    assert heading == {
        "kind": "branding",
        "brand_alias": True,
        "people": [{"id": "brand", "name": "Acme", "avatar_url": "/logo.png"}],
    }


@pytest.mark.feature("BD3")
def test_a_contact_owner_heading_shows_the_known_visitors_owner(api: Api) -> None:
    owner, _ = add_agent(api, "Olga")
    created = api.client.post(
        "/api/v1/contacts",
        json={"email": "kari@example.com", "owner_id": owner},
        headers=api.admin_headers,
    )
    assert created.status_code == 201, created.text
    published(api, build={"heading": {"kind": "contact_owner"}})
    token = api.client.post(
        "/api/v1/visitor-identification/tokens",
        json={"email": "kari@example.com"},
        headers=api.key_headers,
    )
    answer = config_json(
        api, identification_email="kari@example.com", identification_token=token.json()["token"]
    )
    assert [p["name"] for p in answer["heading"]["people"]] == ["Olga"]


@pytest.mark.feature("OP4", "OP5")
def test_the_consent_plan_names_the_company(api: Api) -> None:
    published(
        api,
        options={
            "communication_consent": {"enabled": True, "subscription_type": "newsletter"},
            "data_processing_consent": {"kind": "legitimate_interest"},
        },
    )
    consent = config_json(api)["consent"]
    assert consent["communication_text"] == "I agree to receive other communications from Acme AS."
    assert consent["subscription_type"] == "newsletter"
    assert consent["data_processing"] == "legitimate_interest"


@pytest.mark.feature("BD5", "OP7")
def test_the_help_tab_and_csat_are_announced(api: Api) -> None:
    kb = add_knowledge_base(api)
    survey = api.client.post(
        "/api/v1/surveys", json={"name": "CSAT", "question": "?"}, headers=api.admin_headers
    ).json()["id"]
    published(
        api,
        build={"knowledge_base": {"enabled": True, "knowledge_base_id": kb}},
        options={"csat": {"enabled": True, "survey_id": survey}},
    )
    answer = config_json(api)
    assert answer["knowledge_base"] == {"enabled": True, "id": kb}
    assert answer["csat"] == {"enabled": True, "survey_id": survey}


# ---------------------------------------------------------------- bad input


def test_an_unknown_account_is_404(api: Api) -> None:
    response = api.client.post("/widget/v1/acc_nope/config", json={"url": "https://x.test/"})
    assert_error(response, 404, "not_found")
    assert rows(api, t.visitors) == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{nope", 400, "malformed_json"),
        (b"", 400, "malformed_json"),
        (b'"https://acme.test/"', 422, "validation_failed"),
        (b"{}", 422, "validation_failed"),
        (b'{"url": 5}', 422, "validation_failed"),
        (b'{"url": "https://acme.test/", "device": "watch"}', 422, "validation_failed"),
        (b'{"url": "https://acme.test/", "cookies": ["a"]}', 422, "validation_failed"),
        (b'{"url": "https://acme.test/", "cookies": {"a": 1}}', 422, "validation_failed"),
        (
            b'{"url": "https://acme.test/", "consent": {"cookies": "maybe"}}',
            422,
            "validation_failed",
        ),
        (b'{"url": "https://acme.test/", "spy": true}', 422, "validation_failed"),
        (b'{"url": "https://acme.test/", "properties": {"topic": 1}}', 422, "validation_failed"),
        (b'{"url": "https://acme.test/", "properties": {" ": "x"}}', 422, "validation_failed"),
        (
            b'{"url": "https://acme.test/", "properties": {"topic": "' + b"x" * 501 + b'"}}',
            422,
            "validation_failed",
        ),
        (b'{"url": "https://acme.test/' + b"x" * 2000 + b'"}', 422, "validation_failed"),
        (
            b'{"url": "https://acme.test/", "visitor_token": "' + b"x" * 300_000 + b'"}',
            413,
            "payload_too_large",
        ),
    ],
)
def test_bad_config_input_is_refused_and_no_visitor_is_made(
    api: Api, body: bytes, status: int, code: str
) -> None:
    published(api)
    response = api.client.post(
        f"/widget/v1/{api.account.account_id}/config",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert_error(response, status, code)
    assert rows(api, t.visitors) == []


def test_too_many_cookies_are_refused(api: Api) -> None:
    published(api)
    response = config(api, cookies={f"c{i}": "v" for i in range(101)})
    assert "cookies" in assert_error(response, 422, "validation_failed")["fields"]


@pytest.mark.feature("RT3")
def test_a_page_declares_at_most_thirty_routing_properties(api: Api) -> None:
    published(api)
    response = config(api, properties={f"p{i}": "v" for i in range(31)})
    assert "properties" in assert_error(response, 422, "validation_failed")["fields"]
    assert rows(api, t.visitors) == []


def test_the_widget_api_answers_cross_origin_requests(api: Api) -> None:
    published(api)
    preflight = api.client.options(
        f"/widget/v1/{api.account.account_id}/config",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    answer = api.client.post(
        f"/widget/v1/{api.account.account_id}/config",
        json={"url": "https://shop.example/"},
        headers={"Origin": "https://shop.example"},
    )
    assert answer.headers["access-control-allow-origin"] in ("*", "https://shop.example")


# ---------------------------------------------------------------- the help tab (BD5)


def _help_chatflow(api: Api, *, publish: bool = True) -> str:
    kb = add_knowledge_base(
        api, (("Reset your password", "Choose 'Forgot password'."), ("Shipping", "Two days."))
    )
    create_chatflow(
        api, published=publish, build={"knowledge_base": {"enabled": True, "knowledge_base_id": kb}}
    )
    return kb


@pytest.mark.feature("BD5")
def test_visitors_browse_search_and_read_the_help_tabs_articles(api: Api) -> None:
    kb = _help_chatflow(api)
    base = f"/widget/v1/{api.account.account_id}/knowledge-base/{kb}"
    browsed = api.client.get(f"{base}/articles")
    assert browsed.status_code == 200, browsed.text
    assert [a["title"] for a in browsed.json()] == ["Reset your password", "Shipping"]
    hits = api.client.get(f"{base}/search?q=forgot+pass").json()
    assert [hit["title"] for hit in hits] == ["Reset your password"]
    article = api.client.get(f"{base}/articles/{hits[0]['id']}").json()
    assert article["body"] == "Choose 'Forgot password'."
    assert_error(api.client.get(f"{base}/articles/art_nope"), 404, "not_found")
    assert_error(api.client.get(f"{base}/search"), 422, "validation_failed")


@pytest.mark.feature("BD5")
def test_a_knowledge_base_no_published_chatflow_shows_is_404_to_visitors(api: Api) -> None:
    kb = _help_chatflow(api, publish=False)
    (article,) = [a for a in rows(api, t.articles) if a["title"] == "Shipping"]
    hidden = add_knowledge_base(api)
    for account, kb_id in [
        (api.account.account_id, kb),
        (api.account.account_id, hidden),
        (api.account.account_id, "kb_nope"),
        ("acc_nope", kb),
    ]:
        base = f"/widget/v1/{account}/knowledge-base/{kb_id}"
        assert_error(api.client.get(f"{base}/search?q=ship"), 404, "not_found")
        assert_error(api.client.get(f"{base}/articles"), 404, "not_found")
        assert_error(api.client.get(f"{base}/articles/{article['id']}"), 404, "not_found")
    theirs = other_account(api)
    add_chatflow(api, name="Theirs", account_id=theirs.account_id, workspace_id=theirs.inbox_id)
    other = theirs.account_id
    base = f"/widget/v1/{other}/knowledge-base/{kb}"
    assert_error(api.client.get(f"{base}/search?q=ship"), 404, "not_found")
