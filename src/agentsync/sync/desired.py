"""The desired state: each config file of a snapshot, validated with the platform's rules.

The same validation the control plane applies (agent-lint's error rules, then the model), so a
file the plan calls valid is one the control plane accepts. Whatever a file holds, it is valid,
invalid or ignored: a failure on one file makes it invalid (its last good config stays in
force) and never stops the others. A path the source could not read is invalid too, with the
diagnostic agent-lint gives it (rule ``unreadable``), and so is a file the source did not read
because it is over a config's size limit. Of a file's diagnostics, the sync keeps the first
``MAX_DIAGNOSTICS`` and the first of each other rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from agentsync.config.files import unreadable_document
from agentsync.config.loader import DEFAULT_LIMITS, Document, load_bytes, too_large
from agentsync.lint.reporters.json import diagnostic_json
from agentsync.lint.rules import internal
from agentsync.lint.validation import ConfigRejected, validate_document
from agentsync.plural import plural
from agentsync.sync.model import DesiredFile, Snapshot

MAX_DIAGNOSTICS = 100  # of a file, kept by the sync (agent-lint lists them all)


def desired_files(snapshot: Snapshot) -> dict[str, DesiredFile]:
    """Every config file of the snapshot, and every path it could not read, by path."""
    loaders: dict[str, Callable[[], Document]] = {
        path: partial(load_bytes, raw, path) for path, raw in snapshot.files.items()
    }
    for path, why in snapshot.unreadable.items():
        loaders[path] = partial(unreadable_document, path, why.reason, directory=why.directory)
    for path, size in snapshot.oversized.items():
        loaders[path] = partial(too_large, path, size, DEFAULT_LIMITS)
    return {path: _desired(path, loaders[path]) for path in sorted(loaders)}


def _desired(path: str, load: Callable[[], Document]) -> DesiredFile:
    try:
        document = load()
    except Exception as error:  # noqa: BLE001 - one file never stops the others
        failed = (diagnostic_json(internal.diagnostic(error)),)
        return DesiredFile(path, "invalid", "", diagnostics=failed)
    if document.kind == "ignored":
        return DesiredFile(path, "ignored", document.text)
    try:
        valid = validate_document(document)
    except ConfigRejected as error:
        diagnostics = capped(error.diagnostics())
        return DesiredFile(path, "invalid", document.text, diagnostics=diagnostics)
    return DesiredFile(path, "valid", document.text, valid.identity, valid.data)


def capped(diagnostics: list[dict[str, Any]]) -> tuple[dict[str, Any], ...]:
    """The first ``MAX_DIAGNOSTICS`` of a file's diagnostics, and the first of each rule past
    them (every rule agent-lint reports stays named), in their order; the last one kept says
    how many more there are. What the plan shows, the state file keeps and the control plane
    records stays small (90,000 errors in one file made a write too large to record); so do
    the diagnostics of a write the control plane refused (``agentsync.sync.apply``)."""
    if len(diagnostics) <= MAX_DIAGNOSTICS:
        return tuple(diagnostics)
    kept = diagnostics[:MAX_DIAGNOSTICS]
    rules = {d.get("rule") for d in kept}
    for diagnostic in diagnostics[MAX_DIAGNOSTICS:]:
        if diagnostic.get("rule") not in rules:
            kept.append(diagnostic)
            rules.add(diagnostic.get("rule"))
    more = plural(len(diagnostics) - len(kept), "more problem")
    note = f" ({more} in this file not shown: agent-lint lists them all)"
    return (*kept[:-1], {**kept[-1], "message": f"{kept[-1].get('message', '')}{note}"})
