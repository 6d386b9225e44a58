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

import os
import time
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
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from simulator.experiment import ExperimentProgress
    from simulator.parallel import Pool
    from simulator.scenario import Scenario
    from simulator.staffing import StaffingResult

__all__ = ["Rule", "compare", "simulate", "staff"]

_DEFAULT_OUT = Path("out")
_STEPS = 1000  # the progress bar's resolution

Cluster = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Run the replications on the Dask distributed cluster whose scheduler is at "
        "this address (tcp://host:8786) instead of local processes; every worker needs this "
        "project installed.",
        show_default=False,
    ),
]


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


def _field_errors(path: Path | str, error: Exception, kind: str = "scenario") -> str:
    errors = getattr(error, "errors", [])
    lines = [f"{path} is not a valid {kind} ({len(errors)} problem(s)):"]
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
def _progress() -> Iterator[tuple[Progress, TaskID, Callable[[ExperimentProgress], None]]]:
    # The bar moves with the simulated clock of every replication, so the time left is
    # estimated within a replication too. No auto-refresh thread: local worker processes are
    # forked only while this process runs a single thread (forking a threaded one is unsafe);
    # the experiment reports several times a second, and each report redraws the bar.
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[replications]} replications"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        auto_refresh=False,
    )
    task = bar.add_task("simulating", total=_STEPS, replications="0/?")

    def advance(state: ExperimentProgress) -> None:
        bar.update(
            task,
            completed=state.fraction * _STEPS,
            replications=f"{state.done}/{state.total}",
        )
        bar.refresh()

    with bar:
        bar.refresh()
        yield bar, task, advance


def _open_pool(workers: int | None, cluster: str | None, tasks: int) -> Pool:
    from simulator.parallel import PoolError, open_pool

    if workers is None and cluster is None:
        workers = min(tasks, os.cpu_count() or 1)
    try:
        return open_pool(workers, cluster)
    except PoolError as error:
        _fail(str(error))


# Target headings short enough for an 80-column terminal.
_SHORT = {
    "service_level": "service\nlevel",
    "abandonment": "aban-\ndoned",
    "p_wait": "waited",
    "mean_wait": "mean\nwait",
    "mean_wait_answered": "wait\nanswered",
    "occupancy": "occu-\npancy",
    "saw_wait_message": "wait\nmessage",
    "launcher_hidden": "launcher\nhidden",
}


# The agent columns the console keeps first when the terminal is narrow.
_PRIORITY = ("agents", "scheduled", "roster", "erlang_a", "chat_pool", "erlang_c", "as_written")


_HEADINGS = {
    "as_written": "as written",
    "erlang_c": "Erlang C",
    "erlang_a": "Erlang A",
    "chat_pool": "chat pool",
    "agents": "plan",
    "scheduled": "to schedule",
    "roster": "roster",
}


def _cell_width(heading: str, widest_value: int) -> int:
    # A column's width on screen: its widest heading line or value, and a space each side.
    return max(widest_value, *(len(line) for line in heading.split("\n"))) + 2


def _fitting(result: StaffingResult, width: int) -> list[str]:
    # The agent columns that fit beside the start, the demand and the targets (the CSV file
    # and the report have them all).
    from reports.staffing import columns

    wanted = columns(result)
    used = (
        _cell_width("agent-hours", 9)
        + _cell_width("chats/h", 6)
        + sum(_cell_width(_SHORT.get(t.kpi, t.kpi), 7) for t in result.targets)
    )
    kept: set[str] = set()
    for column in _PRIORITY:
        needed = _cell_width(_HEADINGS[column].replace(" ", "\n"), 5)
        if column in wanted and used + needed <= width:
            kept.add(column)
            used += needed
    return [column for column in wanted if column in kept]


