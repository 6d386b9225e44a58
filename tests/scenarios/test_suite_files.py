"""QA1: a bad suite file is refused with an error that names the file, the scenario, the step
and the field, and nothing of it runs."""

from __future__ import annotations

import pytest

from scenarios.suite.loader import SuiteError, parse_suite

pytestmark = pytest.mark.feature("QA1")

GOOD_STEP = "      - view: {visitor: anna, url: 'https://acme.test/'}\n"


def refused(text: str) -> list[str]:
    with pytest.raises(SuiteError) as caught:
        parse_suite(text, "suites/test_x.suite.yaml")
    return caught.value.problems


def suite(steps: str, *, head: str = "") -> str:
    return (
        "scenarios:\n"
        "  - name: Offline at night\n"
        "    features: [AV6]\n"
        f"{head}"
        "    steps:\n"
        f"{GOOD_STEP}{steps}"
    )


def test_a_missing_field_names_file_scenario_step_and_field() -> None:
    problems = refused(suite("      - start_chat: {text: Hello}\n"))
    assert problems == [
        'suites/test_x.suite.yaml, scenario "Offline at night", step 2 (start_chat): '
        "start_chat.visitor: Field required"
    ]


def test_a_misspelt_field_is_named() -> None:
    problems = refused(suite("      - view: {visitor: anna, ulr: 'https://acme.test/'}\n"))
    where = 'suites/test_x.suite.yaml, scenario "Offline at night", step 2 (view): '
    assert problems == [
        f"{where}view.url: Field required",
        f"{where}view.ulr: Extra inputs are not permitted",
    ]


def test_two_actions_in_one_step_are_refused() -> None:
    (problem,) = refused(suite("      - {wait: 5m, leave: anna}\n"))
    assert problem.endswith("step 2 (wait): one action per step, not wait, leave")


def test_a_bad_duration_and_a_bad_expectation_are_both_named() -> None:
    problems = refused(
        suite("      - wait: soon\n      - expect: {chats: [{chat: c1, status: lost}]}\n")
    )
    assert len(problems) == 2
    assert "step 2 (wait): wait: a number of seconds, or a duration" in problems[0]
    assert "step 3: expect.chats.0.status: Input should be 'waiting'" in problems[1]


def test_a_bad_set_up_is_named_by_scenario() -> None:
    head = "    setup:\n      users: [{name: kari, teams: [nobody]}]\n"
    (problem,) = refused(suite("", head=head))
    assert problem == (
        'suites/test_x.suite.yaml, scenario "Offline at night": setup: '
        "users[0].teams: no team named 'nobody'"
    )


def test_a_feature_id_must_look_like_one_and_steps_are_required() -> None:
    problems = refused("scenarios:\n  - name: Empty\n    features: [av6]\n    steps: []\n")
    assert any("features.0: String should match pattern" in p for p in problems)
    assert any("steps: List should have at least 1 item" in p for p in problems)


def test_not_yaml_is_refused_with_the_file_named() -> None:
    (problem,) = refused("scenarios: [\n")
    assert problem.startswith("suites/test_x.suite.yaml: not YAML")


def test_a_good_file_reads() -> None:
    parsed = parse_suite(suite("      - wait: 90s\n"), "x")
    (scenario,) = parsed.scenarios
    assert [step.action for step in scenario.steps] == ["view", "wait"]
    assert scenario.steps[1].wait == 90


def test_a_step_naming_an_unknown_user_or_chat_is_refused() -> None:
    problems = refused(
        suite(
            "      - status: {agent: bob, status: away}\n"
            "      - close: {agent: admin, chat: c9}\n"
            "      - start_chat: {visitor: anna, as: c1}\n"
            "      - expect: {queue: [c1]}\n"
        )
    )
    where = 'suites/test_x.suite.yaml, scenario "Offline at night", '
    assert problems == [
        f"{where}step 2 (status), status.agent: no user named 'bob'",
        f"{where}step 3 (close): no chat named 'c9' was started before",
    ]
