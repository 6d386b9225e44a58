"""Issue 8 §4: rules decided once, on the server — and the JavaScript only shows them.

For a matrix of chatflows (cookie banner timing, data-processing consent, language, display
triggers), pages (the SDK's ``enableWidgetCookieBanner``), devices and visitors (new, agreed
before, answered the banner), this asks the server for the widget's config the way the
loader does, then runs the widget's own modules (``consent.js``, ``texts.js``,
``triggers.js``) on each answer under Node, and checks what they would show against values
derived from the domain directly: ``may_send_message`` over ``consent_for_conversation``,
``refusal_text``, ``show_cookie_banner_now`` and ``trigger_fires`` over ``widget_mode``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reference_server.domain.availability import AvailabilityView, ChatState
from reference_server.domain.chatflow import Chatflow, chatflow_from_dict
from reference_server.domain.consent import (
    BannerMoment,
    CompanyNames,
    ConsentGiven,
    ConsentRecord,
    PageBanner,
    consent_for_conversation,
    consent_plan,
    may_send_message,
    remember_answers,
    show_cookie_banner_now,
)
from reference_server.domain.conversation import SendRefusal, refusal_text
from reference_server.domain.display import (
    Device,
    TriggerEvent,
    TriggerKind,
    VisitorCookies,
    trigger_fires,
    widget_mode,
)

from .conftest import Api
from .scene import add_agent, config_json, pages, published

RUNNER = Path(__file__).resolve().parents[1] / "js" / "conformance_runner.mjs"
ACME = CompanyNames(company_name="Acme AS", account_name="Acme", domain="acme.test")
PAGE_BANNER = {False: PageBanner.CHATFLOW, True: PageBanner.ON_WIDGET_LOAD}
PAGE_BANNER |= {"ON_EXIT_INTENT": PageBanner.ON_EXIT_INTENT}
COOKIES = {
    "off": {"enabled": False},
    "before_chat": {"enabled": True, "timing": "before_chat"},
    "on_exit": {"enabled": True, "timing": "on_exit"},
}
PROCESSING = {
    "off": {"enabled": False},
    "explicit": {"enabled": True, "kind": "explicit", "text": "We store what you write."},
    "legitimate_interest": {"enabled": True, "kind": "legitimate_interest"},
}
VISITORS = ("new", "agreed", "answered_cookies")
EVENTS = (
    [{"kind": "time_on_page", "value": value} for value in (0, 4.9, 5, 60)]
    + [{"kind": "scroll", "value": value} for value in (0, 39.9, 40, 100)]
    + [{"kind": "exit_intent", "value": 0}]
)
TRIGGERS = {
    "none": {},
    "all": {"exit_intent": True, "time_on_page_seconds": 5, "scroll_percentage": 40},
    "scroll": {"scroll_percentage": 40},
}


def domain_chatflow(stored: dict[str, Any]) -> Chatflow:
    """The chatflow the API answered with, as the domain's settings (without the record's
    own fields)."""
    return chatflow_from_dict(
        {k: v for k, v in stored.items() if k not in {"version", "created_at", "updated_at"}}
    )


@dataclass
class Case:
    chatflow: Chatflow
    page_banner: bool | str
    device: str
    visitor: str
    config: dict[str, Any]


def run_widget_modules(cases: list[Case]) -> list[dict[str, Any]]:
    payload = {"cases": [{"config": case.config, "events": EVENTS} for case in cases]}
    done = subprocess.run(
        ["node", str(RUNNER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def visit(api: Api, chatflow: Chatflow, case: str, visitor: str, **fields: Any) -> dict[str, Any]:
    """The loader's config call for a visitor in the given state."""
    url = f"https://acme.test/{case}"
    answer = config_json(api, url, **fields)
    if visitor == "new":
        return answer
    token = answer["visitor"]["token"]
    if visitor == "agreed":
        agreed = api.client.post(
            f"/widget/v1/{api.account.account_id}/consent",
            headers={"X-Visitor-Token": token},
            json={"chatflow_id": chatflow.id, "data_processing": True},
        )
        assert agreed.status_code == 200, agreed.text
        return config_json(api, url, visitor_token=token, **fields)
    return config_json(api, url, visitor_token=token, consent={"cookies": False}, **fields)


