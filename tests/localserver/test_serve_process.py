"""``agent control-plane serve`` as a real process on loopback, its log read from its output:
every integer parameter is bounded (422 outside its range, never a 5xx), the event stream and
the WebSocket check ``after_seq`` alike, an oversized body is 413 however it is sent, the log
names paths without their query strings, and the database files are the owner's alone. No
request leaves a traceback in the log."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from agentsync.client.api import Client
from agentsync.client.errors import Invalid
from agentsync.localserver.middleware import MAX_BODY_BYTES
from tests.servers import start_control_plane

from .conftest import API_KEY, USER_TOKEN

MAX_SEQ = 2**63 - 1
CLAMPED = {("/v1/agents/runs", "limit")}  # larger values are served as the largest page
QUERY_SECRET = "query-string-secret-0123456789"


class ServeProcess:
    """``agent control-plane serve`` in a child process; stdout and stderr in ``log_file``."""

    def __init__(self, directory: Path) -> None:
        self.database = directory / "control-plane.db"
        self.log_file = directory / "serve.log"
        self.url = self.ws_url = ""  # once started
        self._process: subprocess.Popen[bytes] | None = None
        self._read = 0

    def start(self) -> None:
        options = ["--db", str(self.database), "--token", API_KEY, "--cli-token", USER_TOKEN]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("AGENTSYNC_VAULT_KEY", None)
        self._process, self.url = start_control_plane(self.log_file, *options, env=env)
        self.ws_url = "ws" + self.url.removeprefix("http")

    def stop(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def new_log(self) -> str:
        """What the server logged since the last call."""
        text = self.log_file.read_text(errors="replace")
        fresh, self._read = text[self._read :], len(text)
        return fresh


@pytest.fixture(scope="module")
def serve_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    process = ServeProcess(tmp_path_factory.mktemp("serve"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(autouse=True)
def no_traceback_logged(serve_process: ServeProcess) -> Iterator[None]:
    serve_process.new_log()
    yield
    assert "Traceback" not in serve_process.new_log()


@pytest.fixture(scope="module")
def api(serve_process: ServeProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with httpx.Client(base_url=serve_process.url, headers=headers, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def finished_run(api: httpx.Client) -> str:
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    deadline = time.monotonic() + 10
    while api.get(f"/v1/agents/runs/{run['id']}").json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return str(run["id"])


def stream_close(url: str, headers: dict[str, str]) -> tuple[list[str], int | None, str]:
    """The frames a WebSocket sends until the server closes it, its close code and reason."""
    frames: list[str] = []
    with connect(url, additional_headers=headers) as socket:
        try:
            while True:
                frames.append(str(socket.recv(timeout=5)))
        except ConnectionClosed as closed:
            if closed.rcvd is None:
                return frames, None, ""
            return frames, closed.rcvd.code, closed.rcvd.reason


# after_seq: the same bounds on both streams ------------------------------------------------

BAD_AFTER_SEQ = ["9223372036854775808", str(10**30), "-1", "abc", "1.5", ""]


@pytest.mark.parametrize("after_seq", BAD_AFTER_SEQ)
def test_a_bad_after_seq_is_refused_alike_by_the_event_stream_and_the_websocket(
    serve_process: ServeProcess, api: httpx.Client, finished_run: str, after_seq: str
) -> None:
    events = api.get(f"/v1/runs/{finished_run}/events", params={"after_seq": after_seq})
    assert events.status_code == 422
    [problem] = events.json()["detail"]
    assert problem["path"] == "query.after_seq"
    url = f"{serve_process.ws_url}/v1/runs/{finished_run}/stream?after_seq={after_seq}"
    headers = {"Authorization": f"Bearer {API_KEY}"}
    assert stream_close(url, headers) == ([], 4422, f"after_seq: {problem['message']}")
    cli = {**headers, "User-Agent": "ellipsis-cli/0.1.6"}  # the platform CLI's dialect
    frames, code, _ = stream_close(url, cli)
    error = {"type": "error", "message": f"after_seq: {problem['message']}"}
    assert ([json.loads(frame) for frame in frames], code) == ([error], 1000)


def test_the_largest_after_seq_streams_nothing_and_ends(
    serve_process: ServeProcess, api: httpx.Client, finished_run: str
) -> None:
    events = api.get(f"/v1/runs/{finished_run}/events", params={"after_seq": MAX_SEQ})
    assert (events.status_code, events.text) == (200, "")
    url = f"{serve_process.ws_url}/v1/runs/{finished_run}/stream?after_seq={MAX_SEQ}"
    headers = {"Authorization": f"Bearer {API_KEY}"}
    assert stream_close(url, headers)[:2] == ([], 1000)


def test_the_client_raises_invalid_for_an_after_seq_out_of_range(
    serve_process: ServeProcess, finished_run: str
) -> None:
    with Client(serve_process.url, API_KEY, environ={}) as client:
        with pytest.raises(Invalid, match="after_seq: Input should be less than or equal"):
            list(client.follow_run(finished_run, after_seq=MAX_SEQ + 1))
        with pytest.raises(Invalid, match="Input should be less than or equal"):
            list(client.follow_run_sse(finished_run, after_seq=MAX_SEQ + 1))


def test_credentials_are_checked_before_after_seq(
    serve_process: ServeProcess, finished_run: str
) -> None:
    url = f"{serve_process.ws_url}/v1/runs/{finished_run}/stream?after_seq=-1"
    assert stream_close(url, {"Authorization": "Bearer wrong"})[1] == 4401


# every integer parameter ---------------------------------------------------------------------


def integer_parameters(openapi: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(path, parameter)`` for each integer parameter of a GET route."""
    found = []
    for path, operations in openapi["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter["schema"]
            types = [schema.get("type"), *(s.get("type") for s in schema.get("anyOf", []))]
            if "integer" in types:
                found.append((path, parameter))
    return found


def test_every_integer_parameter_is_bounded_and_checked(api: httpx.Client) -> None:
    parameters = integer_parameters(api.get("/openapi.json").json())
    assert ("/v1/runs/{run_id}/events", "after_seq") in {(p, q["name"]) for p, q in parameters}
    for path, parameter in parameters:
        name, schema = parameter["name"], parameter["schema"]
        bounds = next((s for s in [schema, *schema.get("anyOf", [])] if "minimum" in s), {})
        assert "minimum" in bounds, (path, name)
        url = path.replace("{", "").replace("}", "_x")  # any id: the query is checked first
        where = "query" if parameter["in"] == "query" else "path"
        for value in ("abc", bounds["minimum"] - 1, str(10**30)):
            response = api.get(url, params={name: value})
            clamped = (path, name) in CLAMPED and value == str(10**30)
            assert response.status_code == (200 if clamped else 422), (path, name, value)
            if not clamped:
                assert response.json()["detail"][0]["path"] == f"{where}.{name}"
        if (path, name) not in CLAMPED:
            assert bounds["maximum"] <= MAX_SEQ, (path, name)
            response = api.get(url, params={name: bounds["maximum"] + 1})
            assert response.status_code == 422, (path, name)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/agents/runs", "start"),
        ("/v1/agents/runs", "end"),
        ("/agent/runs", "created_after"),
        ("/agent/runs", "created_before"),
    ],
)
@pytest.mark.parametrize("moment", ["9999-12-31T23:00:00-05:00", "0001-01-01T01:00:00+05:00"])
def test_a_time_that_utc_cannot_hold_is_422(
    api: httpx.Client, path: str, name: str, moment: str
) -> None:
    response = api.get(path, params={name: moment})
    assert response.status_code == 422
    assert response.json()["detail"] == f"{name} is out of range in UTC, got {moment}"


