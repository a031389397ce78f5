"""Upgrading the local control plane's database: the one agentsync 0.1.0 wrote (a synced
repository with a kept-last-good and a soft-deleted config, a run and its events, an
encrypted sandbox variable, cron state) is migrated when opened, every record reads back as
0.1.0 read it, and new writes work. Also a database written before 0.1.0 renamed a column.

The fixtures were written by 0.1.0 itself: ``scripts/make_upgrade_fixtures.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.localserver.migrations import MIGRATIONS
from agentsync.localserver.server import LocalServer
from agentsync.localserver.store import ConfigQuery, RunQuery, SQLiteStore
from agentsync.localserver.vault import Vault
from tests.conftest import FIXTURES, run_agent
from tests.localserver.conftest import API_KEY, VALID_YAML, server_options

RELEASE_0_1_0 = FIXTURES / "upgrade" / "0.1.0"
EXPECTED = json.loads((RELEASE_0_1_0 / "expected.json").read_text())["control_plane"]
LATEST = MIGRATIONS[-1].version


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """A copy of 0.1.0's database (and its vault key) to upgrade."""
    shutil.copy(RELEASE_0_1_0 / "control-plane.db", tmp_path / "control-plane.db")
    shutil.copy(RELEASE_0_1_0 / "control-plane.key", tmp_path / "vault.key")
    return tmp_path / "control-plane.db"


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the version record, as stored."""
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name not in ("schema_version", "sqlite_sequence")
        ]
        rows = {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    db.close()
    return rows


def _read_back(store: SQLiteStore, key_file: Path) -> dict[str, Any]:
    """What ``scripts/make_upgrade_fixtures.py`` had 0.1.0 read, read by this code."""
    vault = Vault.from_environment_or_file(key_file)
    runs = store.list_runs(RunQuery(limit=1000))
    digests = {}
    for entry in store.list_variables():
        encrypted = store.get_variable(entry["name"])
        assert encrypted is not None
        digests[entry["name"]] = hashlib.sha256(vault.decrypt(encrypted).encode()).hexdigest()
    return {
        "configs": [
            c.model_dump(mode="json")
            for c in store.list_configs(ConfigQuery(include_deleted=True, limit=1000))
        ],
        "runs": [r.model_dump(mode="json") for r in runs],
        "events": {
            r.id: [e.model_dump(mode="json") for e in store.events_after(r.id, 0)] for r in runs
        },
        "variables": store.list_variables(),
        "variable_sha256": digests,
        "repository_commits": {"acme/example": store.repository_commit("acme/example")},
        "cron": [list(entry) for entry in store.cron_entries()],
    }


def test_the_fixture_holds_what_the_upgrade_must_keep() -> None:
    paths = {c["path"]: c for c in EXPECTED["configs"]}
    assert paths["agents/docs-helper.yaml"]["deleted"] is True
    assert paths["agents/nightly-audit.yaml"]["sync_error"]["diagnostics"]
    assert [len(events) for events in EXPECTED["events"].values()] == [4]
    assert list(EXPECTED["variable_sha256"]) == ["LINEAR_API_KEY"]
    assert EXPECTED["cron"]


def test_a_0_1_0_database_is_migrated_and_reads_back_unchanged(database: Path) -> None:
    stored = _rows(database)
    store = SQLiteStore(database)
    try:
        assert _read_back(store, database.with_name("vault.key")) == EXPECTED
        assert store.schema_status().is_current
    finally:
        store.close()
    assert _rows(database) == stored


def test_a_migrated_0_1_0_database_takes_new_writes(database: Path) -> None:
    config = server_options(database.parent, db=str(database), cron_interval=None)
    with (
        LocalServer(config) as server,
        httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
        ) as api,
    ):
        synced = api.put(
            "/v1/sync/configs",
            json={"repository": "acme/example", "path": "agents/new.yaml", "yaml": VALID_YAML},
        )
        assert synced.status_code == 201, synced.text
        updated = api.put(
            "/v1/sync/configs",
            json={
                "repository": "acme/example",
                "path": "agents/release-notes.yaml",
                "yaml": VALID_YAML,
            },
        )
        assert updated.status_code == 200, updated.text
        run = api.post("/v1/agents/runs", json={"config_id": synced.json()["id"]})
        assert run.status_code == 201, run.text
        variables = api.put(
            "/v1/sandboxes/variables", json={"variables": [{"name": "NEW", "value": "v"}]}
        )
        assert variables.status_code == 200, variables.text
        names = {v["name"] for v in api.get("/v1/sandboxes/variables").json()["variables"]}
    assert names == {"LINEAR_API_KEY", "NEW"}


def test_a_database_from_before_the_sync_error_rename_is_migrated(database: Path) -> None:
    with sqlite3.connect(database) as db:  # the shape of the configs table before 0.1.0
        db.execute("ALTER TABLE configs RENAME COLUMN sync_error TO last_sync_error")
        db.execute("ALTER TABLE configs DROP COLUMN edited_by")
    db.close()
    store = SQLiteStore(database)
    try:
        assert _read_back(store, database.with_name("vault.key"))["configs"] == EXPECTED["configs"]
    finally:
        store.close()


def test_migrate_check_names_what_is_pending_then_migrate_applies_it(database: Path) -> None:
    pending = run_agent("control-plane", "migrate", "--db", str(database), "--check")
    assert pending.returncode == 1, pending.stderr
    assert "schema version 0, needs 2 migrations" in pending.stdout
    assert "0001_initial, 0002_early_config_columns" in pending.stdout
    migrated = run_agent("control-plane", "migrate", "--db", str(database))
    assert migrated.returncode == 0, migrated.stderr
    assert f"migrated from schema version 0 to {LATEST}" in migrated.stdout
    current = run_agent("control-plane", "migrate", "--db", str(database), "--check")
    assert (current.returncode, current.stdout.strip()) == (
        0,
        f"{database}: schema version {LATEST}, current",
    )


def test_migrate_check_exits_0_once_the_server_opened_the_database(database: Path) -> None:
    SQLiteStore(database).close()
    assert run_agent("control-plane", "migrate", "--db", str(database), "--check").returncode == 0


@pytest.mark.parametrize("check", [True, False])
def test_migrate_refuses_a_newer_database_with_exit_2(database: Path, check: bool) -> None:
    SQLiteStore(database).close()
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST + 1,))
    db.close()
    refused = run_agent("control-plane", "migrate", "--db", str(database), *["--check"] * check)
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1
    assert f"schema version {LATEST + 1}, newer than this agentsync's version {LATEST}" in (
        refused.stderr
    )


def test_migrate_without_a_database_is_exit_2(tmp_path: Path) -> None:
    missing = run_agent("control-plane", "migrate", "--db", str(tmp_path / "none.db"), "--check")
    assert missing.returncode == 2
    assert missing.stderr == (
        f"agent: no control-plane database at {tmp_path / 'none.db'}: pass the server's --db "
        "PATH, or start `agent control-plane serve`, which creates it\n"
    )
    assert not (tmp_path / "none.db").exists()


def test_migrate_on_a_file_that_is_not_a_database_is_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    result = run_agent("control-plane", "migrate", "--db", str(junk), "--check")
    assert result.returncode == 2
    assert result.stderr.startswith("agent: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
