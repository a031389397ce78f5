# One entry point for people and CI. Every target but run creates .venv first if missing.
# Dependencies install from the lock, requirements.txt (every package pinned, with hashes):
# a new release upstream changes nothing here until `make lock-upgrade` takes it.
# `make run` installs only what the demo needs, from requirements-run.txt, in .venv-run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCKED := $(VENV)/.locked
LOCK := requirements.txt
RUN_VENV := .venv-run
RUN_BIN := $(RUN_VENV)/bin
RUN_STAMP := $(RUN_VENV)/.installed
RUN_LOCK := requirements-run.txt
INSTALLER_LOCK := requirements-uv.txt
INSTALLER := $(RUN_VENV)/installer
LATEST := .venv-latest
# The lock covers every platform (--universal) and the oldest Python the project supports.
UV_COMPILE := $(BIN)/uv pip compile pyproject.toml requirements-tools.in --extra dev --extra server \
	--universal --python-version 3.11 --generate-hashes --quiet --output-file $(LOCK)
# The demo's lock: the runtime dependencies, the server extra and the build backend, no dev
# tool, pinned as in the full lock (compiled after it, with it as constraints).
UV_COMPILE_RUN := $(BIN)/uv pip compile pyproject.toml requirements-build.in --extra server \
	--universal --python-version 3.11 --generate-hashes --quiet --constraints $(LOCK) \
	--output-file $(RUN_LOCK)
# uv alone, as the full lock pins it: what installs the demo's lock.
UV_COMPILE_INSTALLER := echo uv | $(BIN)/uv pip compile - --universal --python-version 3.11 \
	--generate-hashes --quiet --constraints $(LOCK) --output-file $(INSTALLER_LOCK)

.PHONY: run test test-latest lint lock lock-upgrade bench schema docs dist clean

# The locked dependencies (uv among them), then the project itself: `make lock` needs only
# the first, so it still runs after pyproject.toml gained a dependency the lock lacks.
$(LOCKED): $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	touch $(LOCKED)

$(STAMP): $(LOCKED) pyproject.toml
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# The demo's own venv: the runtime lock, then the project, installed by the locked uv (pip
# puts it beside the venv, in $(INSTALLER), not in it), in a second or two rather than pip's
# ten; modules are byte-compiled when first imported.
RUN_UV := $(INSTALLER)/bin/uv pip
INSTALLER_STAMP := $(INSTALLER)/.installed
# uv as its lock pins it: a new pin replaces the one installed before.
$(INSTALLER_STAMP): $(INSTALLER_LOCK)
	rm -rf $(INSTALLER)
	$(PYTHON) -m pip install --quiet --root-user-action=ignore \
		--no-compile --require-hashes --no-deps --target $(INSTALLER) -r $(INSTALLER_LOCK)
	touch $(INSTALLER_STAMP)

$(RUN_STAMP): $(RUN_LOCK) $(INSTALLER_STAMP) pyproject.toml
	test -x $(RUN_BIN)/python || $(PYTHON) -m venv --without-pip $(RUN_VENV)
	$(RUN_UV) install --quiet --python $(RUN_BIN)/python --require-hashes --no-deps -r $(RUN_LOCK)
	$(RUN_UV) install --quiet --python $(RUN_BIN)/python --no-deps --no-build-isolation -e .
	$(RUN_UV) check --quiet --python $(RUN_BIN)/python
	touch $(RUN_STAMP)

run: $(RUN_STAMP)
	@echo "== agent-lint on the example repository: fixtures/example-repo"
	$(RUN_BIN)/agent-lint fixtures/example-repo
	@echo
	@echo "-> every config is valid: this is what a pre-commit hook or a CI step checks."
	@echo
	@echo "== agent-lint on a few broken configs"
	@$(RUN_BIN)/agent-lint fixtures/lint/invalid/bad-cron-range.yaml \
		fixtures/lint/invalid/cron-unquoted-star.yaml \
		fixtures/lint/invalid/unknown-keys.yaml \
		fixtures/lint/invalid/yaml11-boolean.yaml \
		fixtures/lint/invalid/secret-by-shape.yaml \
		|| echo "-> exit status $$?: each problem has its file, line, rule and fix; a secret is never printed."
	@echo
	@echo "== the sync engine and agent run on the local control plane"
	DEMO_BIN=$(RUN_BIN) scripts/demo.sh

test: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/agent-lint fixtures/example-repo
	$(BIN)/python -m pytest -q

# The suite against the newest release of every dependency, in a venv of its own, so that
# upstream drift shows before `make lock-upgrade` takes it. Not part of CI.
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[dev,server]'
	$(LATEST)/bin/python -m pip list --format=freeze > $(LATEST)/versions.txt
	@echo "== versions under test: $(LATEST)/versions.txt"
	$(LATEST)/bin/python -m pytest -q -p no:cacheprovider

# Re-resolve the locks after editing pyproject.toml's dependencies: pins stay where they can.
lock: $(LOCKED)
	$(UV_COMPILE)
	$(UV_COMPILE_RUN)
	$(UV_COMPILE_INSTALLER)

# Move every pin to the newest release the project's bounds allow.
lock-upgrade: $(LOCKED)
	$(UV_COMPILE) --upgrade
	$(UV_COMPILE_RUN)
	$(UV_COMPILE_INSTALLER)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/agent schema > schemas/agent-config.v1.json

# The generated pages (the rules reference from the rule modules' docstrings, the settings
# reference from src/agentsync/settings.py, the HTTP API reference from the local server's
# OpenAPI document; tests check each is up to date), then the docs site in site/. --strict
# turns a broken link or a page missing from the nav into an error.
docs: $(STAMP)
	$(BIN)/python scripts/make_rules_doc.py
	$(BIN)/python scripts/make_settings_doc.py
	$(BIN)/python scripts/make_api_doc.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# A wheel in dist/, built offline with the locked hatchling (no build isolation, no download).
dist: $(LOCKED)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation --wheel-dir dist .
	@ls dist/*.whl

bench: $(STAMP)
	$(BIN)/python bench/lint_bench.py

clean:
	rm -rf $(VENV) $(RUN_VENV) $(LATEST) .mypy_cache .pytest_cache .ruff_cache site dist
