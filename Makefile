# Every target bootstraps .venv itself, so a fresh machine needs only python3 (3.11) and pip.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: help venv run demo server up worker test test-unit faults lint typecheck check bench bench-state bench-enrichers bench-scale bench-progress bench-aspects bench-scorers bench-ingest bench-evidence clean

help:
	@echo "make run          the whole service: stack, then worker + HTTP API (two processes) on 127.0.0.1:8080"
	@echo "make demo         the main job end to end on examples/products.csv, with a progress bar"
	@echo "make up           embedded Temporal + PostgreSQL + worker (foreground, Ctrl-C stops)"
	@echo "make worker       only the worker, against a running stack (TEMPORAL_HOST_PORT / DATABASE_URL)"
	@echo "make test         the whole test suite (unit + integration against real Temporal/Postgres)"
	@echo "make faults       fault injection: SIGKILLed worker/API, killed Temporal/Postgres, flaky source, full disk"
	@echo "make lint         ruff check + format check"
	@echo "make typecheck    mypy --strict"
	@echo "make check        lint + typecheck + test + faults (what CI runs)"
	@echo "make bench        benchmarks -> docs/performance.md (1M-row intake; enrichers vs bare fan-out; scale-out;"
	@echo "                  /progress latency under make run; aspect detection P/R and cost -> docs/aspects.md;"
	@echo "                  scorers vs human ratings -> docs/scorers.md)"
	@echo "make bench-evidence a 2,000-product job per scorer chain (vader, lexical, lexical,e5) -> docs/performance.md"
	@echo "make bench-ingest push 10,000 reviews/min for 5 min, reconcile counts, p95 to live sentiment, ceiling"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(PY) cmd/run.py

demo: $(STAMP)
	$(PY) cmd/demo.py

server: $(STAMP)
	$(PY) cmd/server.py

up: $(STAMP)
	$(PY) cmd/up.py

worker: $(STAMP)
	$(PY) cmd/worker.py

test: $(STAMP)
	$(PY) -m pytest -q --ignore=tests/faults

# Real processes killed on purpose; each test brings its own stack (docs/reliability.md has the figures).
faults: $(STAMP)
	$(PY) -m pytest -q --durations=0 tests/faults

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test faults

bench: bench-state bench-enrichers bench-scale bench-progress bench-aspects bench-scorers

bench-state: $(STAMP)
	$(PY) bench/state_bench.py --rows 1000000 --write docs/performance.md

bench-enrichers: $(STAMP)
	$(PY) bench/enricher_bench.py --rows 2000 --latency-rows 1000 --write docs/performance.md

bench-scale: $(STAMP)
	$(PY) bench/scale_bench.py --rows 10000 --scale-rows 2000 --write docs/performance.md --plot docs/img/throughput-10k.png

bench-aspects: $(STAMP)
	$(PY) bench/aspects_bench.py --write docs/aspects.md

# Push ingestion: 10,000 reviews/min for 5 min through make run's API, reconciled in PostgreSQL, then the ceiling.
# A 2,000-product demo job per scorer chain: rows/s, CPU per row, actions, escalations, findings (docs/performance.md).
bench-evidence: $(STAMP)
	for chain in vader lexical lexical,e5; do $(PY) bench/evidence_bench.py --rows 2000 --chain $$chain; done

bench-ingest: $(STAMP)
	$(PY) bench/ingest_bench.py --rate 10000 --minutes 5 --write docs/performance.md

bench-progress: $(STAMP)
	$(PY) bench/progress_latency.py --jobs 5 --rows 200 --write docs/performance.md

# Scorer accuracy against human ratings and CPU per review (downloads the vaderSentiment sdist once via pip).
bench-scorers: $(STAMP)
	$(PY) bench/scorers_bench.py --write docs/scorers.md

# Rebuild the lexical and e5 scorers' weights from the pinned data (scripts/build_scorer_models.py).
scorer-models: $(STAMP)
	$(PY) scripts/build_scorer_models.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
