"""The desired state: each config file of a snapshot, validated with the platform's rules.

The same validation the control plane applies (agent-lint's error rules, then the model), so a
file the plan calls valid is one the control plane accepts. Whatever a file holds, it is valid,
invalid or ignored: a failure on one file makes it invalid (its last good config stays in
force) and never stops the others. A path the source could not read is invalid too, with the
diagnostic agent-lint gives it (rule ``unreadable``), and so is a file the source did not read
because it is over a config's size limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from agentsync.config.files import unreadable_document
from agentsync.config.loader import DEFAULT_LIMITS, Document, load_bytes, too_large
from agentsync.lint.reporters.json import diagnostic_json
from agentsync.lint.rules import internal
from agentsync.lint.validation import ConfigRejected, validate_document
from agentsync.sync.model import DesiredFile, Snapshot


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
        return DesiredFile(path, "invalid", document.text, diagnostics=tuple(error.diagnostics()))
    return DesiredFile(path, "valid", document.text, valid.identity, valid.data)
