"""``livechat twin``: the simulator and the server, chat by chat (see :mod:`twin`)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["twin"]

_SHOWN = 60  # mismatch rows printed (the count says how many more)


def twin(
    scenario: Annotated[Path, typer.Argument(help="The scenario YAML file.", show_default=False)],
    hours: Annotated[
        float | None,
        typer.Option(
            "--hours",
            min=0.01,
            help="Simulate this many hours (default: the scenario's duration).",
            show_default=False,
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help='Start here instead ("2026-05-11T10:30", wall time in the scenario\'s zone).',
            show_default=False,
        ),
    ] = None,
    replication: Annotated[
        int, typer.Option("--replication", "-n", min=0, help="Which replication (0 first).")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", "-s", help="The experiment's seed.")] = 1,
) -> None:
    """Replay one simulated replication against the server and compare chat by chat.

    The simulator's visitors, patience, handling times and agents' shifts are replayed on
    the server in-process (widget API and WebSockets, agents' REST) on its driven clock.
    Prints every mismatch (chatflow, availability, widget mode, email asked, outcome,
    assignee, wait, queue order) and exits 1 if there is any.
    """
    from livechat.sim_commands import _fail, _field_errors, _load
    from simulator.scenario import InvalidData
    from twin import scenario_window, twin_check

    model = _load(scenario)
    try:
        model = scenario_window(model, hours, start)
    except InvalidData as error:
        _fail(_field_errors(f"{scenario} with --start/--hours", error))
    except ValueError as error:
        _fail(str(error))
    console = Console(soft_wrap=True)
    result = twin_check(model, replication=replication, seed=seed)
    timeline = result.timeline
    outcomes = Counter(chat.outcome for chat in timeline.chats)
    began = timeline.start_utc.astimezone(model.zone)
    ended = began + timedelta(minutes=timeline.duration)
    console.print(
        f"{escape(model.name)}: replication {replication} (seed {seed}), "
        f"{began:%Y-%m-%d %H:%M} to {ended:%Y-%m-%d %H:%M} {model.timezone}: "
        f"{len(timeline.chats)} chats ("
        + ", ".join(f"{n} {kind}" for kind, n in sorted(outcomes.items()))
        + f"), {len(timeline.agent_changes)} agent status changes; "
        f"replayed on the server in {result.seconds:.1f} s."
    )
    if not result.mismatches:
        console.print("[bold green]No mismatches[/]: the server did what the simulator predicted.")
        return
    table = Table(
        title=f"{len(result.mismatches)} mismatches",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("chat", "started", "field", "simulator", "server"):
        table.add_column(column, justify="right" if column == "chat" else "left")
    for mismatch in result.mismatches[:_SHOWN]:
        when = began + timedelta(minutes=mismatch.arrival)
        table.add_row(
            str(mismatch.chat),
            f"{when:%H:%M:%S}",
            mismatch.field,
            escape(mismatch.simulator),
            escape(mismatch.server),
        )
    console.print(table)
    if len(result.mismatches) > _SHOWN:
        console.print(f"… and {len(result.mismatches) - _SHOWN} more.")
    by_field = Counter(m.field for m in result.mismatches)
    console.print(
        "By field: " + ", ".join(f"{field} {n}" for field, n in by_field.most_common()),
    )
    raise typer.Exit(code=1)
