"""The capacity planner's commands: ``livechat simulate`` and ``livechat staff`` (SIM5-SIM7).

``livechat simulate SCENARIO.yaml --replications 10 --seed 1 --out out/shop`` runs the
replications (in parallel with ``--workers``) with a progress bar and writes records, KPIs
per interval, a summary JSON with confidence intervals and an HTML report
(:mod:`reports.simulation`). ``livechat staff SCENARIO.yaml --target service_level=0.8@60s``
finds the fewest agents per interval that meet the targets, checked by simulation, prints
the table and writes it with a chart (:mod:`simulator.staffing`, :mod:`reports.staffing`).

Errors a user can make — a missing or unreadable file, a scenario with bad fields (each
listed under its path), a target that cannot be read — end the command with exit code 2
and a message, never a traceback. Progress goes to standard error, results to standard
output. Heavy modules (pandas, the simulator) are imported when a command runs, so
``livechat --help`` stays quick.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from simulator.scenario import Scenario
    from simulator.staffing import StaffingResult

__all__ = ["Rule", "simulate", "staff"]

_DEFAULT_OUT = Path("out")


class Rule(StrEnum):
    """``--rule``: the choices of :class:`simulator.staffing.MeetRule` (not imported here,
    to keep ``livechat --help`` free of the simulator's imports)."""

    MEAN = "mean"
    CI = "ci"


def _fail(message: str) -> NoReturn:
    Console(stderr=True).print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(code=2)


def _load(path: Path) -> Scenario:
    """The scenario at ``path``, or exit 2 saying what is wrong with it."""
    import yaml

    from simulator.scenario import InvalidData, load_scenario

    try:
        return load_scenario(path)
    except FileNotFoundError:
        _fail(f"no scenario file at {path}")
    except IsADirectoryError:
        _fail(f"{path} is a directory, not a scenario file")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"cannot read {path}: {error}")
    except yaml.YAMLError as error:
        _fail(f"{path} is not valid YAML: {error}")
    except InvalidData as error:
        _fail(_field_errors(path, error))


def _field_errors(path: Path | str, error: Exception) -> str:
    errors = getattr(error, "errors", [])
    lines = [f"{path} is not a valid scenario ({len(errors)} problem(s)):"]
    lines += [f"  {e.path or '(root)'}: {e.message}" for e in errors]
    return "\n".join(lines)


def _with_days(scenario: Scenario, days: float | None, path: Path) -> Scenario:
    if days is None:
        return scenario
    from simulator.scenario import InvalidData, checked

    try:
        return checked(replace(scenario, duration_days=days, duration_minutes=None))
    except InvalidData as error:
        _fail(_field_errors(f"{path} with --days {days:g}", error))


@contextmanager
def _progress(total: int) -> Iterator[tuple[Progress, Callable[[int, int], None]]]:
    # No auto-refresh thread: the experiment forks its worker processes only while this
    # process runs a single thread (forking a threaded process is unsafe).
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("replications"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        auto_refresh=False,
    )
    task = bar.add_task("simulating", total=total)

    def advance(done: int, of: int) -> None:
        bar.update(task, completed=done, total=of)
        bar.refresh()

    with bar:
        bar.refresh()
        yield bar, advance


