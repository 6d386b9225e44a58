"""Reports built with pandas (QA4): simulation KPIs and staffing plans as DataFrames, CSV and
JSON files, and self-contained HTML pages with charts.

- :mod:`reports.tables` — the KPI catalogue (labels, units, formatting) and DataFrame builders;
- :mod:`reports.charts` — matplotlib charts as base64 PNG;
- :mod:`reports.html` — the HTML page builder;
- :mod:`reports.simulation` — ``livechat simulate``'s files and report;
- :mod:`reports.staffing` — ``livechat staff``'s files and report.
"""

from __future__ import annotations

from .simulation import SimulationOutputs, simulation_report, write_simulation_outputs
from .staffing import StaffingOutputs, staffing_report, staffing_table, write_staffing_outputs

__all__ = [
    "SimulationOutputs",
    "StaffingOutputs",
    "simulation_report",
    "staffing_report",
    "staffing_table",
    "write_simulation_outputs",
    "write_staffing_outputs",
]
