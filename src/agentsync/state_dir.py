"""Where agentsync keeps its state on this machine: ``$XDG_STATE_HOME/agentsync``
(``~/.local/state/agentsync`` when the variable is unset). The sync state file, the local
control plane's database and key, and the service's SQLite database live there by default."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "agentsync"
