"""The preview as GitHub Markdown, for a pull-request comment or a job summary: a heading with
the repository and commit, the summary, then a list per kind of action with each change's
field diff, schedules in words, budget exposure and diagnostics, and the agents that would stop.

Names and messages from the repository, and the control plane's ids and keys, are escaped
(made printable, in code spans; messages with their markup escaped), so neither a file nor the
control plane can turn the preview into other markup. Secrets are masked as in
the plan: a secret's field reads ``(set)``, ``(changed)`` or ``(removed)``.

``max_chars`` asks for a version that fits (a GitHub comment holds 65,536 characters): the full
preview if it fits, else one line a file until the room runs out, then how many were left out.
``failed_markdown`` says instead that the plan of a commit failed, with its error's line.
"""

from __future__ import annotations

from agentsync.lint.reporters.markdown import code_span, escape_cell
from agentsync.plural import plural
from agentsync.printable import printable
from agentsync.shorten import fit_lines
from agentsync.sync.model import commit_label
from agentsync.sync.preview.model import FilePreview, Preview
from agentsync.sync.preview.phrases import (
    AGAINST_EMPTY,
    enabled_text,
    exposure_text,
    limits_removed_text,
    next_fires_text,
    rise_text,
    stops_text,
)
from agentsync.sync.report import change_text, diagnostic_line, summary

MAX_ERROR_CHARS = 1000  # of a failed plan's error line, shown

_SECTIONS = {
    "move": "Move (same agent)",
    "restore": "Restore (re-added after a delete)",
    "create": "Create",
    "update": "Update",
    "keep-last-good": "Invalid: the last good config stays in force",
    "orphan-error": "Invalid new file: no agent is created",
    "soft-delete": "Delete",
}
_VERBS = {
    "move": "move",
    "restore": "restore",
    "create": "create",
    "update": "update",
    "keep-last-good": "invalid (last good kept)",
    "orphan-error": "invalid (not created)",
    "soft-delete": "delete",
}


def _target(file: FilePreview) -> str:
    action = file.action
    target = code_span(printable(action.path))
    if action.from_path is not None:
        target = f"{code_span(printable(action.from_path))} → {target}"
    if action.repository is not None:  # an adopted agent's delete, under the previous name
        target = f"{code_span(action.repository)} {target}"
    return target + (f" ({code_span(printable(action.config_id))})" if action.config_id else "")


def _file_lines(file: FilePreview) -> list[str]:
    action = file.action
    lines = [f"- {_target(file)}"]
    for change in action.diff:
        field = code_span(printable(change.field))
        lines.append(f"  - {field}: {code_span(change_text(change))}")
    for schedule in file.schedules:
        was = f" (was {code_span(schedule.before)})" if schedule.before is not None else ""
        lines.append(
            f"  - schedule {code_span(schedule.expression)}{was}: **{schedule.words}**; "
            f"{next_fires_text(schedule)}"
        )
    if file.exposure is not None:
        warn = "⚠️ " if file.exposure.rises else ""
        lines.append(f"  - {warn}budget: {exposure_text(file.exposure)}")
    if file.enabled is not None:
        lines.append(f"  - **{enabled_text(file.enabled)}**")
    if file.limits_removed:
        lines.append(f"  - ⚠️ {limits_removed_text(file.limits_removed)}")
    if file.stops is not None and action.kind == "soft-delete":
        lines.append(f"  - {stops_text(file)}")
    for item in action.diagnostics:
        lines.append(f"  - {escape_cell(diagnostic_line(action.path, item))}")
    return lines


def _head(preview: Preview) -> list[str]:
    plan = preview.plan
    ref = f" ({code_span(printable(preview.ref))})" if preview.ref else ""
    commit = code_span(commit_label(plan.commit))
    lines = [
        f"### Sync preview: {code_span(plan.repository)} at {commit}{ref}",
        "",
    ]
    if preview.against_empty:
        lines += [f"> {AGAINST_EMPTY}", ""]
    unchanged, ignored = plan.count("unchanged"), plan.count("ignore")
    lines += [
        f"**{summary(plan)}** · {unchanged} unchanged, {ignored} ignored (no `ellipsis:` block)",
        "",
    ]
    lines += [f"> **Blocked:** {escape_cell(reason)}" for reason in plan.blocked]
    return lines + [""] * bool(plan.blocked)


def _full(preview: Preview) -> str:
    lines = _head(preview)
    for kind, title in _SECTIONS.items():
        files = [file for file in preview.files if file.action.kind == kind]
        if files:
            lines += [f"#### {title} ({len(files)})", ""]
            for file in files:
                lines += _file_lines(file)
            lines.append("")
    if preview.stopping:
        lines += ["#### Would stop running", ""]
        lines += [f"- {_target(file)}: {stops_text(file)}" for file in preview.stopping]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _one_liner(file: FilePreview) -> str:
    notes = [schedule.words for schedule in file.schedules]
    if file.exposure is not None and file.exposure.rises:
        notes.append(f"budget: {rise_text(file.exposure)}")
    if file.enabled is not None:
        notes.append(enabled_text(file.enabled))
    if file.limits_removed:
        notes.append(limits_removed_text(file.limits_removed))
    if file.stops == "deleted":  # a disabled one says so above
        notes.append(stops_text(file))
    if file.action.diagnostics:
        notes.append(plural(len(file.action.diagnostics), "problem"))
    return f"- {_VERBS[file.action.kind]} {_target(file)}" + (
        f": {'; '.join(notes)}" if notes else ""
    )


def preview_markdown(preview: Preview, *, max_chars: int | None = None) -> str:
    """The preview in Markdown; with ``max_chars``, one that fits in that many characters."""
    full = _full(preview)
    if max_chars is None or len(full) <= max_chars:
        return full
    listed = [file for file in preview.files if file.action.kind in _SECTIONS]
    rows = [_one_liner(file) for file in listed]

    def more(count: int) -> str:
        return f"… {plural(count, 'more file')} not shown"

    return (fit_lines(_head(preview), rows, max_chars - 1, more) + "\n")[:max_chars]


def failed_markdown(repository: str, commit: str, output: str) -> str:
    """A note that the plan of ``commit`` failed, with the error line of ``agent sync plan``'s
    standard error ``output``: the first line of its error boundary (``agent: ...``), else the
    last line (click's usage error). The error is already one line, the token redacted."""
    lines = [line.strip() for line in output.splitlines() if line.strip()] or ["no error message"]
    errors = [line.removeprefix("agent: ") for line in lines if line.startswith("agent: ")]
    error = errors[0] if errors else lines[-1]
    return (
        f"### Sync preview failed: {code_span(repository)} at {code_span(printable(commit[:12]))}"
        f"\n\nThe plan could not be made: {escape_cell(printable(error[:MAX_ERROR_CHARS]))}\n\n"
        "The job log has the details.\n"
    )
