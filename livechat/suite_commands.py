"""``livechat suite``: run scenario suites on a target (pytest with the suite plugin) and turn
their JUnit XML into the feature × target report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

suite_app = typer.Typer(
    no_args_is_help=True, help="Scenario suites (QA1): run them on a target, report the results."
)

Paths = Annotated[
    list[str] | None, typer.Argument(help="Suite files or folders (default scenarios/suites).")
]
Targets = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        help="inprocess, simulator, or a live server's URL (started with "
        "LIVECHAT_TEST_CONTROLS=1); repeatable. Default: inprocess and simulator.",
    ),
]
Marker = Annotated[str, typer.Option("-m", help="Only scenarios with these feature IDs: AV6.")]
Keyword = Annotated[str, typer.Option("-k", help="Only scenarios whose names match.")]
JunitXml = Annotated[
    Path | None, typer.Option("--junitxml", help="Write the results as JUnit XML here.")
]
Results = Annotated[list[Path], typer.Argument(help="JUnit XML files of suite runs.")]
Output = Annotated[Path, typer.Option("--output", "-o", help="Where the HTML report goes.")]


@suite_app.command("run")
def run(
    paths: Paths = None,
    target: Targets = None,
    marker: Marker = "",
    keyword: Keyword = "",
    junitxml: JunitXml = None,
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
def report(results: Results, output: Output = Path("out/suites/report.html")) -> None:
    """The feature × target matrix of passed, failed and skipped scenarios (HTML)."""
    from reports.suites import suite_report
    from scenarios.suite.features import server_side_features

    missing = [str(path) for path in results if not path.exists()]
    if missing:
        raise typer.BadParameter(f"no such file: {', '.join(missing)}", param_hint="RESULTS")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(suite_report(results, server_side_features()), encoding="utf-8")
    typer.echo(f"wrote {output}")
