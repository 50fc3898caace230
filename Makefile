# One venv, made on first use; every target below sets itself up.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# No STATEHUB_HOME or ACTIVITY_CORE_HOME here: `make run`, `make serve` and the installed
# commands then share one default home (~/.local/state/…), so a `statehub sweep` typed after
# `make run` sweeps the fleet it registered. Every command names the home it used.
# activity-core reaches State Hub only through this URL (the bridge tunnel in production).
export STATE_HUB_URL ?= http://127.0.0.1:8000

.PHONY: setup run serve test check-all lint types contracts format check bench sync-activity-definitions sync-schedules dev clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP)

## run: sweep the repos under ROOT (make run ROOT=~/src), or a demo fleet built in the home
run: setup
ifdef ROOT
	$(BIN)/statehub repos discover $(ROOT)
else
	$(BIN)/statehub demo
endif
	$(BIN)/statehub sweep --remote-all

## serve: the HTTP API on 127.0.0.1:8000 (the runbook's curl commands work against it)
serve: setup
	$(BIN)/statehub serve

# Tests run in one pytest-xdist worker per CPU (at most 4): most of a test's time is spent
# waiting on git, servers and subprocesses, so two workers on 2 CPUs took 518 s where one
# took 894 s. TEST_WORKERS=0 runs them in this process (a debugger, or -x on one failure).
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --maxprocesses 4

## check: what CI runs: lint, types (mypy --strict), import contracts, then every test not
## marked slow (SQLite and, when reachable, PostgreSQL). PYTEST_ARGS narrows the tests.
check: setup lint types contracts
	$(PYTEST) -m "not slow" $(PYTEST_ARGS)

## check-all: check, and the tests marked slow too (the longest crash, scheduler, CLI and
## browser scenarios: about 5 more minutes on 2 cores)
check-all: setup lint types contracts
	$(PYTEST) $(PYTEST_ARGS)

## test: the same as check
test: check

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: setup
	$(BIN)/mypy

contracts: setup
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: measure the sweep, API and scheduler against baselines; writes docs/benchmarks.md
## (BENCH_QUICK=1: a smoke pass with small numbers; BENCH_ONLY=local,scale: some sections)
bench: setup
	$(BIN)/python -m bench

sync-activity-definitions: setup
	$(BIN)/activity-core sync-activity-definitions

sync-schedules: setup
	$(BIN)/activity-core sync-schedules

## dev: activity-core on one machine: a Temporal dev server, sync, and the worker (Ctrl-C stops all)
dev: setup
	$(BIN)/activity-core dev

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