def _staffing_table(result: StaffingResult, group: str, width: int) -> Table:
    # One group's open intervals (and closed ones where it works as written), compact
    # enough for an 80-column terminal: KPIs as means (the report and the CSV file have
    # their confidence intervals). The footer is each column's sum in agent-hours: the rows
    # left out are 0 in every column, so it is the group's total over the horizon.
    from reports.tables import format_value

    targets = result.targets
    hours = result.scenario.kpis.interval_minutes / 60.0
    title = f"{result.scenario.name}: {'; '.join(t.label for t in targets)}"
    if len(result.planned) > 1:
        title = f"{group}: {title}"
    table = Table(
        title=escape(title),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_footer=True,
    )
    rows = [row for row in result.rows if row.group == group]
    shown = [row for row in rows if row.open or row.as_written > 0.0]
    agent_columns = _fitting(result, width)
    table.add_column("start", "agent-hours", justify="left", no_wrap=True)
    table.add_column("chats/h", justify="right", no_wrap=True)
    for column in agent_columns:
        total = sum(float(getattr(row, column) or 0.0) for row in shown) * hours
        heading = _HEADINGS[column].replace(" ", "\n")
        table.add_column(heading, f"{total:,.1f}", justify="right", no_wrap=True)
    for target in targets:
        heading = _SHORT.get(target.kpi, target.kpi.replace("_", "\n"))
        table.add_column(heading, justify="right", no_wrap=True)
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
        figures = []
        for column in agent_columns:
            value = getattr(row, column)
            if column in ("as_written", "roster"):
                figures.append(f"{value:.1f}")
            elif column == "agents":
                figures.append(f"[bold]{value}[/]")
            else:
                figures.append("–" if value is None else str(value))
        table.add_row(
            row.slot.label,
            f"{row.chats_per_hour:.1f}",
            *figures,
            *cells,
        )
    return table


