"""Write the upgrade fixtures of one release: the databases and state file it leaves behind,
and what that release itself reads back from them (``expected.json``).

Run it once per release, with that release's code first on the path, never with newer code:

    git worktree add --detach /tmp/agentsync-0.1.0 <the release's commit>
    PYTHONPATH=/tmp/agentsync-0.1.0/src:. .venv/bin/python scripts/make_upgrade_fixtures.py \
        fixtures/upgrade/0.1.0

``tests/localserver/test_upgrade.py``, ``tests/service/test_upgrade.py`` and
``tests/sync/test_state.py`` open each of them with the current code, migrate it, and check
that every record reads back as ``expected.json`` says. The sandbox variable's value is a
dummy; ``expected.json`` holds only its SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "fixture-token-0123456789"
VARIABLE = ("LINEAR_API_KEY", "lin_fixture_not_a_real_key")
T0 = 1_800_000_000.0  # the service fixtures' clock (epoch seconds), after they were made


def _agent(*args: str, env: dict[str, str], check: bool = True) -> str:
    command = [sys.executable, "-c", "from agentsync.cli.main import main; main()", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise SystemExit(f"agent {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "-c",
            "user.name=fixture",
            "-c",
            "user.email=f@example.com",
            *args,
        ],
        check=True,
        capture_output=True,
    )


def _control_plane(out: Path, work: Path) -> None:
    """A control plane with synced, kept-last-good and soft-deleted configs, a run and its
    events, and an encrypted sandbox variable; and the sync state file of that repository."""
    from tests.servers import start_control_plane

    env = {
        **os.environ,
        "ELLIPSIS_API_TOKEN": TOKEN,
        "ELLIPSIS_CONFIG_DIR": str(work / "ellipsis"),
        "XDG_STATE_HOME": str(work / "state"),
        "AGENTSYNC_CONTROL_PLANE_TOKENS": TOKEN,
    }
    server, env["ELLIPSIS_API_BASE_URL"] = start_control_plane(
        work / "control-plane.log", "--db", str(out / "control-plane.db"), "--runner", "command",
        "--command", "sh -c 'cat >/dev/null; echo reading the repository; echo all good'",
        env=env,
    )  # fmt: skip
    try:
        _sync_history(work, env)
        _runs_and_variables(env)
    finally:
        server.terminate()
        server.wait()


def _sync_history(work: Path, env: dict[str, str]) -> None:
    repo = work / "example-repo"
    shutil.copytree(ROOT / "fixtures" / "example-repo", repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "agents")
    sync = ("sync", "apply", "--yes", str(repo), "--repository", "acme/example")
    _agent(*sync, env=env)
    audit = repo / "agents" / "nightly-audit.yaml"
    audit.write_text(audit.read_text().replace('"30 2 * * 1-5"', "*/15 * * * *"))
    (repo / "agents" / "broken-new.yaml").write_text("ellipsis:\n  version: v1\nlimits: nope\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "break the nightly audit, add a broken agent")
    _agent(*sync, env=env, check=False)  # exit 1: invalid files
    _git(repo, "rm", "-q", "agents/docs-helper.yaml")
    _git(repo, "commit", "-q", "-m", "retire the docs helper")
    _agent(*sync, env=env, check=False)


def _runs_and_variables(env: dict[str, str]) -> None:
    base, headers = env["ELLIPSIS_API_BASE_URL"], {"Authorization": f"Bearer {TOKEN}"}
    name, value = VARIABLE
    httpx.put(
        f"{base}/v1/sandboxes/variables",
        headers=headers,
        json={"variables": [{"name": name, "value": value}]},
    ).raise_for_status()
    configs = json.loads(_agent("config", "list", "--json", env=env))
    config = next(c["id"] for c in configs if c["path"] == "agents/release-notes.yaml")
    _agent("run", "start", "--config", config, "--prompt", "Draft notes.", "--watch", env=env)


def _control_plane_expected(out: Path) -> dict[str, Any]:
    """What the release's own store reads back from the database it wrote."""
    from agentsync.localserver.store import ConfigQuery, RunQuery, SQLiteStore
    from agentsync.localserver.vault import Vault

    store = SQLiteStore(out / "control-plane.db")
    vault = Vault.from_environment_or_file(out / "control-plane.key")
    runs = store.list_runs(RunQuery(limit=1000))
    variables = {}
    for entry in store.list_variables():
        encrypted = store.get_variable(entry["name"])
        assert encrypted is not None
        variables[entry["name"]] = hashlib.sha256(vault.decrypt(encrypted).encode()).hexdigest()
    expected = {
        "configs": [
            c.model_dump(mode="json")
            for c in store.list_configs(ConfigQuery(include_deleted=True, limit=1000))
        ],
        "runs": [r.model_dump(mode="json") for r in runs],
        "events": {
            r.id: [e.model_dump(mode="json") for e in store.events_after(r.id, 0)] for r in runs
        },
        "variables": store.list_variables(),
        "variable_sha256": variables,
        "repository_commits": {"acme/example": store.repository_commit("acme/example")},
        "cron": store.cron_entries(),
    }  # fmt: skip
    store.close()
    return expected


