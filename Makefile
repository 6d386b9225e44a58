# The two commands of the README: `make demo` and `make test`. Both create .venv and
# install the pinned dependencies (constraints.txt) first; nothing else needs to be set up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
PYTEST := $(PY) -m pytest -p no:cacheprovider

.PHONY: demo test test-js check browsers clean

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --constraint constraints.txt --editable ".[test]"
	touch $(INSTALLED)

demo: $(INSTALLED)
	$(VENV)/bin/livechat demo

# The domain's own tests must cover every line and branch of it by themselves; the rest of
# the suite runs after. scripts/pytest-some treats "no tests collected" (exit 5) as success.
test: $(INSTALLED) browsers test-js
	$(PYTEST) tests/domain --cov=reference_server.domain --cov-branch \
		--cov-report=term-missing:skip-covered --cov-fail-under=100
	scripts/pytest-some $(PYTEST) tests e2e scenarios/suites --ignore=tests/domain
	# The server suite once more, on the local PostgreSQL server.
	LIVECHAT_TEST_DATABASE=postgresql scripts/pytest-some $(PYTEST) tests/server
	$(MAKE) --no-print-directory check

check: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy reference_server simulator reports livechat benchmarks scenarios twin load

# The widget's JavaScript modules that hold logic (connection, outbox, ordering, consent,
# triggers) have specs under Node's own test runner.
test-js:
	scripts/install-node
	node --test tests/js/

# Chromium for the browser tests: Debian's package (Playwright cannot download its own here).
browsers:
	scripts/install-chromium

clean:
	rm -rf $(VENV) var out .pytest_cache .mypy_cache .ruff_cache