def _roster_table(result: StaffingResult) -> Table:
    from reports.staffing import roster_table

    frame = roster_table(result)
    roster = result.roster
    assert roster is not None
    table = Table(
        title=escape(
            f"Roster: {roster.agents} agents on the floor, {roster.paid_hours():,.1f} paid "
            f"hours ({roster.paid_hours(with_shrinkage=True):,.1f} to schedule with "
            f"{100.0 * result.options.shrinkage_used:g}% shrinkage)"
        ),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for heading in ("group", "shift", "day", "from", "to", "breaks", "on floor", "schedule"):
        counts = heading in ("on floor", "schedule")
        justify: Literal["left", "right"] = "right" if counts else "left"
        table.add_column(heading, justify=justify)
    for row in frame.itertuples(index=False):
        table.add_row(
            escape(str(row.group)),
            escape(str(row.shift)),
            str(row.weekday)[:3],
            str(row.start),
            str(row.end),
            escape(str(row.breaks)) or "–",
            str(row.on_the_floor),
            str(row.to_schedule),
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
    cluster: Cluster = None,
) -> None:
    """Simulate a scenario: records, KPIs with confidence intervals, an HTML report.

    Writes per-chat records, KPIs per interval and for the whole run (each pooled over
    the replications, with a 95% confidence interval), a summary JSON and an HTML report
    with charts.
    """
    began = time.perf_counter()
    from reports.simulation import write_simulation_outputs
    from reports.tables import FEW_NOTE, summary_rows
    from simulator.experiment import run_experiment

    model = _with_days(_load(scenario), days, scenario)
    if not model.agent_ids:
        _fail(f"{scenario} has no agents: give it at least one agent group")
    directory = out if out is not None else _DEFAULT_OUT / scenario.stem
    console = Console(soft_wrap=True)
    with _open_pool(workers, cluster, replications) as pool, _progress() as (_, _, advance):
        result = run_experiment(model, replications, seed, progress=advance, pool=pool)
        where = pool.description
    outputs = write_simulation_outputs(result, directory)

    table = Table(
        title=escape(f"{model.name}: {replications} replications, seed {seed}"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("KPI", "value", "95% interval"):
        table.add_column(column, justify="left" if column == "KPI" else "right", no_wrap=True)
    rows = summary_rows(result)
    for row in rows:
        table.add_row(escape(row.label), row.value + (" *" if row.few else ""), row.interval)
    console.print(table)
    console.print(
        "Each value is pooled over the replications (a share is all its chats together); "
        "the interval holds the long-run value 95 times in 100."
        + (f" * {FEW_NOTE}" if any(row.few for row in rows) else "")
    )
    finished = time.perf_counter() - began
    console.print(
        f"Done in {finished:.1f} s: simulation {result.simulation_seconds:.1f} s on {where}, "
        f"KPIs {result.elapsed_seconds - result.simulation_seconds:.1f} s, "
        f"files and report {finished - result.elapsed_seconds:.1f} s."
    )
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
            help="Plan one pool of copies of this agent group, with every skill and team "
            "(default: a group per skill set, each staffed for its own queues).",
            show_default=False,
        ),
    ] = None,
    shifts: Annotated[
        Path | None,
        typer.Option(
            "--shifts",
            help="Shift templates (YAML: lengths, start times, days, breaks; shrinkage, "
            "max_occupancy): build a roster of whole shifts that meets the targets.",
            show_default=False,
        ),
    ] = None,
    shrinkage: Annotated[
        float | None,
        typer.Option(
            "--shrinkage",
            min=0.0,
            max=0.99,
            help="Share of paid time not on chats (absence, meetings): agents to schedule "
            "are on the floor / (1 - shrinkage) (default: the shift file's, else 0).",
            show_default=False,
        ),
    ] = None,
    max_occupancy: Annotated[
        float | None,
        typer.Option(
            "--max-occupancy",
            min=0.01,
            max=1.0,
            help="At most this share of the agents' chat slots in use (a target "
            "occupancy<=X; default: the shift file's, else none).",
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
    cluster: Cluster = None,
) -> None:
    """The fewest agents per interval that meet targets, checked by simulation.

    Prints the staffing table with the Erlang C and Erlang A figures beside the simulated
    plan, and writes it with a chart, a report and the plan as a scenario.
    """
    began = time.perf_counter()
    import yaml

    from reports.staffing import write_staffing_outputs
    from simulator.parallel import PoolError
    from simulator.scenario import InvalidData
    from simulator.staffing import (
        MeetRule,
        StaffingError,
        StaffingOptions,
        load_roster_spec,
        parse_targets,
        run_staffing,
    )

    model = _load(scenario)
    spec = None
    if shifts is not None:
        try:
            spec = load_roster_spec(shifts)
        except InvalidData as error:
            _fail(_field_errors(shifts, error, "shift file"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
            _fail(f"cannot read {shifts}: {error}")
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
            cluster=cluster,
            shrinkage=shrinkage,
            max_occupancy=max_occupancy,
            roster=spec,
        )
        with _progress() as (bar, task, advance):

            def stage(text: str) -> None:  # each simulation starts its own bar and estimate
                bar.reset(task, description=text, replications=f"0/{replications}")
                bar.refresh()

            result = run_staffing(model, targets, options, progress=advance, on_stage=stage)
    except (StaffingError, PoolError) as error:
        _fail(str(error))
    directory = out if out is not None else _DEFAULT_OUT / f"{scenario.stem}-staffing"
    outputs = write_staffing_outputs(result, directory)

    console = Console(soft_wrap=True)  # messages stay whole lines (tables wrap their cells)
    for planned in result.planned:
        console.print(_staffing_table(result, planned.id, console.width))
    from reports.staffing import columns

    left_out = [c for c in columns(result) if c not in _fitting(result, console.width)]
    if left_out:
        console.print(
            f"Left out for the terminal's width: {', '.join(left_out)} (in staffing.csv and "
            "staffing.html)."
        )
    kept = [group.id for group in result.groups if not group.planned]
    if kept:
        console.print(
            f"Kept as written: {', '.join(kept)} (every queue they serve has a more "
            "dedicated group, which the plan staffs)."
        )
    closed = sum(1 for row in result.rows if not row.open)
    if closed:
        console.print(
            f"{closed} interval(s) closed (outside office hours, or nobody on shift as "
            "written): no demand and no agents in any column."
        )
    hours = " · ".join(
        f"{label} {result.agent_hours(column):,.1f}"
        for column, label in (
            ("agents", "plan"),
            ("scheduled", "to schedule"),
            ("chat_pool", "chat pool"),
            ("erlang_a", "Erlang A"),
            ("erlang_c", "Erlang C"),
            ("as_written", "as written"),
        )
        if column != "scheduled" or result.options.shrinkage_used > 0
    )
    console.print(f"Agent-hours on the floor: {hours}")
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
            "wait message. Add a target such as --target 'launcher_hidden<=0.02' or "
            "--target 'saw_wait_message<=0.05' to keep them."
        )
    if result.roster is not None:
        console.print(_roster_table(result))
        if not all(result.roster.meets.values()):
            console.print(
                "[bold red]The roster misses a target[/] in its last simulation (see "
                "roster.csv and staffing.html): more --replications, or more start times."
            )
    finished = time.perf_counter() - began
    console.print(
        f"Done in {finished:.1f} s: {result.simulations} simulations in "
        f"{result.elapsed_seconds:.1f} s, files and report "
        f"{finished - result.elapsed_seconds:.1f} s."
    )
    _print_files(console, outputs.paths)


def compare(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Scenario files (the first is the baseline), or one comparison file with "
            "variants.",
            show_default=False,
        ),
    ],
    replications: Annotated[
        int,
        typer.Option("--replications", "-r", min=2, help="Replications per variant (paired)."),
    ] = 10,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="The seed of every variant: the same visitors.")
    ] = 1,
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
    cluster: Cluster = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Directory for comparison.csv, comparison.json and comparison.html "
            "(default: out/<first file name>-comparison).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare configurations: the paired difference of every KPI, with its interval.

    Every variant runs the same replications from the same seed (common random numbers:
    the same visitors meet each configuration), so the differences are estimated pair by
    pair, far more precisely than from independent runs.
    """
    began = time.perf_counter()
    import yaml

    from reports.comparison import difference_rows, write_comparison_outputs
    from simulator.compare import (
        Variant,
        compare_variants,
        is_comparison_file,
        load_comparison,
    )
    from simulator.scenario import InvalidData

    if len(files) == 1 and is_comparison_file(files[0]):
        try:
            title, variants = load_comparison(files[0])
        except InvalidData as error:
            _fail(_field_errors(files[0], error, "comparison"))
        except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
            _fail(f"cannot read {files[0]}: {error}")
    else:
        if len(files) < 2:
            _fail("give two or more scenario files, or one comparison file with variants")
        names = [path.stem for path in files]
        if len(set(names)) < len(names):
            names = [str(path) for path in files]
        variants = tuple(
            Variant(name, _load(path)) for name, path in zip(names, files, strict=True)
        )
        title = " vs ".join(names)
    for variant in variants:
        if not variant.scenario.agent_ids:
            _fail(f"variant {variant.name!r} has no agents: give it at least one agent group")
    directory = out if out is not None else _DEFAULT_OUT / f"{files[0].stem}-comparison"
    with _open_pool(workers, cluster, replications) as pool, _progress() as (bar, task, advance):

        def announce(name: str) -> None:
            bar.reset(task, description=name, replications=f"0/{replications}")
            bar.refresh()

        comparison = compare_variants(
            variants,
            replications,
            seed,
            pool,
            title=title,
            progress=advance,
            on_variant=announce,
        )
        where = pool.description
    outputs = write_comparison_outputs(comparison, directory)

    console = Console(soft_wrap=True)
    baseline = comparison.baseline.name
    for variant in comparison.variants[1:]:
        table = Table(
            title=escape(f"{variant.name} against {baseline} ({replications} paired replications)"),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        table.add_column("KPI", justify="left", min_width=18, ratio=1)
        for heading in (baseline, variant.name, "difference", "95% interval", ""):
            justify: Literal["left", "right"] = "left" if not heading else "right"
            table.add_column(escape(heading), justify=justify, max_width=22)
        for row in difference_rows(comparison, variant.name):
            verdict = "" if row.verdict.startswith("no") else f"[bold]{row.verdict}[/]"
            table.add_row(
                escape(row.label), row.baseline, row.value, row.difference, row.interval, verdict
            )
        console.print(table)
    console.print(
        "Differences are variant minus baseline (shares in percentage points), estimated "
        "from paired replications that met the same visitors; higher or lower where the "
        "interval leaves out zero."
    )
    console.print(f"Done in {time.perf_counter() - began:.1f} s on {where}.")
    _print_files(console, outputs.paths)
