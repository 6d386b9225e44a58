"""The twin check (issue 9 §3): does the server do what the simulator predicts, chat by chat?

One replication of a scenario is recorded from the simulator as a timeline of named rows
(:mod:`twin.timeline`: arrivals, pages, patience, handling, agents' shifts and breaks), replayed
against the reference server in-process on its driven clock (:mod:`twin.scene` sets the
account up through the API, :mod:`twin.replay` plays visitors through the widget API and
``/ws/visitor`` and agents through REST), and compared chat by chat (:mod:`twin.compare`).
``livechat twin SCENARIO.yaml`` runs it (:func:`twin.check.twin_check`).

This package is a harness above both entry points: it imports the simulator and the server;
neither imports it.
"""

from __future__ import annotations

from .check import TwinResult, scenario_window, twin_check
from .compare import Mismatch

__all__ = ["Mismatch", "TwinResult", "scenario_window", "twin_check"]
