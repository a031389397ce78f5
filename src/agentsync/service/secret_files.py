"""Files that hold a secret (the webhook secret file, the GitHub App's private key): a warning
when their mode lets others read them. They are the operator's files, so they are not changed:
the warning says what to do."""

from __future__ import annotations

import logging
import os
import shlex
import stat
from pathlib import Path

log = logging.getLogger("agentsync.service")


def warn_if_others_may_read(path: Path | None, what: str) -> None:
    """One warning when ``path``, which holds ``what``, may be read by other users: by anyone,
    or by its group when the service owns it (a file owned by another user, root say, and read
    through its group is a layout that needs its group)."""
    if path is None:
        return
    try:
        status = path.stat()
    except OSError:
        return  # reading it already failed, or will, with its own message
    mode, ours = stat.S_IMODE(status.st_mode), status.st_uid == os.geteuid()
    if not mode & (0o044 if ours else 0o004):
        return
    readers = "its group or others" if mode & 0o040 and ours else "every user"
    remedy = f"chmod 600 {shlex.quote(str(path))}" if ours else "make it unreadable to others"
    log.warning(f"{path}: {what} is readable by {readers} (mode {mode:04o}): {remedy}")
