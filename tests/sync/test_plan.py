"""The plan as a pure function: one test per row of the config reference's "Validation and
sync behavior" table, plus renames, restores, errors that persist or clear, ordering and the
delete guards."""

from __future__ import annotations

from typing import Any

from agentsync.client.records import AgentConfigRecord, SyncError
from agentsync.sync.desired import desired_files
from agentsync.sync.model import DesiredFile, FieldChange, Snapshot
from agentsync.sync.plan import field_diff, make_plan

REPO = "acme/app"
GOOD = "ellipsis: {version: v1}\nclaude:\n  system: Review the diff.\n"
GOOD_EDITED = "ellipsis: {version: v1}\nclaude:\n  system: Review the diff twice.\n"
BAD = "ellipsis: {version: v2}\nclaude:\n  system: Review the diff.\n"
NOT_AGENT = "snippets:\n  tone: brief\n"


def desired(files: dict[str, str]) -> dict[str, DesiredFile]:
    snapshot = Snapshot(
        REPO, "c" * 40, "HEAD", "main", True, {p: t.encode() for p, t in files.items()}
    )
    return desired_files(snapshot)


def record(
    path: str, text: str, *, deleted: bool = False, error: SyncError | None = None
) -> AgentConfigRecord:
    file = desired({path: text})[path]
    assert file.status == "valid"
    return AgentConfigRecord(
        id=f"agent_{abs(hash(path)) % 10**8}",
        customer_id="cust",
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:00:00Z",
        deleted=deleted,
        agent_config=file.agent_config or {},
        repository=REPO,
        path=path,
        sha=file.identity or "",
        yaml=text,
        sync_error=error,
    )


def kinds(
    files: dict[str, str], actual: list[AgentConfigRecord], **kwargs: Any
) -> list[tuple[str, str]]:
    plan = make_plan(REPO, "c" * 40, desired(files), actual, **kwargs)
    return [(a.kind, a.path) for a in plan.actions]


# the config reference's table, row by row ------------------------------------------------


def test_no_ellipsis_block_is_ignored() -> None:
    assert kinds({"agents/notes.yaml": NOT_AGENT}, []) == [("ignore", "agents/notes.yaml")]


def test_unsupported_version_new_file_is_an_orphan_error() -> None:
    plan = make_plan(REPO, "c" * 40, desired({"agents/a.yaml": BAD}), [])
    (action,) = plan.actions
    assert (action.kind, action.config_id) == ("orphan-error", None)
    assert [d["rule"] for d in action.diagnostics] == ["version"]


def test_empty_yaml_is_invalid() -> None:
    plan = make_plan(REPO, "c" * 40, desired({"agents/empty.yaml": ""}), [])
    assert [d["rule"] for d in plan.actions[0].diagnostics] == ["system-prompt"]


def test_whitespace_system_prompt_is_invalid() -> None:
    text = "ellipsis: {}\ntriggers: [{type: cron, schedule: '0 9 * * *'}]\nclaude: {system: '  '}\n"
    assert kinds({"agents/a.yaml": text}, []) == [("orphan-error", "agents/a.yaml")]


def test_invalid_cron_is_invalid() -> None:
    text = "ellipsis: {}\ntriggers: [{type: cron, schedule: '61 * * * *'}]\nclaude: {system: x}\n"
    assert kinds({"agents/a.yaml": text}, []) == [("orphan-error", "agents/a.yaml")]


def test_branches_on_a_non_push_event_is_invalid() -> None:
    text = (
        "ellipsis: {}\ntriggers: [{type: react, events: [{event: issue_open, branches: [main]}]}]\n"
        "claude: {system: x}\n"
    )
    assert kinds({"agents/a.yaml": text}, []) == [("orphan-error", "agents/a.yaml")]


def test_new_valid_file_is_created() -> None:
    plan = make_plan(REPO, "c" * 40, desired({"agents/a.yaml": GOOD}), [])
    (action,) = plan.actions
    assert (action.kind, action.text) == ("create", GOOD)


def test_existing_file_becoming_invalid_keeps_the_last_good_config() -> None:
    existing = record("agents/a.yaml", GOOD)
    plan = make_plan(REPO, "c" * 40, desired({"agents/a.yaml": BAD}), [existing])
    (action,) = plan.actions
    assert (action.kind, action.config_id) == ("keep-last-good", existing.id)
    assert action.diagnostics


