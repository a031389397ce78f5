"""A ``LocalServer`` closes what it opened however far it got: closed before it started, or
when it cannot start, its store is closed and nothing waits on a thread that never ran."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from agentsync.errors import StoreError
from agentsync.localserver.server import LocalServer
from agentsync.localserver.store import RunQuery

from .conftest import server_config


def test_a_server_closed_before_it_started_closes_its_store(tmp_path: Path) -> None:
    server = LocalServer(server_config(tmp_path, cron_interval=None))
    server.close()
    with pytest.raises(StoreError, match=r"control-plane\.db"):
        server.control_plane.store.list_runs(RunQuery())


# uvicorn ends its thread with SystemExit when it cannot bind: pytest reports that as a warning.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_server_that_cannot_start_closes_its_store(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = LocalServer(server_config(tmp_path), port=taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="did not start"), server:
            pytest.fail("the with block ran on a server that did not start")
    with pytest.raises(StoreError, match=r"control-plane\.db"):
        server.control_plane.store.list_runs(RunQuery())
