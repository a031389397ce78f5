"""``agent serve status`` as an operator reads it: repositories with queued work before any
worker claimed a job, why a retry waits and when it is due, folded jobs counted apart, long
errors cut visibly; and what ``agent serve retry`` says of a job it cannot retry."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from agentsync.service.queue import NewJob
from agentsync.service.store_sqlite import SQLiteServiceStore

AGENT = str(Path(sys.executable).parent / "agent")


def status(database: Path, *args: str) -> str:
    return subprocess.run(
        [AGENT, "serve", "status", "--database", str(database), *args],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


def test_status_shows_queued_work_retries_and_folded_jobs(tmp_path: Path) -> None:
    database = tmp_path / "service.db"
    store = SQLiteServiceStore(database)
    now = time.time()
    try:
        for ref in ("a", "b"):
            store.enqueue(NewJob("push", "acme/app", {"ref": ref}), now=now - 30)
        store.enqueue(NewJob("pull_request", "acme/flaky", {"number": 7}), now=now - 20)
        for _ in range(2):
            job = store.claim("w", 600, now=now - 10)
            assert job is not None
            if job.repository == "acme/flaky":
                store.fail(job.id, "w", "GitHub answered 502", retry_in=300, now=now - 10)
            else:
                store.complete(job.id, "w", "applied", now=now - 10)
        store.enqueue(NewJob("push", "acme/waiting", {}), now=now - 5)
    finally:
        store.close()
    text = status(database)
    assert "jobs: queued 2, running 0, done 1, folded 1, dead 0" in text
    assert "queued work:" in text
    flaky = next(line for line in text.splitlines() if line.startswith("acme/flaky"))
    assert "GitHub answered 502" in flaky
    assert "in 2" in flaky  # due again in about 290 s
    assert any(line.startswith("acme/waiting ") for line in text.splitlines())
    data = json.loads(status(database, "--json"))
    assert data["folded"] == 1
    assert [w["repository"] for w in data["queued"]] == ["acme/flaky", "acme/waiting"]


def failed_job(
    store: SQLiteServiceStore, job: NewJob, error: str, retry_in: float | None = None
) -> int:
    """``job`` enqueued, claimed and failed with ``error``: dead, or queued again in
    ``retry_in`` seconds. Its id."""
    job_id = store.enqueue(job)
    claimed = store.claim("w", 600)
    assert claimed is not None
    assert claimed.id == job_id
    store.fail(job_id, "w", error, retry_in=retry_in)
    return job_id


def test_a_long_error_is_cut_with_an_ellipsis_and_json_has_it_whole(tmp_path: Path) -> None:
    database = tmp_path / "service.db"
    error = "GitHubError: cannot reach GitHub " + "x" * 200 + " END"
    store = SQLiteServiceStore(database)
    try:
        failed_job(store, NewJob("push", "acme/dead", {}), error)
    finally:
        store.close()
    text = status(database)
    assert "`--json` shows whole errors" in text
    row = next(line for line in text.splitlines() if "acme/dead" in line)
    assert row.endswith("xx…")
    assert "END" not in row
    assert json.loads(status(database, "--json"))["dead"][0]["last_error"] == error


def dead_letter_command(
    command: str, database: Path, job_id: int
) -> subprocess.CompletedProcess[str]:
    """``agent serve retry|discard --database DATABASE JOB_ID``, run."""
    return subprocess.run(
        [AGENT, "serve", command, "--database", str(database), str(job_id)],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_retry_says_why_a_job_is_not_retried_and_where_the_dead_letters_are(
    tmp_path: Path,
) -> None:
    database = tmp_path / "service.db"
    store = SQLiteServiceStore(database)
    try:
        queued = store.enqueue(NewJob("push", "acme/app", {}))
    finally:
        store.close()
    for job_id, why in [(queued, f"job {queued} is queued, not a dead letter"), (99, "no job 99")]:
        retried = dead_letter_command("retry", database, job_id)
        assert retried.returncode == 2
        assert retried.stderr.startswith(f"agent: {why}"), retried.stderr
        assert retried.stderr.rstrip().endswith("`agent serve status` lists the dead letters")


def test_discard_drops_a_dead_letter_from_status_and_refuses_any_other_job(
    tmp_path: Path,
) -> None:
    database = tmp_path / "service.db"
    store = SQLiteServiceStore(database)
    try:
        gone = NewJob("pull_request", "acme/gone", {})
        dead = failed_job(store, gone, "GitHubError: 404 Not Found")
        queued = store.enqueue(NewJob("push", "acme/app", {}))
    finally:
        store.close()
    assert "dead letters (1; " in status(database)
    done = dead_letter_command("discard", database, dead)
    assert (done.returncode, done.stdout) == (0, f"job {dead} discarded\n"), done.stderr
    assert "no dead letters" in status(database)
    assert json.loads(status(database, "--json"))["dead"] == []
    for job_id, why in [
        (dead, f"job {dead} is done, not a dead letter (only those are discarded)"),
        (queued, f"job {queued} is queued, not a dead letter (only those are discarded)"),
        (99, "no job 99 in this database"),
    ]:
        refused = dead_letter_command("discard", database, job_id)
        assert refused.returncode == 2
        assert refused.stderr.startswith(f"agent: {why}"), refused.stderr


def test_a_job_id_no_database_can_hold_is_a_usage_error(tmp_path: Path) -> None:
    """SQLite could not bind 2^64 (an internal error, exit 3); PostgreSQL found no such job."""
    database = tmp_path / "service.db"
    SQLiteServiceStore(database).close()
    for command in ("retry", "discard"):
        done = dead_letter_command(command, database, 2**64)
        assert done.returncode == 2, done.stderr
        assert "is not in the range 1<=x<=9223372036854775807" in done.stderr


def test_a_database_url_that_is_not_postgresql_is_refused_and_creates_nothing(
    tmp_path: Path,
) -> None:
    """sqlite:///x.db was taken for a file path: directories 'sqlite:/...' were made."""
    for url in ("sqlite:///service.db", "mysql://agentsync:hunter2@db/agentsync"):
        done = subprocess.run(
            [AGENT, "serve", "status", "--database", url],
            capture_output=True, text=True, check=False, timeout=60, cwd=tmp_path,
        )  # fmt: skip
        scheme = url.partition(":")[0]
        assert done.returncode == 1, done.stderr
        assert done.stderr.startswith(f"agent: a {scheme}:// URL is not a database"), done.stderr
        assert "hunter2" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_status_shows_what_a_server_sent_escaped(tmp_path: Path) -> None:
    """An error holding a server's escape sequences and bidi overrides reached the terminal
    as it was (a dead letter's, a queued job's)."""
    database = tmp_path / "service.db"
    store = SQLiteServiceStore(database)
    hostile = "refused: \x1b]0;owned\x07\x1b[31mred \u202eevil"
    try:
        for repository, retry_in in (("acme/dead", None), ("acme/queued", 300.0)):
            failed_job(store, NewJob("push", repository, {}), hostile, retry_in)
    finally:
        store.close()
    text = status(database)
    for repository in ("acme/dead", "acme/queued"):
        line = next(line for line in text.splitlines() if repository in line)
        assert line.endswith("refused: \\x1b]0;owned\\x07\\x1b[31mred \\u202eevil")
    assert "\x1b" not in text
    assert "\u202e" not in text
