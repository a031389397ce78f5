"""A closed pipe (``agent-lint --format json | head``) ends a command quietly, as it ends
other command-line tools: no traceback, no "internal error", and the status a shell gives a
command stopped by SIGPIPE."""

from __future__ import annotations

import os
import sys

EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE


def quiet_closed_pipe() -> int:
    """After stdout's reader went away: send what is still buffered to /dev/null (Python's
    final flush would fail again) and return the exit status."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return EXIT_CLOSED_PIPE
