"""``agent run --platform`` against a platform that sends escape sequences in what it answers
(a loopback server answers as each test scripts it): they are shown escaped, never sent to the
terminal, in every output and in error messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from agentsync.cli.main import cli
from agentsync.http import session as http_session
from tests.scripted import Scripted, scripted

HOSTILE = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\rX\n\u202eevil"
RUN = {"id": "adrun_1", "status": "failed", "failure_reason": f"boom {HOSTILE}"}


@pytest.fixture
def server() -> Iterator[Scripted]:
    with scripted() as running:
        yield running


def agent(server: Scripted, tmp_path: Path, *args: str) -> Result:
    environ = {
        "AGENTSYNC_PLATFORMS_FILE": str(tmp_path / "none.toml"),
        "AGENTSYNC_PLATFORM_X_KIND": "deployments",
        "AGENTSYNC_PLATFORM_X_BASE_URL": server.url,
        "AGENTSYNC_PLATFORM_X_TOKEN_ENV": "X_TOKEN",
        "AGENTSYNC_PLATFORM_X_DEPLOYMENT": "dep_1",
        "X_TOKEN": "hostile-cli-token-0123",
    }
    return CliRunner(env=environ).invoke(cli, [*args, "-P", "x"])


def ok(body: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, json.dumps(body).encode()


def assert_escaped(text: str) -> None:
    for raw in ("\x1b", "\x07", "\r", "\u202e"):
        assert raw not in text
    assert "\\x1b]0;owned\\x07" in text


@pytest.mark.parametrize(
    "args",
    [["run", "get", "adrun_1"], ["run", "get", "adrun_1", "--watch"], ["run", "cancel", "r"]],
)
def test_a_run_s_strings_are_shown_escaped(
    server: Scripted, tmp_path: Path, args: list[str]
) -> None:
    server.answers = [ok({**RUN, "id": f"adrun_1{HOSTILE}"})]
    result = agent(server, tmp_path, *args)
    if args[1] != "cancel":
        assert "boom" in result.stdout
    assert_escaped(result.stdout)


def test_a_run_id_cannot_fake_a_line(server: Scripted, tmp_path: Path) -> None:
    server.answers = [ok({**RUN, "id": f"adrun_1{HOSTILE}"})]
    result = agent(server, tmp_path, "run", "get", "adrun_1")
    assert_escaped(result.stdout)
    assert "\\n" in result.stdout.splitlines()[0]  # the id's line break, escaped in its line


def test_a_list_s_cells_are_shown_escaped(server: Scripted, tmp_path: Path) -> None:
    server.answers = [ok({"runs": [{**RUN, "created_at": HOSTILE}]})]
    result = agent(server, tmp_path, "run", "list")
    assert result.exit_code == 0
    assert_escaped(result.stdout)
    assert len(result.stdout.splitlines()) == 2  # the header and the run


def test_an_error_message_is_shown_escaped(server: Scripted, tmp_path: Path) -> None:
    server.answers = [(404, {}, json.dumps({"detail": f"no run {HOSTILE}"}).encode())]
    result = agent(server, tmp_path, "run", "get", "adrun_1")
    assert result.exit_code == 1
    assert_escaped(result.stderr)
    assert len(result.stderr.splitlines()) == 1


DEEP = "[" * 5000 + "]" * 5000  # past what Python's JSON reader can nest


def running(fields: str) -> str:
    """A running run's answer, with ``fields`` (JSON text) besides."""
    return '{"id": "r", "status": "running", ' + fields + "}"


ANSWERS_NO_OUTPUT_CAN_HOLD = [  # (the answer, what the error says of it)
    (running('"input": {"ratio": 1e400}'), "input.ratio is 1e400"),
    (running('"input": {"ratio": [NaN]}'), "input.ratio[0] is NaN"),
    (running('"mode": -Infinity'), "mode is -Infinity"),
    (running('"input": {"n": ' + "9" * 5000 + "}"), "input.n is an integer of 5,000 digits"),
    (running('"input": ' + DEEP), "the answer is nested more than 100 levels deep"),
    (running('"input": ' + "[" * 300 + "]" * 300), "is nested more than 100 levels deep"),
]


@pytest.mark.parametrize(("answer", "said"), ANSWERS_NO_OUTPUT_CAN_HOLD)
@pytest.mark.parametrize("as_json", [True, False])
def test_an_answer_no_output_could_hold_is_one_line_naming_the_field(
    server: Scripted, tmp_path: Path, answer: str, said: str, as_json: bool
) -> None:
    """1e400 and NaN were written as null with --json (and NaN in text), a 5,000-digit
    number was "string indices must be integers", deep nesting an internal error."""
    server.answers = [(200, {}, answer.encode())]
    result = agent(server, tmp_path, "run", "get", "r", *(["--json"] if as_json else []))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert said in result.stderr
    assert "(GET /v1/agent-deployments/dep_1/runs/r)" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("answer", "kind"),
    [([RUN], "a JSON array"), ("adrun_1", "a string"), (7, "a number"), (None, "null")],
)
def test_an_answer_that_is_no_object_says_what_was_expected(
    server: Scripted, tmp_path: Path, answer: Any, kind: str
) -> None:
    """It said "list indices must be integers or slices, not str", Python's words."""
    server.answers = [ok(answer)]
    result = agent(server, tmp_path, "run", "get", "adrun_1")
    assert result.exit_code == 1
    assert result.stderr == (
        "agent: unexpected answer from the deployments platform (an agent run): "
        f"{kind} where a JSON object was expected\n"
    )


