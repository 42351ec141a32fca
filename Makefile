# Estafette — every target bootstraps what it needs (virtual environment,
# locked dependencies, front-end packages, database, demo data).
# Two commands for a newcomer: `make run` and `make test`.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed
DEMO_SCALE ?= small
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: help setup run test test-fast test-crawl test-e2e lint format docs bench bench-load demo sweep messages clean

help:
	@echo "make run     set up, migrate, load the demo ($(DEMO_SCALE)), start the task worker and serve on http://$(HOST):$(PORT)"
	@echo "make test    set up and run the whole test suite (lint included)"
	@echo "make lint    ruff, mypy and import-linter"
	@echo "make docs    write docs/access.md's tables of who sees and does what from access/policy.py"
	@echo "make bench   benchmarks on SQLite and PostgreSQL (prints medians and ratios; never fails)"
	@echo "make bench-load  fifty users on gunicorn + PostgreSQL, national dataset (figures; never fails)"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"'
	@$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(UV) pip install --quiet --python $(PY) --require-hashes -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

$(NODE_STAMP): package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

setup: $(STAMP) $(NODE_STAMP)

# The task worker (manage.py db_worker) runs beside the server: it evaluates signals after
# each change, sweeps daily and sends notifications. Ctrl-C stops both (the worker gets
# the same interrupt, and the trap stops it if the server ends any other way).
run: setup
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py demo --scale $(DEMO_SCALE) --if-empty
	$(PY) manage.py demo_accounts
	$(PY) manage.py tasks_schedule --sweep-now
	@$(PY) manage.py db_worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Task worker started (pid $$worker); Ctrl-C stops the server and the worker."; \
	$(PY) manage.py runserver $(HOST):$(PORT)

demo: setup
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py demo --scale $(DEMO_SCALE) --fresh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy src config

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The whole suite: lint, migrations in sync, translations compiled, unit and
# integration tests, the crawl (every demo role opens its pages on the small demo;
# docs/testing.md), then the browser journeys (skipped only where no Chromium
# is installed and CI is not set; in CI a missing browser is a failure).
# The crawl runs apart on two workers: each builds the small demo once.
test: setup lint
	$(PY) manage.py makemigrations --check --dry-run -v 1
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -p no:randomly -m "not e2e and not crawl" -n auto
	$(MAKE) --no-print-directory test-crawl
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -m e2e tests/e2e

test-fast: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -x -q -m "not e2e and not crawl"

# Replay a crawl's sample with ESTAFETTE_CRAWL_SEED=<the seed it printed>.
test-crawl: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -p no:randomly -m crawl -n 2 tests/crawl

test-e2e: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest -m e2e tests/e2e

# Benchmarks print figures and never fail on them (bench/README.md). `make bench` runs on
# SQLite and on the local PostgreSQL (127.0.0.1:5432; skipped with a message if none
# answers); `make bench-load` needs PostgreSQL. BENCH_ARGS passes options, e.g. --keep.
bench: setup
	$(PY) bench/run.py $(BENCH_ARGS)

bench-load: setup
	$(PY) bench/load.py $(BENCH_ARGS)

# docs/access.md's tables of who sees and does what are written from access/policy.py;
# access/tests/test_policy_table.py fails until they are regenerated after a policy change.
docs: setup
	$(PY) manage.py access_table --write

messages: setup
	cd src/estafette && ../../$(PY) ../../manage.py makemessages -l nl --no-obsolete --ignore "*/tests/*"
	cd src/estafette && ../../$(PY) ../../manage.py compilemessages -l nl

clean:
	rm -rf $(VENV) node_modules var
