"""``agent serve`` and ``agent worker`` end to end, as real processes: a fake GitHub over real
git repositories, the local control plane, SQLite or a real PostgreSQL server, all on
loopback. Each test delivers signed webhooks and reads back what the control plane and GitHub
hold."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from agentsync.service.github.rendering import MARKER
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.service.stores import open_store
from tests.localserver.conftest import API_KEY
from tests.secret_samples import PIN, SAMPLES, leaky_config
from tests.service.fake_github import FakeGitHub, git, webhook_payload
from tests.service.support import (
    AGENT,
    INSTALLATION,
    REPO,
    SECRET,
    TOKEN,
    ServiceProcess,
    config,
    deliver,
    live_configs,
    push,
    synced,
    wait_for,
)

BROKEN = "ellipsis:\n  version: v1\n  name: [not, a, string]\nclaude:\n  sytem: Review.\n"


@pytest.fixture
def database(tmp_path: Path) -> str:
    return str(tmp_path / "service.db")


def serve(
    tmp_path: Path, database: str, env: dict[str, str], *extra: str, log: str = "serve.log"
) -> ServiceProcess:
    return ServiceProcess("serve", database, tmp_path / log, env, "--resync-interval", "0", *extra)


def serve_status(database: str, env: dict[str, str]) -> dict[str, Any]:
    """What ``agent serve status --json`` says."""
    shown = subprocess.run(
        [str(AGENT), "serve", "status", "--database", database, "--json"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    status: dict[str, Any] = json.loads(shown.stdout)
    return status


def test_a_push_syncs_the_default_branch_and_a_broken_file_keeps_the_last_good_config(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A"), "agents/b.yaml": config("B")})
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the first sync")
        assert live_configs(cp, REPO) == {"agents/a.yaml": "A", "agents/b.yaml": "B"}

        head = repo.commit({"agents/a.yaml": config("A2"), "agents/b.yaml": BROKEN})
        push(http, repo, head)
        wait_for(lambda: synced(cp, REPO, head), what="the second sync")
        configs = {r.path: r for r in cp.iter_sync_configs(repository=REPO)}
        assert configs["agents/a.yaml"].agent_config["ellipsis"]["name"] == "A2"
        assert configs["agents/b.yaml"].agent_config["ellipsis"]["name"] == "B"  # last good
        assert configs["agents/b.yaml"].sync_error
        wait_for(lambda: 'outcome="applied"} 2.0' in http.get("/metrics").text)
        metrics = http.get("/metrics").text
        assert 'agentsync_jobs_finished_total{kind="push",outcome="applied"} 2.0' in metrics
        assert "agentsync_sync_duration_seconds_count 2.0" in metrics
        assert 'agentsync_jobs{state="done"} 2.0' in metrics
    status = serve_status(database, env)
    assert status["jobs_by_state"]["done"] == 2
    [repository] = status["repositories"]
    assert repository["last_sync_commit"] == head
    assert repository["last_sync_outcome"] == "applied"


def test_a_push_with_poison_pills_completes_once_and_the_rest_applies(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    """Values no field can hold are the files' sync errors: the job is not retried."""
    poison = "ellipsis: {version: v1}\nclaude:\n  system: Audit.\nlimits:\n  run: "
    repo = github.create_repo(
        REPO,
        {
            "agents/a.yaml": config("A"),
            "agents/nan.yaml": poison + ".nan\n",
            "agents/past-float.yaml": poison + "1" + "0" * 309 + "\n",
            "agents/past-digits.yaml": poison + "9" * 5000 + "\n",
        },
    )
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the sync")
        assert live_configs(cp, REPO) == {"agents/a.yaml": "A"}
    status = serve_status(database, env)
    assert status["jobs_by_state"] == {"queued": 0, "running": 0, "done": 1, "dead": 0}
    store = open_store(database)
    try:
        errors = store.load_sync_state(REPO)
    finally:
        store.close()
    assert errors is not None
    assert sorted(errors["errors"]) == [
        "agents/nan.yaml", "agents/past-digits.yaml", "agents/past-float.yaml"
    ]  # fmt: skip


