"""Fault injection: the engine converges through an unreliable network.

A real reverse proxy on loopback sits between the client and the real local control plane and,
for about 30% of the calls (a seeded RNG picks them), answers 500, or 429 with
``Retry-After: 0``, without forwarding; or forwards and then resets the connection before
answering, so the write happens but the client never learns. Every commit of a repository's
history is applied until an apply succeeds; the control plane, read through a fault-free client,
must then hold exactly what the repository says.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.client.errors import Conflict, ControlPlaneError
from agentsync.client.records import AgentConfigRecord
from agentsync.localserver.server import LocalServer
from agentsync.localserver.store import ConfigQuery, SQLiteStore
from agentsync.service.previews import plan_preview
from agentsync.sync.apply import SyncBlocked
from agentsync.sync.engine import apply_sync
from agentsync.sync.sources.git import LocalGitSource
from agentsync.sync.state import SyncState
from tests.localserver.conftest import API_KEY
from tests.sync.support import FAULTS, INVALID_TEXTS, Expected, FaultProxy, Git, valid_text

REPO = "acme/app"
MAX_APPLIES = 10


def converge(source: LocalGitSource, client: Client, state: SyncState) -> int:
    """Apply until an apply succeeds; return the number of applies it took."""
    failures: list[str] = []
    for attempt in range(1, MAX_APPLIES + 1):
        try:
            run = apply_sync(source, client, state)
        except ControlPlaneError as error:  # the listing or the final commit write gave up
            failures.append(str(error))
            continue
        assert run.result is not None
        if run.result.ok:
            return attempt
        failures.extend(message for _, message in run.result.failed)
    pytest.fail(f"no apply succeeded in {MAX_APPLIES} attempts: {failures}")


@pytest.mark.parametrize("seed", [7, 2024])
def test_apply_converges_through_injected_faults(
    seed: int, tmp_path: Path, server: LocalServer, direct: Client
) -> None:
    git = Git(tmp_path / "repo")
    source = LocalGitSource(git.root, repository=REPO)
    state = SyncState(tmp_path / "state.json")
    expected = Expected()
    applies: list[int] = []
    content = iter(range(1000))

    with (
        FaultProxy(server.url, seed=seed, fault_rate=0.3) as proxy,
        Client(proxy.url, API_KEY, sleep=lambda _: None) as client,
    ):

        def commit(files: Mapping[str, str | None], message: str) -> None:
            head = git.commit(files, message)
            for path, text in files.items():
                if text is None:
                    del expected.files[path]
                else:
                    expected.files[path] = text
            applies.append(converge(source, client, state))
            expected.applied()
            expected.check(direct, REPO, state=SyncState(state.path), commit=head)

        def ids(*paths: str) -> list[str | None]:
            return [expected.configs[path].id for path in paths]

        paths = [f"agents/c{n:02}.yaml" for n in range(20)]
        commit({path: valid_text(next(content)) for path in paths} | {"README.md": "hi"}, "add")
        commit({path: valid_text(next(content)) for path in paths[:5]}, "edit five")
        commit(
            {paths[5]: INVALID_TEXTS[0], paths[6]: INVALID_TEXTS[1], paths[7]: INVALID_TEXTS[2]}
            | {"agents/new.yaml": INVALID_TEXTS[0]},
            "break three, add a broken one",
        )
        assert all(expected.configs[path].error for path in paths[5:8])
        assert sorted(state.orphans(REPO)) == ["agents/new.yaml"]
        commit(
            {path: valid_text(next(content)) for path in [paths[5], paths[6], "agents/new.yaml"]},
            "fix two, and the new one",
        )
        assert state.orphans(REPO) == {}
        before = ids(*paths[8:12])
        renamed = [".ellipsis/r08.yaml", ".agents/r09.yaml", "agents/sub/r10.yml"]
        moves = dict(zip(paths[8:11], renamed, strict=True))
        commit(
            dict.fromkeys(paths[8:12])  # removed
            | {new: expected.files[old] for old, new in moves.items()}
            | {"agents/r11.yaml": valid_text(next(content))},
            "rename three, rename and edit one",
        )
        assert ids(*renamed) == before[:3]  # the same agents
        assert ids("agents/r11.yaml") != [before[3]]  # a new agent; the old one is deleted
        assert expected.configs[paths[11]].deleted
        deleted = ids(paths[12])
        commit(dict.fromkeys(paths[12:16]), "delete four")  # None: removed
        commit({paths[12]: valid_text(next(content)), paths[16]: valid_text(next(content))}, "add")
        assert ids(paths[12]) == deleted  # restored, not recreated

    # Faults of every kind happened, and some writes took effect unbeknown to the client.
    assert all(proxy.injected[kind] > 0 for kind in FAULTS), proxy.injected
    assert proxy.dropped_writes > 0
    assert len(applies) == 7


def test_a_listing_of_other_repositories_configs_is_refused(
    tmp_path: Path, server: LocalServer, direct: Client
) -> None:
    """A control plane that ignores the listing's repository filter: the plan took the other
    repositories' configs for this one's, and soft-deleted them by id (moved them, updated
    them) whenever fewer than half would go; now nothing is planned and nothing is written."""
    other = Git(tmp_path / "other")
    other.commit({"agents/other.yaml": valid_text(0)})
    apply_sync(
        LocalGitSource(other.root, repository="acme/other"), direct, SyncState(tmp_path / "o")
    )
    git = Git(tmp_path / "repo")
    git.commit({f"agents/c{n}.yaml": valid_text(n) for n in range(1, 4)})
    source, state = LocalGitSource(git.root, repository=REPO), SyncState(tmp_path / "state.json")
    apply_sync(source, direct, state)
    git.commit({"agents/c4.yaml": valid_text(4)})
    with (
        FaultProxy(server.url, drop_query=("repository",)) as proxy,
        Client(proxy.url, API_KEY) as client,
    ):
        with pytest.raises(SyncBlocked, match=r"other repositories too \(acme/other\)"):
            apply_sync(source, client, state)
        assert plan_preview(source, client, REPO).retryable is False  # agent serve's, too
    assert proxy.writes() == []
    (kept,) = direct.iter_sync_configs(repository="acme/other", include_deleted=True)
    assert (kept.path, kept.deleted) == ("agents/other.yaml", False)


def test_a_commit_the_control_plane_will_not_record_keeps_the_sync_errors(
    tmp_path: Path, direct: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every write went through, then recording the applied commit failed: the apply stopped
    with the bare error ("gave up after 5 attempts: boom") and without saving the state file,
    so the new file's orphan error was never kept; now the error says what failed, the state
    file holds the orphan, and a re-run records the commit."""

    def refuse(*_: object) -> None:
        raise Conflict("boom")

    git = Git(tmp_path / "repo")
    commit = git.commit({"agents/good.yaml": valid_text(1), "agents/bad.yaml": INVALID_TEXTS[0]})
    source, state_file = LocalGitSource(git.root, repository=REPO), tmp_path / "state.json"
    monkeypatch.setattr(SQLiteStore, "set_repository_commit", refuse)
    with pytest.raises(Conflict) as refused:
        apply_sync(source, direct, SyncState(state_file))
    assert str(refused.value).startswith(
        f"every write went through, but the control plane did not record {commit[:12]} as the "
        f"last applied commit of {REPO} (re-run to retry): boom"
    )
    assert set(SyncState(state_file).orphans(REPO)) == {"agents/bad.yaml"}
    assert [c.path for c in direct.iter_sync_configs(repository=REPO)] == ["agents/good.yaml"]
    monkeypatch.undo()
    assert apply_sync(source, direct, SyncState(state_file)).plan.writes == ()
    assert direct.get_repository_commit(REPO) == commit


