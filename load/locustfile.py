"""The locustfile ``livechat load`` runs: the personas, and the plan's one load shape.

Run by the command (``locust -f load/locustfile.py`` with ``LOADTEST_PLAN`` set); on another
machine, a Locust worker started with the same file and plan joins a master as usual.
"""

from __future__ import annotations

from pathlib import Path

import gevent
from locust import events
from locust.runners import MasterRunner

from load import shapes, ws
from load.persona import PLAN
from load.users import Admin, Agent, Visitor

__all__ = ["Admin", "Agent", "LoadShape", "Visitor"]

LoadShape = shapes.shape_for(PLAN)


@events.init.add_listener
def _count_connections(environment, **_kwargs):  # type: ignore[no-untyped-def]
    """Every process that runs users writes its open sockets once a second."""
    if isinstance(environment.runner, MasterRunner) or not Path(PLAN.out_dir).is_dir():
        return  # the master runs no users; a worker elsewhere has no run directory
    out = Path(PLAN.out_dir) / f"connections-{id(environment)}.csv"
    gevent.spawn(ws.record_connections, out)
