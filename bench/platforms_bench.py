"""Platform adapters benchmark, on loopback, bounded: listing N runs through each adapter's own
pagination (calls made, wall time), and the request rate of ``watch`` on every platform.

For each platform a fresh local control plane (SQLite in a temp dir) is seeded directly
through its store with N finished runs of that platform's dialect; the adapter then lists them
all, at its largest page size, with every HTTP request counted by a counting transport (a real
``httpx.HTTPTransport`` underneath). The watch measure starts one run that lasts ``--hold``
seconds and follows it with ``agentsync.platforms.watch.watch``.

Usage (from the repository root, after `make` has built .venv)::

    .venv/bin/python bench/platforms_bench.py [--runs 10000] [--hold 6]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from agentsync.client.api import Client
from agentsync.client.records import Run
from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer, ServerOptions
from agentsync.platforms.ambient import AmbientAdapter
from agentsync.platforms.base import Adapter, Http
from agentsync.platforms.deployments import DeploymentsAdapter
from agentsync.platforms.ellipsis import EllipsisAdapter
from agentsync.platforms.model import Platform
from agentsync.platforms.threads import ThreadsAdapter
from agentsync.platforms.watch import watch

TOKEN = "bench-token-0123456789"
DEPLOYMENT = "dep_bench"
PLATFORMS: tuple[Platform, ...] = ("ellipsis", "deployments", "threads", "ambient")


class CountingTransport(httpx.BaseTransport):
    """A real HTTP transport that counts (and times) the requests it sends."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class TimedRunner:
    """Completes after ``hold`` seconds, emitting a delta every half second."""

    name = "timed"

    def __init__(self, hold: float) -> None:
        self.hold = hold

    def execute(self, context: RunContext) -> RunOutcome:
        end = time.monotonic() + self.hold
        while time.monotonic() < end and not context.cancelled.wait(0.5):
            context.emit("message.delta", {"content": "tick"})
        return RunOutcome("completed", output="done")


def metadata(platform: Platform, n: int) -> dict[str, str]:
    return {
        "ellipsis": {},
        "deployments": {
            "dialect": "deployments",
            "deployment_id": DEPLOYMENT,
            "version_id": "v1",
            "input": "{}",
        },
        "threads": {"dialect": "threads", "thread_id": f"thr_{n % 50}", "trace_id": f"tr_{n}"},
        "ambient": {"dialect": "ambient", "title": f"run {n}", "ambient_source": "API"},
    }[platform]


def seed(server: LocalServer, platform: Platform, runs: int) -> None:
    """``runs`` finished runs of ``platform``, a millisecond apart, straight into the store."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    config = {"ellipsis": {"version": "v1", "name": "bench"}, "claude": {"system": "x"}}
    for n in range(runs):
        stamp = (start + timedelta(milliseconds=n)).isoformat(timespec="microseconds")
        stamp = stamp.replace("+00:00", "Z")
        server.control_plane.store.insert_run(
            Run(
                id=f"runs_bench{n:06}",
                customer_id="bench",
                created_at=stamp,
                updated_at=stamp,
                status="completed",
                source="api",
                metadata=metadata(platform, n),
                config_snapshot=config,
            )
        )


@contextmanager
def adapter_for(platform: Platform, url: str, transport: CountingTransport) -> Iterator[Adapter]:
    if platform == "ellipsis":
        with Client(url, TOKEN, transport=transport, environ={}) as client:
            yield EllipsisAdapter(client)
        return
    with Http(url, TOKEN, transport=transport) as http:
        if platform == "deployments":
            yield DeploymentsAdapter(http, DEPLOYMENT)
        elif platform == "threads":
            yield ThreadsAdapter(http)
        else:
            yield AmbientAdapter(http)


@contextmanager
def server_for(directory: Path, runner: TimedRunner | None = None) -> Iterator[LocalServer]:
    directory.mkdir(parents=True)
    options = ServerOptions(
        db=str(directory / "control-plane.db"), api_tokens=[TOKEN], key_file=directory / "key"
    )
    if runner is not None:
        options.runner = runner
    with LocalServer(options) as server:
        yield server


def bench_list(platform: Platform, runs: int, directory: Path) -> dict[str, object]:
    with server_for(directory) as server:
        began = time.perf_counter()
        seed(server, platform, runs)
        seeding = time.perf_counter() - began
        transport = CountingTransport()
        with adapter_for(platform, server.url, transport) as adapter:
            began = time.perf_counter()
            ids = [run.id for run in adapter.list(limit=runs)]
            elapsed = time.perf_counter() - began
    assert len(ids) == runs, (platform, len(ids))
    assert len(set(ids)) == runs, platform
    assert ids == sorted(ids, reverse=True), platform  # newest first, nothing skipped
    return {"seeded": seeding, "calls": len(transport.sent), "seconds": elapsed}


def start_one(adapter: Adapter) -> str:
    if isinstance(adapter, EllipsisAdapter):
        return adapter.start(template_id="pr-review").id
    if isinstance(adapter, DeploymentsAdapter):
        return adapter.start({"task": "bench"}).id
    if isinstance(adapter, ThreadsAdapter):
        return adapter.start("thr_watch").id
    assert isinstance(adapter, AmbientAdapter)
    return adapter.start("bench the watch").id


def bench_watch(platform: Platform, hold: float, directory: Path) -> dict[str, object]:
    with server_for(directory, TimedRunner(hold)) as server:
        transport = CountingTransport()
        with adapter_for(platform, server.url, transport) as adapter:
            run_id = start_one(adapter)
            first = len(transport.sent)
            began = time.monotonic()
            updates = list(watch(adapter, run_id))
            elapsed = time.monotonic() - began
    sent = transport.sent[first:]
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    return {
        "requests": len(sent),
        "seconds": elapsed,
        "updates": len(updates),
        "min_gap": min(gaps) if gaps else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000, help="runs listed per platform")
    parser.add_argument("--hold", type=float, default=6.0, help="seconds the watched run lasts")
    arguments = parser.parse_args()
    if not 1 <= arguments.runs <= 100_000 or not 0 < arguments.hold <= 60:
        parser.error("--runs must be 1-100000 and --hold 0-60 s")
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        for platform in PLATFORMS:
            listed = bench_list(platform, arguments.runs, root / f"list-{platform}")
            watched = bench_watch(platform, arguments.hold, root / f"watch-{platform}")
            gap = watched["min_gap"]
            rows.append(
                f"| {platform} | {listed['calls']} | {listed['seconds']:.2f} s "
                f"| {watched['requests']} in {watched['seconds']:.1f} s "
                f"| {'-' if gap is None else f'{gap:.2f} s'} |"
            )
            print(f"{platform}: seeded in {listed['seeded']:.1f} s", flush=True)
    print(f"\nlisting {arguments.runs:,} runs; watching a run of {arguments.hold:g} s\n")
    print("| platform | list calls | list time | watch requests | min gap between requests |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
