"""The shared HTTP layer against a real HTTP server on loopback: which calls are retried, with
what key and after how long, the lookup after a lost answer, giving up, server-sent events; and
the one full-jitter backoff that the service uses too."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpcore
import httpx
import pytest

from agentsync.errors import UsageError
from agentsync.http import session as http_session
from agentsync.http.backoff import backoff_delay
from agentsync.http.retry import RetryPolicy
from agentsync.http.session import MAX_EVENT_CHARS, Session, event_data
from tests.scripted import Scripted, scripted
from tests.servers import unused_port


class Failed(Exception):
    def __init__(self, what: str, status: int = 0) -> None:
        super().__init__(what)
        self.status = status


class Failures:
    """The test's own errors for the shared layer's ``Failures``."""

    def answered(self, response: httpx.Response, retrying: bool) -> Exception:
        return Failed(f"HTTP {response.status_code}", response.status_code)

    def unreachable(self, error: httpx.TransportError) -> Exception:
        return Failed(f"no answer: {type(error).__name__}")

    def gave_up(self, failure: Exception, why: str) -> Exception:
        return Failed(f"{why}: {failure}", getattr(failure, "status", 0))


@pytest.fixture
def server() -> Iterator[Scripted]:
    with scripted() as running:
        yield running


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def session(server: Scripted, delays: list[float]) -> Iterator[Session]:
    opened = Session(server.url, "sekrit", policy=RetryPolicy(sleep=delays.append))
    yield opened
    opened.close()


def _json(response: httpx.Response) -> Any:
    return response.json()


def test_a_keyed_write_is_retried_with_the_same_key_after_the_servers_wait(
    server: Scripted, session: Session, delays: list[float]
) -> None:
    server.answers = [(503, {"Retry-After": "2"}, b"{}"), (500, {}, b"{}"), (200, {}, b'{"ok": 1}')]
    answer = session.send("POST", "/things", _json, Failures(), json={}, idempotency_key="k-1")
    assert answer == {"ok": 1}
    keys = [headers.get("Idempotency-Key") for _, _, headers in server.requests]
    assert keys == ["k-1", "k-1", "k-1"]
    assert delays[0] == 2.0
    assert 0.0 <= delays[1] <= 1.0  # full jitter after the second failure: at most 0.5 * 2


def test_a_write_without_a_key_is_sent_once(server: Scripted, session: Session) -> None:
    server.answers = [(503, {}, b"{}")]
    with pytest.raises(Failed, match="HTTP 503"):
        session.send("POST", "/things", _json, Failures(), json={})
    assert len(server.requests) == 1


def test_a_client_error_is_not_retried(server: Scripted, session: Session) -> None:
    server.answers = [(404, {}, b"{}")]
    with pytest.raises(Failed, match="HTTP 404"):
        session.send("GET", "/things", _json, Failures())
    assert len(server.requests) == 1


def test_a_wait_beyond_the_limit_gives_up_at_once(
    server: Scripted, session: Session, delays: list[float]
) -> None:
    server.answers = [(429, {"Retry-After": "3600"}, b"{}")]
    with pytest.raises(Failed, match=r"gave up: the server asks to wait 3600s: HTTP 429"):
        session.send("GET", "/things", _json, Failures())
    assert delays == []


def test_reads_give_up_after_max_retries(server: Scripted, delays: list[float]) -> None:
    server.answers = [(502, {}, b"{}")] * 3
    policy = RetryPolicy(max_retries=2, sleep=delays.append)
    with (
        closing(Session(server.url, None, policy=policy)) as session,
        pytest.raises(Failed, match="gave up after 3 attempts: HTTP 502"),
    ):
        session.send("GET", "/things", _json, Failures())
    assert len(server.requests) == 3
    assert len(delays) == 2


def test_after_a_lost_answer_recover_runs_before_the_retry(
    server: Scripted, session: Session
) -> None:
    server.answers = ["drop"]
    looked: list[int] = []

    def recover() -> Any:
        looked.append(len(server.requests))
        return {"found": True}

    answer = session.send(
        "POST", "/things", _json, Failures(), json={}, idempotency_key="k", recover=recover
    )
    assert answer == {"found": True}
    assert looked == [1]  # after the one request that may have taken effect
    assert len(server.requests) == 1


def test_an_answer_that_drips_ends_at_its_deadline_after_one_retry(
    server: Scripted, delays: list[float]
) -> None:
    """httpx's timeouts bound each read: a byte every 0.1 s held a call for the whole answer."""
    server.answers = ["drip", "drip", "drip"]
    policy = RetryPolicy(sleep=delays.append)
    started = time.monotonic()
    with (
        closing(Session(server.url, None, policy=policy, timeout=1.0)) as session,
        pytest.raises(Failed, match="gave up after 2 attempts: no answer: ReadTimeout"),
    ):
        session.send("GET", "/v1/me", _json, Failures())
    assert time.monotonic() - started < 4
    assert len(server.requests) == 2


def test_a_connection_that_times_out_is_not_an_answer_that_came_too_slowly(
    monkeypatch: pytest.MonkeyPatch, delays: list[float]
) -> None:
    """The whole answer's deadline bounds the connection too: a host that drops every packet
    (which loopback cannot be: its connect is made to wait out its time here) read as a server
    reached that answered too slowly, "no complete answer within 1 s"."""

    def never_connects(self: object, host: str, port: int, timeout: float | None, *_: Any) -> Any:
        time.sleep(timeout or 0)
        raise httpcore.ConnectTimeout("timed out")

    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", never_connects)
    policy = RetryPolicy(max_retries=0, sleep=delays.append)
    with (
        closing(Session("http://192.0.2.1", None, policy=policy, timeout=0.3)) as session,
        pytest.raises(Failed, match=r"^gave up after 1 attempt: no answer: ConnectTimeout$"),
    ):
        session.send("GET", "/v1/me", _json, Failures())


