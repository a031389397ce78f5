"""The desired state: each config file of a snapshot, validated with the platform's rules.

The same validation the control plane applies (agent-lint's error rules, then the model), so a
file the plan calls valid is one the control plane accepts.
"""

from __future__ import annotations

from agentsync.config.loader import load_bytes
from agentsync.controlplane.errors import Invalid
from agentsync.controlplane.validation import validate_document
from agentsync.sync.model import DesiredFile, Snapshot


def desired_files(snapshot: Snapshot) -> dict[str, DesiredFile]:
    """Every config file of the snapshot, by path."""
    files: dict[str, DesiredFile] = {}
    for path, raw in sorted(snapshot.files.items()):
        document = load_bytes(raw, path)
        if document.kind == "ignored":
            files[path] = DesiredFile(path, "ignored", document.text)
            continue
        try:
            valid = validate_document(document)
        except Invalid as error:
            diagnostics = error.detail if isinstance(error.detail, list) else [
                {"rule": "invalid", "severity": "error", "message": str(error.detail),
                 "line": 1, "column": 1, "path": ""}
            ]  # fmt: skip
            files[path] = DesiredFile(
                path, "invalid", document.text, diagnostics=tuple(diagnostics)
            )
            continue
        files[path] = DesiredFile(path, "valid", document.text, valid.identity, valid.data)
    return files
