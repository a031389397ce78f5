"""The sync state file's format version: 0.1.0's file (no version) and the version-1 file of
the release before checkouts were recorded read back unchanged and are written back at the
current version; a newer file, or one that is not a state file, is refused in one line and
left as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from agentsync.sync.state import STATE_UPGRADES, STATE_VERSION, StateError, SyncState
from tests.conftest import FIXTURES

RELEASE_0_1_0 = FIXTURES / "upgrade" / "0.1.0"
# Version 1, as SyncState wrote it at commit a55c7ee (before checkouts were recorded).
VERSION_1 = FIXTURES / "upgrade" / "a55c7ee" / "sync-state.json"


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    shutil.copy(RELEASE_0_1_0 / "sync-state.json", tmp_path / "sync-state.json")
    return tmp_path / "sync-state.json"


def test_every_version_has_an_upgrade_step() -> None:
    assert len(STATE_UPGRADES) == STATE_VERSION


def test_a_0_1_0_state_file_reads_back_unchanged(state_file: Path) -> None:
    written = json.loads(state_file.read_text())
    assert "version" not in written
    state = SyncState(state_file)
    entry = written["repositories"]["acme/example"]
    assert state.errors("acme/example") == entry["errors"]
    assert set(state.orphans("acme/example")) == {"agents/broken-new.yaml"}
    assert state.last_apply("acme/example") == entry["last_apply"]


def test_a_0_1_0_state_file_is_saved_with_its_version(state_file: Path) -> None:
    before = json.loads(state_file.read_text())
    SyncState(state_file).save()
    after = json.loads(state_file.read_text())
    assert after == {**before, "version": STATE_VERSION, "checkouts": {}}
    assert (
        SyncState(state_file).errors("acme/example")
        == before["repositories"]["acme/example"]["errors"]
    )


def test_a_new_state_file_is_versioned(tmp_path: Path) -> None:
    state = SyncState(tmp_path / "state" / "sync-state.json")
    state.record_apply("acme/app", "c0ffee", "applied")
    state.save()
    saved = json.loads((tmp_path / "state" / "sync-state.json").read_text())
    assert saved["version"] == STATE_VERSION


def test_a_newer_state_file_is_refused_and_kept(state_file: Path) -> None:
    newer = {"version": STATE_VERSION + 1, "repositories": {}, "something": "new"}
    state_file.write_text(json.dumps(newer))
    with pytest.raises(StateError) as refused:
        SyncState(state_file)
    message = str(refused.value)
    assert "\n" not in message
    assert f"version {STATE_VERSION + 1}, newer than this agentsync's version {STATE_VERSION}" in (
        message
    )
    assert json.loads(state_file.read_text()) == newer


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("[1, 2]", "not a sync state file"),
        ('{"repositories": []}', "not a sync state file"),
        ('{"version": "two", "repositories": {}}', "invalid version"),
        ('{"version": -1, "repositories": {}}', "invalid version"),
        ("{", "cannot read the sync state"),
        (None, "cannot read the sync state: is a directory$"),
        ("[" * 100_000 + "]" * 100_000, "cannot read the sync state"),  # past the JSON parser
    ],
)
def test_a_state_file_that_is_not_one_is_refused(
    state_file: Path, content: str | None, why: str
) -> None:
    if content is None:  # a directory in its place
        state_file.unlink()
        state_file.mkdir()
    else:
        state_file.write_text(content)
    with pytest.raises(StateError, match=why):
        SyncState(state_file)
    assert state_file.is_dir() if content is None else state_file.read_text() == content


ROOT = "1" * 40


@pytest.mark.parametrize(
    ("document", "why"),
    [
        ({"acme/app": []}, "repositories['acme/app'] is a list, not an object"),
        ({"acme/app": {"errors": []}}, "repositories['acme/app'].errors is a list, not an object"),
        ({"acme/app": {"errors": {"agents/a.yaml": 5}}}, "errors['agents/a.yaml'] is a number"),
        ({"acme/app": {"errors": {"agents/a.yaml": {}}}}, "errors['agents/a.yaml'].kind is null"),
        ({"acme/app": {"last_apply": "x"}}, "last_apply is a string, not an object"),
        ({"checkouts": []}, "checkouts is a list, not an object"),
        ({"checkouts": {ROOT: "acme/app"}}, f"checkouts['{ROOT}'] is a string, not an object"),
        ({"checkouts": {ROOT: {"at": 1}}}, f"checkouts['{ROOT}'].repository is null"),
    ],
)
def test_a_state_file_of_the_wrong_shape_is_refused_naming_where(
    state_file: Path, document: dict[str, object], why: str
) -> None:
    """A hand-edited file whose parts are of the wrong kind: status, plan and apply said
    "internal error: AttributeError: 'list' object has no attribute 'get'" (exit 3)."""
    if "checkouts" in document:
        content = {"version": STATE_VERSION, "repositories": {}, **document}
    else:
        content = {"version": STATE_VERSION, "repositories": document}
    state_file.write_text(json.dumps(content))
    with pytest.raises(StateError) as refused:  # it was read, and its readers raised
        SyncState(state_file)
    assert str(refused.value).startswith(f"{state_file}: not a sync state file: ")
    assert why in str(refused.value)
    assert json.loads(state_file.read_text()) == content


def test_a_version_1_state_file_upgrades_losing_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sync-state.json"
    shutil.copy(VERSION_1, path)
    before = json.loads(path.read_text())
    assert before["version"] == 1
    assert "checkouts" not in before
    state = SyncState(path)
    for name, entry in before["repositories"].items():
        assert state.errors(name) == entry["errors"]
        assert state.last_apply(name) == entry["last_apply"]
    assert state.checkout_name(("a" * 40,)) is None  # nothing recorded yet
    state.save()
    after = json.loads(path.read_text())
    assert after == {**before, "version": STATE_VERSION, "checkouts": {}}


def test_a_checkout_is_known_by_any_of_its_root_commits(tmp_path: Path) -> None:
    path = tmp_path / "sync-state.json"
    state = SyncState(path)
    state.record_checkout(("1" * 40, "2" * 40), "acme/app")
    state.save()
    reread = SyncState(path)
    assert reread.checkout_name(("2" * 40,)) == "acme/app"  # a history merged into another
    assert reread.checkout_name(("2" * 40, "3" * 40)) == "acme/app"
    assert reread.checkout_name(("3" * 40,)) is None
    reread.record_checkout(("2" * 40,), "acme/renamed")
    assert reread.checkout_name(("1" * 40, "2" * 40)) == "acme/renamed"  # the latest record


def test_a_state_that_cannot_be_saved_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    """A directory put where the state file goes after it was read: the apply's last step
    stopped with "internal error: IsADirectoryError", and left its temporary file behind."""
    path = tmp_path / "sync-state.json"
    state = SyncState(path)
    state.record_apply("acme/app", "c0ffee", "applied")
    (path / "kept").mkdir(parents=True)
    with pytest.raises(StateError) as refused:
        state.save()
    assert str(refused.value) == f"{path}: cannot save the sync state: is a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sync-state.json"]
    assert [p.name for p in path.iterdir()] == ["kept"]