def test_a_listing_that_never_ends_stops_in_one_line(
    tmp_path: Path, direct: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A control plane whose next page is always the first (it ignores the cursor): the sync
    paged forever, holding every page in memory; now it stops at the second sending of a
    cursor, before any plan."""
    git = Git(tmp_path / "repo")
    git.commit({f"agents/c{n}.yaml": valid_text(n) for n in range(3)})
    source = LocalGitSource(git.root, repository=REPO)
    apply_sync(source, direct, SyncState(tmp_path / "state.json"))
    original = SQLiteStore.list_configs

    def stuck(store: SQLiteStore, query: ConfigQuery) -> list[AgentConfigRecord]:
        return original(store, dataclasses.replace(query, after_id=None))

    monkeypatch.setattr(SQLiteStore, "list_configs", stuck)
    listing = direct.iter_sync_configs(repository=REPO, page_size=2)
    with pytest.raises(ControlPlaneError) as endless:
        list(itertools.islice(listing, 1000))
    assert str(endless.value).endswith("a second time: stopped paging (it would never end)")
    assert not endless.value.retryable


def test_once_the_control_plane_cannot_be_reached_the_rest_is_not_sent(
    tmp_path: Path, server: LocalServer, direct: Client
) -> None:
    """The control plane went away after the first write: each of the other writes spent its
    own retries on it (a dead control plane held an apply of 100 changes for minutes). Now the
    first to give up stops the rest, each failed saying why, and a re-run applies them all."""
    git = Git(tmp_path / "repo")
    commit = git.commit({f"agents/c{n}.yaml": valid_text(n) for n in range(6)})
    source, state = LocalGitSource(git.root, repository=REPO), SyncState(tmp_path / "s.json")
    waits: list[float] = []
    with FaultProxy(server.url) as proxy, Client(proxy.url, API_KEY, sleep=waits.append) as client:

        def after(_: object) -> None:
            proxy.close()  # from the first write on, nothing listens

        run = apply_sync(source, client, state, progress=after)
    assert run.result is not None
    (_, first_error), *rest = run.result.failed
    assert "cannot reach the control plane" in first_error
    assert [why for _, why in rest] == [
        "not sent: the control plane could not be reached for an earlier write (re-run)"
    ] * 4
    assert len(run.result.done) == 1
    assert len(waits) <= 4  # the retries of one write, not of five
    again = apply_sync(source, direct, state).result
    assert again is not None
    assert again.ok
    assert len(list(direct.iter_sync_configs(repository=REPO))) == 6
    assert direct.get_repository_commit(REPO) == commit


def test_a_write_answered_with_an_error_does_not_stop_the_others(
    tmp_path: Path, direct: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A control plane that answers 500 for one config (a bug its content sets off) was reached:
    the writes after it are still sent, and only that one fails."""
    from agentsync.localserver import configs

    original = configs.validate_yaml

    def validate_yaml(text: str, path: str = "<request>") -> object:
        if path == "agents/c0.yaml":
            raise RuntimeError("a bug of the control plane")
        return original(text, path)

    monkeypatch.setattr("agentsync.localserver.configs.validate_yaml", validate_yaml)
    git = Git(tmp_path / "repo")
    git.commit({f"agents/c{n}.yaml": valid_text(n) for n in range(4)})
    source, state = LocalGitSource(git.root, repository=REPO), SyncState(tmp_path / "s.json")
    with Client(direct.base_url, API_KEY, sleep=lambda _: None) as client:
        run = apply_sync(source, client, state)
    assert run.result is not None
    assert [action.path for action, _ in run.result.failed] == ["agents/c0.yaml"]
    assert len(run.result.done) == 3