def test_removed_file_is_soft_deleted() -> None:
    keep = record("agents/keep.yaml", GOOD_EDITED)
    gone = record("agents/gone.yaml", GOOD)
    assert kinds({"agents/keep.yaml": GOOD_EDITED}, [keep, gone]) == [
        ("soft-delete", "agents/gone.yaml"),
        ("unchanged", "agents/keep.yaml"),
    ]


# beyond the table ---------------------------------------------------------------------------


def test_unchanged_and_update_with_a_field_diff() -> None:
    existing = record("agents/a.yaml", GOOD)
    assert kinds({"agents/a.yaml": GOOD}, [existing]) == [("unchanged", "agents/a.yaml")]
    plan = make_plan(REPO, "c" * 40, desired({"agents/a.yaml": GOOD_EDITED}), [existing])
    (action,) = plan.actions
    assert action.kind == "update"
    assert action.diff == (
        FieldChange("claude.system", "Review the diff.", "Review the diff twice."),
    )


def test_formatting_only_changes_are_unchanged() -> None:
    existing = record("agents/a.yaml", GOOD)
    reformatted = "# a comment\nclaude:\n  system: 'Review the diff.'\nellipsis:\n  version: v1\n"
    assert kinds({"agents/a.yaml": reformatted}, [existing]) == [("unchanged", "agents/a.yaml")]


def test_rename_with_unchanged_content_is_a_move() -> None:
    existing = record("agents/old.yaml", GOOD)
    plan = make_plan(REPO, "c" * 40, desired({"agents/new.yaml": GOOD}), [existing])
    (action,) = plan.actions
    assert (action.kind, action.config_id, action.from_path) == (
        "move",
        existing.id,
        "agents/old.yaml",
    )


def test_rename_plus_edit_is_a_delete_and_a_create() -> None:
    existing = record("agents/old.yaml", GOOD)
    assert kinds({"agents/new.yaml": GOOD_EDITED}, [existing], allow_mass_delete=True) == [
        ("create", "agents/new.yaml"),
        ("soft-delete", "agents/old.yaml"),
    ]


def test_readded_file_is_restored() -> None:
    deleted = record("agents/a.yaml", GOOD, deleted=True)
    assert kinds({"agents/a.yaml": GOOD}, [deleted]) == [("restore", "agents/a.yaml")]


def test_invalid_file_at_a_deleted_config_is_an_orphan() -> None:
    deleted = record("agents/a.yaml", GOOD, deleted=True)
    assert kinds({"agents/a.yaml": BAD}, [deleted]) == [("orphan-error", "agents/a.yaml")]


def test_the_same_error_is_recorded_once() -> None:
    file = desired({"agents/a.yaml": BAD})["agents/a.yaml"]
    error = SyncError(message="x", commit="c", diagnostics=list(file.diagnostics), created_at="t")
    existing = record("agents/a.yaml", GOOD, error=error)
    assert kinds({"agents/a.yaml": BAD}, [existing]) == [("unchanged", "agents/a.yaml")]


def test_a_fixed_file_clears_its_error_even_with_the_last_good_content() -> None:
    error = SyncError(message="x", commit="c", diagnostics=[{"rule": "version"}], created_at="t")
    existing = record("agents/a.yaml", GOOD, error=error)
    assert kinds({"agents/a.yaml": GOOD}, [existing]) == [("update", "agents/a.yaml")]


def test_a_file_that_loses_its_ellipsis_block_is_deleted() -> None:
    existing = [record("agents/a.yaml", GOOD), record("agents/b.yaml", GOOD_EDITED)]
    files = {"agents/a.yaml": NOT_AGENT, "agents/b.yaml": GOOD_EDITED}
    assert kinds(files, existing) == [
        ("soft-delete", "agents/a.yaml"),
        ("unchanged", "agents/b.yaml"),
        ("ignore", "agents/a.yaml"),
    ]


def test_writes_come_in_a_safe_order() -> None:
    actual = [
        record(f"agents/{n}.yaml", GOOD if n == "m" else GOOD_EDITED + f"#{n}\n") for n in "mxyz"
    ]
    files = {
        "agents/moved.yaml": GOOD,  # m moved here
        "agents/new.yaml": GOOD_EDITED.replace("twice", "thrice"),
        "agents/x.yaml": GOOD_EDITED + "#x\n",
        "agents/y.yaml": BAD,
        "agents/z.yaml": GOOD_EDITED + "#z\n",
    }
    order = [kind for kind, _ in kinds(files, actual)]
    assert order == ["move", "create", "keep-last-good", "unchanged", "unchanged"]


