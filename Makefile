# Every target bootstraps .venv itself, so a fresh machine needs only python3 (3.11) and pip.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: help venv up test test-unit lint typecheck check bench bench-state clean

help:
	@echo "make up           start embedded Temporal + PostgreSQL (foreground, Ctrl-C stops)"
	@echo "make test         the whole test suite (unit + integration against real Temporal/Postgres)"
	@echo "make lint         ruff check + format check"
	@echo "make typecheck    mypy --strict"
	@echo "make check        lint + typecheck + test (what CI runs)"
	@echo "make bench        benchmarks -> docs/performance.md (bench-state: 1,000,000-row intake)"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

up: $(STAMP)
	$(PY) cmd/up.py

test: $(STAMP)
	$(PY) -m pytest -q

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test

bench: bench-state

bench-state: $(STAMP)
	$(PY) bench/state_bench.py --rows 1000000 --write docs/performance.md

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
