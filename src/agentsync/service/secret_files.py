"""Files that hold a secret (the webhook secret file, the GitHub App's private key): a warning
when their mode lets the group or others read them. They are the operator's files, so they are
not changed: the warning says what to run."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

log = logging.getLogger("agentsync.service")


def warn_if_others_may_read(path: Path | None, what: str) -> None:
    """One warning when ``path``, which holds ``what``, is readable by its group or others."""
    if path is None:
        return
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return  # reading it already failed, or will, with its own message
    if mode & 0o044:
        log.warning(
            f"{path}: {what} is readable by its group or others (mode {mode:04o}): chmod 600 {path}"
        )
