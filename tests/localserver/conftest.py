"""A real control plane on a loopback port for each test, and HTTP clients for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer, ServerOptions

API_KEY = "test-api-key-0123456789"
USER_TOKEN = "test-user-token-0123456789"

VALID_YAML = """\
ellipsis:
  version: v1
  name: Nightly audit
triggers:
  - type: cron
    schedule: "0 3 * * *"
claude:
  system: Audit the dependencies.
limits:
  run: 5
"""


def server_options(tmp_path: Path, **overrides: object) -> ServerOptions:
    options = ServerOptions(
        db=str(tmp_path / "control-plane.db"),
        api_tokens=[API_KEY],
        cli_tokens=[USER_TOKEN],
        key_file=tmp_path / "vault.key",
    )
    for name, value in overrides.items():
        setattr(options, name, value)
    return options


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(server_options(tmp_path)) as running:
        yield running


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """One server for a whole module, for tests that only read or are independent."""
    with LocalServer(server_options(tmp_path_factory.mktemp("shared"))) as running:
        yield running


@pytest.fixture
def api(server: LocalServer) -> Iterator[httpx.Client]:
    """Authenticated with the API key (runs record source: api)."""
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def user(server: LocalServer) -> Iterator[httpx.Client]:
    """Authenticated with the user token (runs record source: cli)."""
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {USER_TOKEN}"}, timeout=10
    ) as client:
        yield client


def sync_valid_config(api: httpx.Client) -> str:
    """The id of ``VALID_YAML`` synced as acme/app's agents/audit.yaml."""
    response = api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/audit.yaml", "yaml": VALID_YAML},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.fixture
def config_id(api: httpx.Client) -> str:
    return sync_valid_config(api)


def wait_for_final(api: httpx.Client, run_id: str, timeout: float = 15) -> dict[str, Any]:
    """The run once it has ended."""
    deadline = time.monotonic() + timeout
    while True:
        run = api.get(f"/v1/agents/runs/{run_id}").json()
        if run["status"] in ("completed", "error", "cancelled", "stopped"):
            return dict(run)
        assert time.monotonic() < deadline, run
        time.sleep(0.02)


class SteppedRunner:
    """Emits deltas one at a time, released by the test: a run that is really live."""

    name = "stepped"

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.release = threading.Semaphore(0)

    def execute(self, context: RunContext) -> RunOutcome:
        for index in range(self.steps):
            if not self.release.acquire(timeout=10) or context.cancelled.is_set():
                return RunOutcome("cancelled", "cancelled by request")
            context.emit("message.delta", {"content": f"part {index}"})
        return RunOutcome("completed", output="done")


@pytest.fixture
def stepped(tmp_path: Path) -> Iterator[tuple[LocalServer, SteppedRunner, httpx.Client]]:
    runner = SteppedRunner(steps=6)
    with (
        LocalServer(server_options(tmp_path, runner=runner)) as running,
        httpx.Client(
            base_url=running.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
        ) as client,
    ):
        yield running, runner, client
