"""``agent serve`` benchmark, on loopback, bounded: webhook acknowledgement latency and
throughput at a fixed delivery rate, nothing lost, push-to-synced latency, and drain time, for
SQLite with one worker and PostgreSQL with one and two ``agent worker`` processes.

Usage (from the repository root, after `make` has built .venv)::

    .venv/bin/python bench/service_bench.py [--rate 200] [--seconds 10] [--repos 20]

Everything runs here: a fake GitHub over real git repositories (``tests/service/fake_github``),
the local control plane, ``agent serve`` / ``agent worker`` as real processes, and a PostgreSQL
server started in a temp dir (``tests/postgres``). The load is open-loop: delivery ``i`` is due
at ``start + i / rate`` and its latency is counted from that moment (so a late sender cannot
hide queueing). Each delivery is a signed ``push`` to one of ``--repos`` repositories, whose
jobs the workers run while the load goes on. After the load: every delivery must have had a 2xx
and be stored exactly once, and every repository must end synced at its head.

No other tool does this job, so the reference row is the floor of the same HTTP stack: a bare
Starlette app under uvicorn that answers 202 without verifying or storing anything. Target:
p99 acknowledgement under 50 ms at 200 deliveries/s with nothing lost. Prints a Markdown table
and PASS/FAIL lines; exits 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer, ServerOptions
from agentsync.service.signature import sign
from tests.postgres import PostgresServer
from tests.servers import answers, port_in_log
from tests.service.fake_github import FakeGitHub, FakeRepo, webhook_payload
from tests.service.support import SECRET, ServiceProcess, wait_for

API_KEY = "bench-api-key-0123456789"
TOKEN = "ghp_bench_0123456789"
P99_TARGET_MS = 50.0

BARE_APP = textwrap.dedent(
    """
    import sys, uvicorn
    from agentsync.listen import listen
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def hook(request):
        await request.body()
        return JSONResponse({"outcome": "queued"}, 202)

    async def health(request):
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[Route("/webhooks/github", hook, methods=["POST"]),
                            Route("/healthz", health)])
    listening = listen("127.0.0.1", 0)
    print(f"bare app on http://127.0.0.1:{listening.getsockname()[1]}", file=sys.stderr,
          flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[listening])
    """
)


def config(name: str) -> str:
    return f"ellipsis:\n  version: v1\n  name: {name}\nclaude:\n  system: Review it.\n"


class LoadResult(NamedTuple):
    latencies_ms: list[float]
    statuses: dict[int, int]
    errors: int
    wall: float

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def open_loop(url: str, bodies: list[tuple[bytes, dict[str, str]]], rate: float) -> LoadResult:
    """Send ``bodies`` at ``rate`` per second from 8 sender threads with keep-alive clients,
    each connected (one warm-up request) before the clock starts."""
    senders = 8
    latencies: list[float] = [0.0] * len(bodies)
    statuses: dict[int, int] = {}
    errors = 0
    lock = threading.Lock()
    ready = threading.Barrier(senders + 1)
    start = 0.0

    def send(offset: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=url, timeout=10) as http:
            http.get("/healthz")
            ready.wait()
            ready.wait()  # the main thread sets ``start`` between the two
            for index in range(offset, len(bodies), senders):
                due = start + index / rate
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                body, headers = bodies[index]
                try:
                    response = http.post("/webhooks/github", content=body, headers=headers)
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                latencies[index] = (time.perf_counter() - due) * 1000
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    errors += status not in (200, 202)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter() + 0.05
    ready.wait()
    for thread in threads:
        thread.join()
    return LoadResult(latencies, statuses, errors, time.perf_counter() - start)


def push_bodies(repos: list[FakeRepo], count: int) -> list[tuple[bytes, dict[str, str]]]:
    bodies = []
    for index in range(count):
        repo = repos[index % len(repos)]
        body = json.dumps(webhook_payload("push", repo.full_name, sha=repo.head())).encode()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": sign(SECRET, body),
        }
        bodies.append((body, headers))
    return bodies


class Row(NamedTuple):
    name: str
    load: LoadResult
    stored: int | None
    drain_s: float | None
    push_to_synced_ms: list[float]


@contextlib.contextmanager
def processes(*started: ServiceProcess) -> Iterator[None]:
    try:
        yield
    finally:
        for process in started:
            process.stop()


def service_env(github: FakeGitHub, control_plane: LocalServer, state: Path) -> dict[str, str]:
    return {
        "AGENTSYNC_WEBHOOK_SECRET": SECRET.decode(),
        "AGENTSYNC_GITHUB_TOKEN": TOKEN,
        "AGENTSYNC_GITHUB_API_URL": github.url,
        "AGENTSYNC_GITHUB_WRITE_PAUSE": "0",
        "ELLIPSIS_API_BASE_URL": control_plane.url,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "XDG_STATE_HOME": str(state),
    }


def run_scenario(
    name: str,
    database: str,
    workers: int,
    scratch: Path,
    args: argparse.Namespace,
) -> Row:
    """One fresh fake GitHub, control plane and service; the load, the drain, then single
    pushes timed from delivery to synced."""
    with (
        FakeGitHub(scratch / "github", token=TOKEN) as github,
        LocalServer(
            ServerOptions(
                db=str(scratch / "control-plane.db"),
                api_tokens=[API_KEY],
                key_file=scratch / "vault.key",
                cron_interval=None,
            )
        ) as control_plane,
        Client(control_plane.url, API_KEY) as cp,
    ):
        repos = [
            github.create_repo(f"bench-org/repo-{n}", {"agents/a.yaml": config(f"R{n}")})
            for n in range(args.repos)
        ]
        env = service_env(github, control_plane, scratch / "state")
        common = ["--resync-interval", "0"]
        web = ServiceProcess(
            "serve", database, scratch / "serve.log", env, "--workers",
            str(workers if database.endswith(".db") else 0), *common,
        )  # fmt: skip
        extra = [
            ServiceProcess("worker", database, scratch / f"worker-{n}.log", env, *common)
            for n in range(0 if database.endswith(".db") else workers)
        ]
        with processes(web, *extra):
            web.start()
            for worker in extra:
                worker.start()
            bodies = push_bodies(repos, int(args.rate * args.seconds))
            load = open_loop(web.url, bodies, args.rate)
            drain_start = time.perf_counter()
            heads = {repo.full_name: repo.head() for repo in repos}
            for repository, head in heads.items():
                wait_for(
                    lambda r=repository, h=head: cp.get_repository_commit(r) == h,
                    timeout=300,
                    what=f"{repository} synced",
                )
            drain = time.perf_counter() - drain_start
            stored = status_deliveries(database)
            single: list[float] = []
            with httpx.Client(base_url=web.url, timeout=10) as http:
                repo = repos[0]
                for round_ in range(args.pushes):
                    head = repo.commit({"agents/a.yaml": config(f"round {round_}")})
                    body = json.dumps(webhook_payload("push", repo.full_name, sha=head)).encode()
                    started = time.perf_counter()
                    http.post(
                        "/webhooks/github",
                        content=body,
                        headers={
                            "Content-Type": "application/json",
                            "X-GitHub-Event": "push",
                            "X-GitHub-Delivery": str(uuid.uuid4()),
                            "X-Hub-Signature-256": sign(SECRET, body),
                        },
                    )
                    deadline = time.monotonic() + 60
                    while cp.get_repository_commit(repo.full_name) != head:
                        assert time.monotonic() < deadline, "a push never synced"
                        time.sleep(0.005)
                    single.append((time.perf_counter() - started) * 1000)
    return Row(name, load, stored, drain, single)


def status_deliveries(database: str) -> int:
    from agentsync.service.stores import open_store

    store = open_store(database)
    try:
        return store.status(dead_limit=0).deliveries
    finally:
        store.close()


def run_bare(args: argparse.Namespace, scratch: Path) -> Row:
    log_file = scratch / "bare.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", BARE_APP], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port_in_log(process, log_file, 'bare app on http://127.0.0.1:')}"
        answers(f"{url}/healthz", log_file)
        body = json.dumps(webhook_payload("push")).encode()
        bodies = [(body, {"Content-Type": "application/json"})] * int(args.rate * args.seconds)
        return Row("bare Starlette 202 (reference floor)", open_loop(url, bodies, args.rate),
                   None, None, [])  # fmt: skip
    finally:
        process.terminate()
        process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the load")
    parser.add_argument("--repos", type=int, default=20, help="repositories pushed to")
    parser.add_argument("--pushes", type=int, default=10, help="single pushes timed to synced")
    args = parser.parse_args()
    count = int(args.rate * args.seconds)
    with tempfile.TemporaryDirectory(prefix="agentsync-service-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        rows = [run_bare(args, scratch)]
        rows.append(
            run_scenario("SQLite, 1 worker", str(scratch / "s" / "service.db"), 1,
                         _fresh(scratch / "s"), args)
        )  # fmt: skip
        with PostgresServer() as postgres:
            for workers in (1, 2):
                url = postgres.create_database()
                rows.append(
                    run_scenario(f"PostgreSQL, {workers} worker{'s' * (workers > 1)}", url,
                                 workers, _fresh(scratch / f"p{workers}"), args)
                )  # fmt: skip
    print(f"\n{count} signed push deliveries at {args.rate:g}/s to {args.repos} repositories\n")
    print("| setup | ack p50 ms | ack p99 ms | ack max ms | deliveries/s | non-2xx | stored "
          "| drain s | push-to-synced p50 / max ms |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    failed = False
    for row in rows:
        single = (
            f"{statistics.median(row.push_to_synced_ms):.0f} / {max(row.push_to_synced_ms):.0f}"
            if row.push_to_synced_ms
            else "-"
        )
        print(
            f"| {row.name} | {row.load.percentile(0.5):.1f} | {row.load.percentile(0.99):.1f} "
            f"| {max(row.load.latencies_ms):.1f} | {count / row.load.wall:.0f} "
            f"| {row.load.errors} | {row.stored if row.stored is not None else '-'} "
            f"| {f'{row.drain_s:.1f}' if row.drain_s is not None else '-'} | {single} |"
        )
    print()
    for row in rows[1:]:
        p99 = row.load.percentile(0.99)
        ok = p99 < P99_TARGET_MS and row.load.errors == 0 and row.stored == count
        failed |= not ok
        print(
            f"{'PASS' if ok else 'FAIL'} {row.name}: p99 {p99:.1f} ms (target < {P99_TARGET_MS:g}),"
            f" {row.load.errors} non-2xx, {row.stored} of {count} stored"
        )
    return 1 if failed else 0


def _fresh(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
