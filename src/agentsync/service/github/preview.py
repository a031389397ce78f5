"""The sync preview's section in what the service writes on a pull request, within GitHub's
size limits (:class:`PreviewMarkdown`).

Our comment gets the whole preview when it fits, else a summarized one that says where the
whole one is; the check run's text gets the whole preview, cut with a note if it is over
GitHub's limit. A preview that could not be computed is one line saying why.

:func:`preview_section` is the one place the preview itself is rendered: everything else here
(headings, notes, sizes) is independent of how.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from agentsync.client.records import AgentConfigRecord
from agentsync.lint.reporters.markdown import escape_cell
from agentsync.service.previews import SyncPreview
from agentsync.sync.engine import SyncRun
from agentsync.sync.preview import build_preview, preview_markdown

__all__ = ["HEADING", "PreviewMarkdown", "preview_section"]

HEADING = "### Sync preview"  # the preview's own heading starts so
_FENCE = re.compile(r"^(`{3,})", re.MULTILINE)


def preview_section(
    run: SyncRun, actual: Sequence[AgentConfigRecord], now: datetime, max_chars: int | None
) -> str:
    """The preview of ``run`` as Markdown, under its ``### Sync preview`` heading: whole
    (``max_chars`` None), or summarized to at most ``max_chars`` characters."""
    return preview_markdown(build_preview(run, actual, now), max_chars=max_chars).rstrip("\n")


class PreviewMarkdown:
    """The preview's section for our comment and for the check run's text. ``checks``: the
    report has a check run (a GitHub App), where the whole preview goes."""

    def __init__(self, preview: SyncPreview, *, checks: bool) -> None:
        self.preview = preview
        self.checks = checks

    def _whole(self) -> str:
        run = self.preview.run
        if run is None:
            reason = escape_cell(self.preview.error or "no reason given")
            return f"{HEADING}\n\n_The sync preview could not be computed: {reason}_"
        return preview_section(run, self.preview.actual, self.preview.now, None)

    def _local_command(self) -> str:
        run = self.preview.run
        assert run is not None
        return f"`agent sync plan --ref {run.snapshot.commit} --repository {run.plan.repository}`"

    def for_comment(self, max_chars: int | None) -> str:
        """The section for our comment: whole if it fits in ``max_chars`` (None: no limit),
        else summarized to fit, saying where the whole preview is."""
        whole = self._whole()
        run = self.preview.run
        if max_chars is None or len(whole) <= max_chars or run is None:
            return whole
        where = (
            "the whole preview is in the details of the `agent-lint` check run"
            if self.checks
            else f"{self._local_command()} in a checkout shows all of it"
        )
        note = f"_Summarized to fit GitHub's limit on a comment: {where}._"
        room = max(0, max_chars - len(note) - 2)
        heading, _, body = preview_section(
            run, self.preview.actual, self.preview.now, room
        ).partition("\n")
        return f"{heading}\n\n{note}\n{body}"

    def for_check_run(self, max_chars: int) -> str:
        """The whole section, cut at a line within ``max_chars`` with a note if it is longer
        (any code block left open is closed)."""
        whole = self._whole()
        if len(whole) <= max_chars or self.preview.run is None:
            return whole[:max_chars]
        lines = whole.splitlines()
        note = (
            "_The preview is cut here to fit GitHub's limit on a check run's text: {} more "
            f"lines not shown; {self._local_command()} in a checkout shows all of it._"
        )
        room = max_chars - len(note.format(len(lines))) - 2 - 16  # the note, a closing fence
        kept: list[str] = []
        for line in lines:
            room -= len(line) + 1
            if room < 0:
                break
            kept.append(line)
        fences = [match.group(1) for line in kept for match in [_FENCE.match(line)] if match]
        hidden = len(lines) - len(kept)
        if len(fences) % 2:  # cut inside a code block: close it
            kept.append(fences[-1])
        return "\n".join([*kept, "", note.format(hidden)])
