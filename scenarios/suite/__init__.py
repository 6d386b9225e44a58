"""Scenario suites (QA1): YAML files of live chat scenarios, run by a pytest plugin on three
targets — the server in-process, a live server by URL, and the simulator.

- :mod:`.model` — what a suite file may say (pydantic), every step and expectation;
- :mod:`.loader` — reading a file, refusing a bad one with file, scenario, step and field;
- :mod:`.driver` — the one interface a target implements, and the runner of a scenario;
- :mod:`.server_driver` — the server through its own API, in-process or live by URL;
- :mod:`.sim_driver` — the simulator's chat centre and the domain's rules as its site;
- :mod:`.plugin` — the pytest plugin (entry point ``pytest11``): files, items, markers;
- :mod:`.report` — JUnit XML results into a feature × target matrix (HTML).
"""
