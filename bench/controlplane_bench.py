"""Local control plane benchmark, on loopback, bounded: runs created per second with p50/p99
latency, events streamed per second (WebSocket and SSE), and stream-resume correctness under
random disconnects.

Usage (from the repository root, after `make` has built .venv)::

    .venv/bin/python bench/controlplane_bench.py [--runs 1000] [--events 20000] [--disconnects 100]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer, ServerOptions

TOKEN = "bench-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


class FloodRunner:
    """Emits ``events`` deltas, pausing every ``pause_every`` so streams are really live."""

    name = "flood"

    def __init__(self, events: int, pause_every: int = 0) -> None:
        self.events = events
        self.pause_every = pause_every

    def execute(self, context: RunContext) -> RunOutcome:
        for index in range(self.events):
            context.emit("message.delta", {"content": f"token {index}"})
            if self.pause_every and index % self.pause_every == 0:
                time.sleep(0.001)
        return RunOutcome("completed", output="flood done")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_run_creation(server: LocalServer, runs: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def create(client: httpx.Client) -> None:
        start = time.perf_counter()
        response = client.post("/v1/agents/runs", json={"template_id": "pr-review"})
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        with lock:
            latencies.append(elapsed)

    clients = [httpx.Client(base_url=server.url, headers=HEADERS) for _ in range(concurrency)]
    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for index in range(runs):
            pool.submit(create, clients[index % concurrency])
    wall = time.perf_counter() - began
    for client in clients:
        client.close()
    return {
        "per_second": runs / wall,
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def _ws_url(server: LocalServer, run_id: str, after_seq: int) -> str:
    return f"ws://{server.host}:{server.port}/v1/runs/{run_id}/stream?after_seq={after_seq}"


def bench_ws_stream(server: LocalServer, api: httpx.Client) -> tuple[int, float]:
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    received = 0
    began = time.perf_counter()
    with connect(_ws_url(server, run["id"], 0), additional_headers=HEADERS) as socket:
        try:
            while True:
                socket.recv(timeout=30)
                received += 1
        except ConnectionClosed:
            pass
    return received, time.perf_counter() - began


def bench_sse_stream(api: httpx.Client) -> tuple[int, float]:
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    received = 0
    began = time.perf_counter()
    with api.stream("GET", f"/v1/runs/{run['id']}/events", timeout=60) as stream:
        for line in stream.iter_lines():
            received += line.startswith("data: ")
    return received, time.perf_counter() - began


def bench_resume(server: LocalServer, api: httpx.Client, disconnects: int) -> str:
    """Drop the connection at random points; every seq must arrive exactly once, in order."""
    rng = random.Random(7)
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    seen: list[int] = []
    drops = 0
    finished = False
    while not finished:
        after = seen[-1] if seen else 0
        budget = rng.randint(1, 40) if drops < disconnects else 10**9
        # max_queue=None: a client that hangs up early still reads the server's close frame
        # behind the frames it did not consume (with a bounded queue it would wait 10 s).
        url = _ws_url(server, run["id"], after)
        with connect(url, additional_headers=HEADERS, max_queue=None) as socket:
            try:
                for _ in range(budget):
                    frame = json.loads(socket.recv(timeout=30))
                    if frame["type"] == "heartbeat":
                        continue
                    seen.append(frame["seq"])
                    if frame["type"] == "run.completed":
                        finished = True
                        break
            except ConnectionClosed:
                finished = True
        drops += not finished
    expected = list(range(1, len(seen) + 1))
    verdict = "no seq lost or repeated" if seen == expected else "MISMATCH"
    return f"{drops} disconnects, {len(seen)} events: {verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--disconnects", type=int, default=100)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cp-bench-") as scratch:
        base = ServerOptions(
            db=str(Path(scratch) / "cp.db"), api_tokens=[TOKEN], key_file=Path(scratch) / "k"
        )
        with LocalServer(base) as server:
            sequential = bench_run_creation(server, args.runs, 1)
            concurrent = bench_run_creation(server, args.runs, args.concurrency)
        flood = ServerOptions(
            db=str(Path(scratch) / "flood.db"),
            api_tokens=[TOKEN],
            key_file=Path(scratch) / "k",
            runner=FloodRunner(args.events),
        )
        with (
            LocalServer(flood) as server,
            httpx.Client(base_url=server.url, headers=HEADERS, timeout=60) as api,
        ):
            ws_events, ws_seconds = bench_ws_stream(server, api)
            sse_events, sse_seconds = bench_sse_stream(api)
        live = ServerOptions(
            db=str(Path(scratch) / "live.db"),
            api_tokens=[TOKEN],
            key_file=Path(scratch) / "k",
            runner=FloodRunner(3000, pause_every=10),
        )
        with (
            LocalServer(live) as server,
            httpx.Client(base_url=server.url, headers=HEADERS, timeout=60) as api,
        ):
            resume = bench_resume(server, api, args.disconnects)

    print("| measure | result |\n|---|---|")
    print(
        f"| runs created, 1 client | {sequential['per_second']:.0f}/s, "
        f"p50 {sequential['p50_ms']:.1f} ms, p99 {sequential['p99_ms']:.1f} ms |"
    )
    print(
        f"| runs created, {args.concurrency} clients | {concurrent['per_second']:.0f}/s, "
        f"p50 {concurrent['p50_ms']:.1f} ms, p99 {concurrent['p99_ms']:.1f} ms |"
    )
    print(f"| events streamed, WebSocket | {ws_events / ws_seconds:.0f}/s ({ws_events} events) |")
    print(f"| events streamed, SSE | {sse_events / sse_seconds:.0f}/s ({sse_events} events) |")
    print(f"| stream resume | {resume} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
