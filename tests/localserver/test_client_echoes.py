"""The control-plane client against a server that echoes secrets back: in an error's detail of
any shape, in a run stream's error frame, or the value of a sandbox variable it refuses. None
of them reaches an error message (a loopback server answers as each test scripts it). And
against one whose answers no output could show again: each is one ``ControlPlaneError`` naming
the call and the field, never a crash and never a value written as ``null`` or ``NaN``."""

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
RUN = (
    '{"id": "r1", "customer_id": "c", "created_at": "2026-01-01T00:00:00Z", '
    '"updated_at": "2026-01-01T00:00:00Z", "status": "completed", "source": "cli", '
    '"structured_output": '
)
DEEP = "[" * 5000 + "]" * 5000  # past what Python's JSON reader can nest


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


@pytest.mark.parametrize(
    ("output", "said"),
    [
        ('{"score": 1e400}', "structured_output.score is 1e400, a number JSON cannot hold"),
        ("[Infinity]", "structured_output[0] is Infinity"),
        ("9" * 5000, "structured_output is an integer of 5,000 digits"),
        (DEEP, "nested more than 100 levels deep"),
    ],
)
def test_a_run_no_output_could_show_is_one_clear_error(
    server: Scripted, client: Client, output: str, said: str
) -> None:
    """`agent run get --json` wrote 1e400 as null; deep nesting was an internal error."""
    server.answers = [(200, {}, (RUN + output + "}").encode())]
    with pytest.raises(ControlPlaneError, match="GET /v1/agents/runs/r1") as error:
        client.get_run("r1")
    assert said in str(error.value)


def test_an_error_answer_nested_too_deep_is_shown_as_its_text(
    server: Scripted, client: Client
) -> None:
    """It was an internal error (RecursionError) instead of the server's refusal."""
    server.answers = [(404, {}, DEEP.encode())]
    with pytest.raises(ControlPlaneError) as error:
        client.get_run("r1")
    assert error.value.status == 404
    assert str(error.value).startswith("[[[")
