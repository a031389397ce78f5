"""Shared test helpers: paths to the repository and its fixtures, a PostgreSQL server, and the
hypothesis profile every property test runs under."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from pydantic import ValidationError

from agentsync.config.identity import parse_config
from tests.postgres import PostgresServer, PostgresUnavailable

# Property tests explore the same examples on every run (``derandomize``), so a test's outcome
# never depends on the day or the machine, and no deadline, so a loaded CI machine cannot fail
# them. ``HYPOTHESIS_PROFILE=explore`` searches afresh, to look for new counterexamples.
settings.register_profile("ci", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"


def model_accepts(data: Any) -> bool:
    """Whether the config model, as sync reads a config, accepts ``data``."""
    try:
        parse_config(data)
    except ValidationError:
        return False
    return True


def run_agent(
    *args: str, env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``agent ARGS`` in a process of its own: its exit status, stdout and stderr. ``env``
    overrides this process's environment (None unsets a variable). Use it, not click's
    ``CliRunner``, for a command that runs while another does: ``CliRunner`` swaps the
    process-wide ``sys.stdout``, so two at once capture each other's output."""
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run(
        [sys.executable, "-m", "agentsync.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=environment,
    )


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session; fails (never skips) without one."""
    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database of the session's server."""
    return postgres_server.create_database()
