# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck fuzz bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

## Migrate, seed a small demo catalog and its past orders (once), serve on 127.0.0.1:8000 with OTPs in the log.
run: $(STAMP)
	$(BIN)/shopcore db upgrade
	$(BIN)/shopcore seed-demo --products 200 --orders 500 --if-empty
	$(BIN)/shopcore serve --host 127.0.0.1 --port 8000

## The whole suite: lint, layering contract, types, unit/contract/integration/e2e tests on SQLite and PostgreSQL.
test: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

## Deeper OpenAPI fuzzing: SHOPCORE_FUZZ_EXAMPLES examples per operation and role (default 500; `make test` runs 15).
fuzz: $(STAMP)
	SHOPCORE_FUZZ_EXAMPLES=$${SHOPCORE_FUZZ_EXAMPLES:-500} $(BIN)/pytest -p no:cacheprovider tests/fuzz

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples

## Load benchmarks on a fresh, seeded database (wrk; see docs/performance.md). BENCH_ARGS="--quick" etc.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
