"""The ``livechat`` command: serve the reference server, run the demo, simulate, staff."""

from __future__ import annotations

import os

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Live chat lab: reference server, simulator and tools.",
)
console = Console()


def main() -> None:
    app()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1,
        help="uvicorn worker processes (more than one needs LIVECHAT_REDIS_URL for the broadcast).",
    ),
    demo_data: bool = typer.Option(False, "--demo-data", help="Seed the demo account."),
) -> None:
    """Serve the reference server (settings from LIVECHAT_* environment variables)."""
    import uvicorn

    from reference_server.settings import Settings, SettingsError

    if demo_data:
        os.environ["LIVECHAT_DEMO_DATA"] = "1"
    os.environ.setdefault("LIVECHAT_PUBLIC_URL", f"http://{host}:{port}")
    try:  # a bad setting stops here with a message, before any worker starts
        settings = Settings.from_env()
    except SettingsError as error:
        Console(stderr=True).print(
            f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(code=2) from None
    if workers > 1 and not settings.redis_url:
        raise typer.BadParameter("several workers need LIVECHAT_REDIS_URL", param_hint="--workers")
    uvicorn.run(
        "reference_server.asgi:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # Chat frames are a few hundred bytes: compressing each costs both ends more CPU
        # than the bytes it saves.
        ws_per_message_deflate=False,
    )


@app.command()
def demo(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    database: str = typer.Option("var/demo.db", help="SQLite file for the demo."),
) -> None:
    """Start the server with the demo account and print its URLs and log-in."""
    from reference_server.store.demo import DEMO_ACCOUNT_ID, DEMO_ADMIN_EMAIL, DEMO_PASSWORD

    os.environ.setdefault("LIVECHAT_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    base = f"http://{host}:{port}"
    console.rule("[bold]Live chat lab demo")
    for label, path in [
        ("Start page", "/"),
        ("Admin console", "/admin"),
        ("Demo website", "/demo/"),
        ("Pricing page (sales chatflow)", "/demo/pricing"),
        ("Help centre", "/demo/help"),
        ("Help article (support chatflow)", "/demo/help/reset-password"),
        ("Long page (scrolling)", "/demo/long"),
        ("Single-page app (SDK, inline chat)", "/demo/app"),
        ("Privacy page (no chat)", "/demo/privacy"),
        ("Agent inbox", "/inbox"),
        ("API docs", "/docs"),
        ("OpenAPI", "/openapi.json"),
        ("Tracking code", f"/embed/{DEMO_ACCOUNT_ID}.js"),
    ]:
        console.print(f"  {label:<36} {base}{path}", soft_wrap=True)
    console.print(
        f"  Log in as {DEMO_ADMIN_EMAIL} / {DEMO_PASSWORD} "
        "(agents: agent1@demo.test … agent5@demo.test, same password)"
    )
    console.rule()
    serve(host=host, port=port, workers=1, demo_data=True)


# The simulator's commands (their heavy imports happen when they run).
from livechat.sim_commands import compare, simulate, staff  # noqa: E402

app.command("simulate")(simulate)
app.command("staff")(staff)
app.command("compare")(compare)

from livechat.suite_commands import suite_app  # noqa: E402

app.add_typer(suite_app, name="suite")

from livechat.twin_command import twin  # noqa: E402

app.command("twin")(twin)

from livechat.load_command import load  # noqa: E402

app.command("load")(load)
