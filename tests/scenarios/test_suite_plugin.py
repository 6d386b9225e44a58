"""QA1: the suite plugin as a QA engineer uses it — files collected, scenarios selected by
feature ID, a wrong expectation failing on each target with the step named, a step the
simulator cannot express skipping the scenario there, a known divergence held strictly."""

from __future__ import annotations

import pytest
import starlette.testclient  # noqa: F401

# Imported here, before pytester's runs: a run forgets the modules it imported, and numpy
# and SQLAlchemy cannot be imported twice in one process.
import reference_server.app  # noqa: F401
import scenarios.suite.server_driver
import scenarios.suite.sim_driver  # noqa: F401

pytest_plugins = ("pytester",)
pytestmark = pytest.mark.feature("QA1")

SETUP = """
    setup:
      users: [{name: kari, capacity: 1}]
      chatflows:
        - name: Support
          build: {assignment: {user_ids: ["{user:kari}"]}, availability: {mode: always}}
          options: {data_processing_consent: {kind: legitimate_interest}}
"""


def scenario(name: str, features: str, steps: str, extra: str = "") -> str:
    return f"  - name: {name}\n    features: [{features}]\n{extra}{SETUP}    steps:\n{steps}"


BUSY = """      - view: {visitor: a, url: "https://acme.test/"}
      - start_chat: {visitor: a, as: c1}
      - view: {visitor: b, url: "https://acme.test/"}
        expect:
          widget: [{visitor: b, state: %s}]
"""


def write(pytester: pytest.Pytester, *scenarios: str) -> None:
    text = "scenarios:\n" + "".join(scenarios)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makefile(".suite.yaml", test_chat=text)


def test_a_wrong_expectation_fails_on_both_targets_naming_the_step(
    pytester: pytest.Pytester,
) -> None:
    write(pytester, scenario("busy", "AV7", BUSY % "available"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        ["*busy: step 3 (view): b's widget.state is 'at_capacity', not 'available'*"]
    )


def test_the_right_expectation_passes_on_both_targets(pytester: pytest.Pytester) -> None:
    write(pytester, scenario("busy", "AV7", BUSY % "at_capacity"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_feature_ids_select_scenarios(pytester: pytest.Pytester) -> None:
    write(
        pytester,
        scenario("busy", "AV7", BUSY % "at_capacity"),
        scenario("offline", "AV6", '      - view: {visitor: a, url: "https://acme.test/"}\n'),
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-m", "AV6", "--strict-markers")
    result.assert_outcomes(passed=2, deselected=2)
    result.stdout.no_fnmatch_line("*busy*")


def test_a_step_the_simulator_cannot_express_skips_the_scenario_there(
    pytester: pytest.Pytester,
) -> None:
    steps = BUSY % "at_capacity" + "      - reply: {agent: kari, chat: c1, text: Hi}\n"
    write(pytester, scenario("reply", "CV1", steps))
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*the simulator target cannot express: step 4 (reply): the simulator has no reply*"]
    )


def test_a_known_divergence_that_passes_is_an_error(pytester: pytest.Pytester) -> None:
    extra = "    xfail: {simulator: 'said to diverge'}\n"
    write(pytester, scenario("busy", "AV7", BUSY % "at_capacity", extra))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*said to diverge*"])


def test_a_bad_file_is_a_collection_error_naming_the_field(pytester: pytest.Pytester) -> None:
    write(pytester, scenario("busy", "AV7", "      - start_chat: {text: Hi}\n"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ['*test_chat.suite.yaml, scenario "busy", step 1 (start_chat): start_chat.visitor: Field*']
    )


def test_an_unknown_feature_id_is_refused(pytester: pytest.Pytester) -> None:
    write(pytester, scenario("busy", "AV99", BUSY % "at_capacity"))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*scenario 'busy': features: unknown IDs*AV99*"])


def test_the_report_counts_each_feature_on_each_target(pytester: pytest.Pytester) -> None:
    from reports.suites import feature_matrix, read_results, suite_report

    reply = BUSY % "at_capacity" + "      - reply: {agent: kari, chat: c1, text: Hi}\n"
    write(
        pytester,
        scenario("busy", "AV7, AV8", BUSY % "at_capacity"),
        scenario("reply", "AV7, CV1", reply),
        scenario("wrong", "AV8", BUSY % "available"),
    )
    pytester.runpytest("-p", "no:cacheprovider", "--junitxml", "out.xml")
    results = read_results([pytester.path / "out.xml"])
    assert len(results) == 6
    matrix = feature_matrix(results, ["AV7", "AV8", "CV1", "AV1"])
    assert matrix.loc["AV7"].to_dict() == {
        "inprocess": "2 passed",
        "simulator": "1 passed, 1 skipped",
    }
    assert matrix.loc["AV8"].to_dict() == {
        "inprocess": "1 passed, 1 failed",
        "simulator": "1 passed, 1 failed",
    }
    assert matrix.loc["CV1"].to_dict() == {"inprocess": "1 passed", "simulator": "1 skipped"}
    assert matrix.loc["AV1"].to_dict() == {"inprocess": "none", "simulator": "none"}
    page = suite_report([pytester.path / "out.xml"], ["AV7"])
    assert "the simulator has no reply" in page and "<td>AV7</td>" in page