# never a mass delete by accident ----------------------------------------------------------


def test_deleting_more_than_half_is_blocked_unless_allowed() -> None:
    actual = [record(f"agents/{n}.yaml", GOOD_EDITED + f"#{n}\n") for n in "abc"]
    blocked = make_plan(REPO, "c" * 40, desired({"agents/a.yaml": GOOD_EDITED + "#a\n"}), actual)
    assert blocked.count("soft-delete") == 2
    assert "would delete 2 of 3 configs" in blocked.blocked[0]
    allowed = make_plan(
        REPO,
        "c" * 40,
        desired({"agents/a.yaml": GOOD_EDITED + "#a\n"}),
        actual,
        allow_mass_delete=True,
    )
    assert allowed.blocked == ()


def test_an_empty_tree_never_deletes_everything_silently() -> None:
    actual = [record("agents/a.yaml", GOOD)]
    assert make_plan(REPO, "c" * 40, {}, actual).blocked


def test_an_incomplete_tree_blocks_deletes_even_when_allowed() -> None:
    actual = [record(f"agents/{n}.yaml", GOOD_EDITED + f"#{n}\n") for n in "abcd"]
    files = desired({f"agents/{n}.yaml": GOOD_EDITED + f"#{n}\n" for n in "abc"})
    plan = make_plan(REPO, "c" * 40, files, actual, tree_complete=False, allow_mass_delete=True)
    assert "read incompletely" in plan.blocked[0]
    quiet = make_plan(
        REPO,
        "c" * 40,
        files | desired({"agents/d.yaml": GOOD_EDITED + "#d\n"}),
        actual,
        tree_complete=False,
    )
    assert quiet.blocked == ()  # nothing to delete: an incomplete read may still create/update


def test_field_diff() -> None:
    before = {"a": 1, "b": {"c": [1, 2]}, "l": [{"n": "x"}]}
    after = {"a": 1, "b": {"c": [1, 3]}, "l": [{"n": "y"}], "d": True}
    assert field_diff(before, after) == (
        FieldChange("b.c", [1, 2], [1, 3]),
        FieldChange("d", None, True),
        FieldChange("l[0].n", "x", "y"),
    )


GITHUB_TOKEN = "ghp_" + "a1B2c3D4e5" * 4  # the shape of a GitHub token: ghp_ and 36+ characters


def test_a_secret_field_keeps_no_value_only_whether_it_was_set_changed_or_removed() -> None:
    before = {
        "sandbox": {"variables": [{"name": "DB_URL", "value": "postgres://app:PW1@db/app"}]},
        "mcp_servers": [{"name": "x", "env": {"API_TOKEN": "old"}}],
    }
    after = {
        "sandbox": {"variables": [{"name": "DB_URL", "value": "postgres://app:PW2@db/app"}]},
        "mcp_servers": [{"name": "x", "env": {"LOG_LEVEL": "info"}}],
    }
    assert field_diff(before, after) == (
        FieldChange("mcp_servers[0].env.API_TOKEN", "********", None, hidden=True),
        FieldChange("mcp_servers[0].env.LOG_LEVEL", None, "********", hidden=True),
        FieldChange("sandbox.variables[0].value", "********", "********", hidden=True),
    )
    assert [c.change for c in field_diff(before, after)] == ["removed", "set", "changed"]


def test_a_token_in_any_other_field_is_masked() -> None:
    before = {"claude": {"system": f"Use {GITHUB_TOKEN}."}}
    after = {"claude": {"system": f"Use {GITHUB_TOKEN} twice."}}
    (change,) = field_diff(before, after)
    assert change == FieldChange("claude.system", "Use ********.", "Use ******** twice.")
    (change,) = field_diff(before, {"claude": {"system": f"Use {GITHUB_TOKEN}0."}})
    assert change == FieldChange("claude.system", "********", "********", hidden=True)


def test_a_move_of_a_config_with_a_sync_error_also_clears_it() -> None:
    error = SyncError(message="x", commit="c", diagnostics=[{"rule": "version"}], created_at="t")
    broken = record("agents/old.yaml", GOOD, error=error)
    plan = make_plan(REPO, "c" * 40, desired({"agents/new.yaml": GOOD}), [broken])
    assert [(a.kind, a.path, a.config_id) for a in plan.actions] == [
        ("move", "agents/new.yaml", broken.id),
        ("update", "agents/new.yaml", broken.id),
    ]
