"""The admin console (/admin) driven as an admin would (CF1-CF7): the first-time widget
set-up, the seed's examples built in the editor (the pricing page to the sales team, help
articles to the support team, never on the privacy page), the preview in three device sizes,
publishing and then seeing the chat on the demo site, office hours edited until the widget
goes offline on the server's driven clock, refusals shown beside their fields and a version
conflict explained."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from .pages import AdminConsole, DemoPage
from .scenes import MONDAY_EVENING, office_hours
from .server import DEMO_ACCOUNT, ApiClient, LiveServer

pytestmark = pytest.mark.feature("QA3")

PRICING_WELCOME = "Prices? Our sales team is here."
HELP_WELCOME = "Stuck? Our support team can help."


def _without_demo_chatflows(server: LiveServer) -> ApiClient:
    admin = server.admin()
    for flow in admin.get("/api/v1/chatflows"):
        admin.call("DELETE", f"/api/v1/chatflows/{flow['id']}")
    return admin


def _team_members(admin: ApiClient, name: str) -> set[str]:
    team = next(t for t in admin.get("/api/v1/teams") if t["name"] == name)
    return set(team["user_ids"])


def _chat_from(server: LiveServer, path: str) -> dict[str, Any]:
    """A visitor on ``path`` starts a chat the way the widget does (consent given)."""
    visitor, config = server.visitor(path)
    started = visitor.post(
        f"/widget/v1/{DEMO_ACCOUNT}/conversations",
        {
            "chatflow_id": config["chatflow_id"],
            "page_url": server.url + path,
            "consent": {"data_processing": True},
            "message": {"client_id": uuid.uuid4().hex, "text": "Hello"},
        },
    )
    return dict(started["conversation"])


def _create(console: AdminConsole, name: str) -> None:
    console.go("#/chatflows/new")
    console.page.get_by_test_id("new-name").fill(name)
    console.page.get_by_test_id("create-submit").click()
    expect(console.editor).to_be_visible()
    expect(console.page.get_by_test_id("editor-name")).to_have_value(name)


@pytest.mark.feature("CF2", "CF1")
def test_the_first_time_set_up_becomes_the_first_chatflows_defaults(
    server: LiveServer, page: Page
) -> None:
    admin = _without_demo_chatflows(server)
    console = AdminConsole(page)
    console.log_in()
    expect(page.get_by_test_id("chatflows-empty")).to_be_visible()
    page.get_by_test_id("create-chatflow").click()
    expect(page.get_by_test_id("setup-page")).to_contain_text("Set up the chat widget")

    console.control("accent_color").fill("#0b6e4f")
    page.get_by_test_id("setup-next").click()
    console.control("welcome_message").fill("Hei! Hva kan vi hjelpe deg med?")
    console.control("heading.kind").select_option("branding")
    console.control("heading.brand_name").fill("Nordlys")
    console.field("assignment.team_ids").get_by_label("Sales").check()
    page.get_by_test_id("setup-next").click()
    console.control("availability.mode").select_option("office_hours")
    console.control("availability.timezone").fill("Europe/Oslo")
    page.get_by_role("button", name="+ Add hours").click()
    page.get_by_test_id("setup-next").click()  # save, then on to the chatflow

    expect(page.get_by_test_id("create-page")).to_be_visible()
    page.get_by_test_id("new-name").fill("Our first chat")
    page.get_by_test_id("create-submit").click()
    expect(console.editor).to_be_visible()
    expect(console.control("build.welcome_message")).to_have_value(
        "Hei! Hva kan vi hjelpe deg med?"
    )
    console.tab("display")
    expect(console.page.get_by_test_id("field-accent_color")).to_have_value("#0b6e4f")

    defaults = admin.get("/api/v1/account")["widget_defaults"]
    assert defaults["heading"]["brand_name"] == "Nordlys"
    (created,) = admin.get("/api/v1/chatflows")
    assert created["display"]["accent_color"] == "#0b6e4f"
    assert created["build"]["assignment"]["team_ids"] == [
        next(t["id"] for t in admin.get("/api/v1/teams") if t["name"] == "Sales")
    ]
    availability = created["build"]["availability"]
    assert availability["mode"] == "office_hours"
    assert availability["office_hours"] == [{"day": "monday", "start": "09:00", "end": "17:00"}]


def _build_seed_chatflow(
    console: AdminConsole,
    name: str,
    team: str,
    operator: str,
    value: str,
    welcome: str,
) -> None:
    _create(console, name)
    console.control("build.welcome_message").fill(welcome)
    console.field("build.assignment.team_ids").get_by_label(team).check()
    console.tab("target")
    console.set_rule("target.groups[0].rules", 0, "page_url", operator, value)
    console.page.get_by_role("button", name="+ Add exclusion rule").click()
    console.set_rule("target.exclusions", 0, "page_url", "contains", "/demo/privacy")
    console.tab("options")
    console.switch("options.data_processing_consent.enabled").uncheck()
    console.switch("options.cookie_consent.enabled").uncheck()
    console.published.check()  # the switch saves, validated whole
    expect(console.status).to_have_attribute("data-state", "saved")


@pytest.mark.feature("CF1", "CF3", "CF7", "TG1", "TG3", "RT1")
def test_the_seeds_examples_built_in_the_console_route_to_the_right_teams(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    admin = _without_demo_chatflows(server)
    console = AdminConsole(new_context().new_page())
    console.log_in()
    _build_seed_chatflow(
        console, "Sales on pricing", "Sales", "contains", "/demo/pricing", PRICING_WELCOME
    )
    _build_seed_chatflow(
        console, "Support on articles", "Support", "starts_with", "/demo/help/", HELP_WELCOME
    )

    console.go("#/chatflows")
    rows = console.page.get_by_test_id("chatflow-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Sales on pricing").get_by_test_id("chatflow-where")).to_have_text(
        "Where the page URL contains “/demo/pricing”; never where the page URL contains "
        "“/demo/privacy”"
    )

    visitor = DemoPage(new_context().new_page())
    expect(visitor.open("/demo/pricing").prompt_text).to_have_text(PRICING_WELCOME)
    expect(visitor.open("/demo/help/reset-password").prompt_text).to_have_text(HELP_WELCOME)
    visitor.open_without_widget("/demo/privacy")

    sales_chat = _chat_from(server, "/demo/pricing")
    support_chat = _chat_from(server, "/demo/help/shipping-times")
    assert sales_chat["agent"] is not None and support_chat["agent"] is not None
    held = {c["id"]: c["assignee_id"] for c in admin.get("/api/v1/conversations?view=all")}
    assert held[sales_chat["id"]] in _team_members(admin, "Sales")
    assert held[support_chat["id"]] in _team_members(admin, "Support")


@pytest.mark.feature("CF4", "DS1", "DS2", "AV6")
def test_the_preview_shows_the_unsaved_draft_in_three_device_sizes(
    server: LiveServer, page: Page
) -> None:
    server.set_clock(MONDAY_EVENING)  # outside the pricing chatflow's office hours
    console = AdminConsole(page)
    console.log_in()
    console.open_chatflow("Sales on the pricing page")
    console.control("build.welcome_message").fill("Draft: ask us about prices")
    page.get_by_test_id("preview-state").select_option("available")
    console.expect_preview_shown()
    frame = console.frame
    for device, width in (("desktop", "1280"), ("tablet", "768"), ("mobile", "390")):
        console.device(device)
        expect(page.get_by_test_id("preview-frame")).to_have_attribute("width", width)
        # Time on page (5 s) has not passed: the widget waits, then the trigger fires.
        console.expect_widget_mode("hidden")
        page.get_by_test_id("preview-trigger-time_on_page").click()
        expected = "prompt" if device != "mobile" else "launcher"
        console.expect_widget_mode(expected)
        expect(frame.locator("#livechat-widget")).to_have_attribute("data-mode", expected)
        if device != "mobile":
            expect(frame.get_by_test_id("lc-prompt-text")).to_have_text(
                "Draft: ask us about prices"
            )
        assert frame.locator("body").evaluate("() => window.innerWidth") == int(width)
    console.device("desktop")
    page.get_by_test_id("preview-state").select_option("")  # as it is now: offline
    expect(console.preview).to_have_attribute("data-state", "offline")
    console.expect_preview_shown()
    page.get_by_test_id("preview-trigger-time_on_page").click()
    expect(frame.get_by_test_id("lc-prompt-text")).to_have_text(
        "We're away right now. We'll be back tomorrow at 08:00."
    )
    # Nothing was saved.
    flows = server.admin().get("/api/v1/chatflows")
    saved = next(f for f in flows if f["name"] == "Sales on the pricing page")
    assert saved["build"]["welcome_message"] != "Draft: ask us about prices"


@pytest.mark.feature("CF3", "CF5")
def test_publishing_in_the_console_puts_the_chat_on_the_demo_site(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    path = server.chatflow("publish-me", build={"welcome_message": "Freshly published"})
    server.admin().post(f"/api/v1/chatflows/{server.last_chatflow_id}/unpublish")
    visitor = DemoPage(new_context().new_page())
    # The demo's own "everywhere" chatflow would answer instead: switch it off too.
    console = AdminConsole(new_context().new_page())
    console.log_in()
    row = console.page.get_by_test_id("chatflow-row").filter(has_text="Everywhere else")
    row.get_by_test_id("publish-switch").uncheck()
    expect(row.get_by_test_id("publish-state")).to_have_text("Off")
    visitor.open_without_widget(path)

    mine = console.page.get_by_test_id("chatflow-row").filter(has_text="e2e publish-me")
    mine.get_by_test_id("publish-switch").check()
    expect(mine.get_by_test_id("publish-state")).to_have_text("On")
    expect(visitor.open(path).prompt_text).to_have_text("Freshly published")


@pytest.mark.feature("AV2", "AV6", "CF7")
def test_office_hours_edited_in_the_console_take_the_widget_offline(
    server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    # The server's clock is Monday 10:00 in Oslo; the chatflow is open 08:00-16:00.
    path = server.chatflow(
        "hours",
        build={"welcome_message": "We're here", **office_hours(offline_behaviour="return_time")},
    )
    visitor = DemoPage(new_context().new_page())
    expect(visitor.open(path).prompt_text).to_have_text("We're here")

    console = AdminConsole(new_context().new_page())
    console.log_in()
    console.open_chatflow("e2e hours")
    monday = console.rule_row("build.availability.office_hours", 0)
    monday.get_by_test_id("hours-end").fill("09:30")
    console.save()
    expect(visitor.open(path).prompt_text).to_have_text(
        "We're away right now. We'll be back tomorrow at 08:00."
    )

    # "+ Add hours": a second range on Monday afternoon opens it again.
    console.page.get_by_role("button", name="+ Add hours").click()
    added = console.rule_row("build.availability.office_hours", 5)
    added.get_by_test_id("hours-start").fill("09:45")
    added.get_by_test_id("hours-end").fill("18:00")
    console.save()
    expect(visitor.open(path).prompt_text).to_have_text("We're here")


@pytest.mark.feature("CF7")
def test_refusals_show_beside_their_fields_and_a_conflict_is_explained(
    server: LiveServer, page: Page
) -> None:
    server.chatflow("errors")
    console = AdminConsole(page)
    console.log_in()
    console.open_chatflow("e2e errors")
    console.tab("display")
    page.get_by_test_id("field-accent_color").fill("orange")
    console.tab("build")
    hours = console.field("build.availability.office_hours")
    console.control("build.availability.mode").select_option("office_hours")
    console.save_button.click()
    expect(console.status).to_have_attribute("data-state", "error")
    expect(console.error_for("build.availability.office_hours")).to_be_visible()
    expect(hours).to_have_attribute("data-invalid", "true")
    expect(page.get_by_test_id("editor-tab-display")).to_have_text("Display (1)")
    page.get_by_test_id("editor-tab-display").click()
    expect(console.error_for("display.accent_color")).to_have_text('must be a colour "#rrggbb"')

    page.get_by_test_id("field-accent_color").fill("#224466")
    console.tab("build")
    console.control("build.availability.mode").select_option("always")
    # Meanwhile someone else saves the same chatflow.
    server.admin().patch(
        f"/api/v1/chatflows/{server.last_chatflow_id}/build", {"welcome_message": "Theirs"}
    )
    console.save_button.click()
    expect(console.conflict).to_contain_text("changed by someone else")
    page.get_by_test_id("conflict-overwrite").click()
    expect(console.status).to_have_attribute("data-state", "saved")
    saved = server.admin().get(f"/api/v1/chatflows/{server.last_chatflow_id}")
    assert saved["display"]["accent_color"] == "#224466"
    assert saved["build"]["availability"]["mode"] == "always"


@pytest.mark.feature("CF6")
def test_what_a_user_may_not_do_is_not_offered(server: LiveServer, page: Page) -> None:
    console = AdminConsole(page)
    console.log_in("agent1@demo.test")
    expect(page.get_by_test_id("chatflows-page")).to_be_visible()
    expect(page.get_by_test_id("create-chatflow")).to_have_count(0)
    expect(page.get_by_test_id("publish-switch").first).to_be_disabled()
    expect(page.get_by_test_id("nav-keys")).to_have_count(0)
    console.open_chatflow("Sales on the pricing page")
    expect(console.save_button).to_be_disabled()
    expect(console.control("build.welcome_message")).to_be_disabled()
    console.go("#/people")
    me = page.locator('[data-testid="user-row"][data-email="agent1@demo.test"]')
    colleague = page.locator('[data-testid="user-row"][data-email="agent2@demo.test"]')
    expect(me.get_by_test_id("user-status")).to_be_visible()  # one's own status only
    expect(me.get_by_test_id("user-capacity")).to_have_count(0)
    expect(colleague.get_by_test_id("user-status")).to_have_count(0)
    expect(page.get_by_test_id("new-user-form")).to_have_count(0)
    # A users manager sets others' status and capacity, but makes no admins.
    admin = server.admin()
    lead = admin.post(
        "/api/v1/users",
        {
            "email": "lead@demo.test",
            "name": "Lead",
            "password": "lead-password",
            "permissions": ["users"],
        },
    )
    console.page.get_by_test_id("admin-logout").click()
    console.log_in("lead@demo.test", "lead-password")
    console.go("#/people")
    expect(colleague.get_by_test_id("user-capacity")).to_be_visible()
    expect(page.get_by_test_id("new-user-role").locator("option")).to_have_text(["agent"])
    assert lead["role"] == "agent"
