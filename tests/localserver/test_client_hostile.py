"""The control-plane client against a server whose answers no output could show again (a
loopback server answers as each test scripts it): each is one ``ControlPlaneError`` naming the
call and the field, never a crash and never a value written as ``null`` or ``NaN``. And text
that is not UTF-8, refused before anything is sent to the local control plane."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.client.errors import ControlPlaneError
from agentsync.errors import UsageError
from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY
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


def test_text_that_is_not_utf8_is_refused_before_anything_is_sent(
    shared_server: LocalServer, tmp_path: Path
) -> None:
    """An argument's bytes that are not UTF-8 (Python reads them as lone surrogates) were an
    internal error, UnicodeEncodeError, from httpx or the path's quoting."""
    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    with Client(shared_server.url, API_KEY, sleep=lambda _: None, environ=environ) as client:
        with pytest.raises(UsageError, match=r"^'prompt' in the request holds text that is not"):
            client.start_run(config_id="agent_1", prompt="review \udcff")
        with pytest.raises(UsageError, match=r"^'metadata' in the request holds"):
            client.start_run(config_id="agent_1", metadata={"k\udcfe": "v"})
        with pytest.raises(UsageError, match=r"^'r\\udcff' is not UTF-8 text"):
            client.get_run("r\udcff")
        with pytest.raises(UsageError, match=r"^'config_id\[0\]' in the query holds") as error:
            client.list_runs(config_id="agent_\udcff")
        with pytest.raises(UsageError, match=r"^'variables\[0\].value' in the request") as error:
            client.set_variables({"API_KEY": "secret-\udcff"})
        assert "secret" not in str(error.value)
        assert client.list_variables() == []
        assert client.list_runs() == []