def _service_history(store: Any) -> None:
    """Deliveries; queued, done and dead jobs; repositories and a sync state."""
    from agentsync.service.queue import Delivery, NewJob

    for number, repository in enumerate(("acme/done", "acme/dead", "acme/queued")):
        store.accept_delivery(
            Delivery(f"delivery-{number}", "push", None, repository, b'{"ref":"refs/heads/main"}'),
            NewJob("push", repository, {"after": f"{number:040d}", "ref": "refs/heads/main"}),
        )
        store.remember_repository(repository, 42 + number, now=T0)
    done = store.claim("worker-a", 60, now=T0 + 1)
    store.complete(done.id, "worker-a", "applied", now=T0 + 2)
    store.record_sync("acme/done", f"{0:040d}", "applied", now=T0 + 2)
    dead = store.claim("worker-a", 60, now=T0 + 3)
    store.fail(dead.id, "worker-a", "control plane answered 503", retry_in=None, now=T0 + 4)
    store.enqueue(NewJob("resync", "acme/done", {"installation_id": 42}), now=T0 + 5)
    at = "2026-11-30T00:00:00Z"
    error = {"kind": "orphan-error", "commit": "c0ffee", "diagnostics": [], "recorded_at": at}
    store.save_sync_state(
        "acme/done",
        {
            "errors": {"agents/broken.yaml": error},
            "last_apply": {"commit": "c0ffee", "outcome": "applied", "at": at},
        },
    )


def _service_expected(store: Any) -> dict[str, Any]:
    status = store.status(now=T0 + 10)
    jobs = [store.get_job(job_id) for job_id in range(1, 10)]
    return {
        "jobs": [job._asdict() for job in jobs if job is not None],
        "status": {
            "jobs_by_state": status.jobs_by_state,
            "queue_depth": status.queue_depth,
            "dead": [job._asdict() for job in status.dead],
            "repositories": [r._asdict() for r in status.repositories],
            "deliveries": status.deliveries,
        },
        "sync_states": {"acme/done": store.load_sync_state("acme/done")},
    }


def _service_sqlite(out: Path) -> dict[str, Any]:
    from agentsync.service.stores import open_store

    store = open_store(out / "service.db")
    _service_history(store)
    expected = _service_expected(store)
    store.close()
    for suffix in ("-wal", "-shm"):  # checkpointed into the file on close
        (out / f"service.db{suffix}").unlink(missing_ok=True)
    return expected


def _service_postgres(out: Path) -> dict[str, Any]:
    from agentsync.service.stores import open_store
    from tests.postgres import PostgresServer

    with PostgresServer() as server:
        url = server.create_database()
        store = open_store(url)
        _service_history(store)
        expected = _service_expected(store)
        store.close()
        dump = subprocess.run(
            [str(server.bindir / "pg_dump"), "--no-owner", "--no-privileges", "--dbname", url],
            check=True,
            capture_output=True,
            text=True,
        )
    (out / "service-postgres.sql").write_text(dump.stdout)
    return expected


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    import agentsync

    print(f"writing the fixtures of the agentsync at {Path(agentsync.__file__).parent}")
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        _control_plane(out, work)
        shutil.copy(work / "state" / "agentsync" / "sync-state.json", out / "sync-state.json")
    expected = {
        "release": agentsync.__version__,
        "control_plane": _control_plane_expected(out),
        "service_sqlite": _service_sqlite(out),
        "service_postgres": _service_postgres(out),
        "sync_state": json.loads((out / "sync-state.json").read_text()),
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    for suffix in ("-wal", "-shm"):
        (out / f"control-plane.db{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