def test_an_answer_that_is_no_json_says_so(server: Scripted, tmp_path: Path) -> None:
    server.answers = [(200, {}, b"<html>a proxy's page</html>")]
    result = agent(server, tmp_path, "run", "get", "adrun_1")
    assert result.exit_code == 1
    assert result.stderr.endswith(
        "(GET /v1/agent-deployments/dep_1/runs/adrun_1): it is not JSON\n"
    )


def test_an_error_page_is_named_not_printed(server: Scripted, tmp_path: Path) -> None:
    """A web server's or proxy's HTML page as the error: it was printed whole, as one line."""
    page = b"<!DOCTYPE HTML><html><body><h1>Error response</h1></body></html>"
    server.answers = [(404, {"Content-Type": "text/html"}, page)]
    result = agent(server, tmp_path, "run", "get", "adrun_1")
    assert result.exit_code == 1
    assert result.stderr == (
        f"agent: GET {server.url}/v1/agent-deployments/dep_1/runs/adrun_1 answered HTTP 404 "
        "with text/html, not the API's JSON (HTTP 404)\n"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["run", "get", "adrun_\udcff"], "'adrun_\\udcff' is not UTF-8 text"),
        (["run", "start", "--env", "API_KEY=s3cret-\udcff"], "'envs.API_KEY' in the request"),
        (["run", "start", "--input", '{"q": "\udcff"}'], "'input.q' in the request"),
    ],
)
def test_an_argument_that_is_not_utf8_is_one_line_and_nothing_is_sent(
    server: Scripted, tmp_path: Path, args: list[str], said: str
) -> None:
    """An argument's bytes that are not UTF-8 were an internal error (UnicodeEncodeError)."""
    result = agent(server, tmp_path, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"agent: {said}")
    assert len(result.stderr.splitlines()) == 1
    assert "s3cret" not in result.stderr
    assert server.requests == []


def control_plane_agent(server: Scripted, tmp_path: Path, *args: str) -> Result:
    """``agent`` against the scripted server as the Ellipsis control plane (no ``-P``)."""
    environ = {
        "ELLIPSIS_CONFIG_DIR": str(tmp_path / "ellipsis"),
        "ELLIPSIS_API_BASE_URL": server.url,
        "ELLIPSIS_API_TOKEN": "hostile-cli-token-0123",
    }
    return CliRunner(env=environ).invoke(cli, list(args))


def test_a_control_plane_run_in_an_unknown_state_names_the_field(
    server: Scripted, tmp_path: Path
) -> None:
    """It said "1 validation error for Run", and not which field."""
    at = "2026-01-01T00:00:00Z"
    run = {"id": "runs_1", "customer_id": "c", "created_at": at, "updated_at": at}
    server.answers = [ok({**run, "status": "hibernating", "source": "api"})]
    result = control_plane_agent(server, tmp_path, "run", "get", "runs_1")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "GET /v1/agents/runs/runs_1: status: Input should be 'scheduled'" in result.stderr


def test_a_control_plane_answer_that_is_no_json_says_so_with_its_type(
    server: Scripted, tmp_path: Path
) -> None:
    """It said "Expecting value: line 1 column 1 (char 0)"."""
    server.answers = [(200, {"Content-Type": "text/html; charset=utf-8"}, b"<html>proxy</html>")]
    result = control_plane_agent(server, tmp_path, "run", "get", "runs_1")
    assert result.exit_code == 1
    assert result.stderr.endswith("GET /v1/agents/runs/runs_1: it is not JSON (text/html)\n")


@pytest.mark.parametrize("platform", [False, True])
def test_a_redirect_is_not_followed_and_says_where_it_pointed(
    server: Scripted, tmp_path: Path, platform: bool
) -> None:
    """It said "Found" (or "Found (HTTP 302)")."""
    elsewhere = "http://127.0.0.1:9/v1/x?password=hunter2"
    server.answers = [(302, {"Location": elsewhere}, b"")]
    run = agent if platform else control_plane_agent
    result = run(server, tmp_path, "run", "get", "runs_1")
    assert result.exit_code == 1
    assert "the server redirects to 'http://127.0.0.1:9/v1/x?password=***', which is not " in (
        result.stderr
    )
    assert "hunter2" not in result.stderr
    assert len(server.requests) == 1


@pytest.mark.parametrize("platform", [False, True])
@pytest.mark.parametrize(
    "detail",
    ["boom " * 100_000, [{"path": f"f{i}", "message": "bad", "rule": "r"} for i in range(20_000)]],
)
def test_a_huge_error_is_one_line_of_at_most_4000_characters(
    server: Scripted, tmp_path: Path, platform: bool, detail: object
) -> None:
    """A server's error of 500 KB was printed whole, on one line."""
    server.answers = [(400, {}, json.dumps({"detail": detail}).encode())]
    run = agent if platform else control_plane_agent
    result = run(server, tmp_path, "run", "get", "runs_1")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert len(result.stderr) <= len("agent: \n") + 4000
    assert result.stderr.rstrip("\n").endswith("…")


@pytest.mark.parametrize("platform", [False, True])
def test_an_answer_too_large_to_read_does_not_say_the_server_was_not_reached(
    server: Scripted, tmp_path: Path, platform: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It said "cannot reach the control plane at URL", of a server that had answered."""
    monkeypatch.setattr(http_session, "MAX_ANSWER_BYTES", 1000)
    server.answers = [(200, {}, b"[" + b" " * 5000 + b"]")]
    run = agent if platform else control_plane_agent
    result = run(server, tmp_path, "run", "get", "runs_1")
    assert result.exit_code == 1
    assert "cannot reach" not in result.stderr
    where = server.url if platform else f"the control plane at {server.url}"
    assert f"{where}: its answer is over 0 MiB: not read" in result.stderr
