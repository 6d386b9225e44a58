"""Load tests: Locust personas, load shapes and the runner behind ``livechat load``.

- :mod:`load.users` — ``Visitor``, ``Agent`` and ``Admin`` (Locust user classes in
  :mod:`load.visitor`, :mod:`load.agent`, :mod:`load.admin` on :mod:`load.persona`; imported
  only inside the Locust processes), :mod:`load.ws` — WebSocket steps as Locust requests,
  :mod:`load.shapes` — the scenario, step and spike shapes, :mod:`load.locustfile`.
- :mod:`load.profile` — how many users when (pure functions), :mod:`load.plan` — the run's
  plan handed to Locust, :mod:`load.stage` — the agents and chatflows a run creates,
  :mod:`load.run` — the whole run: server, stage, Locust in a subprocess, the server's KPIs.

Locust (gevent) is never imported by the command's own process nor by pytest: importing it
next to an in-process uvicorn server breaks the server, so Locust always runs in a
subprocess.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["locustfile_path"]


def locustfile_path() -> Path:
    """The locustfile ``livechat load`` runs (``locust -f`` takes a path)."""
    return Path(__file__).resolve().parent / "locustfile.py"