def _staffing_table(result: StaffingResult) -> Table:
    # The open intervals (and closed ones where agents work as written), compact enough for
    # an 80-column terminal: KPIs as means (the report and the CSV file have their
    # confidence intervals). The footer is each column's sum in agent-hours: the rows left
    # out are 0 in every column, so it is the total over the horizon.
    from reports.tables import format_value

    targets = result.targets
    hours = result.scenario.kpis.interval_minutes / 60.0
    title = f"{result.scenario.name}: {'; '.join(t.label for t in targets)}"
    table = Table(
        title=escape(title),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_footer=True,
    )
    shown = [row for row in result.rows if row.open or row.as_written > 0.0]
    totals = {
        "as written": sum(row.as_written for row in shown) * hours,
        "Erlang C": sum(row.erlang_c or 0 for row in shown) * hours,
        "Erlang A": sum(row.erlang_a or 0 for row in shown) * hours,
        "plan": sum(row.agents for row in shown) * hours,
    }
    for heading in ("start", "chats/h", "as written", "Erlang C", "Erlang A", "plan"):
        justify: Literal["left", "right"] = "left" if heading == "start" else "right"
        footer = "agent-hours" if heading == "start" else ""
        if heading in totals:
            footer = f"{totals[heading]:,.1f}"
        table.add_column(heading.replace(" ", "\n"), footer, justify=justify, no_wrap=True)
    for target in targets:
        table.add_column(target.kpi.replace("_", "\n"), justify="right", no_wrap=True)
    rule = result.options.rule
    for row in shown:
        cells = []
        for target in targets:  # a value that misses its target in red
            estimate = row.kpis[target.kpi]
            text = format_value(target.kpi, estimate.mean)
            if not row.open:
                text = "closed"
            elif not target.meets_estimate(estimate, rule):
                text = f"[bold red]{text}[/]"
            cells.append(text)
        table.add_row(
            row.slot.label if row.open else f"{row.slot.label} (closed)",
            f"{row.chats_per_hour:.1f}",
            f"{row.as_written:.1f}",
            "–" if row.erlang_c is None else str(row.erlang_c),
            "–" if row.erlang_a is None else str(row.erlang_a),
            f"[bold]{row.agents}[/]",
            *cells,
        )
    return table


def _print_files(console: Console, paths: tuple[Path, ...]) -> None:
    console.print("Wrote:")
    for path in paths:
        console.print(f"  {escape(str(path))}", highlight=False, soft_wrap=True)


