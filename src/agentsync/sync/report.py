"""Plans and sync status as people and programs read them: text (like ``terraform plan``) and
JSON. The plan itself is built elsewhere; this module only turns it into text.

Text symbols: ``+`` create, ``~`` update (with a field-level diff), ``>`` move, ``^`` restore,
``!`` error (keep-last-good or orphan, with the file's diagnostics), ``-`` delete (saying what
stops: a cron schedule, reactions to events, answers to mentions); unchanged and ignored files
are counted, not listed; ``--adopt``'s soft-deletes of the previous name's agents come last, under
a line saying what adopting does. A secret's field in a diff (a variable's value, an
env value) reads ``(set)``, ``(changed)`` or ``(removed)``, never its text; the plan holds no
more than that (``sync.plan.field_diff``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agentsync.client.records import AgentConfigRecord
from agentsync.config.secrets import shortened
from agentsync.plural import plural
from agentsync.printable import printable
from agentsync.sync.model import Action, ApplyResult, FieldChange, Plan, commit_label
from agentsync.tables import text_table

_SYMBOLS = {
    "create": "+",
    "update": "~",
    "move": ">",
    "restore": "^",
    "keep-last-good": "!",
    "orphan-error": "!",
    "soft-delete": "-",
}
_LABELS = {
    "create": "create",
    "update": "update",
    "move": "move (same agent)",
    "restore": "restore (re-added after a delete)",
    "keep-last-good": "invalid: the last good config stays in force",
    "orphan-error": "invalid new file: no agent is created",
    "soft-delete": "soft-delete",
}
# What a soft-delete stops, by the deleted agent's trigger types.
_STOPS = {
    "cron": "its cron schedule stops",
    "react": "it stops reacting to repository events",
    "mention": "it stops answering mentions",
}


def _short(value: Any, limit: int = 60) -> str:
    """``value`` as JSON, its characters that are not printable escaped (JSON leaves a bidi
    override, U+2028 or a C1 control raw), cut to ``limit``."""
    return shortened(printable(json.dumps(value, ensure_ascii=False)), limit)


def change_text(change: FieldChange) -> str:
    """A diff entry's change: ``"old" -> "new"``, or a secret's ``(set)``, ``(changed)``..."""
    if change.hidden:
        return f"({change.change})"
    return f"{_short(change.before)} -> {_short(change.after)}"


def _change_json(change: FieldChange) -> dict[str, Any]:
    """``field`` and ``change`` (set, changed, removed); ``before`` and ``after`` unless the
    field is a secret's (``hidden``)."""
    entry: dict[str, Any] = {"field": change.field, "change": change.change}
    if change.hidden:
        entry["hidden"] = True
    else:
        entry["before"], entry["after"] = change.before, change.after
    return entry


def diagnostic_line(path: str, item: dict[str, Any]) -> str:
    return (
        f"{printable(path)}:{item.get('line', 1)}:{item.get('column', 1)}: "
        f"{printable(str(item.get('message')))} [{item.get('rule')}]"
    )


def _label(action: Action) -> str:
    stops = [_STOPS[kind] for kind in action.triggers if kind in _STOPS]
    return _LABELS[action.kind] + (f" ({'; '.join(stops)})" if stops else "")


def _action_lines(action: Action) -> list[str]:
    target = (
        printable(action.path)
        if action.from_path is None
        else f"{printable(action.from_path)} -> {printable(action.path)}"
    )
    if action.repository is not None:
        target = f"{action.repository} {target}"
    agent = f" ({printable(action.config_id)})" if action.config_id else ""
    lines = [f"  {_SYMBOLS[action.kind]} {target}: {_label(action)}{agent}"]
    for change in action.diff:
        lines.append(f"      {printable(change.field)}: {change_text(change)}")
    for item in action.diagnostics:
        lines.append("      " + diagnostic_line(action.path, item))
    return lines


def _adopting(plan: Plan, count: int) -> str:
    """The line over ``--adopt``'s soft-deletes of the previous name's agents: why."""
    previous = next(a.repository for a in plan.actions if a.repository is not None)
    return (
        f"Adopting {plural(count, 'agent')} of {previous}: the control plane cannot change an "
        f"agent's repository, so this plan creates them again under {plan.repository} (new "
        "ids, no run history) and soft-deletes the old ones:"
    )


def plan_text(plan: Plan, ref: str | None = None, details: Sequence[Sequence[str]] = ()) -> str:
    """The plan as text; ``details``, when given, holds more lines for each of the plan's
    actions (in its order), printed under the action's own. ``--adopt``'s deletes of the
    previous name's agents come last, under a line saying why."""
    where = f" ({ref})" if ref else ""
    lines = [f"Plan for {plan.repository} at {commit_label(plan.commit)}{where}:"]
    adopted: list[str] = []
    count = 0
    for index, action in enumerate(plan.actions):
        if action.kind not in _SYMBOLS:
            continue
        shown = [*_action_lines(action), *(details[index] if index < len(details) else ())]
        if action.repository is None:
            lines += shown
        else:
            adopted += shown
            count += 1
    if adopted:
        lines += [_adopting(plan, count), *adopted]
    unchanged, ignored = plan.count("unchanged"), plan.count("ignore")
    lines.append(f"  = {unchanged} unchanged, {ignored} ignored (no ellipsis: block)")
    lines.append(f"Summary: {summary(plan)}.")
    for reason in plan.blocked:
        lines.append(f"Blocked: {reason}")
    return "\n".join(lines) + "\n"


