"""Fixtures of the browser tests.

- ``live_server`` (package): the reference server in a subprocess (``LIVECHAT_TEST_CONTROLS=1``,
  ``LIVECHAT_DEMO_DATA=1``, a temporary SQLite file) on a free 127.0.0.1 port.
- ``server``: the same, reset before each test (demo data reseeded) with its clock set to
  Monday 5 January 2026, 10:00 in Oslo (inside the demo's office hours), running.
- ``browser`` (package): Chromium — Debian's ``/usr/bin/chromium`` when present.
- ``new_context`` / ``context`` / ``page``: browser contexts with a trace each; when a test
  fails, a screenshot of every page and the trace are kept in ``out/e2e/<test>/``.

The browser tests' long-lived fixtures are package-scoped, not session-scoped: the sync
Playwright driver keeps an event loop in the main thread while it lives, so it is stopped as
soon as the last browser test has run (tests after it may call ``asyncio.run``).

No test sleeps: the page's time is driven with ``page.clock`` (installed before ``goto``) and
the server's through the test controls; everything else waits with Playwright's ``expect``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from .scenes import OFFICE_MONDAY
from .server import LiveServer, running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OUT = Path(__file__).resolve().parent.parent / "out" / "e2e"

expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("e2e-server")) as server:
        yield server


@pytest.fixture
def server(live_server: LiveServer) -> LiveServer:
    live_server.reset()
    live_server.set_clock(OFFICE_MONDAY, running=True)
    return live_server


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = str(CHROMIUM) if CHROMIUM.exists() else None
    launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _artifact_dir(item: pytest.Item) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])[:120]
    return OUT / f"{Path(str(item.path)).stem}__{name}"


@pytest.fixture
def new_context(
    browser: Browser, server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[..., BrowserContext]]:
    """Make a browser context (options as ``browser.new_context``); each is traced, and on
    failure its pages' screenshots and its trace are saved."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("base_url", server.url)
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        context.tracing.start(screenshots=True, snapshots=True)
        made.append(context)
        return context

    yield make
    report = getattr(request.node, "rep_call", None)
    failed = report is None or report.failed
    folder = _artifact_dir(request.node)
    if failed:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "server.log").write_bytes(server.log_path.read_bytes())
    for index, context in enumerate(made):
        if failed:
            for number, page in enumerate(context.pages):
                try:
                    page.screenshot(
                        path=str(folder / f"context{index}-page{number}.png"), full_page=True
                    )
                except Exception as error:  # a closed page must not hide the failure
                    (folder / f"context{index}-page{number}.txt").write_text(str(error))
            context.tracing.stop(path=str(folder / f"context{index}-trace.zip"))
        else:
            context.tracing.stop()
        context.close()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