def test_an_answer_over_the_cap_is_not_read_nor_asked_again(
    server: Scripted, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server sending without end filled the memory (170 MB a second on loopback)."""
    monkeypatch.setattr(http_session, "MAX_ANSWER_BYTES", 1000)
    server.answers = [(200, {}, b"[" + b" " * 5000 + b"]")]
    with pytest.raises(Failed, match="no answer: AnswerTooLarge"):
        session.send("GET", "/v1/agents/runs", _json, Failures())
    assert len(server.requests) == 1
    server.answers = [(200, {}, b"[" + b" " * 900 + b"]")]
    assert session.send("GET", "/v1/agents/runs", _json, Failures()) == []


def test_a_refused_connection_is_retried_without_recover(delays: list[float]) -> None:
    port = unused_port()
    recovered: list[bool] = []

    def recover() -> None:
        recovered.append(True)

    policy = RetryPolicy(max_retries=1, sleep=delays.append)
    with (
        closing(Session(f"http://127.0.0.1:{port}", None, policy=policy)) as session,
        pytest.raises(Failed, match="gave up after 2 attempts: no answer: ConnectError"),
    ):
        session.send("POST", "/x", _json, Failures(), idempotency_key="k", recover=recover)
    assert recovered == []  # never sent: nothing to look for
    assert len(delays) == 1


def test_event_data_sees_heartbeats_and_joins_multi_line_data(
    server: Scripted, session: Session
) -> None:
    body = b': heartbeat\r\n\r\ndata: {"a":\r\ndata:  1}\r\n\r\nevent: ping\n\ndata: last\n\n'
    server.answers = [(200, {"Content-Type": "text/event-stream"}, body)]
    with session.event_stream("/events", {"after_seq": 3}, read_timeout=5.0) as response:
        seen = list(event_data(response, 10.0))
    assert [data for data in seen if data is not None] == ['{"a":\n 1}', "last"]
    assert seen[0] is None  # the heartbeat is a line that completes no event
    method, path, headers = server.requests[0]
    assert (method, path, headers["Accept"]) == ("GET", "/events?after_seq=3", "text/event-stream")
    assert headers["Authorization"] == "Bearer sekrit"


@pytest.mark.parametrize(
    ("body", "read"),
    [
        (b"data: " + b"x" * (MAX_EVENT_CHARS + 1), []),  # one line that never ends
        (b"data: small\n\n" + b"data: xxxxxxxx\n" * (MAX_EVENT_CHARS // 15 + 1), ["small"]),
    ],
)
def test_an_event_over_the_cap_is_a_dropped_connection_not_held_in_memory(
    server: Scripted, session: Session, body: bytes, read: list[str]
) -> None:
    """A server could send a line, or an event of many lines, that never ends."""
    server.answers = [(200, {"Content-Type": "text/event-stream"}, body + b"\n\ndata: late\n\n")]
    seen: list[str | None] = []
    with (
        session.event_stream("/events", {}, read_timeout=5.0) as response,
        pytest.raises(httpx.RemoteProtocolError, match="an event over 1,048,576 characters"),
    ):
        seen.extend(event_data(response, 10.0))
    assert [data for data in seen if data is not None] == read


def test_an_event_line_that_drips_is_silence(server: Scripted, session: Session) -> None:
    """Each byte within the read timeout: the stream was read to its end, heard as alive."""
    server.answers = ["drip-event"]
    started = time.monotonic()
    with (
        session.event_stream("/events", {}, read_timeout=5.0) as response,
        pytest.raises(httpx.ReadTimeout, match="no complete line of the event stream for 1 s"),
    ):
        list(event_data(response, 1.0))
    assert time.monotonic() - started < 3


class Ceiling(random.Random):
    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_delay_is_full_jitter_doubling_to_its_cap() -> None:
    assert [backoff_delay(n, 0.5, 8.0, Ceiling()) for n in range(1, 7)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 8.0
    ]  # fmt: skip
    rng = random.Random(7)
    samples = [backoff_delay(4, 0.5, 8.0, rng) for _ in range(500)]
    assert all(0.0 <= s <= 4.0 for s in samples)
    assert min(samples) < 0.4  # full jitter: the whole range from zero, not its upper half
    assert min(backoff_delay(4, 0.5, 8.0, rng, floor=0.5) for _ in range(500)) == 0.5


@pytest.mark.parametrize("token", ["tëken-secret", "tok\x01en-secret", "tok en-secret"])
def test_a_token_no_header_can_carry_is_a_usage_error_that_does_not_quote_it(token: str) -> None:
    with pytest.raises(UsageError) as refused:
        Session("http://127.0.0.1:9", token, policy=RetryPolicy())
    assert "secret" not in str(refused.value)
    assert "ë" not in str(refused.value)


def test_white_space_around_a_token_is_not_sent() -> None:
    session = Session("http://127.0.0.1:9", " tok-en\n", policy=RetryPolicy())
    assert session.client.headers["Authorization"] == "Bearer tok-en"
    session.close()


def test_a_url_with_a_password_is_refused_before_it_can_be_logged() -> None:
    with pytest.raises(UsageError, match="must not hold a user or password") as refused:
        Session("http://user:hunter2@127.0.0.1:9", "tok", policy=RetryPolicy())
    assert "hunter2" not in str(refused.value)
