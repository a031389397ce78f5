"""The preview as text: ``agent sync plan``'s plan (``sync.report.plan_text``) with, under each
change, its schedules in words, its budget exposure, and whether it is switched on or off."""

from __future__ import annotations

from agentsync.printable import printable
from agentsync.sync.preview.model import FilePreview, Preview
from agentsync.sync.preview.phrases import (
    AGAINST_EMPTY,
    enabled_text,
    exposure_text,
    limits_removed_text,
    next_fires_text,
    stops_text,
)
from agentsync.sync.report import plan_text

_INDENT = "      "


def detail_lines(file: FilePreview) -> list[str]:
    """The preview's lines for one action (none for an action it adds nothing to)."""
    lines = []
    for change in file.schedules:
        was = f" (was {change.before!r})" if change.before is not None else ""
        lines.append(
            f"schedule {change.expression!r}{was}: {change.words}; {next_fires_text(change)}"
        )
    if file.exposure is not None:
        lines.append(f"budget: {exposure_text(file.exposure)}")
    if file.enabled is not None:
        lines.append(enabled_text(file.enabled))
    if file.limits_removed:
        lines.append(limits_removed_text(file.limits_removed))
    return [_INDENT + line for line in lines]


def preview_text(preview: Preview) -> str:
    """What ``agent sync plan`` prints: the plan, the preview's lines under each change, and
    the agents that would stop."""
    head = f"{AGAINST_EMPTY}\n" if preview.against_empty else ""
    body = plan_text(preview.plan, preview.ref, [detail_lines(file) for file in preview.files])
    stopping = [
        f"  {printable(file.action.path)} ({stops_text(file)})" for file in preview.stopping
    ]
    tail = "Would stop running:\n" + "\n".join(stopping) + "\n" if stopping else ""
    return head + body + tail
