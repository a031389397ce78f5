"""The sync preview's section in what the service writes on a pull request, within GitHub's
size limits (:class:`PreviewMarkdown`).

Our comment gets the whole preview when it fits, else a summarized one that says where the
whole one is; the check run's text gets the whole preview, cut with a note if it is over
GitHub's limit. A preview that could not be computed is one line saying why.

The preview itself is built and rendered by :mod:`agentsync.sync.preview`; this module only
places it (headings, notes, sizes).
"""

from __future__ import annotations

import functools

from agentsync.lint.reporters.markdown import escape_cell
from agentsync.plural import plural
from agentsync.service.previews import SyncPreview
from agentsync.shorten import fit_lines
from agentsync.sync.preview import Preview, build_preview, preview_markdown

__all__ = ["HEADING", "PreviewMarkdown"]

HEADING = "### Sync preview"  # the preview's own heading starts so


class PreviewMarkdown:
    """The preview's section for our comment and for the check run's text. ``checks``: the
    report has a check run (a GitHub App), where the whole preview goes. The preview is built
    once, and its whole text rendered once, however often a report asks for it."""

    def __init__(self, preview: SyncPreview, *, checks: bool) -> None:
        self.preview = preview
        self.checks = checks

    @functools.cached_property
    def _built(self) -> Preview | None:
        run = self.preview.run
        return None if run is None else build_preview(run, self.preview.now)

    def _rendered(self, max_chars: int | None) -> str:
        """The preview under its ``### Sync preview`` heading: whole, or summarized to at
        most ``max_chars`` characters."""
        assert self._built is not None
        return preview_markdown(self._built, max_chars=max_chars).rstrip("\n")

    @functools.cached_property
    def _whole(self) -> str:
        if self._built is None:
            reason = escape_cell(self.preview.error or "no reason given")
            return f"{HEADING}\n\n_The sync preview could not be computed: {reason}_"
        return self._rendered(None)

    def _local_command(self) -> str:
        run = self.preview.run
        assert run is not None
        return f"`agent sync plan --ref {run.snapshot.commit} --repository {run.plan.repository}`"

    def for_comment(self, max_chars: int | None) -> str:
        """The section for our comment: whole if it fits in ``max_chars`` (None: no limit),
        else summarized to fit, saying where the whole preview is."""
        whole = self._whole
        if max_chars is None or len(whole) <= max_chars or self._built is None:
            return whole
        where = (
            "the whole preview is in the details of the `agent-lint` check run"
            if self.checks
            else f"{self._local_command()} in a checkout shows all of it"
        )
        note = f"_Summarized to fit GitHub's limit on a comment: {where}._"
        room = max(0, max_chars - len(note) - 2)
        heading, _, body = self._rendered(room).partition("\n")
        return f"{heading}\n\n{note}\n{body}"

    def for_check_run(self, max_chars: int) -> str:
        """The whole section, cut at a line within ``max_chars`` with a note if it is longer."""
        whole = self._whole
        if len(whole) <= max_chars or self._built is None:
            return whole[:max_chars]
        first, *rest = whole.splitlines()
        command = self._local_command()

        def note(count: int) -> str:
            return (
                "_The preview is cut here to fit GitHub's limit on a check run's text: "
                f"{plural(count, 'more line')} not shown; {command} in a checkout shows all of "
                "it._"
            )

        return fit_lines([first], rest, max_chars, note)
