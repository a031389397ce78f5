"""``agent control-plane serve`` stops at once on Ctrl-C while a client follows a live run over
the event stream (SSE): the stream ends cleanly, the server does not wait for the run."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from tests.servers import start_control_plane

from .conftest import API_KEY

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def test_ctrl_c_ends_an_open_event_stream_and_stops_the_server(tmp_path: Path) -> None:
    options = ["--db", str(tmp_path / "cp.db"), "--token", API_KEY]
    runner = ["--runner", "command", "--command", "sleep 20"]  # a run that stays live
    server, url = start_control_plane(tmp_path / "serve.log", *options, *runner)
    try:
        run = httpx.post(f"{url}/v1/agents/runs", json={"template_id": "pr-review"}, headers=AUTH)
        ended: list[str] = []
        following = threading.Event()

        def follow() -> None:
            path = f"{url}/v1/runs/{run.json()['id']}/events"
            with httpx.stream("GET", path, headers=AUTH, timeout=30) as stream:
                for _ in stream.iter_raw():
                    following.set()
            ended.append("cleanly")

        reader = threading.Thread(target=follow, daemon=True)
        reader.start()
        assert following.wait(30), "the reader did not get the run's first event"
        started = time.monotonic()
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
        reader.join(timeout=5)
        assert time.monotonic() - started < 10
        assert ended == ["cleanly"]
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
