"""A checkout's identity (its root commits) and ``--adopt`` in the engine: the old name's agents
are soft-deleted only once every write under the new name went through, and the checkout keeps
its old name until then. A real repository and the real local control plane."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.sync.apply import idempotency_key
from agentsync.sync.engine import SyncRun, apply_run
from agentsync.sync.identity import OriginChanged, plan_checkout, record_checkout
from agentsync.sync.model import Action
from agentsync.sync.sources.git import LocalGitSource
from agentsync.sync.state import SyncState
from tests.sync.support import Git, valid_text
from tests.sync.test_poison import _refusing_validator

FILES = {"agents/refused.yaml": valid_text(1), "agents/fine.yaml": valid_text(2)}


def sync(source: LocalGitSource, client: Client, state: SyncState, *, adopt: bool) -> SyncRun:
    """What ``agent sync apply --yes`` does (with ``--adopt`` or not)."""
    run = plan_checkout(source, client, state, explicit=False, adopt=adopt)
    run = apply_run(run, source, client, state)
    record_checkout(source, state, run)
    return run


def live(client: Client, repository: str) -> set[str]:
    return {c.path or "" for c in client.iter_sync_configs(repository=repository)}


def test_root_commits_are_the_same_in_a_clone_whatever_its_origin(tmp_path: Path) -> None:
    git = Git(tmp_path / "repo")
    first = git.commit({"README.md": "hi"})
    git.commit({"agents/a.yaml": valid_text(1)})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(git.root), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "remote", "set-url", "origin", "x"], check=True)
    assert LocalGitSource(git.root).root_commits() == (first,)
    assert LocalGitSource(clone).root_commits() == (first,)
    assert LocalGitSource(clone, working_tree=True).root_commits() == (first,)


def test_a_repository_with_no_commit_has_no_identity(tmp_path: Path) -> None:
    git = Git(tmp_path / "repo")
    assert LocalGitSource(git.root, working_tree=True).root_commits() == ()


def test_an_adopted_delete_has_its_own_idempotency_key() -> None:
    here = Action("soft-delete", "agents/a.yaml", "agent_1")
    adopted = here._replace(config_id="agent_2", repository="acme/old")
    assert idempotency_key("acme/new", "c" * 40, here) != idempotency_key(
        "acme/new", "c" * 40, adopted
    )


def test_adopt_keeps_the_old_agents_until_every_new_write_went_through(
    tmp_path: Path, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    git = Git(tmp_path / "repo")
    git.run("remote", "add", "origin", "https://github.com/acme/app.git")
    git.commit(FILES)
    source, state = LocalGitSource(git.root), SyncState(tmp_path / "state.json")
    assert sync(source, client, state, adopt=False).result is not None
    git.run("remote", "set-url", "origin", "https://github.com/acme/tools.git")

    # The control plane refuses one of the files under the new name: the old agents stay.
    monkeypatch.setattr("agentsync.localserver.configs.validate_yaml", _refusing_validator())
    held = sync(source, client, state, adopt=True)
    assert held.result is not None
    assert [a.path for a, _ in held.result.rejected] == ["agents/refused.yaml"]
    assert sorted((a.repository, a.path, why) for a, why in held.result.failed) == [
        ("acme/app", path, "kept: not every write to acme/tools went through (re-run to retry)")
        for path in sorted(FILES)
    ]
    assert live(client, "acme/app") == set(FILES)
    assert live(client, "acme/tools") == {"agents/fine.yaml"}
    with pytest.raises(OriginChanged, match=r"it synced as acme/app \(2 agents\)"):
        plan_checkout(source, client, SyncState(state.path), explicit=False, adopt=False)

    monkeypatch.undo()
    done = sync(source, client, state, adopt=True)
    assert done.result is not None
    assert done.result.ok
    assert not done.result.rejected
    assert live(client, "acme/app") == set()
    assert live(client, "acme/tools") == set(FILES)
    assert SyncState(state.path).checkout_name(source.root_commits()) == "acme/tools"
