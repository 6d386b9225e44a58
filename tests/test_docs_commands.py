"""Every command in README.md and docs/ works when pasted into bash.

The commands are the lines of the fenced code blocks marked ``sh``, ``bash``, ``shell`` or
``console``, and the lines starting with ``$ `` in any fenced block (a transcript); a line
ending in ``\\`` continues on the next. Every command must be valid bash without a
redirection hidden in an argument (``--target abandonment<=0.05`` reads a file named
``=0.05``: such a target must be quoted). The short ones are then run as pasted, from the
repository's root, with the virtualenv *not* activated (``.venv/bin/...`` as the docs write
it), and must succeed.

A command is long — checked but not run — when it matches :data:`LONG` (servers that run
until stopped, the test suite itself, minutes-long runs); the reason is written beside each
pattern. A command added to the docs that takes more than :data:`TIMEOUT` seconds must be
added there, with its reason. The file is generic: any helper's section is checked.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
SHELL_BLOCKS = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
TIMEOUT = 300.0

LONG: list[tuple[str, str]] = [
    (r"^make (demo|test)\b", "make demo serves until stopped; make test is this suite"),
    (r"\blivechat (serve|demo)\b", "a server: runs until stopped"),
    (r"-m pytest\b", "the test suite runs these tests itself"),
    (r"benchmarks/\w+\.py", "a benchmark: minutes on one core"),
    (r"livechat staff scenarios/examples/around_the_clock\.yaml", "minutes of simulations"),
    (r"--cluster\s+tcp://", "needs a running Dask scheduler at that address"),
    (r"--target\s+https?://", "needs the live server started beside it"),
    (r"\blivechat twin\b", "a server replay; tests/twin runs it on every shipped example"),
    (r"\blivechat load\b", "a load run: a server, Locust and a report (tests/load runs one)"),
    (r"\bdask (scheduler|worker)\b", "Dask's scheduler and workers: run until stopped"),
]


@dataclass(frozen=True)
class Command:
    """A command from a document: where it is, and its text (continuation lines joined)."""

    document: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


def fenced_commands(markdown: str, document: str) -> list[Command]:
    """The commands of ``markdown`` (see the module docstring)."""
    commands: list[Command] = []
    fence: str | None = None
    shell = False
    pending: list[str] = []
    first = 0
    for number, line in enumerate(markdown.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is None:
            if opened:
                fence, shell = opened.group(2), opened.group(3).lower() in SHELL_BLOCKS
            continue
        if line.strip().startswith(fence) and not line.strip()[len(fence) :].strip():
            fence, pending = None, []
            continue
        text = line.strip()
        if pending:
            pending.append(text)
        elif text.startswith("$ "):
            pending, first = [text[2:]], number
        elif shell and text and not text.startswith("#"):
            pending, first = [text], number
        else:
            continue
        if text.endswith("\\"):
            continue
        commands.append(Command(document, first, "\n".join(pending)))
        pending = []
    return commands


def hidden_redirections(command: str) -> list[str]:
    """Redirections glued to a word (``abandonment<=0.05``, ``<token>``), outside quotes:
    pasted into bash they read or write a file instead of passing an argument."""
    problems = []
    quote: str | None = None
    escaped = False
    for position, char in enumerate(command):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "<>":
            before = command[position - 1] if position else " "
            after = command[position + 1] if position + 1 < len(command) else " "
            glued = not (before.isspace() or before.isdigit() or before in "<>&|(")
            if glued or after in "=":
                start = command.rfind(" ", 0, position) + 1
                end = command.find(" ", position)
                problems.append(command[start : end if end >= 0 else None])
    return problems


def all_commands() -> list[Command]:
    commands = []
    for path in DOCUMENTS:
        commands += fenced_commands(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return commands


def long_reason(command: Command) -> str | None:
    for pattern, reason in LONG:
        if re.search(pattern, command.text):
            return reason
    return None


def pasted_environment() -> dict[str, str]:
    """This environment as a fresh shell would have it: the virtualenv not activated."""
    venv = Path(sys.executable).parent
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    paths = environment.get("PATH", "/usr/bin:/bin").split(os.pathsep)
    environment["PATH"] = os.pathsep.join(p for p in paths if Path(p) != venv)
    return environment


COMMANDS = all_commands()


def test_commands_are_found_and_a_redirect_pasted_into_a_target_is_caught() -> None:
    sample = "\n".join(
        [
            "```sh",
            "make demo   # a comment",
            ".venv/bin/livechat staff x.yaml \\",
            "    --target abandonment<=0.05",
            "```",
            "```",
            "layout/  not a command",
            "$ .venv/bin/livechat simulate x.yaml 2>/dev/null",
            "output line",
            "```",
            "```yaml",
            "name: not a command",
            "```",
        ]
    )
    found = fenced_commands(sample, "sample.md")
    assert [(c.line, c.text.split()[0]) for c in found] == [
        (2, "make"),
        (3, ".venv/bin/livechat"),
        (8, ".venv/bin/livechat"),
    ]
    assert hidden_redirections(found[1].text) == ["abandonment<=0.05"]
    assert hidden_redirections("livechat staff x.yaml -t 'abandonment<=0.05'") == []
    assert hidden_redirections('a -t "wait_p90<=2m" 2>/dev/null > out.txt') == []
    assert hidden_redirections("curl -H 'x' --token <token>") == ["<token>"]
    assert hidden_redirections("echo x >=1") == [">=1"]


def test_the_documents_have_commands_and_the_long_ones_say_why() -> None:
    assert len(COMMANDS) >= 5
    assert any(long_reason(command) is None for command in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_every_documented_command_is_bash_without_a_hidden_redirection(command: Command) -> None:
    assert hidden_redirections(command.text) == [], f"quote these arguments in {command}"
    checked = subprocess.run(
        ["bash", "-n", "-c", command.text], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, f"{command}: {checked.stderr}"


SHORT = [command for command in COMMANDS if long_reason(command) is None]


@pytest.mark.parametrize("command", SHORT, ids=str)
def test_short_documented_commands_run_as_pasted(command: Command) -> None:
    try:
        done = subprocess.run(
            ["bash", "-c", command.text],
            cwd=ROOT,
            env=pasted_environment(),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command} ran longer than {TIMEOUT:g} s: add it to LONG with a reason")
    assert done.returncode == 0, f"{command}: {command.text}\n{done.stderr[-2000:]}"
    assert "bash:" not in done.stderr, done.stderr
