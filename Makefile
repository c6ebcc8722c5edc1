# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BASE   := $(VENV)/.installed-base

.PHONY: demo test test-fast lint bench check sweep fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,author,serve,dask]'
	touch $(STAMP)

# The demo needs the base install only (no test, serve or dask extras).
$(BASE): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(BASE)

demo: $(BASE)
	$(BIN)/rules explain examples/waiting-past-date.yaml --at 2026-11-23T09:00

test: $(STAMP) lint
	$(BIN)/python -m pytest

# The inner loop: everything but the tests marked slow (make test runs all).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/python -m ruff check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,author,serve,dask,bench]'
	$(BIN)/python benchmarks/run.py

check: $(STAMP)
	$(BIN)/rules check

# What the policies advise over whole applications: the examples and 30
# generated logs, every 3 hours for 90 days; rules fired per day, per source
# (tests/test_sweep.py checks the invariants). SWEEP_ARGS=--policy hayes@1.0.0 …
sweep: $(STAMP)
	$(BIN)/python tests/sweep.py $(SWEEP_ARGS)

# Coverage-guided fuzzing with atheris (optional, not part of `make test`):
# each fuzzer runs FUZZ_SECONDS; crashes are saved under fuzz/artifacts/.
# A quick smoke run: make fuzz FUZZ_ARGS=-runs=2000
FUZZ_SECONDS ?= 120
FUZZ_ARGS    ?= -max_total_time=$(FUZZ_SECONDS)
fuzz: $(STAMP)
	$(BIN)/pip install --quiet atheris
	$(BIN)/python fuzz/fuzz_conditions.py $(FUZZ_ARGS)
	$(BIN)/python fuzz/fuzz_loaders.py $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) build dist *.egg-info
