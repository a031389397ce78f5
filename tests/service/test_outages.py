"""Database outages: a real PostgreSQL server stopped and started again under ``agent serve``
and ``agent worker`` processes (their JSON logs read back and counted), the start-up wait for a
database that is not there yet, and the outcome of a job whose first attempt wrote everything
but could not record it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from agentsync.service.github.credentials import TokenCredentials
from agentsync.service.jobs import JobRunner
from agentsync.service.metrics import Metrics
from agentsync.service.queue import Job, NewJob
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.service.stores import open_store
from agentsync.service.worker import Worker
from agentsync.service.worker_settings import WorkerSettings
from tests.localserver.conftest import API_KEY, server_options
from tests.postgres import PostgresServer
from tests.servers import unused_port
from tests.service.fake_github import FakeGitHub
from tests.service.support import (
    AGENT,
    REPO,
    TOKEN,
    Outages,
    ServiceProcess,
    config,
    live_configs,
    push,
    synced,
    wait_for,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="PostgreSQL binaries for Linux")


@pytest.fixture
def paused_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, which the test may stop and start again."""
    with PostgresServer() as server:
        yield server


def lines(process: ServiceProcess, level: str) -> list[dict[str, Any]]:
    return [entry for entry in process.logs() if entry["level"] == level]


def messages(process: ServiceProcess, start: str) -> list[dict[str, Any]]:
    return [entry for entry in process.logs() if entry["message"].startswith(start)]


def test_workers_ride_out_a_database_outage_logging_it_once(
    tmp_path: Path,
    github: FakeGitHub,
    cp: Client,
    env: dict[str, str],
    paused_postgres: PostgresServer,
) -> None:
    database = paused_postgres.create_database()
    repo = github.create_repo(REPO, {f"agents/a{n}.yaml": config(f"A{n}") for n in range(3)})
    web = ServiceProcess(
        "serve", database, tmp_path / "web.log", env, "--workers", "0", "--resync-interval", "0"
    )
    workers = [
        ServiceProcess("worker", database, tmp_path / f"worker-{n}.log", env,
                       "--resync-interval", "0")
        for n in range(2)
    ]  # fmt: skip
    with web, workers[0], workers[1], httpx.Client(base_url=web.url) as http:
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()), timeout=60, what="the first sync")
        # A job in flight when the database goes: GitHub is slow, the job is mid-way.
        github.add_latency(0.5)
        head = repo.commit({f"agents/a{n}.yaml": config(f"B{n}") for n in range(3)})
        push(http, repo, head)
        wait_for(lambda: sum(len(messages(w, "job started")) for w in workers) == 2, timeout=60)
        paused_postgres.pause()
        for worker in workers:
            wait_for(lambda worker=worker: lines(worker, "error"), timeout=60, what="the outage")
        time.sleep(3.0)  # long enough for a few tries of each worker
        paused_postgres.resume()
        github.add_latency(0)
        wait_for(lambda: synced(cp, REPO, head), timeout=90, what="the sync after the outage")
        for worker in workers:
            for back in ("the service database answers", "job notifications restored"):
                wait_for(lambda worker=worker, back=back: messages(worker, back),
                         timeout=60, what=back)  # fmt: skip
        wait_for(lambda: sum(len(messages(w, "job done")) for w in workers) == 2, timeout=60)
    assert live_configs(cp, REPO) == {f"agents/a{n}.yaml": f"B{n}" for n in range(3)}
    store = open_store(database)
    try:
        status = store.status()
    finally:
        store.close()
    assert status.jobs_by_state == {"queued": 0, "running": 0, "done": 2, "dead": 0}
    for worker in workers:
        [error] = lines(worker, "error")
        assert error["message"].startswith("the service database is failing")
        assert database.rpartition("/")[2] in error["message"]  # which database
        assert "exception" not in error  # no traceback for an outage
        [back] = messages(worker, "the service database answers again after ")
        assert back["level"] == "warning"
        assert back["duration_ms"] >= 3000
        assert len(messages(worker, "job notifications lost")) == 1
        assert len(messages(worker, "job notifications restored")) == 1
        assert not [e for e in worker.logs() if "exception" in e]
    # The job in flight failed (its writes or its record hit the outage) and ran again, or it
    # waited for the database to record its outcome: either way, one line each, with its id.
    for entry in [e for w in workers for e in w.logs() if "outcome" in e["message"]]:
        assert entry["job"] >= 1
        assert entry["repository"] == REPO


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_the_service_waits_for_the_database_at_start_up(
    tmp_path: Path, env: dict[str, str], paused_postgres: PostgresServer, command: str
) -> None:
    database = paused_postgres.create_database()
    paused_postgres.pause()
    service = ServiceProcess(
        command, database, tmp_path / "service.log", env, "--wait-for-database", "120"
    ).launch()
    try:
        wait_for(lambda: messages(service, "waiting up to 120s"), what="the waiting line")
        time.sleep(1.5)  # a few tries
        assert service.process is not None
        assert service.process.poll() is None
        paused_postgres.resume()
        service.wait_ready()
    finally:
        service.stop()
    [waiting] = messages(service, "waiting up to 120s")
    assert waiting["message"].startswith(f"waiting up to 120s for the database {database}: ")
    assert not lines(service, "error")


