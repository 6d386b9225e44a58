"""``livechat suite``: run scenario suites on a target (pytest with the suite plugin) and turn
their JUnit XML into the feature × target report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

suite_app = typer.Typer(
    no_args_is_help=True, help="Scenario suites (QA1): run them on a target, report the results."
)


@suite_app.command("run")
def run(
    paths: list[str] = typer.Argument(None, help="Suite files or folders (default scenarios/suites)."),
    target: list[str] = typer.Option(
        None,
        "--target",
        help="inprocess, simulator, or a live server's URL (started with "
        "LIVECHAT_TEST_CONTROLS=1); repeatable. Default: inprocess and simulator.",
    ),
    marker: str = typer.Option("", "-m", help="Only scenarios with these feature IDs, e.g. AV6."),
    keyword: str = typer.Option("", "-k", help="Only scenarios whose names match."),
    junitxml: Path = typer.Option(
        None, "--junitxml", help="Write the results as JUnit XML here (for the report)."
    ),
) -> None:
    """Run scenario suites; exits non-zero when a scenario fails."""
    # pytest in its own process: this one has imported the packages pytest would rewrite.
    arguments = [sys.executable, "-m", "pytest", *(paths or ["scenarios/suites"])]
    arguments += ["-p", "no:cacheprovider", "-q", "-rfEsxX"]
    for one in target or []:
        arguments += ["--suite-target", one]
    if marker:
        arguments += ["-m", marker]
    if keyword:
        arguments += ["-k", keyword]
    if junitxml is not None:
        junitxml.parent.mkdir(parents=True, exist_ok=True)
        arguments += ["--junitxml", str(junitxml)]
    raise typer.Exit(code=subprocess.run(arguments, check=False).returncode)


@suite_app.command("report")
def report(
    results: list[Path] = typer.Argument(..., help="JUnit XML files of suite runs."),
    output: Path = typer.Option(Path("out/suites/report.html"), "--output", "-o"),
) -> None:
    """The feature × target matrix of passed, failed and skipped scenarios (HTML)."""
    from reports.suites import suite_report
    from scenarios.suite.features import server_side_features

    missing = [str(path) for path in results if not path.exists()]
    if missing:
        raise typer.BadParameter(f"no such file: {', '.join(missing)}", param_hint="RESULTS")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(suite_report(results, server_side_features()), encoding="utf-8")
    typer.echo(f"wrote {output}")
