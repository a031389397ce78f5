"""The sync engine end to end: real git repositories in temp dirs, the real local control plane
on loopback, the real client. Counts HTTP calls to prove the cost rules."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agentsync.client.api import Client
from agentsync.config.loader import DEFAULT_LIMITS, load_text
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.localserver.server import LocalServer
from agentsync.sync.apply import SyncBlocked
from agentsync.sync.engine import apply_sync, plan_sync
from agentsync.sync.sources.git import LocalGitSource
from agentsync.sync.state import SyncState
from tests.localserver.conftest import API_KEY
from tests.sync.support import Git, identity

REPO = "acme/app"
GOOD = "ellipsis: {version: v1}\nclaude:\n  system: Review the diff.\n"
OTHER = "ellipsis: {version: v1}\nclaude:\n  system: Triage the issue.\n"
THIRD = "ellipsis: {version: v1}\nclaude:\n  system: Draft the release notes.\n"
BAD = "ellipsis: {version: v2}\nclaude:\n  system: Review the diff.\n"


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.calls: Counter[str] = Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.method] += 1
        return super().handle_request(request)


@pytest.fixture
def git(tmp_path: Path) -> Git:
    return Git(tmp_path / "repo")


@pytest.fixture
def counted(server: LocalServer) -> Iterator[tuple[Client, CountingTransport]]:
    transport = CountingTransport()
    with Client(server.url, API_KEY, transport=transport) as client:
        yield client, transport


@pytest.fixture
def state(tmp_path: Path) -> SyncState:
    return SyncState(tmp_path / "state.json")


def source(git: Git, ref: str = "HEAD") -> LocalGitSource:
    return LocalGitSource(git.root, ref=ref, repository=REPO)


def configs(client: Client, *, deleted: bool = False) -> dict[str, str]:
    return {
        c.path or "": c.id
        for c in client.iter_sync_configs(repository=REPO, include_deleted=deleted)
    }


def writes(transport: CountingTransport) -> int:
    return sum(n for method, n in transport.calls.items() if method != "GET")


def test_apply_creates_and_a_second_apply_writes_nothing(
    git: Git, counted: tuple[Client, CountingTransport], state: SyncState
) -> None:
    client, transport = counted
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "README.md": "docs"})
    run = apply_sync(source(git), client, state)
    assert run.result is not None
    assert run.result.ok
    assert sorted(configs(client)) == ["agents/a.yaml", "agents/b.yaml"]
    transport.calls.clear()
    again = apply_sync(source(git), client, state)
    assert again.plan.writes == ()
    # one listing page and one read of the last applied commit: no writes at all
    assert writes(transport) == 0
    assert transport.calls["GET"] == 2


def test_a_config_at_the_size_limit_is_applied(git: Git, client: Client, state: SyncState) -> None:
    """A valid config of nearly 1 MiB, its prompt made of quotes, backslashes and line breaks
    (each two bytes in JSON): agent-lint accepted it, and the control plane refused the write
    (413, a body over its 1 MiB cap) on every apply, which never went through."""
    head = "ellipsis: {version: v1}\nclaude:\n  system: |\n"
    line = '    "quoted" \\ text\n'
    text = head + line * ((DEFAULT_LIMITS.max_bytes - len(head)) // len(line))
    assert DEFAULT_LIMITS.max_bytes - len(line) < len(text.encode()) <= DEFAULT_LIMITS.max_bytes
    git.commit({"agents/big.yaml": text, "agents/a.yaml": GOOD})
    run = apply_sync(source(git), client, state)
    assert run.result is not None
    assert run.result.failed == ()
    assert sorted(configs(client)) == ["agents/a.yaml", "agents/big.yaml"]


def test_a_file_with_thousands_of_errors_keeps_a_few_and_names_every_rule(
    git: Git, client: Client, state: SyncState
) -> None:
    """A config turned into 3,000 unknown keys and a `yes`: the plan printed every diagnostic,
    the state file kept them all, and 90,000 of them made the sync error too large for the
    control plane to record (413), on every apply."""
    git.commit({"agents/a.yaml": GOOD})
    apply_sync(source(git), client, state)
    broken = GOOD + "".join(f"k{n}: 1\n" for n in range(3000)) + "enabled: yes\n"
    git.commit({"agents/a.yaml": broken})
    run = apply_sync(source(git), client, state)
    assert run.result is not None
    assert run.result.failed == ()
    (kept,) = run.plan.actions
    assert kept.kind == "keep-last-good"
    assert [d["rule"] for d in kept.diagnostics] == ["unknown-key"] * 100 + ["yaml11-boolean"]
    assert kept.diagnostics[-1]["message"].endswith(
        "(2900 more problems in this file not shown: agent-lint lists them all)"
    )
    linted = lint_document(load_text(broken, "agents/a.yaml"), Settings())
    assert {d.rule for d in linted.diagnostics if d.severity == "error"} == {
        "unknown-key", "yaml11-boolean"
    }  # fmt: skip
    (record,) = client.iter_sync_configs(repository=REPO)
    assert record.sync_error is not None
    assert tuple(record.sync_error.diagnostics) == kept.diagnostics
    assert apply_sync(source(git), client, state).plan.writes == ()  # recorded once


def test_keep_last_good_then_fix(git: Git, client: Client, state: SyncState) -> None:
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER})
    apply_sync(source(git), client, state)
    config_id = configs(client)["agents/a.yaml"]
    broken = git.commit({"agents/a.yaml": BAD})
    run = apply_sync(source(git), client, state)
    assert [a.kind for a in run.plan.writes] == ["keep-last-good"]
    record = client.get_config(config_id)
    assert record.agent_config["claude"]["system"] == "Review the diff."  # last good, in force
    assert record.sync_error is not None
    assert record.sync_error.commit == broken
    assert record.sync_error.diagnostics[0]["rule"] == "version"
    assert apply_sync(source(git), client, state).plan.writes == ()  # recorded once
    git.commit({"agents/a.yaml": GOOD})
    fixed = apply_sync(source(git), client, state)
    assert [a.kind for a in fixed.plan.writes] == ["update"]
    assert client.get_config(config_id).sync_error is None


def test_a_denied_variable_keeps_the_last_good_config_and_a_new_one_is_an_orphan(
    git: Git, client: Client, state: SyncState
) -> None:
    git.commit({"agents/a.yaml": GOOD})
    apply_sync(source(git), client, state)
    config_id = configs(client)["agents/a.yaml"]
    injected = GOOD + "sandbox:\n  variables:\n    - name: BASH_ENV\n      value: $(id)\n"
    bad_name = GOOD + "sandbox:\n  variables:\n    - name: A=B\n      value: c\n"
    broken = git.commit({"agents/a.yaml": injected, "agents/new.yaml": bad_name})
    run = apply_sync(source(git), client, state)
    kinds = {a.path: a.kind for a in run.plan.actions}
    assert kinds == {"agents/a.yaml": "keep-last-good", "agents/new.yaml": "orphan-error"}
    record = client.get_config(config_id)
    assert record.agent_config["sandbox"]["variables"] == []  # the last good config, in force
    assert record.sync_error is not None
    assert record.sync_error.commit == broken
    assert [d["rule"] for d in record.sync_error.diagnostics] == ["denied-variable"]
    assert "BASH_ENV is refused" in record.sync_error.diagnostics[0]["message"]
    orphan = state.orphans(REPO)["agents/new.yaml"]
    assert [d["rule"] for d in orphan["diagnostics"]] == ["denied-variable"]
    assert list(configs(client)) == ["agents/a.yaml"]


def test_the_platforms_own_configs_are_applied_as_their_authors_meant(
    git: Git, client: Client, state: SyncState
) -> None:
    """The platform CLI's agents/update_docs.yaml and its config-init starter: valid with
    warnings in agent-lint, applied by sync, with their undocumented spellings read as the
    documented keys and events."""
    valid = Path(__file__).resolve().parents[2] / "fixtures" / "lint" / "valid"
    git.commit(
        {
            "agents/update_docs.yaml": (valid / "platform-update-docs.yaml").read_text(),
            "agents/my_agent.yaml": (valid / "platform-starter.yaml").read_text(),
        }
    )
    run = apply_sync(source(git), client, state)
    assert run.result is not None
    assert run.result.ok
    assert sorted(a.kind for a in run.plan.writes) == ["create", "create"]
    stored = {c.path: c.agent_config for c in client.iter_sync_configs(repository=REPO)}
    update_docs = stored["agents/update_docs.yaml"]
    assert update_docs["sandbox"]["repositories"] == [
        {"owner": "ellipsis-dev", "name": "ellipsis", "ref": None}
    ]
    assert update_docs["triggers"][0]["events"][0]["event"] == "pull_request_merge"
    assert stored["agents/my_agent.yaml"]["sandbox"]["repositories"] == []


def test_a_known_key_at_the_wrong_level_is_a_warning_and_the_config_applies_without_it(
    git: Git, client: Client, state: SyncState
) -> None:
    """A top-level ``model:`` (it belongs under ``claude:``): one agent-lint warning, a create
    in the plan, a 201 from the control plane; the platform ignores the key, so the stored
    config runs the default model and means what the config without the key means."""
    misplaced = GOOD + "model: claude-opus-4-8\n"
    [warning] = lint_document(load_text(misplaced, "agents/a.yaml"), Settings()).diagnostics
    assert (warning.severity, warning.rule, warning.line) == ("warning", "misplaced-key", 4)
    git.commit({"agents/a.yaml": misplaced})
    assert [a.kind for a in plan_sync(source(git), client).plan.writes] == ["create"]
    run = apply_sync(source(git), client, state)
    assert run.result is not None
    assert run.result.ok
    [record] = client.iter_sync_configs(repository=REPO)
    assert "model" not in record.agent_config
    assert record.agent_config["claude"]["model"] is None
    assert identity(misplaced) == identity(GOOD)


def test_orphan_errors_live_in_the_engine_state(git: Git, client: Client, state: SyncState) -> None:
    git.commit({"agents/a.yaml": GOOD, "agents/new.yaml": BAD})
    apply_sync(source(git), client, state)
    assert list(configs(client)) == ["agents/a.yaml"]  # no agent for the invalid new file
    assert list(state.orphans(REPO)) == ["agents/new.yaml"]
    assert (
        SyncState(state.path).orphans(REPO)["agents/new.yaml"]["diagnostics"][0]["rule"]
        == "version"
    )
    git.commit({"agents/new.yaml": OTHER})
    apply_sync(source(git), client, state)
    assert state.orphans(REPO) == {}
    assert sorted(configs(client)) == ["agents/a.yaml", "agents/new.yaml"]


def test_rename_keeps_the_agent_and_rename_plus_edit_does_not(
    git: Git, client: Client, state: SyncState
) -> None:
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": THIRD})
    apply_sync(source(git), client, state)
    before = configs(client)
    git.commit({"agents/a.yaml": None, ".ellipsis/renamed.yaml": GOOD})
    run = apply_sync(source(git), client, state)
    assert [a.kind for a in run.plan.writes] == ["move"]
    assert configs(client)[".ellipsis/renamed.yaml"] == before["agents/a.yaml"]
    git.commit({"agents/b.yaml": None, "agents/b2.yaml": OTHER + "enabled: false\n"})
    run = apply_sync(source(git), client, state)
    assert sorted(a.kind for a in run.plan.writes) == ["create", "soft-delete"]
    assert configs(client)["agents/b2.yaml"] != before["agents/b.yaml"]


def test_added_removed_readded_is_restored_with_the_same_agent(
    git: Git, client: Client, state: SyncState
) -> None:
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": THIRD})
    apply_sync(source(git), client, state)
    config_id = configs(client)["agents/a.yaml"]
    git.commit({"agents/a.yaml": None})
    apply_sync(source(git), client, state)
    assert client.get_config(config_id).deleted is True
    git.commit({"agents/a.yaml": GOOD})
    run = apply_sync(source(git), client, state)
    assert [a.kind for a in run.plan.writes] == ["restore"]
    assert client.get_config(config_id).deleted is False


def test_older_commits_and_other_branches_are_refused_unless_forced(
    git: Git, client: Client, state: SyncState
) -> None:
    old = git.commit({"agents/a.yaml": GOOD})
    new = git.commit({"agents/a.yaml": OTHER})
    apply_sync(source(git), client, state)
    git.run("checkout", "-q", "-b", "feature", old)
    with pytest.raises(SyncBlocked, match="not the head of main"):
        apply_sync(source(git, "HEAD"), client, state)
    git.run("checkout", "-q", "main")
    git.run("branch", "-f", "rewind", old)
    git.run("update-ref", "refs/heads/main", old)  # main moved back: an out-of-order delivery
    with pytest.raises(SyncBlocked, match="older than the last applied"):
        apply_sync(source(git, "main"), client, state)
    assert client.get_repository_commit(REPO) == new
    forced = apply_sync(source(git, "main"), client, state, force=True)
    assert forced.result is not None
    assert forced.result.ok
    assert client.get_repository_commit(REPO) == old


def test_a_force_push_that_took_the_last_applied_commit_away_applies_the_head(
    git: Git, client: Client, state: SyncState
) -> None:
    base = git.commit({"agents/a.yaml": GOOD})
    vanished = git.commit({"agents/a.yaml": OTHER})
    apply_sync(source(git), client, state)
    git.run("reset", "-q", "--hard", base)  # the force-push: main rewritten from base on
    head = git.commit({"agents/a.yaml": THIRD})
    git.run("reflog", "expire", "--expire=now", "--all")
    git.run("gc", "-q", "--prune=now")
    with pytest.raises(subprocess.CalledProcessError):
        git.run("cat-file", "-e", vanished)  # gone from the repository

    run = apply_sync(source(git), client, state)

    assert run.result is not None
    assert run.result.ok
    assert [a.kind for a in run.plan.writes] == ["update"]
    assert client.get_repository_commit(REPO) == head
    assert run.warnings == (
        (
            f"the last applied commit {vanished[:12]} is no longer in {REPO} (was main "
            f"force-pushed?): applying the head of main, {head[:12]}"
        ),
    )
    assert apply_sync(source(git), client, state).warnings == ()  # the next sync is ordinary


def test_a_force_push_whose_old_commit_is_still_stored_applies_the_head_with_a_warning(
    git: Git, client: Client, state: SyncState
) -> None:
    base = git.commit({"agents/a.yaml": GOOD})
    left_behind = git.commit({"agents/a.yaml": OTHER})
    apply_sync(source(git), client, state)
    git.run("reset", "-q", "--hard", base)
    head = git.commit({"agents/a.yaml": THIRD})  # diverged from the last applied commit

    run = apply_sync(source(git), client, state)

    assert client.get_repository_commit(REPO) == head
    assert run.warnings == (
        (
            f"{head[:12]} does not descend from the last applied commit {left_behind[:12]} "
            "(was main force-pushed?): applying the head of main"
        ),
    )
    # The rollback guard still holds for a known ancestor of what was applied.
    git.run("update-ref", "refs/heads/main", base)
    with pytest.raises(SyncBlocked, match="older than the last applied"):
        apply_sync(source(git, "main"), client, state)
    assert client.get_repository_commit(REPO) == head


def test_mass_delete_is_blocked_before_any_write(
    git: Git, counted: tuple[Client, CountingTransport], state: SyncState
) -> None:
    client, transport = counted
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": THIRD})
    apply_sync(source(git), client, state)
    fourth = GOOD.replace("Review the diff.", "Summarise the incidents.")
    git.commit({"agents/a.yaml": None, "agents/b.yaml": None, "agents/d.yaml": fourth})
    transport.calls.clear()
    with pytest.raises(SyncBlocked, match="would delete 2 of 3"):
        apply_sync(source(git), client, state)
    assert writes(transport) == 0
    assert len(configs(client)) == 3
    run = apply_sync(source(git), client, state, allow_mass_delete=True)
    assert sorted(a.kind for a in run.plan.writes) == ["create", "soft-delete", "soft-delete"]


def test_plan_makes_no_writes(git: Git, counted: tuple[Client, CountingTransport]) -> None:
    client, transport = counted
    git.commit({"agents/a.yaml": GOOD})
    run = plan_sync(source(git), client)
    assert [a.kind for a in run.plan.actions] == ["create"]
    assert writes(transport) == 0


def test_idempotency_keys_make_a_rerun_safe(
    git: Git, server: LocalServer, client: Client, state: SyncState
) -> None:
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": THIRD})
    apply_sync(source(git), client, state)
    git.commit({"agents/a.yaml": None, ".agents/a.yaml": GOOD})
    run = plan_sync(source(git), client)
    from agentsync.sync.apply import apply_plan

    apply_plan(run.plan, client, state)
    apply_plan(run.plan, client, state)  # the same plan again: the server replays the move
    assert list(configs(client, deleted=True)).count(".agents/a.yaml") == 1


def test_the_engine_state_keeps_every_sync_error(
    git: Git, client: Client, state: SyncState
) -> None:
    git.commit({"agents/a.yaml": GOOD, "agents/b.yaml": OTHER})
    apply_sync(source(git), client, state)
    broken = git.commit({"agents/a.yaml": BAD, "agents/new.yaml": BAD})
    apply_sync(source(git), client, state)
    errors = SyncState(state.path).errors(REPO)
    assert {path: e["kind"] for path, e in errors.items()} == {
        "agents/a.yaml": "keep-last-good",
        "agents/new.yaml": "orphan-error",
    }
    assert errors["agents/a.yaml"]["commit"] == broken
    git.commit({"README.md": "unrelated"})
    apply_sync(source(git), client, state)  # still broken: the error keeps its first commit
    assert SyncState(state.path).errors(REPO)["agents/a.yaml"]["commit"] == broken
    git.commit({"agents/a.yaml": GOOD, "agents/new.yaml": None})
    apply_sync(source(git), client, state)
    assert SyncState(state.path).errors(REPO) == {}
