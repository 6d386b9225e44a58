"""``livechat load``: a scenario's visitors and agents against a live server, with Locust.

The heavy work happens in :mod:`load.run` (server, stage, Locust in a subprocess, the
server's KPIs), :mod:`reports.load` (the report) and, with ``--compare-simulation``,
:mod:`load.compare`. This module only reads the options and keeps the run bounded.
"""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

__all__ = ["load"]

MAX_USERS = 5000
MAX_DURATION_SECONDS = 6 * 3600


def _fail(message: str) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=2)


def load(
    scenario: Annotated[Path, typer.Argument(help="The scenario YAML file.", show_default=False)],
    target: Annotated[
        str | None,
        typer.Option(help="The server's origin, e.g. http://127.0.0.1:8000.", show_default=False),
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Start a server of its own for the run.")
    ] = False,
    serve_database: Annotated[
        str,
        typer.Option(help="With --serve: sqlite, or postgresql (+ Redis; several workers)."),
    ] = "sqlite",
    serve_workers: Annotated[
        int, typer.Option(min=1, max=16, help="With --serve: uvicorn worker processes.")
    ] = 1,
    speedup: Annotated[
        float, typer.Option(min=1.0, help="Scenario time runs this many times faster.")
    ] = 60.0,
    duration: Annotated[str, typer.Option(help="How long the run lasts: 30s, 10m, 1h.")] = "1m",
    skip: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Begin this many scenario hours after the scenario's start (e.g. 10: "
            "Monday 10:00 of a week starting Monday 00:00).",
        ),
    ] = 0.0,
    users: Annotated[
        int, typer.Option(min=2, max=MAX_USERS, help="Most users at once (agents included).")
    ] = 200,
    processes: Annotated[
        int, typer.Option(min=1, max=64, help="Locust worker processes on this machine.")
    ] = 1,
    shape: Annotated[
        str, typer.Option(help="scenario (its arrival profile), step or spike.")
    ] = "scenario",
    step_users: Annotated[int, typer.Option(min=1, help="Step/spike: users per step.")] = 5,
    step_seconds: Annotated[float, typer.Option(min=1.0, help="Step: seconds a step lasts.")] = 10,
    spike_at: Annotated[float, typer.Option(min=0.0, help="Spike: when it starts (s).")] = 10,
    spike_seconds: Annotated[float, typer.Option(min=1.0, help="Spike: how long (s).")] = 10,
    admin_email: Annotated[
        str, typer.Option(help="The admin who sets the stage (default: the demo admin).")
    ] = "",
    admin_password: Annotated[str, typer.Option(help="Their password.")] = "",
    allow_remote: Annotated[
        bool,
        typer.Option("--allow-remote", help="Allow a target that is not this machine."),
    ] = False,
    compare_simulation: Annotated[
        bool,
        typer.Option(
            "--compare-simulation",
            help="Simulate the same scenario at the same compression and print the server's "
            "service level, abandonment and mean wait beside the simulator's 95% intervals.",
        ),
    ] = False,
    replications: Annotated[
        int, typer.Option(min=2, help="--compare-simulation: simulator replications.")
    ] = 20,
    seed: Annotated[int | None, typer.Option(help="Seed of the users' random draws.")] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Directory for the files (default: out/load/<time>)."),
    ] = None,
) -> None:
    """Load-test a server with a scenario's visitors and agents (Locust, headless).

    Writes Locust's CSV and HTML, the server's chat KPIs over the run and report.html
    (throughput, response times per endpoint and WebSocket step, errors, connections).
    """
    from load.plan import SHAPES, Plan
    from load.run import is_loopback, parse_duration, run_locust, served, server_kpis, utc_now
    from load.stage import StageError, set_stage
    from reference_server.store.demo import DEMO_ADMIN_EMAIL, DEMO_PASSWORD
    from reports.load import write_load_report
    from simulator.scenario import InvalidData, load_scenario

    try:
        seconds = parse_duration(duration)
    except ValueError as error:
        _fail(str(error))
    if seconds > MAX_DURATION_SECONDS:
        _fail(f"--duration is at most {MAX_DURATION_SECONDS // 3600} hours")
    if shape not in SHAPES:
        _fail(f"--shape must be one of {', '.join(SHAPES)}")
    if serve == (target is not None):
        _fail("give either --target URL or --serve")
    if target is not None and not is_loopback(target) and not allow_remote:
        _fail(f"{target} is not this machine: add --allow-remote to load-test it")
    try:
        model = load_scenario(scenario)
    except (InvalidData, OSError) as error:
        _fail(f"{scenario}: {error}")
    if not model.agents or not model.agent_ids:
        _fail(f"{scenario} has no agents")
    if len(model.agent_ids) + 2 > users:
        _fail(f"--users {users} leaves no room for visitors beside {len(model.agent_ids)} agents")
    directory = out if out is not None else Path("out/load") / time.strftime("%Y%m%d-%H%M%S")
    directory.mkdir(parents=True, exist_ok=True)
    console = Console(soft_wrap=True)

    with ExitStack() as stack:
        server_description = "given"
        if serve:
            console.print(f"Starting a server ({serve_database}, {serve_workers} worker(s))…")
            try:
                server = stack.enter_context(
                    served(directory, database=serve_database, workers=serve_workers)
                )
            except (RuntimeError, ValueError, OSError) as error:
                _fail(str(error))
            target = server.url
            server_description = server.description
        assert target is not None
        target = target.rstrip("/")
        try:
            cast = set_stage(
                target,
                model,
                admin_email or DEMO_ADMIN_EMAIL,
                admin_password or DEMO_PASSWORD,
            )
        except StageError as error:
            _fail(f"setting the stage: {error}")
        plan = Plan(
            target=target,
            scenario_path=str(scenario.resolve()),
            speedup=speedup,
            duration_seconds=seconds,
            max_users=users,
            cast=cast,
            out_dir=str(directory.resolve()),
            shape=shape,
            step_users=step_users,
            step_seconds=step_seconds,
            spike_at_seconds=spike_at,
            spike_seconds=spike_seconds,
            skip_hours=skip,
            workers=processes,
            seed=seed,
        )
        console.rule(
            f"[bold]{escape(model.name)}[/]: {seconds:g} s at {speedup:g}× against {target}"
        )
        console.print(
            f"{len(cast.agents)} agents, visitors by the {shape} shape, at most {users} users, "
            f"{processes} Locust process(es); run tag {cast.tag}"
        )
        began = utc_now()
        plan = plan.started(began.timestamp())
        code = run_locust(plan, processes)
        ended = utc_now()
        whole, slices = server_kpis(plan, began, ended)
        (directory / "server_kpis.json").write_text(
            json.dumps({"window": whole, "slices": slices}, indent=2), encoding="utf-8"
        )
        run_facts = {
            "scenario": model.name,
            "scenario file": str(scenario),
            "target": target,
            "server": server_description,
            "speed-up": f"{speedup:g}×",
            "duration": f"{seconds:g} s",
            "shape": shape,
            "scenario hours skipped": f"{skip:g}",
            "user limit": str(users),
            "Locust processes": str(processes),
            "agents": str(len(cast.agents)),
            "run tag": cast.tag,
            "began": began.isoformat(timespec="seconds"),
            "ended": ended.isoformat(timespec="seconds"),
        }
        (directory / "run.json").write_text(json.dumps(run_facts, indent=2), encoding="utf-8")
        if compare_simulation:
            from load.compare import compare_with_simulation, print_comparison

            comparison = compare_with_simulation(
                model, whole, seconds, speedup, replications, directory, skip_hours=skip
            )
            print_comparison(console, comparison)
    report = write_load_report(directory)
    console.print(
        f"Server: {whole['chats']} chats, {whole['answered']} answered, "
        f"{whole['abandoned']} abandoned, {whole['waiting']} waiting at the end."
    )
    console.print(f"Wrote {escape(str(report))} and Locust's files in {escape(str(directory))}")
    if code != 0:
        raise typer.Exit(code=code)
