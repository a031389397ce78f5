"""A state machine over a repository's history: each rule commits one change to a real git
repository and applies it to the real local control plane; after every step the control plane
must match a pure model of the expected state (``support.Expected``), and a second plan must
have nothing left to write (the engine is level-triggered)."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from agentsync.sync.engine import apply_sync, plan_sync
from agentsync.sync.sources.git import LocalGitSource
from agentsync.sync.state import SyncState
from tests.localserver.conftest import API_KEY
from tests.sync.support import INVALID_TEXTS, Expected, Git, identity, valid_text

PATHS = (
    "agents/a.yaml",
    "agents/b.yaml",
    "agents/c.yml",
    ".agents/d.yaml",
    "ellipsis/e.yaml",
    ".ellipsis/team/f.yaml",
    "agents/g.yaml",
    "agents/nested/h.yml",
)
_machines = itertools.count()


class SyncMachine(RuleBasedStateMachine):
    def __init__(self, client: Client, base: Path) -> None:
        super().__init__()
        self.client = client
        self.repository = f"acme/machine-{next(_machines)}"  # each example its own repository
        self.directory = Path(tempfile.mkdtemp(dir=base))
        self.git = Git(self.directory / "repo")
        self.source = LocalGitSource(self.git.root, repository=self.repository)
        self.state = SyncState(self.directory / "state.json")
        self.expected = Expected()
        self.head: str | None = None
        self.content = itertools.count()

    def teardown(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    # helpers ----------------------------------------------------------------------------

    def sync(self, files: Mapping[str, str | None], message: str) -> None:
        """Commit the change, apply it (in one go: there are no faults here), update the model."""
        self.head = self.git.commit(files, message)
        for path, text in files.items():
            if text is None:
                del self.expected.files[path]
            else:
                self.expected.files[path] = text
        run = apply_sync(self.source, self.client, self.state, allow_mass_delete=True)
        assert run.result is not None
        assert run.result.ok, run.result.failed
        self.expected.applied()

    def new_text(self) -> str:
        return valid_text(next(self.content))

    def valid(self) -> list[str]:
        return sorted(p for p, text in self.expected.files.items() if identity(text) is not None)

    def invalid(self) -> list[str]:
        return sorted(p for p, text in self.expected.files.items() if identity(text) is None)

    def broken(self) -> list[str]:
        """Invalid files whose config keeps the last good content, with a sync error."""
        return sorted(p for p, c in self.expected.configs.items() if c.error and not c.deleted)

    def free(self) -> list[str]:
        return [path for path in PATHS if path not in self.expected.files]

    # rules ------------------------------------------------------------------------------

    @initialize(count=st.integers(1, 3))
    def start(self, count: int) -> None:
        self.sync({path: self.new_text() for path in PATHS[:count]}, "start")

    @precondition(lambda self: self.free())
    @rule(data=st.data(), broken=st.sampled_from((None, *INVALID_TEXTS)))
    def add(self, data: st.DataObject, broken: str | None) -> None:
        """A new file: valid (create, or restore where a deleted config was) or not (orphan)."""
        path = data.draw(st.sampled_from(self.free()), label="path")
        self.sync({path: broken or self.new_text()}, f"add {path}")

    @precondition(lambda self: self.valid())
    @rule(data=st.data())
    def edit(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self.valid()), label="path")
        self.sync({path: self.new_text()}, f"edit {path}")

    @precondition(lambda self: self.valid())
    @rule(data=st.data(), broken=st.sampled_from(INVALID_TEXTS))
    def break_file(self, data: st.DataObject, broken: str) -> None:
        """The last good config stays in force, with a sync error."""
        path = data.draw(st.sampled_from(self.valid()), label="path")
        self.sync({path: broken}, f"break {path}")

    @precondition(lambda self: self.invalid())
    @rule(data=st.data(), revert=st.booleans())
    def fix(self, data: st.DataObject, revert: bool) -> None:
        """New valid content, or (``revert``) the last good one where a config has it."""
        path = data.draw(st.sampled_from(self.invalid()), label="path")
        config = self.expected.configs.get(path)
        text = config.text if revert and config and not config.deleted else self.new_text()
        self.sync({path: text}, f"fix {path}")

    @precondition(lambda self: self.broken() and self.free())
    @rule(data=st.data())
    def revert_and_rename(self, data: st.DataObject) -> None:
        """A broken file back to its last good content, renamed in the same commit: its config
        moves (where the new path is fresh) and the sync error goes in the same apply."""
        old = data.draw(st.sampled_from(self.broken()), label="from")
        new = data.draw(st.sampled_from(self.free()), label="to")
        self.sync({old: None, new: self.expected.configs[old].text}, f"revert {old} as {new}")

    @precondition(lambda self: self.expected.files and self.free())
    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        """Content unchanged: a valid file's config moves (same id), unless a deleted config
        waits at the new path (then that one is restored and the old one deleted)."""
        old = data.draw(st.sampled_from(sorted(self.expected.files)), label="from")
        new = data.draw(st.sampled_from(self.free()), label="to")
        before = self.expected.configs.get(old)
        fresh = new not in self.expected.configs
        moves = before is not None and not before.deleted and not before.error and fresh
        self.sync({old: None, new: self.expected.files[old]}, f"rename {old} {new}")
        if moves:
            assert before is not None
            assert self.expected.configs[new] is before  # the model moved it; check() checks it
            assert before.id is not None

    @precondition(lambda self: self.valid() and self.free())
    @rule(data=st.data())
    def rename_and_edit(self, data: st.DataObject) -> None:
        """Not a move: the old config is deleted and a new one made (or a deleted one restored)."""
        old = data.draw(st.sampled_from(self.valid()), label="from")
        new = data.draw(st.sampled_from(self.free()), label="to")
        self.sync({old: None, new: self.new_text()}, f"rename and edit {old} {new}")
        assert self.expected.configs[old].deleted

    @precondition(lambda self: self.expected.files)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(sorted(self.expected.files)), label="path")
        self.sync({path: None}, f"delete {path}")

    # invariants -------------------------------------------------------------------------

    @invariant()
    def control_plane_matches_the_model(self) -> None:
        self.expected.check(
            self.client, self.repository, state=SyncState(self.state.path), commit=self.head
        )

    @invariant()
    def a_second_plan_writes_nothing(self) -> None:
        if self.head is not None:
            plan = plan_sync(self.source, self.client, allow_mass_delete=True).plan
            assert plan.writes == (), plan.writes


def test_sync_state_machine(server: LocalServer, tmp_path: Path) -> None:
    with Client(server.url, API_KEY) as client:
        run_state_machine_as_test(
            lambda: SyncMachine(client, tmp_path),
            settings=settings(
                max_examples=15,
                stateful_step_count=8,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )


def test_renaming_a_broken_file_back_to_its_last_good_content_clears_the_error(
    server: LocalServer, tmp_path: Path
) -> None:
    """A config whose file broke, then renamed and reverted in one commit: the plan moves the
    config (its last good identity matches the new file) and rewrites it, which clears the
    sync error in the same apply (found by the state machine; the plan once left it stale)."""
    with Client(server.url, API_KEY) as client:
        machine = SyncMachine(client, tmp_path)
        try:
            machine.start(2)
            machine.sync({PATHS[0]: INVALID_TEXTS[0]}, "break")
            good = machine.expected.configs[PATHS[0]].text
            machine.sync({PATHS[0]: None, PATHS[5]: good}, "rename and revert")
            machine.a_second_plan_writes_nothing()
            machine.control_plane_matches_the_model()
        finally:
            machine.teardown()