# bodies ---------------------------------------------------------------------------------------


def chunks(body: bytes) -> Iterator[bytes]:
    """``body`` sent without a Content-Length (chunked)."""
    for start in range(0, len(body), 64 * 1024):
        yield body[start : start + 64 * 1024]


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_cap_is_413_however_it_is_sent(api: httpx.Client, chunked: bool) -> None:
    sync = b'{"repository": "a/b", "path": "agents/big.yaml", "yaml": "' + b"#" * MAX_BODY_BYTES
    sync += b'"}'
    run = b'{"template_id": "pr-review", "prompt": "' + b"x" * MAX_BODY_BYTES + b'"}'
    for method, path, body, headers in [
        ("PUT", "/v1/sync/configs", sync, {}),
        ("POST", "/v1/agents/runs", run, {"Idempotency-Key": f"big-{chunked}"}),
    ]:
        content = chunks(body) if chunked else body
        response = api.request(
            method, path, content=content, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 413, (path, response.text)
        assert response.json() == {
            "detail": f"request body is over the {MAX_BODY_BYTES}-byte limit"
        }
        assert response.headers["x-request-id"].startswith("req_")
    assert api.get("/v1/sync/configs", params={"repository": "a/b"}).json()["configs"] == []


# the log and the files --------------------------------------------------------------------------


def test_the_log_names_paths_never_query_strings(
    serve_process: ServeProcess, api: httpx.Client, finished_run: str
) -> None:
    query = {"token": QUERY_SECRET}
    assert api.get("/v1/me", params=query).status_code == 200
    events = api.get(f"/v1/runs/{finished_run}/events", params=query)
    assert events.status_code == 200
    stream = f"/v1/runs/{finished_run}/stream"
    headers = {"Authorization": f"Bearer {API_KEY}"}
    assert stream_close(f"{serve_process.ws_url}{stream}?token={QUERY_SECRET}", headers)[1] == 1000
    with pytest.raises(InvalidStatus):  # no such route: refused at the handshake
        connect(f"{serve_process.ws_url}/nowhere?token={QUERY_SECRET}").close()
    log = serve_process.new_log()
    assert '"GET /v1/me HTTP/1.1" 200' in log
    assert f'"GET /v1/runs/{finished_run}/events HTTP/1.1" 200' in log
    assert f'"WebSocket {stream}" [accepted]' in log
    assert '"WebSocket /nowhere" 403' in log
    assert QUERY_SECRET not in log
    assert "token=" not in log


def test_the_database_and_its_wal_files_are_private(
    serve_process: ServeProcess, api: httpx.Client, finished_run: str
) -> None:
    database = serve_process.database
    files = [database, *(database.with_name(database.name + end) for end in ("-wal", "-shm"))]
    modes = {file.name: stat.S_IMODE(file.stat().st_mode) for file in files}
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE(database.with_suffix(".key").stat().st_mode) == 0o600
