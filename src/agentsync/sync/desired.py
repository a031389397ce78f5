"""The desired state: each config file of a snapshot, validated with the platform's rules.

The same validation the control plane applies (agent-lint's error rules, then the model), so a
file the plan calls valid is one the control plane accepts. Whatever a file holds, it is valid,
invalid or ignored: a failure on one file makes it invalid (its last good config stays in
force) and never stops the others.
"""

from __future__ import annotations

from agentsync.config.loader import load_bytes
from agentsync.controlplane.errors import Invalid
from agentsync.controlplane.validation import validate_document
from agentsync.lint.reporters.json import diagnostic_json
from agentsync.lint.rules import internal
from agentsync.sync.model import DesiredFile, Snapshot


def desired_files(snapshot: Snapshot) -> dict[str, DesiredFile]:
    """Every config file of the snapshot, by path."""
    files: dict[str, DesiredFile] = {}
    for path, raw in sorted(snapshot.files.items()):
        try:
            document = load_bytes(raw, path)
        except Exception as error:  # noqa: BLE001 - one file never stops the others
            failed = (diagnostic_json(internal.diagnostic(error)),)
            files[path] = DesiredFile(path, "invalid", "", diagnostics=failed)
            continue
        if document.kind == "ignored":
            files[path] = DesiredFile(path, "ignored", document.text)
            continue
        try:
            valid = validate_document(document)
        except Invalid as error:
            diagnostics = tuple(error.diagnostics())
            files[path] = DesiredFile(path, "invalid", document.text, diagnostics=diagnostics)
            continue
        files[path] = DesiredFile(path, "valid", document.text, valid.identity, valid.data)
    return files
