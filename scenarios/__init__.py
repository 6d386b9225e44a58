"""Scenarios: the simulator's example inputs (YAML) and the scenario suites (QA1) with the
pytest plugin that runs them (:mod:`scenarios.suite`)."""
