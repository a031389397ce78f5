"""The plan: a pure function from the desired state (the repository at a commit) and the
actual state (the control plane's configs of that repository) to ordered actions.

The config reference's validation and sync table, path by path:

- a new valid file: ``create``; a changed content identity: ``update``; the same: ``unchanged``;
- a valid file where a soft-deleted config was: ``restore``;
- a file renamed with its content unchanged: ``move`` (same config id, history and schedule);
  a rename plus an edit is a ``soft-delete`` of the old path and a ``create`` of the new one;
- an existing config whose file turned invalid: ``keep-last-good`` (the sync error is recorded
  once; the same error again is ``unchanged``);
- a new invalid file: ``orphan-error`` (no agent is created; the engine keeps the error);
- a removed file, or one that lost its ``ellipsis:`` block: ``soft-delete``;
- a YAML file without an ``ellipsis:`` block: ``ignore``.

``--adopt`` (``agentsync.sync.identity``) adds, after everything else, a ``soft-delete`` of each
live config of the checkout's previous repository name (:func:`with_adopted`).

Deletes come last, and a plan that would delete on an incomplete read, or more than half of the
repository's configs, is blocked unless mass deletion is allowed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from agentsync.client.records import AgentConfigRecord
from agentsync.config.problems import ConfigPath
from agentsync.config.secrets import MASK, is_secret_path, mask_data, mask_secrets
from agentsync.lint.diagnostic import format_path
from agentsync.plural import plural
from agentsync.sync.model import Action, ActionKind, DesiredFile, FieldChange, Plan

_ORDER = {
    kind: index
    for index, kind in enumerate(
        ["move", "restore", "create", "update", "keep-last-good", "orphan-error",
         "soft-delete", "unchanged", "ignore"]
    )
}  # fmt: skip


def _flatten(value: Any, path: ConfigPath = ()) -> Iterator[tuple[ConfigPath, Any]]:
    if isinstance(value, dict) and value:
        for key in sorted(value):
            yield from _flatten(value[key], (*path, str(key)))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            yield from _flatten(item, (*path, index))
    else:
        yield path, value


def _field_change(path: ConfigPath, before: Any, after: Any) -> FieldChange:
    """The change of one field, with no secret in it."""
    field = mask_secrets(format_path(path))  # a key can be a token, too
    if is_secret_path(path) and any(side not in (None, [], {}) for side in (before, after)):
        return FieldChange(field, _present(before), _present(after), hidden=True)
    shown_before, shown_after = mask_data(before), mask_data(after)
    if shown_before == shown_after:  # they differ only in a secret
        return FieldChange(field, _present(before), _present(after), hidden=True)
    return FieldChange(field, shown_before, shown_after)


def _present(value: Any) -> str | None:
    return None if value is None else MASK


def field_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    """Every field that differs (missing: None), in path order; secrets never in them."""
    old, new = dict(_flatten(dict(before))), dict(_flatten(dict(after)))
    return tuple(
        _field_change(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys(), key=format_path)
        if old.get(path) != new.get(path)
    )


def _same_error(record: AgentConfigRecord, desired: DesiredFile) -> bool:
    error = record.sync_error
    return error is not None and tuple(error.diagnostics) == desired.diagnostics


def _file_action(
    desired: DesiredFile, record: AgentConfigRecord | None, moved_from: AgentConfigRecord | None
) -> Action:
    path = desired.path
    if desired.status == "ignored":
        return Action("ignore", path)
    if desired.status == "invalid":
        if record is None or record.deleted:
            return Action("orphan-error", path, diagnostics=desired.diagnostics)
        kind: ActionKind = "unchanged" if _same_error(record, desired) else "keep-last-good"
        return Action(kind, path, record.id, diagnostics=desired.diagnostics)
    identity, text, data = desired.identity, desired.text, desired.agent_config or {}
    if moved_from is not None:
        return Action("move", path, moved_from.id, moved_from.path, identity)
    if record is None:
        return Action("create", path, identity=identity, text=text)
    diff = field_diff(record.agent_config, data)
    if record.deleted:
        return Action("restore", path, record.id, identity=identity, diff=diff, text=text)
    if record.sha != identity or record.sync_error is not None:
        return Action("update", path, record.id, identity=identity, diff=diff, text=text)
    return Action("unchanged", path, record.id, identity=identity)


def _trigger_types(agent_config: Mapping[str, Any]) -> tuple[str, ...]:
    """The distinct trigger types of a stored config, in the order it lists them."""
    triggers = agent_config.get("triggers")
    types = [t.get("type") for t in triggers or () if isinstance(t, dict)]
    return tuple(dict.fromkeys(str(kind) for kind in types if kind))


def _soft_delete(record: AgentConfigRecord, repository: str | None = None) -> Action:
    return Action(
        "soft-delete",
        record.path or "",
        record.id,
        triggers=_trigger_types(record.agent_config),
        repository=repository,
    )


def with_adopted(plan: Plan, repository: str, configs: Sequence[AgentConfigRecord]) -> Plan:
    """``plan`` followed by the soft-delete of each of ``repository``'s live ``configs`` (in
    path order): ``--adopt``'s plan, whose agents the plan's repository creates again."""
    adopted = sorted(
        (c for c in configs if not c.deleted and c.path is not None), key=lambda c: c.path or ""
    )
    return plan._replace(actions=plan.actions + tuple(_soft_delete(c, repository) for c in adopted))


def make_plan(
    repository: str,
    commit: str,
    desired: Mapping[str, DesiredFile],
    actual: Sequence[AgentConfigRecord],
    *,
    tree_complete: bool = True,
    allow_mass_delete: bool = False,
) -> Plan:
    """The ordered actions that make the control plane match the repository at ``commit``."""
    by_path = {record.path: record for record in actual if record.path is not None}
    active = {path: record for path, record in by_path.items() if not record.deleted}
    vanished = {
        path: record
        for path, record in active.items()
        if path not in desired or desired[path].status == "ignored"
    }
    # A rename keeps its agent: pair each new valid file with a vanished config of the same
    # content identity (one to one, in path order).
    pool: dict[str, list[AgentConfigRecord]] = {}
    for path in sorted(vanished):
        pool.setdefault(vanished[path].sha, []).append(vanished[path])
    moves: dict[str, AgentConfigRecord] = {}
    for path, file in sorted(desired.items()):
        if file.status == "valid" and path not in by_path and pool.get(file.identity or ""):
            moves[path] = pool[file.identity or ""].pop(0)
    moved = {record.path for record in moves.values()}

    actions = [
        _file_action(file, by_path.get(path), moves.get(path))
        for path, file in sorted(desired.items())
    ]
    # A moved config that carried a sync error (its file was broken, then renamed back to the
    # last good content) is also rewritten, which clears the error in the same apply.
    actions += [
        Action("update", path, record.id, identity=desired[path].identity, text=desired[path].text)
        for path, record in sorted(moves.items())
        if record.sync_error is not None
    ]
    deletes = [
        _soft_delete(record) for path, record in sorted(vanished.items()) if path not in moved
    ]
    actions += deletes
    actions.sort(key=lambda action: (_ORDER[action.kind], action.path))

    blocked: list[str] = []
    if deletes and not tree_complete:
        blocked.append(
            f"the repository tree was read incompletely, so nothing may be deleted; "
            f"{plural(len(deletes), 'deletion')} planned"
        )
    if deletes and not allow_mass_delete and len(deletes) * 2 > len(active):
        blocked.append(
            f"the plan would delete {len(deletes)} of {len(active)} configs of {repository}; "
            "pass --allow-mass-delete if that is intended"
        )
    return Plan(repository, commit, tuple(actions), tuple(blocked))