def summary(plan: Plan) -> str:
    """The plan's counts: "2 to create, 1 to delete, 1 invalid", or "no changes"."""
    counts = [
        f"{plan.count(kind)} to {verb}"
        for kind, verb in (
            ("create", "create"),
            ("update", "update"),
            ("move", "move"),
            ("restore", "restore"),
            ("soft-delete", "delete"),
        )
        if plan.count(kind)
    ]
    errors = plan.count("keep-last-good") + plan.count("orphan-error")
    if errors:
        counts.append(f"{errors} invalid")
    return ", ".join(counts) if counts else "no changes"


def apply_text(plan: Plan, result: ApplyResult, invalid: int) -> str:
    """The line after an apply. Its counts add up with the plan's summary: the changes (every
    write but a recorded sync error), then the commit's ``invalid`` files (sync errors recorded
    now or before, new files not created), then what the control plane refused and what
    failed."""
    changes = [a for a in plan.writes if a.kind != "keep-last-good"]
    done = [a for a in result.done if a.kind != "keep-last-good"]
    text = (
        f"Applied {len(done)} of {plural(len(changes), 'change')} to {plan.repository} "
        f"at {commit_label(plan.commit)}"
    )
    recorded = sum(1 for a in result.done if a.kind == "keep-last-good")
    orphans = plan.count("orphan-error")
    earlier = invalid - recorded - orphans
    parts = [f"{plural(recorded, 'sync error')} recorded (last good config kept)"] * bool(recorded)
    parts += [f"{plural(orphans, 'new file')} not created"] * bool(orphans)
    parts += [f"{earlier} already recorded"] * (earlier > 0)
    if parts:
        text += f"; {invalid} invalid: " + ", ".join(parts)
    if result.rejected:
        text += f"; {len(result.rejected)} refused for their content"
    if result.failed:
        text += f"; {len(result.failed)} failed (re-run to retry)"
    return text + ".\n"


def apply_json(plan: Plan, result: ApplyResult, invalid: int, ref: str | None) -> dict[str, Any]:
    """The plan as :func:`plan_json` gives it, what the apply did with each write, and how many
    of the commit's config files are invalid."""

    def entries(items: tuple[tuple[Action, str], ...]) -> list[dict[str, str]]:
        return [{"kind": a.kind, "path": a.path, "error": why} for a, why in items]

    return {
        **plan_json(plan, ref),
        "applied": [{"kind": a.kind, "path": a.path} for a in result.done],
        "refused": entries(result.rejected),
        "failed": entries(result.failed),
        "invalid": invalid,
    }


def plan_json(plan: Plan, ref: str | None = None) -> dict[str, Any]:
    return {
        "repository": plan.repository,
        "commit": plan.commit,
        "ref": ref,
        "blocked": list(plan.blocked),
        "changes_pending": plan.changes_pending,
        "actions": [
            {
                "kind": a.kind,
                "repository": a.repository or plan.repository,
                "path": a.path,
                "config_id": a.config_id,
                "from_path": a.from_path,
                "identity": a.identity,
                "diff": [_change_json(change) for change in a.diff],
                "diagnostics": list(a.diagnostics),
            }
            for a in plan.actions
        ],
        "summary": {kind: plan.count(kind) for kind in sorted({a.kind for a in plan.actions})},
    }


def status_rows(
    configs: list[AgentConfigRecord], orphans: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each config's state (and each orphan error) for ``agent sync status``."""
    rows = [
        {
            "path": c.path,
            "config_id": c.id,
            "state": "deleted" if c.deleted else ("error" if c.sync_error else "ok"),
            "identity": c.sha,
            "commit": c.last_synced_commit_sha,
            "last_error": c.sync_error.message if c.sync_error else None,
            "diagnostics": c.sync_error.diagnostics if c.sync_error else [],
        }
        for c in configs
    ]
    rows += [
        {
            "path": path,
            "config_id": None,
            "state": "orphan",
            "identity": None,
            "commit": orphan["commit"],
            "last_error": "invalid new file: no agent was created",
            "diagnostics": orphan["diagnostics"],
        }
        for path, orphan in orphans.items()
    ]
    return sorted(rows, key=lambda row: str(row["path"]))


def status_text(repository: str, rows: list[dict[str, Any]]) -> str:
    header = ("PATH", "STATE", "CONFIG", "IDENTITY", "COMMIT", "LAST ERROR")
    table = [  # what the control plane and the state file say, escaped
        tuple(
            printable(cell)
            for cell in (
                str(r["path"]),
                r["state"],
                r["config_id"] or "-",
                (r["identity"] or "-").removeprefix("sha256:")[:12],
                (r["commit"] or "-")[:12],
                r["last_error"] or "",
            )
        )
        for r in rows
    ]
    return f"Sync status of {repository}:\n{text_table(header, table)}\n"
