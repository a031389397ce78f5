"""A ``LocalServer`` closes what it opened however far it got, and binds its port before it
opens anything: closed before it started, its store is closed and its port freed; on a busy
port it says so in one line and opens no database."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from agentsync.errors import StoreError, UsageError
from agentsync.localserver.server import LocalServer
from agentsync.localserver.store import RunQuery

from .conftest import server_options


def test_a_server_closed_before_it_started_closes_its_store_and_frees_its_port(
    tmp_path: Path,
) -> None:
    server = LocalServer(server_options(tmp_path, cron_interval=None))
    server.close()
    with pytest.raises(StoreError, match=r"control-plane\.db"):
        server.control_plane.store.list_runs(RunQuery())
    with socket.socket() as again:
        again.bind(("127.0.0.1", server.port))


def test_a_busy_port_is_one_line_and_opens_no_database(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError) as refused:
            LocalServer(server_options(tmp_path), port=port)
    assert str(refused.value) == f"cannot listen on 127.0.0.1:{port} (in use): pick another --port"
    assert list(tmp_path.iterdir()) == []
