"""Where agentsync keeps its state on this machine: ``$XDG_STATE_HOME/agentsync``
(``~/.local/state/agentsync`` when the variable is unset), on every system. The sync state
file, the local control plane's database and key, and the service's SQLite database live there
by default (``agentsync.settings`` lists them)."""

from __future__ import annotations

from pathlib import Path

from platformdirs.unix import Unix


def state_dir() -> Path:
    # platformdirs' XDG rules on every system (its macOS and Windows rules would move the state
    # of existing installations)
    return Unix(appname="agentsync").user_state_path
