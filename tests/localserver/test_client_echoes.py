"""The control-plane client against a server that echoes secrets back: in an error's detail of
any shape, in a run stream's error frame, or the value of a sandbox variable it refuses. None
of them reaches an error message (a loopback server answers as each test scripts it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentsync.client.api import Client
from agentsync.client.errors import ControlPlaneError
from tests.scripted import Scripted, scripted

TOKEN = "echoed-token-0123456789"
VALUE = 'variable-value-ç-"quoted"-42'


@pytest.fixture
def server() -> Iterator[Scripted]:
    with scripted() as running:
        yield running


@pytest.fixture
def client(server: Scripted, tmp_path: Path) -> Iterator[Client]:
    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    with Client(server.url, TOKEN, sleep=lambda _: None, environ=environ) as made:
        yield made


def _shown(error: BaseException) -> str:
    return f"{error} {error!r} {getattr(error, 'detail', '')}"


@pytest.mark.parametrize(
    "detail",
    [
        {"token": TOKEN},
        [{"path": "-", "message": f"token {TOKEN} refused", "rule": "auth"}],
    ],
)
def test_an_error_detail_of_any_shape_never_shows_the_token(
    server: Scripted, client: Client, detail: Any
) -> None:
    server.answers = [(401, {}, json.dumps({"detail": detail}).encode())]
    with pytest.raises(ControlPlaneError) as error:
        client.get_run("run_1")
    assert TOKEN not in _shown(error.value)
    assert "***" in _shown(error.value)


def test_a_refused_variable_value_is_never_shown(server: Scripted, client: Client) -> None:
    echo = {"detail": f"cannot store {VALUE} (as JSON: {json.dumps(VALUE)})"}
    server.answers = [(422, {}, json.dumps(echo).encode())]
    with pytest.raises(ControlPlaneError) as error:
        client.set_variables({"API_KEY": VALUE})
    assert error.value.status == 422
    assert VALUE not in _shown(error.value)
    assert json.dumps(VALUE)[1:-1] not in _shown(error.value)


def test_an_error_frame_of_the_run_stream_never_shows_the_token(
    server: Scripted, client: Client
) -> None:
    frame = json.dumps({"type": "error", "message": f"token {TOKEN} expired"})
    server.answers = [(200, {"Content-Type": "text/event-stream"}, f"data: {frame}\n\n".encode())]
    with pytest.raises(ControlPlaneError, match="the run stream failed") as error:
        list(client.follow_run_sse("run_1"))
    assert TOKEN not in _shown(error.value)
