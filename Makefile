# One entry point for people and CI. Every target creates .venv first if missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench schema clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,server]'
	touch $(STAMP)

run: $(STAMP)
	@echo "== agent-lint on the example repository: fixtures/example-repo"
	$(BIN)/agent-lint fixtures/example-repo
	@echo
	@echo "== agent-lint on a few broken configs (exit status 1 is expected here)"
	-$(BIN)/agent-lint fixtures/lint/invalid/bad-cron-range.yaml \
		fixtures/lint/invalid/cron-unquoted-star.yaml \
		fixtures/lint/invalid/unknown-keys.yaml \
		fixtures/lint/invalid/yaml11-boolean.yaml \
		fixtures/lint/invalid/secret-by-shape.yaml
	@echo
	@echo "== the sync engine and agent run on the local control plane"
	scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/agent-lint fixtures/example-repo
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/agent schema > schemas/agent-config.v1.json

bench: $(STAMP)
	$(BIN)/python bench/lint_bench.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