def agent_worker(database: str, *extra: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AGENTSYNC_", "ELLIPSIS_"))},
        "AGENTSYNC_GITHUB_TOKEN": TOKEN,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "ELLIPSIS_API_BASE_URL": "http://127.0.0.1:9",
    }
    return subprocess.run(
        [str(AGENT), "worker", "--database", database, *extra],
        capture_output=True, text=True, env=environment, timeout=60, check=False,
    )  # fmt: skip


def test_a_database_that_never_comes_fails_with_one_line_naming_it(tmp_path: Path) -> None:
    redacted = f"postgresql://agent:***@127.0.0.1:{unused_port()}/agentsync"
    started = time.monotonic()
    result = agent_worker(redacted.replace("***", "s3cret-pass"), "--wait-for-database", "1.5")
    assert time.monotonic() - started >= 1.5
    assert result.returncode == 1
    [waiting, last] = result.stderr.splitlines()
    assert f"waiting up to 1.5s for the database {redacted}: " in waiting
    assert last.startswith(
        f"agent: cannot connect to {redacted}: still unreachable after waiting 1.5s: "
    )
    assert "s3cret-pass" not in result.stderr
    assert "Traceback" not in result.stderr


def test_without_waiting_an_unreachable_database_fails_at_once(tmp_path: Path) -> None:
    url = f"postgresql://agent@127.0.0.1:{unused_port()}/agentsync"
    result = agent_worker(url, "--wait-for-database", "0")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"agent: cannot connect to {url}: ")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda tmp: _write(tmp / "corrupt.db", b"not a database" * 512), "file is not a database"),
        (lambda tmp: "postgresql://agent@127.0.0.1:notaport/db", "invalid"),
        (lambda tmp: _newer_database(tmp / "newer.db"), "newer than this agentsync"),
    ],
    ids=["corrupt-sqlite", "bad-url", "newer-schema"],
)
def test_what_waiting_cannot_mend_fails_at_once(
    tmp_path: Path, make: Callable[[Path], str], why: str
) -> None:
    started = time.monotonic()
    result = agent_worker(make(tmp_path), "--wait-for-database", "60")
    assert time.monotonic() - started < 30
    assert result.returncode in (1, 2)
    [line] = result.stderr.splitlines()  # no waiting line
    assert line.startswith("agent: ")
    assert why in line


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    path.chmod(0o600)
    return str(path)


def _newer_database(path: Path) -> str:
    SQLiteServiceStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_version (version) VALUES (999)")
    db.close()
    return str(path)


# -- the outcome of a job whose first attempt could not record it ------------------------------


def test_a_job_that_wrote_before_the_outage_records_applied_on_its_next_attempt(
    tmp_path: Path, github: FakeGitHub
) -> None:
    repo = github.create_repo(REPO, {f"agents/a{n}.yaml": config(f"A{n}") for n in range(6)})
    store = Outages(tmp_path / "service.db", "complete", "heartbeat")
    settings = WorkerSettings(
        lease_seconds=0.6, poll_interval=0.01, outage_backoff_cap=0.16, resync_interval=None
    )
    with (
        LocalServer(server_options(tmp_path, cron_interval=None)) as control_plane,
        Client(control_plane.url, API_KEY) as client,
    ):
        runner = JobRunner(store, TokenCredentials(TOKEN), client, github.url,
                           seconds_between_writes=0)  # fmt: skip

        def then_the_database_goes(job: Job, check_lease: Callable[[], None]) -> str:
            outcome = runner(job, check_lease)
            store.down.set()  # the writes are made; the outcome cannot be recorded
            return outcome

        first = store.enqueue(NewJob("push", REPO, {}))
        Worker(store, then_the_database_goes, Metrics(), settings, worker_id="w1").run_once()
        assert outcome_of(store, first) is None  # the lease ran out: left to the next attempt
        assert synced(client, REPO, repo.head())
        store.down.clear()
        time.sleep(0.7)  # the lease expires
        worker = Worker(store, runner, Metrics(), settings, worker_id="w2")
        assert worker.run_once() is not None
        assert outcome_of(store, first) == ("done", 2, "applied")  # not "unchanged"
        # A second job for the same commit finds it applied by another job: unchanged.
        second = store.enqueue(NewJob("push", REPO, {}))
        assert worker.run_once() is not None
        assert outcome_of(store, second) == ("done", 1, "unchanged")
    [known] = store.status().repositories
    assert (known.last_sync_commit, known.last_sync_outcome) == (repo.head(), "unchanged")
    store.close()


def outcome_of(store: SQLiteServiceStore, job_id: int) -> tuple[str, int, str] | None:
    """The job's state, attempts and outcome once recorded (None while it is running)."""
    with sqlite3.connect(store.path) as db:
        state, attempts, outcome = db.execute(
            "SELECT state, attempts, outcome FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
    db.close()
    return None if state == "running" else (state, attempts, outcome)
