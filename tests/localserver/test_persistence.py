"""``agent control-plane serve`` keeps its data by default, in the XDG state directory, says
where in its first line, and still has it after a restart; ``--db :memory:`` says it keeps
nothing."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.servers import start_control_plane

TOKEN = "persistence-token-0123456789"


@contextmanager
def _serving(state: Path, *args: str) -> Iterator[tuple[str, str]]:
    """The server's URL and the first line of its output."""
    environment = {**os.environ, "XDG_STATE_HOME": str(state)}
    environment.pop("AGENTSYNC_VAULT_KEY", None)
    log_file = state / "serve.log"
    server, url = start_control_plane(log_file, "--token", TOKEN, *args, env=environment)
    try:
        yield url, log_file.read_text().splitlines()[0]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


def _variables(url: str) -> set[str]:
    response = httpx.get(
        f"{url}/v1/sandboxes/variables", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    response.raise_for_status()
    return {variable["name"] for variable in response.json()["variables"]}


def test_the_default_database_is_in_the_state_directory_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    database = tmp_path / "agentsync" / "control-plane.db"
    with _serving(tmp_path) as (url, banner):
        assert banner == f"agentsync control plane on {url} (database: {database})"
        httpx.put(
            f"{url}/v1/sandboxes/variables",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={"variables": [{"name": "KEPT", "value": "a value"}]},
        ).raise_for_status()
    assert database.is_file()
    assert database.with_suffix(".key").is_file()
    with _serving(tmp_path) as (url, _):
        assert _variables(url) == {"KEPT"}


def test_an_in_memory_control_plane_says_it_keeps_nothing(tmp_path: Path) -> None:
    with _serving(tmp_path, "--db", ":memory:") as (url, banner):
        assert banner == (
            f"agentsync control plane on {url} "
            "(database: in memory: everything is lost when it stops)"
        )
        assert _variables(url) == set()
    assert not (tmp_path / "agentsync").exists()