def expected(case: Case) -> dict[str, Any]:
    """What the widget must show, from the domain alone."""
    chatflow = case.chatflow
    plan = consent_plan(
        chatflow.options, chatflow.language, False, ACME, PAGE_BANNER[case.page_banner]
    )
    record = ConsentRecord()
    if case.visitor == "agreed":
        record = remember_answers(record, plan, data_processing=True)
    if case.visitor == "answered_cookies":
        record = remember_answers(record, plan, cookies=False)
    given = consent_for_conversation(plan, record)
    blocked = not may_send_message(plan, given).allowed
    language = chatflow.language
    view = AvailabilityView(ChatState.AVAILABLE)  # the account's admin is available
    device = Device(case.device)
    cookies = VisitorCookies()
    display = chatflow.display
    watched = widget_mode(display, device, view, cookies, False) != widget_mode(
        display, device, view, cookies, True
    )
    return {
        "sendBlocked": blocked,
        "agree": blocked,
        "hint": refusal_text(SendRefusal.CONSENT_REQUIRED, language) if blocked else "",
        "banner": {
            moment.value: show_cookie_banner_now(plan, ConsentGiven(cookies=given.cookies), moment)
            for moment in BannerMoment
        },
        "refusals": {refusal.value: refusal_text(refusal, language) for refusal in SendRefusal},
        "fired": [
            watched
            and trigger_fires(display.triggers, TriggerEvent(TriggerKind(e["kind"]), e["value"]))
            for e in EVENTS
        ],
    }


@pytest.mark.feature("OP1", "OP3", "OP4", "DS2", "CV6")
def test_the_widget_shows_exactly_what_the_domain_decides(api: Api) -> None:
    add_agent(api, "Ann")
    cases: list[Case] = []
    for number, (cookie, processing) in enumerate(itertools.product(COOKIES, PROCESSING)):
        name = f"c{number}"
        language = ("en", "nb")[number % 2]
        stored = published(
            api,
            name,
            language=language,
            target=pages(f"/{name}-"),
            options={
                "cookie_consent": COOKIES[cookie],
                "data_processing_consent": PROCESSING[processing],
            },
        )
        chatflow = domain_chatflow(stored)
        for page_banner, visitor in itertools.product(PAGE_BANNER, VISITORS):
            fields = {"enable_widget_cookie_banner": page_banner}
            config = visit(api, chatflow, f"{name}-page", visitor, **fields)
            cases.append(Case(chatflow, page_banner, "desktop", visitor, config))
    for number, (triggers, desktop, device) in enumerate(
        itertools.product(
            TRIGGERS, ("prompt", "launcher", "prompt_then_open"), ("desktop", "mobile")
        )
    ):
        name = f"t{number}"
        stored = published(
            api,
            name,
            build={"availability": {"mode": "always"}},
            target=pages(f"/{name}-"),
            display={"desktop": desktop, "mobile": "prompt", "triggers": TRIGGERS[triggers]},
            options={
                "cookie_consent": COOKIES["off"],
                "data_processing_consent": PROCESSING["off"],
            },
        )
        chatflow = domain_chatflow(stored)
        config = visit(api, chatflow, f"{name}-page", "new", device=device)
        cases.append(Case(chatflow, False, device, "new", config))

    shown = run_widget_modules(cases)
    assert len(shown) == len(cases) >= 90
    mismatches = [
        (case.chatflow.name, case.page_banner, case.device, case.visitor, got, want)
        for case, got in zip(cases, shown, strict=True)
        if got != (want := expected(case))
    ]
    assert mismatches == []