def simulate(
    scenario: Annotated[Path, typer.Argument(help="The scenario YAML file.", show_default=False)],
    replications: Annotated[
        int,
        typer.Option(
            "--replications", "-r", min=1, help="Independent replications (each its own stream)."
        ),
    ] = 5,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="The seed: the same seed, the same results.")
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Directory for records.csv, kpis_by_interval.csv, summary.json and "
            "report.html (default: out/<scenario file name>).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Processes that run replications in parallel (default: one per CPU).",
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        float | None,
        typer.Option(
            "--days",
            help="Run this many days instead of the scenario's duration.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Simulate a scenario: records, KPIs with confidence intervals, an HTML report.

    Writes per-chat records, KPIs per interval and for the whole run (each the mean over
    replications with a 95% confidence interval), a summary JSON and an HTML report with
    charts.
    """
    from reports.simulation import write_simulation_outputs
    from reports.tables import format_value, kpi_label
    from simulator.experiment import run_experiment

    model = _with_days(_load(scenario), days, scenario)
    if not model.agent_ids:
        _fail(f"{scenario} has no agents: give it at least one agent group")
    directory = out if out is not None else _DEFAULT_OUT / scenario.stem
    console = Console(soft_wrap=True)
    with _progress(replications) as (_, advance):
        result = run_experiment(model, replications, seed, workers=workers, progress=advance)
    outputs = write_simulation_outputs(result, directory)

    threshold = model.kpis.service_level_seconds
    table = Table(
        title=escape(f"{model.name}: {replications} replications, seed {seed}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("KPI", "mean", "95% CI", "n"):
        table.add_column(column, justify="left" if column == "KPI" else "right", no_wrap=True)
    for name, estimate in result.summary.items():
        interval = (
            "–"
            if estimate.n < 2
            else f"{format_value(name, estimate.ci_low)} – {format_value(name, estimate.ci_high)}"
        )
        table.add_row(
            escape(kpi_label(name, threshold)),
            format_value(name, estimate.mean),
            interval,
            str(estimate.n),
        )
    console.print(table)
    console.print(f"Simulated in {result.elapsed_seconds:.1f} s.")
    _print_files(console, outputs.paths)


def staff(
    scenario: Annotated[Path, typer.Argument(help="The scenario YAML file.", show_default=False)],
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            "-t",
            help="A target (repeat, or separate with commas): service_level=0.8@60s, "
            "abandonment<=0.05, mean_wait<=30s, p_wait<=0.3, wait_p90<=2m, "
            "mean_wait_answered<=1m, saw_wait_message<=0.05, launcher_hidden<=0.02 "
            "(default: service_level=0.8 at the scenario's threshold).",
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        float | None,
        typer.Option(
            "--days",
            help="Days to plan, after the warm-up; at most 7 (a weekly plan) "
            "(default: the scenario's length, at most 7).",
            show_default=False,
        ),
    ] = None,
    replications: Annotated[
        int, typer.Option("--replications", "-r", min=1, help="Replications per simulation.")
    ] = 5,
    seed: Annotated[int, typer.Option("--seed", "-s", help="The seed of every simulation.")] = 1,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Processes that run replications in parallel (default: one per CPU).",
            show_default=False,
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group",
            help="The agent group whose agents the plan copies (capacity, speed) "
            "(default: the largest).",
            show_default=False,
        ),
    ] = None,
    min_agents: Annotated[
        int,
        typer.Option(
            "--min-agents", min=0, help="Fewest agents in an interval the scenario staffs."
        ),
    ] = 1,
    max_agents: Annotated[
        int, typer.Option("--max-agents", min=1, help="Most agents per interval.")
    ] = 500,
    rule: Annotated[
        Rule,
        typer.Option(
            "--rule",
            case_sensitive=False,
            help="mean: the mean over replications meets the target; ci: its whole 95% "
            "confidence interval does.",
        ),
    ] = Rule.MEAN,
    max_rounds: Annotated[
        int,
        typer.Option("--max-rounds", min=1, help="Most simulations in the search (a time limit)."),
    ] = 30,
    all_hours: Annotated[
        bool,
        typer.Option(
            "--all-hours",
            help="Staff every interval with chats, not only those the scenario has agents on "
            "shift in.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Directory for staffing.csv, staffing.json, staffing.png, staffing.html and "
            "plan_scenario.yaml (default: out/<scenario file name>-staffing).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The fewest agents per interval that meet targets, checked by simulation.

    Prints the staffing table with the Erlang C and Erlang A figures beside the simulated
    plan, and writes it with a chart, a report and the plan as a scenario.
    """
    from reports.staffing import write_staffing_outputs
    from simulator.staffing import (
        MeetRule,
        StaffingError,
        StaffingOptions,
        parse_targets,
        run_staffing,
    )

    model = _load(scenario)
    try:
        targets = parse_targets(target or ["service_level=0.8"])
        options = StaffingOptions(
            days=days,
            replications=replications,
            seed=seed,
            workers=workers,
            group=group,
            min_agents=min_agents,
            max_agents=max_agents,
            rule=MeetRule(rule.value),
            max_rounds=max_rounds,
            all_hours=all_hours,
        )
        with _progress(replications) as (bar, advance):
            task = bar.task_ids[0]

            def stage(text: str) -> None:
                bar.update(task, description=text, completed=0)
                bar.refresh()

            result = run_staffing(model, targets, options, progress=advance, on_stage=stage)
    except StaffingError as error:
        _fail(str(error))
    directory = out if out is not None else _DEFAULT_OUT / f"{scenario.stem}-staffing"
    outputs = write_staffing_outputs(result, directory)

    console = Console(soft_wrap=True)  # messages stay whole lines (tables wrap their cells)
    console.print(_staffing_table(result))
    closed = sum(1 for row in result.rows if not row.open)
    if closed:
        console.print(
            f"{closed} interval(s) closed (outside office hours, or nobody on shift as "
            "written): no demand and no agents in any column."
        )
    console.print(
        f"Agent-hours: plan {result.agent_hours():,.1f} · Erlang A "
        f"{result.agent_hours('erlang_a'):,.1f} · Erlang C "
        f"{result.agent_hours('erlang_c'):,.1f} · as written "
        f"{result.agent_hours('as_written'):,.1f}"
    )
    misses = sum(1 for row in result.rows if row.open and not row.meets)
    if misses:
        console.print(
            f"[bold red]The plan misses a target in {misses} interval(s)[/] in its last "
            "simulation (simulation noise, or --max-agents): more --replications narrow it."
        )
    else:
        console.print("[green]The plan meets every target in every open interval.[/]")
    if not result.converged:
        console.print(
            "The search stopped before it could settle every interval (its limit of "
            "simulations and repair rounds); the plan is its best so far."
        )
    if result.demand_kept < 0.95:
        console.print(
            f"[yellow]Under the plan, visitors offered {100.0 * result.demand_kept:.1f}% of the "
            "chats they offered as written:[/] fuller queues hid the launcher or showed the "
            "wait message. Add a target such as --target launcher_hidden<=0.02 or "
            "--target saw_wait_message<=0.05 to keep them."
        )
    console.print(f"{result.simulations} simulations in {result.elapsed_seconds:.1f} s.")
    _print_files(console, outputs.paths)
