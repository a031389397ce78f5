"""The sync preview: what a merge would do to the control plane, for people deciding on it.

The plan (creates, updates with their masked field diff, moves, restores, deletes, invalid
files with their diagnostics) plus, for each change, its cron schedules in words with their next
firings, its budget exposure, whether it is switched on or off, and which agents would stop.
``build_preview`` makes one; ``preview_text``, ``preview_json`` and ``preview_markdown`` show it.

Rooms: ``model`` (the values), ``build`` (``build_preview``), ``phrases`` (the additions in
words), ``text``, ``data`` (JSON) and ``markdown``.
"""

from __future__ import annotations

from agentsync.sync.preview.build import build_preview
from agentsync.sync.preview.data import preview_json
from agentsync.sync.preview.markdown import preview_markdown
from agentsync.sync.preview.model import Preview
from agentsync.sync.preview.text import preview_text

__all__ = ["Preview", "build_preview", "preview_json", "preview_markdown", "preview_text"]
