"""The adapters against a platform that misbehaves, on a loopback server that answers as each
test scripts it (``tests.scripted``): every bad answer is one clear ``PlatformError``, no loop
runs forever, and no secret is shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from agentsync.platforms.ambient import AmbientAdapter
from agentsync.platforms.base import Http
from agentsync.platforms.deployments import DeploymentsAdapter
from agentsync.platforms.errors import PlatformError
from agentsync.platforms.threads import ThreadsAdapter
from tests.scripted import Scripted, scripted

TOKEN = "hostile-token-0123456789"


def ok(body: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, json.dumps(body).encode()


@pytest.fixture
def server() -> Iterator[Scripted]:
    with scripted() as running:
        yield running


@pytest.fixture
def http(server: Scripted) -> Iterator[Http]:
    with Http(server.url, TOKEN, sleep=lambda _: None) as client:
        yield client


AMBIENT_RUN = {"run_id": "run_a", "state": "INPROGRESS"}
DEPLOYMENT_RUN = {"id": "adrun_1", "status": "running"}


def test_an_ambient_list_of_empty_pages_that_says_there_is_more_stops(
    server: Scripted, http: Http
) -> None:
    more = {"runs": [], "page_info": {"has_next_page": True, "next_cursor": "c1"}}
    server.answers = [ok(more)] * 5
    with pytest.raises(PlatformError, match="ambient platform sent an empty page"):
        list(AmbientAdapter(http).list(limit=10))
    assert len(server.requests) == 1


def test_an_ambient_cursor_sent_twice_stops_the_list(server: Scripted, http: Http) -> None:
    page = {"runs": [AMBIENT_RUN], "page_info": {"has_next_page": True, "next_cursor": "c1"}}
    server.answers = [ok(page)] * 5
    with pytest.raises(PlatformError, match="cursor 'c1' a second time"):
        list(AmbientAdapter(http).list(limit=10))
    assert len(server.requests) == 2


def test_a_deployments_list_of_empty_pages_with_a_cursor_stops(
    server: Scripted, http: Http
) -> None:
    server.answers = [ok({"runs": [], "next_cursor": "c1"})] * 5
    with pytest.raises(PlatformError, match="deployments platform sent an empty page"):
        list(DeploymentsAdapter(http, "dep").list(limit=10))
    assert len(server.requests) == 1


def test_a_deployments_cursor_sent_twice_stops_the_list(server: Scripted, http: Http) -> None:
    server.answers = [ok({"runs": [DEPLOYMENT_RUN], "next_cursor": "c1"})] * 5
    with pytest.raises(PlatformError, match="cursor 'c1' a second time"):
        list(DeploymentsAdapter(http, "dep").list(limit=10))
    assert len(server.requests) == 2


def test_a_cursor_that_is_no_string_is_one_clear_error(server: Scripted, http: Http) -> None:
    server.answers = [ok({"runs": [DEPLOYMENT_RUN], "next_cursor": {"page": 2}})]
    with pytest.raises(PlatformError, match=r"the next cursor is .* not a string"):
        list(DeploymentsAdapter(http, "dep").list(limit=10))


def test_a_list_that_got_its_runs_asks_no_more(server: Scripted, http: Http) -> None:
    server.answers = [ok({"runs": [DEPLOYMENT_RUN], "next_cursor": "c1"})]
    assert len(list(DeploymentsAdapter(http, "dep").list(limit=1))) == 1
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"detail": f"bad token {TOKEN}"},
        {"detail": {"token": TOKEN, "why": "revoked"}},
        {"detail": [{"loc": ["header", TOKEN], "msg": f"{TOKEN} is revoked"}]},
        {"error": {"message": f"token {TOKEN} revoked", "request_id": "req_1"}},
        f"<html>bad token {TOKEN}</html>",
    ],
)
def test_an_error_that_echoes_the_token_never_shows_it(
    server: Scripted, http: Http, body: Any
) -> None:
    raw = body if isinstance(body, str) else json.dumps(body)
    server.answers = [(401, {}, raw.encode())]
    with pytest.raises(PlatformError) as error:
        AmbientAdapter(http).get("run_a")
    shown = f"{error.value} {error.value!r} {getattr(error.value, 'detail', '')}"
    assert TOKEN not in shown
    # an HTML page is not shown at all, only what answered; the rest is redacted
    assert ("not the API's JSON" if raw.startswith("<") else "***") in shown


def test_a_cost_no_json_can_hold_is_an_unexpected_answer(server: Scripted, http: Http) -> None:
    """1e400 reads as infinite: `agent run get --json` printed `"cost_usd": Infinity`."""
    run = {"run_id": "run_t", "status": "completed", "total_cost_usd": 1e400}
    server.answers = [(200, {}, json.dumps(run).replace("Infinity", "1e400").encode())]
    with pytest.raises(PlatformError, match=r"\(GET /v1/runs/run_t\): total_cost_usd is 1e400"):
        ThreadsAdapter(http).get("run_t")


def test_an_event_no_output_could_hold_is_one_clear_error(server: Scripted, http: Http) -> None:
    """An event's NaN was written as null with --json, and as NaN in text."""
    frame = '{"seq": 1, "type": "tool.call", "data": {"name": "grep", "ratio": NaN}}'
    stream = {"Content-Type": "text/event-stream"}
    server.answers = [(200, stream, f"data: {frame}\n\n".encode())]
    with pytest.raises(PlatformError, match=r"event on the run stream: data\.ratio is NaN"):
        list(ThreadsAdapter(http).events("run_t"))
