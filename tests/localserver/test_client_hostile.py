"""The control-plane client against a server whose answers no output could show again (a
loopback server answers as each test scripts it): each is one ``ControlPlaneError`` naming the
call and the field, never a crash and never a value written as ``null`` or ``NaN``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.client.errors import ControlPlaneError
from tests.scripted import Scripted, scripted

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
    with Client(server.url, "hostile-token", sleep=lambda _: None, environ=environ) as made:
        yield made


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
