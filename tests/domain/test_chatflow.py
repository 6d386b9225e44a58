"""The chatflow settings model: defaults, validation naming every bad field, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_server.domain.chatflow import (
    AccountDefaults,
    AvailabilityMode,
    AvailabilitySettings,
    BuildSettings,
    Chatflow,
    DisplaySettings,
    FilterGroup,
    HeadingKind,
    HeadingSettings,
    OfficeHours,
    ReferenceContext,
    Rule,
    RuleField,
    RuleOperator,
    TargetSettings,
    Weekday,
    Workspace,
    WorkspaceKind,
    chatflow_from_dict,
    chatflow_to_dict,
    check_references,
    link_problem,
    new_chatflow,
    parse_hhmm,
)
from reference_server.domain.codec import FieldError, InvalidData, from_dict, join_path


def minimal(**extra: Any) -> dict[str, Any]:
    return {"id": "cf1", "name": "Sales", "workspace": {"kind": "inbox", "id": "inbox-1"}, **extra}


def errors_of(data: Any) -> dict[str, str]:
    with pytest.raises(InvalidData) as caught:
        chatflow_from_dict(data)
    return caught.value.as_fields()


@pytest.mark.feature("CF1")
def test_a_minimal_chatflow_gets_the_products_defaults() -> None:
    chatflow = chatflow_from_dict(minimal())
    assert chatflow.published is False
    assert chatflow.language == "en"
    assert chatflow.options.cookie_consent.enabled is True  # OP3: on by default
    assert chatflow.options.data_processing_consent.enabled is True  # OP4: on by default
    assert chatflow.target.groups[0].rules[0].operator is RuleOperator.ALL_PAGES


@pytest.mark.feature("CF7")
def test_validation_names_every_bad_field_at_once() -> None:
    data = minimal(priority="high", surprise=1)
    data["build"] = {
        "welcome_message": "",
        "availability": {"mode": "office_hours", "timezone": "Mars/Olympus"},
    }
    data["display"] = {"accent_color": "orange", "triggers": {"scroll_percentage": 150}}
    data["target"] = {"groups": [{"rules": [{"field": "device", "operator": "contains"}]}]}
    assert errors_of(data) == {
        "priority": "must be a whole number",
        "surprise": "is not a known setting",
        "build.welcome_message": "must not be empty",
        "build.availability.timezone": "must be an IANA time zone, e.g. Europe/Oslo",
        "build.availability.office_hours": "must have at least one range",
        "display.accent_color": 'must be a colour "#rrggbb"',
        "display.triggers.scroll_percentage": "must be 1 to 100 percent",
        "target.groups[0].rules[0].operator": "cannot be used with device",
    }


@pytest.mark.feature("CF7")
@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ([], "", "must be an object"),
        ({"name": "x", "workspace": {"id": "i"}}, "id", "is required"),
        (minimal(name="  "), "name", "must not be empty"),
        (minimal(name="n" * 201), "name", "must be at most 200 characters"),
        (minimal(priority=-1), "priority", "must be 0 to 1000000"),
        (minimal(priority=1_000_001), "priority", "must be 0 to 1000000"),
        (minimal(id=" "), "id", "must not be empty"),
        (minimal(published="yes"), "published", "must be true or false"),
        (minimal(priority=True), "priority", "must be a whole number"),
        (minimal(language="de"), "language", "must be one of 'en', 'nb'"),
        (
            minimal(workspace={"kind": "inbox", "id": ""}),
            "workspace.id",
            "must name an inbox or helpdesk",
        ),
        (
            minimal(build={"welcome_message": "w" * 1001}),
            "build.welcome_message",
            "must be at most 1000 characters",
        ),
        (
            minimal(build={"heading": {"kind": "branding"}}),
            "build.heading.brand_name",
            "must not be empty for a branding heading",
        ),
        (
            minimal(build={"heading": {"brand_alias": True}}),
            "build.heading.brand_alias",
            "needs the branding heading",
        ),
        (
            minimal(build={"heading": {"brand_avatar_url": "//evil.example/a.png"}}),
            "build.heading.brand_avatar_url",
            "must be an http(s) address or a path (/...)",
        ),
        (
            minimal(build={"heading": {"brand_avatar_url": "/\\evil.example/a.png"}}),
            "build.heading.brand_avatar_url",
            "must be an http(s) address or a path (/...)",
        ),
        (
            minimal(
                options={"data_processing_consent": {"privacy_policy_url": "javascript:alert(1)"}}
            ),
            "options.data_processing_consent.privacy_policy_url",
            "must be an http(s) address or a path (/...)",
        ),
        (
            minimal(options={"data_processing_consent": {"privacy_policy_url": "https://"}}),
            "options.data_processing_consent.privacy_policy_url",
            "must be an http(s) address or a path (/...)",
        ),
        (
            minimal(
                options={"data_processing_consent": {"privacy_policy_url": "data:text/html,x"}}
            ),
            "options.data_processing_consent.privacy_policy_url",
            "must be an http(s) address or a path (/...)",
        ),
        (
            minimal(build={"knowledge_base": {"enabled": True}}),
            "build.knowledge_base.knowledge_base_id",
            "must be chosen when search is on",
        ),
        (
            minimal(build={"assignment": {"user_ids": "u1"}}),
            "build.assignment.user_ids",
            "must be a list",
        ),
        (
            minimal(
                build={
                    "assignment": {
                        "skill_rules": [{"property": " ", "value": "x", "skills": ["a"]}]
                    }
                }
            ),
            "build.assignment.skill_rules[0].property",
            "must not be empty",
        ),
        (
            minimal(
                build={
                    "assignment": {
                        "skill_rules": [{"property": "language", "value": "nb", "skills": []}]
                    }
                }
            ),
            "build.assignment.skill_rules[0].skills",
            "must name at least one skill",
        ),
        (
            minimal(build={"availability": {"away_message_enabled": True}}),
            "build.availability.away_message",
            "must not be empty when it is shown",
        ),
        (
            minimal(
                build={
                    "availability": {
                        "mode": "office_hours",
                        "offline_behaviour": "away_message",
                        "office_hours": [{"day": "monday"}],
                    }
                }
            ),
            "build.availability.away_message",
            "must not be empty when it is shown",
        ),
        (
            minimal(build={"availability": {"at_capacity_behaviour": "wait_message"}}),
            "build.availability.wait_message",
            "must not be empty when it is shown",
        ),
        (
            minimal(build={"availability": {"office_hours": [{"day": "monday", "start": "9:00"}]}}),
            "build.availability.office_hours[0].start",
            'must be a time of day "HH:MM" (00:00–24:00)',
        ),
        (
            minimal(
                build={
                    "availability": {
                        "office_hours": [{"day": "monday", "start": "10:00", "end": "10:00"}]
                    }
                }
            ),
            "build.availability.office_hours[0].end",
            "must differ from start",
        ),
        (
            minimal(build={"availability": {"office_hours": [{"day": "funday"}]}}),
            "build.availability.office_hours[0].day",
            "must be one of 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', "
            "'saturday', 'sunday'",
        ),
        (minimal(target={"groups": []}), "target.groups", "must have at least one group"),
        (
            minimal(target={"groups": [{"rules": []}]}),
            "target.groups[0].rules",
            "must have at least one rule",
        ),
        (
            minimal(
                target={
                    "groups": [
                        {"rules": [{"field": "query_parameter", "operator": "is", "value": "x"}]}
                    ]
                }
            ),
            "target.groups[0].rules[0].name",
            "must name the query parameter",
        ),
        (
            minimal(
                target={
                    "groups": [
                        {"rules": [{"field": "visitor", "operator": "is", "value": "robot"}]}
                    ]
                }
            ),
            "target.groups[0].rules[0].value",
            "must be 'known_contact' or 'unknown_visitor'",
        ),
        (
            minimal(
                target={
                    "groups": [{"rules": [{"field": "device", "operator": "is", "value": "tv"}]}]
                }
            ),
            "target.groups[0].rules[0].value",
            "must be 'desktop', 'tablet' or 'mobile'",
        ),
        (
            minimal(target={"exclusions": [{"field": "page_url", "operator": "is", "value": " "}]}),
            "target.exclusions[0].value",
            "must not be empty",
        ),
        (
            minimal(target={"groups": [{"rules": [{"operator": "contains", "value": "?a=b"}]}]}),
            "target.groups[0].rules[0].value",
            "names no page: use a query parameter rule",
        ),
        (
            minimal(display={"triggers": {"time_on_page_seconds": -1}}),
            "display.triggers.time_on_page_seconds",
            "must be 0 to 3600 seconds",
        ),
        (
            minimal(display={"desktop": 3}),
            "display.desktop",
            "must be one of 'prompt', 'launcher', 'prompt_then_open'",
        ),
        (
            minimal(options={"ticket_defaults": {"priority": 1}}),
            "options.ticket_defaults.priority",
            "must be a text value",
        ),
        (minimal(options={"ticket_defaults": []}), "options.ticket_defaults", "must be an object"),
        (
            minimal(options={"communication_consent": {"enabled": True}}),
            "options.communication_consent.subscription_type",
            "must be chosen when consent is on",
        ),
        (
            minimal(options={"csat": {"enabled": True}}),
            "options.csat.survey_id",
            "must be chosen when the survey is on",
        ),
        (
            minimal(options={"csat": {"enabled": True, "survey_id": 7}}),
            "options.csat.survey_id",
            "must be text",
        ),
        (
            minimal(build={"availability": {"reply_time": None}}),
            "build.availability.reply_time",
            "must be one of 'none', 'few_minutes', 'few_hours', 'a_day'",
        ),
        (
            minimal(display={"triggers": {"scroll_percentage": 2.5}}),
            "display.triggers.scroll_percentage",
            "must be a whole number",
        ),
    ],
)
def test_each_bad_setting_is_named_with_a_message(data: Any, path: str, message: str) -> None:
    assert errors_of(data)[path] == message


@pytest.mark.feature("CF7")
def test_a_missing_required_field_deep_inside_is_named() -> None:
    data = minimal(
        build={"availability": {"mode": "office_hours", "office_hours": [{"start": "09:00"}]}}
    )
    assert errors_of(data) == {"build.availability.office_hours[0].day": "is required"}


@pytest.mark.feature("CF7")
def test_invalid_data_summarises_its_errors_in_its_message() -> None:
    with pytest.raises(InvalidData, match=r"2 invalid field\(s\): \(root\): must be an object"):
        from_dict(Workspace, "inbox", "")
    assert join_path("", "a") == "a" and join_path("a", 0) == "a[0]"


@pytest.mark.feature("CF1", "CF7")
def test_a_full_chatflow_round_trips_through_its_dict_form_unchanged() -> None:
    chatflow = Chatflow(
        id="cf9",
        name="Support",
        workspace=Workspace(kind=WorkspaceKind.HELPDESK, id="hd-1"),
        published=True,
        build=BuildSettings(
            heading=HeadingSettings(kind=HeadingKind.BRANDING, brand_name="ACME", brand_alias=True),
            availability=AvailabilitySettings(
                mode=AvailabilityMode.OFFICE_HOURS,
                timezone="Europe/Oslo",
                office_hours=(
                    OfficeHours(Weekday.MONDAY, "08:00", "11:30"),
                    OfficeHours(Weekday.MONDAY, "12:00", "24:00"),
                ),
            ),
        ),
        target=TargetSettings(
            groups=(FilterGroup((Rule(RuleField.QUERY_PARAMETER, RuleOperator.IS, "x", "utm"),)),),
            exclusions=(Rule(RuleField.PAGE_URL, RuleOperator.IS, "/privacy"),),
        ),
        display=DisplaySettings(accent_color="#123abc"),
    )
    data = chatflow_to_dict(chatflow)
    assert chatflow_from_dict(data) == chatflow
    assert data["build"]["availability"]["office_hours"][1] == {
        "day": "monday",
        "start": "12:00",
        "end": "24:00",
    }


@pytest.mark.feature("CF7")
@settings(max_examples=150, deadline=None)
@given(
    name=st.text(min_size=1, max_size=40).filter(str.strip),
    priority=st.integers(0, 1_000_000),
    welcome=st.text(min_size=1, max_size=80).filter(str.strip),
    scroll=st.one_of(st.none(), st.integers(1, 100)),
    hours=st.lists(
        st.tuples(st.sampled_from(list(Weekday)), st.integers(0, 23), st.integers(1, 24)),
        max_size=5,
    ),
    ticket=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)
def test_any_valid_settings_dict_round_trips_unchanged(
    name: str,
    priority: int,
    welcome: str,
    scroll: int | None,
    hours: list[tuple[Weekday, int, int]],
    ticket: dict[str, str],
) -> None:
    data = chatflow_to_dict(chatflow_from_dict(minimal()))
    data.update(name=name, priority=priority)
    data["build"]["welcome_message"] = welcome
    data["display"]["triggers"]["scroll_percentage"] = scroll
    data["options"]["ticket_defaults"] = ticket
    data["build"]["availability"]["office_hours"] = [
        {"day": day.value, "start": f"{start:02d}:00", "end": f"{end:02d}:00"}
        for day, start, end in hours
        if start != end
    ]
    assert chatflow_to_dict(chatflow_from_dict(data)) == data


@pytest.mark.feature("CF7")
@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_any_json_value_is_either_a_chatflow_or_a_list_of_field_errors(data: Any) -> None:
    for candidate in (data, minimal(build=data), minimal(target={"groups": [{"rules": [data]}]})):
        try:
            chatflow_from_dict(candidate)
        except InvalidData as error:
            assert error.errors and all(isinstance(e, FieldError) for e in error.errors)


@pytest.mark.feature("AV2")
def test_hhmm_parses_times_of_day_and_the_end_of_the_day() -> None:
    assert parse_hhmm("00:00") == 0
    assert parse_hhmm("09:30") == 570
    assert parse_hhmm("24:00") == 1440
    with pytest.raises(ValueError, match="not a time of day"):
        parse_hhmm("24:01")
    assert Weekday.SUNDAY.number == 6


@pytest.mark.feature("CF2")
def test_a_new_chatflow_starts_from_the_accounts_widget_set_up() -> None:
    defaults = AccountDefaults(accent_color="#00aa00", welcome_message="Hei!")
    chatflow = new_chatflow("c2", "Nordic", Workspace(id="i"), defaults, published=True)
    assert chatflow.display.accent_color == "#00aa00"
    assert chatflow.build.welcome_message == "Hei!"
    assert chatflow.published is True
    with pytest.raises(InvalidData) as caught:
        from_dict(AccountDefaults, {"accent_color": "green", "welcome_message": ""})
    assert set(caught.value.as_fields()) == {"accent_color", "welcome_message"}


def _context() -> ReferenceContext:
    return ReferenceContext(
        chat_workspaces={("inbox", "inbox-1")},
        seated_user_ids={"u1"},
        user_ids={"u1", "u2"},
        team_ids={"t1"},
        knowledge_base_ids={"kb1"},
        chat_survey_ids={"s1"},
    )


@pytest.mark.feature("CF1", "CF6")
def test_references_must_exist_and_routing_may_name_only_seated_users() -> None:
    data = minimal()
    data["workspace"] = {"kind": "helpdesk", "id": "inbox-1"}
    data["build"] = {
        "assignment": {"user_ids": ["u1", "u2", "ghost"], "team_ids": ["t1", "t9"]},
        "heading": {"user_ids": ["u2", "nobody"], "team_ids": ["t0"]},
        "knowledge_base": {"enabled": True, "knowledge_base_id": "kb2"},
    }
    data["options"] = {"csat": {"enabled": True, "survey_id": "email-survey"}}
    found = {e.path: e.message for e in check_references(chatflow_from_dict(data), _context())}
    assert found == {
        "workspace.id": "must be an inbox or helpdesk with a chat channel",
        "build.assignment.user_ids[1]": "user 'u2' has no seat",
        "build.assignment.user_ids[2]": "no user 'ghost'",
        "build.assignment.team_ids[1]": "no team 't9'",
        "build.heading.user_ids[1]": "no user 'nobody'",
        "build.heading.team_ids[0]": "no team 't0'",
        "build.knowledge_base.knowledge_base_id": "no such knowledge base",
        "options.csat.survey_id": "must be a survey delivered by chat",
    }


@pytest.mark.feature("CF1", "CF6")
def test_a_chatflow_naming_only_what_exists_has_no_reference_errors() -> None:
    data = minimal(
        build={
            "assignment": {"user_ids": ["u1"], "team_ids": ["t1"]},
            "knowledge_base": {"enabled": True, "knowledge_base_id": "kb1"},
        },
        options={"csat": {"enabled": True, "survey_id": "s1"}},
    )
    assert check_references(chatflow_from_dict(data), _context()) == []


@pytest.mark.feature("BD3", "OP4")
@pytest.mark.parametrize(
    "url",
    ["", "https://acme.test/privacy", "http://acme.test/p", " HTTPS://ACME.TEST/", "/privacy"],
)
def test_links_to_web_addresses_and_paths_are_allowed(url: str) -> None:
    assert link_problem(url) is None