def test_out_of_order_and_duplicate_pushes_end_on_the_newest_commit(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A0")})
    commits = [repo.commit({"agents/a.yaml": config(f"A{n}")}) for n in range(1, 6)]
    deliveries = [(sha, f"delivery-{n}") for n, sha in enumerate(commits)]
    order = deliveries + deliveries[:2]  # two replays
    random.Random(7).shuffle(order)
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        for sha, delivery in order:
            push(http, repo, sha, delivery=delivery)
        wait_for(lambda: synced(cp, REPO, commits[-1]), what="the newest commit")
        wait_for(lambda: SQLiteServiceStore(Path(database)).status().queue_depth == 0)
    assert live_configs(cp, REPO) == {"agents/a.yaml": "A5"}
    store = SQLiteServiceStore(Path(database))
    assert store.status().deliveries == 5  # replays stored once
    assert store.status().jobs_by_state["dead"] == 0


def test_a_force_push_that_took_the_last_applied_commit_away_does_not_wedge_sync(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A0")})
    base = repo.head()
    vanished = repo.commit({"agents/a.yaml": config("A1")})
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        push(http, repo, vanished, delivery="before")
        wait_for(lambda: synced(cp, REPO, vanished), what="the first commit")
        git(repo.path, "reset", "-q", "--hard", base)  # the force-push
        head = repo.commit({"agents/a.yaml": config("A2")})
        git(repo.path, "reflog", "expire", "--expire=now", "--all")
        git(repo.path, "gc", "-q", "--prune=now")
        assert repo.resolve(vanished) is None  # GitHub no longer knows it
        push(http, repo, head, delivery="after")
        wait_for(lambda: synced(cp, REPO, head), what="the head after the force-push")
    assert live_configs(cp, REPO) == {"agents/a.yaml": "A2"}
    log = (tmp_path / "serve.log").read_text()
    assert f"the last applied commit {vanished[:12]} is no longer in {REPO}" in log
    assert SQLiteServiceStore(Path(database)).status().jobs_by_state["dead"] == 0


def test_a_delivery_acknowledged_right_before_kill_9_is_not_lost(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    service = serve(tmp_path, database, env, "--workers", "0").start()
    with httpx.Client(base_url=service.url) as http:
        assert push(http, repo, repo.head()).status_code == 202
    service.kill()  # right after the 202: no shutdown of any kind
    with serve(tmp_path, database, env):
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the sync after a restart")
    assert live_configs(cp, REPO) == {"agents/a.yaml": "A"}


def test_a_worker_killed_mid_job_leaves_it_to_be_retried(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {f"agents/a{n}.yaml": config(f"A{n}") for n in range(3)})
    github.add_latency(0.4)  # every GitHub call is slow: the job is mid-way for seconds
    first = serve(tmp_path, database, env, "--lease-seconds", "2", log="first.log").start()
    with httpx.Client(base_url=first.url) as http:
        push(http, repo, repo.head())
    wait_for(lambda: any(e.get("message") == "job started" for e in first.logs()))
    first.kill()
    assert not synced(cp, REPO, repo.head())
    github.add_latency(0)
    with serve(tmp_path, database, env, "--lease-seconds", "2", log="second.log") as second:
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the retried job")
        # The job logs "job done" just after its last write: wait for the line too.
        wait_for(lambda: any(e.get("message") == "job done" for e in second.logs()))
        done = [e for e in second.logs() if e.get("message") == "job done"]
    assert done[0]["attempt"] == 2
    assert len(live_configs(cp, REPO)) == 3


def test_sigterm_lets_the_job_in_hand_finish_and_exits_0(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    """uvicorn sends the SIGTERM it caught to the process again once the endpoint has shut
    down: that second one must not kill the worker thread mid-job."""
    repo = github.create_repo(REPO, {f"agents/a{n}.yaml": config(f"A{n}") for n in range(3)})
    github.add_latency(0.4)  # every GitHub call is slow: the job is mid-way for seconds
    service = serve(tmp_path, database, env).start()
    with httpx.Client(base_url=service.url) as http:
        push(http, repo, repo.head())
    wait_for(lambda: any(e.get("message") == "job started" for e in service.logs()))
    assert service.process is not None
    service.process.send_signal(signal.SIGTERM)
    assert service.process.wait(timeout=30) == 0
    messages = [e.get("message") for e in service.logs()]
    assert "job done" in messages, messages
    assert "worker stopped" in messages, messages
    assert synced(cp, REPO, repo.head())


def test_a_pull_request_that_breaks_a_config_gets_a_check_run_and_one_comment(
    tmp_path: Path, github: FakeGitHub, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    broken = repo.commit({"agents/a.yaml": BROKEN}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        opened = webhook_payload("pull_request.opened", REPO, sha=broken, branch="feature")
        assert deliver(http, "pull_request", opened).status_code == 202
        wait_for(lambda: github.comments_on(REPO, 7), what="the comment")
        [check] = github.check_runs_on(REPO, broken)
        assert check["name"] == "agent-lint"
        assert check["conclusion"] == "failure"
        annotations = check["annotations"]
        assert {(a["path"], a["start_line"], a["title"]) for a in annotations} >= {
            ("agents/a.yaml", 3, "type"),
            ("agents/a.yaml", 5, "unknown-key"),
        }
        [comment] = github.comments_on(REPO, 7)
        assert MARKER in comment["body"]
        assert "agents/a.yaml:3" in comment["body"]
        assert broken[:7] in comment["body"]

        fixed = repo.commit({"agents/a.yaml": config("A fixed")}, branch="feature")
        synchronize = webhook_payload(
            "pull_request.synchronize", REPO, sha=fixed, before=broken, branch="feature"
        )
        assert deliver(http, "pull_request", synchronize).status_code == 202
        wait_for(lambda: github.check_runs_on(REPO, fixed), what="the second check run")
        wait_for(lambda: MARKER in github.comments_on(REPO, 7)[0]["body"] and fixed[:7] in
                 github.comments_on(REPO, 7)[0]["body"], what="the updated comment")  # fmt: skip
    [comment] = github.comments_on(REPO, 7)  # updated in place, never a second one
    assert "valid" in comment["body"]
    assert github.check_runs_on(REPO, fixed)[0]["conclusion"] == "success"


def test_token_credentials_report_with_the_comment_alone(
    tmp_path: Path, github: FakeGitHub, env: dict[str, str], database: str
) -> None:
    token_env = {k: v for k, v in env.items() if not k.startswith("AGENTSYNC_GITHUB_APP")}
    token_env["AGENTSYNC_GITHUB_TOKEN"] = TOKEN
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    broken = repo.commit({"agents/a.yaml": BROKEN}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    with (
        serve(tmp_path, database, token_env) as service,
        httpx.Client(base_url=service.url) as http,
    ):
        payload = webhook_payload(
            "pull_request.opened", REPO, sha=broken, branch="feature", installation_id=None
        )
        deliver(http, "pull_request", payload)
        wait_for(lambda: github.comments_on(REPO, 7), what="the comment")
    assert github.check_runs_on(REPO) == []
    assert TOKEN not in service.logs_text()


def test_a_job_that_cannot_succeed_is_a_dead_letter_in_status_and_can_be_retried(
    tmp_path: Path, github: FakeGitHub, env: dict[str, str], database: str
) -> None:
    missing = webhook_payload("push", "octo-org/no-such-repo", sha="a" * 40)
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        deliver(http, "push", missing)
        wait_for(lambda: SQLiteServiceStore(Path(database)).status().dead, what="a dead letter")
    text = subprocess.run(
        [str(AGENT), "serve", "status", "--database", database],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "dead letters (1" in text
    assert "octo-org/no-such-repo" in text
    assert "404" in text
    job_id = SQLiteServiceStore(Path(database)).status().dead[0].id
    retried = subprocess.run(
        [str(AGENT), "serve", "retry", "--database", database, str(job_id)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert retried.returncode == 0, retried.stderr
    assert SQLiteServiceStore(Path(database)).status().jobs_by_state["queued"] == 1


def test_a_periodic_resync_repairs_drift(
    tmp_path: Path,
    github: FakeGitHub,
    cp: Client,
    control_plane: LocalServer,
    env: dict[str, str],
    database: str,
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    with (
        ServiceProcess(
            "serve", database, tmp_path / "serve.log", env, "--resync-interval", "1"
        ) as service,
        httpx.Client(base_url=service.url) as http,
    ):
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()))
        [record] = list(cp.iter_sync_configs(repository=REPO))
        cp.delete_config(record.id)  # drift: someone deleted it behind the repository's back
        assert live_configs(cp, REPO) == {}
        wait_for(lambda: live_configs(cp, REPO) == {"agents/a.yaml": "A"}, what="the resync")
    assert any(e.get("kind") == "resync" for e in service.logs())


def test_the_service_refuses_to_start_without_a_secret_or_credentials(
    tmp_path: Path, env: dict[str, str], database: str
) -> None:
    cases = {
        "AGENTSYNC_WEBHOOK_SECRET": "refusing to start without a webhook secret",
        "AGENTSYNC_GITHUB_APP_ID": "no GitHub credentials",
        "ELLIPSIS_API_TOKEN": "no API token",
    }
    for variable, message in cases.items():
        without = {k: v for k, v in env.items() if k != variable}
        result = subprocess.run(
            [str(AGENT), "serve", "--database", database, "--port", "0"],
            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **without},
            timeout=30, check=False,
        )  # fmt: skip
        assert result.returncode == 2, (variable, result.stderr)
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_no_secret_reaches_the_logs(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    with (
        serve(tmp_path, database, env, "--log-level", "debug") as service,
        httpx.Client(base_url=service.url) as http,
    ):
        push(http, repo, repo.head())
        deliver(http, "push", webhook_payload("push", REPO), secret=b"forged-secret-0123456")
        wait_for(lambda: synced(cp, REPO, repo.head()))
    text = service.logs_text()
    assert text  # the service did log
    private_key = Path(env["AGENTSYNC_GITHUB_APP_KEY_FILE"]).read_text()
    for secret in (SECRET.decode(), API_KEY, TOKEN, private_key.splitlines()[1]):
        assert secret not in text
    assert all(isinstance(entry, dict) for entry in service.logs())


def test_the_log_names_paths_never_query_strings(
    tmp_path: Path, env: dict[str, str], database: str
) -> None:
    secret = "query-string-secret-0123456789"
    with serve(tmp_path, database, env) as service:
        assert httpx.get(f"{service.url}/healthz", params={"token": secret}).status_code == 200
        websocket = service.url.replace("http://", "ws://")
        with pytest.raises(InvalidStatus):  # the service has no WebSocket route
            connect(f"{websocket}/webhooks/github?token={secret}").close()
        wait_for(lambda: any("WebSocket" in entry["message"] for entry in service.logs()))
    messages = [entry["message"] for entry in service.logs()]
    assert any(m.endswith(' - "WebSocket /webhooks/github" 403') for m in messages), messages
    assert secret not in service.logs_text()
    assert "token=" not in service.logs_text()


def test_the_database_is_private_and_a_wider_one_is_tightened(
    tmp_path: Path, env: dict[str, str], database: str
) -> None:
    SQLiteServiceStore(Path(database)).close()
    Path(database).chmod(0o644)
    with serve(tmp_path, database, env) as service:
        files = [Path(database + end) for end in ("", "-wal", "-shm")]
        assert [stat.S_IMODE(file.stat().st_mode) for file in files] == [0o600] * 3
    warning = f"{database}: was open to its group or others (mode 0644); now 0600"
    assert {"level": "warning", "message": warning} in [
        {"level": entry["level"], "message": entry["message"]} for entry in service.logs()
    ]


def test_no_config_secret_reaches_the_logs_github_or_the_sync_errors(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    """A push that breaks configs with secrets in them, and a pull request that does too."""
    files = {f"agents/{sample.name}.yaml": leaky_config(sample)[0] for sample in SAMPLES}
    repo = github.create_repo(REPO, {path: config(path) for path in files})
    with (
        serve(tmp_path, database, env, "--log-level", "debug") as service,
        httpx.Client(base_url=service.url) as http,
    ):
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the first sync")
        head = repo.commit(files)
        push(http, repo, head)
        wait_for(lambda: synced(cp, REPO, head), what="the sync of the broken configs")
        feature = repo.commit({"agents/new.yaml": leaky_config(SAMPLES[0])[0]}, branch="feature")
        github.open_pull_request(repo, 7, "feature")
        opened = webhook_payload("pull_request.opened", REPO, sha=feature, branch="feature")
        assert deliver(http, "pull_request", opened).status_code == 202
        wait_for(lambda: github.comments_on(REPO, 7), what="the comment")
    errors = {r.path: r.sync_error for r in cp.iter_sync_configs(repository=REPO)}
    assert all(error is not None and error.diagnostics for error in errors.values())
    shown = [
        service.logs_text(),
        repr([error.model_dump() for error in errors.values() if error is not None]),
        repr([r.json for r in github.requests if r.json is not None]),  # all sent to GitHub
    ]
    for text in shown:
        for sample in SAMPLES:
            assert not sample.leaked_in(text)
        assert PIN not in text


@pytest.mark.skipif(sys.platform != "linux", reason="PostgreSQL binaries for Linux")
def test_two_workers_on_postgresql_never_sync_one_repository_at_once(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], postgres_url: str
) -> None:
    repos = [
        github.create_repo(f"octo-org/repo-{n}", {"agents/a.yaml": config(f"R{n}")})
        for n in range(3)
    ]
    github.add_latency(0.02)
    web = ServiceProcess(
        "serve", postgres_url, tmp_path / "web.log", env, "--workers", "0",
        "--resync-interval", "0",
    )  # fmt: skip
    workers = [
        ServiceProcess("worker", postgres_url, tmp_path / f"worker-{n}.log", env,
                       "--resync-interval", "0", *extra)
        for n, extra in enumerate([["--metrics-port", "0"], []])
    ]  # fmt: skip
    with web, workers[0], workers[1], httpx.Client(base_url=web.url) as http:
        metrics_port = workers[0].port_in_log("metrics on http://127.0.0.1:")
        heads: dict[str, str] = {}
        for round_ in range(4):
            for repo in repos:
                heads[repo.full_name] = repo.commit(
                    {"agents/a.yaml": config(f"{repo.full_name} {round_}")}
                )
                push(http, repo, heads[repo.full_name])
        for repo in repos:
            wait_for(lambda repo=repo: synced(cp, repo.full_name, heads[repo.full_name]),
                     timeout=60, what=f"{repo.full_name} synced")  # fmt: skip
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
        assert "agentsync_jobs_finished_total{" in metrics  # this worker's own counters
        assert 'agentsync_jobs{state="queued"}' in metrics  # and the shared queue
    intervals: dict[str, list[tuple[str, str, str]]] = {}
    for worker in workers:
        started: dict[int, str] = {}
        for entry in worker.logs():
            if entry.get("message") == "job started":
                started[entry["job"]] = entry["ts"]
            elif entry.get("message") in ("job done", "job failed"):
                intervals.setdefault(entry["repository"], []).append(
                    (started[entry["job"]], entry["ts"], worker.log_file.name)
                )
    assert sum(len(v) for v in intervals.values()) >= 3
    assert {name for spans in intervals.values() for *_, name in spans} == {
        "worker-0.log", "worker-1.log"
    }, "both workers took jobs"  # fmt: skip
    for repository, spans in intervals.items():
        spans.sort()
        for (_, end, _), (start, _, _) in itertools.pairwise(spans):
            assert end <= start, f"two syncs of {repository} overlapped"


def test_a_new_installation_syncs_its_repositories_without_waiting_for_a_push(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        response = deliver(http, "installation", webhook_payload("installation", REPO))
        assert response.status_code == 202
        assert response.json()["outcome"] == "queued"
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the first sync")
    assert live_configs(cp, REPO) == {"agents/a.yaml": "A"}
    [known] = SQLiteServiceStore(Path(database)).status().repositories
    assert known.installation_id == INSTALLATION


def test_an_uninstalled_repository_is_forgotten(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], database: str
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    with serve(tmp_path, database, env) as service, httpx.Client(base_url=service.url) as http:
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()))
        assert [r.repository for r in SQLiteServiceStore(Path(database)).status().repositories]
        removed = webhook_payload("installation", REPO) | {"action": "deleted"}
        assert deliver(http, "installation", removed).json()["outcome"] == "queued"
        wait_for(lambda: not SQLiteServiceStore(Path(database)).status().repositories)
