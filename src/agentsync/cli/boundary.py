"""The one error boundary of ``agent`` and ``agent-lint``, and their exit-status table.

Every error that reaches a command's edge ends here: one line on stderr (``prog: message``)
and an exit status from :class:`ExitCode`, never a traceback. ``agent`` runs its whole click
invocation through :func:`exit_status` (``cli/main.py``); ``agent-lint`` its whole run
through :func:`guarded` (``cli/lint.py``). This module imports no click, so agent-lint's cold
start does not pay for it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from enum import IntEnum
from typing import Any

from agentsync.errors import AgentsyncError
from agentsync.server_extra import INSTALL_SERVER_EXTRA, SERVER_EXTRA_MODULES

REPORT_BUGS_AT = "https://github.com/agentsync/agentsync/issues"


class ExitCode(IntEnum):
    """What every ``agent`` and ``agent-lint`` command's exit status means."""

    OK = 0  # success (with --watch: the run completed; agent-lint: no errors, warnings allowed)
    FAILED = 1  # lint findings, a run that ended otherwise, a call the API refused
    USAGE = 2  # bad flags, paths, settings or configuration
    INTERNAL = 3  # a bug in agentsync: the message asks to report it, and where
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    CLOSED_PIPE = 141  # stdout's reader went away (128 + SIGPIPE), as other tools end


def quiet_closed_pipe() -> int:
    """After stdout's reader went away (``agent-lint --format json | head``): send what is
    still buffered to /dev/null (Python's final flush would fail again) and return the exit
    status a shell gives a command stopped by SIGPIPE."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return ExitCode.CLOSED_PIPE


MAX_ERROR_CHARS = 4000  # of an error's line: a server's error of 500 KB was printed whole


def one_line(error: AgentsyncError) -> str:
    """An error as one line of at most :data:`MAX_ERROR_CHARS`, with the diagnostics of a 422
    and the request id; characters that are not printable (a server's escape sequences)
    escaped."""
    from agentsync.client.errors import ControlPlaneError  # only an error pays for it

    if isinstance(error, ControlPlaneError) and isinstance(error.detail, list):
        text = "invalid config: " + "; ".join(_diagnostic(d) for d in error.detail)
        if error.request_id:
            text += f" (HTTP {error.status}, request {error.request_id})"
    else:
        text = str(error)
    from agentsync import shorten
    from agentsync.printable import printable  # what a server sent is shown, never obeyed

    return shorten.truncate(printable(shorten.one_line(text)), MAX_ERROR_CHARS)


def _diagnostic(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    rule = f" [{item['rule']}]" if item.get("rule") else ""
    return f"{item.get('path') or '-'}: {item.get('message')}{rule}"


def exit_status(
    error: BaseException, prog: str, describe: Callable[[AgentsyncError], str] = str
) -> int:
    """The exit status for ``error``, after its message on stderr (none for a closed pipe)."""
    if isinstance(error, AgentsyncError):
        _say(prog, describe(error))
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        _say(prog, "interrupted")
        return ExitCode.INTERRUPTED
    if isinstance(error, BrokenPipeError):
        return quiet_closed_pipe()
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    if missing and missing.partition(".")[0] in SERVER_EXTRA_MODULES:
        _say(
            prog,
            f"this command needs the server extra ({missing} is missing): {INSTALL_SERVER_EXTRA}",
        )
        return ExitCode.USAGE
    from agentsync import shorten  # only an internal error pays for it

    _say(prog, f"internal error: {type(error).__name__}: {shorten.one_line(error)}")
    _say(prog, f"this is a bug in agentsync: please report it at {REPORT_BUGS_AT}")
    return ExitCode.INTERNAL


def guarded(prog: str, invoke: Callable[[], int]) -> int:
    """``invoke()``'s exit status, or the one :func:`exit_status` gives what it raised."""
    try:
        return invoke()
    except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the boundary
        return exit_status(error, prog)


def _say(prog: str, text: str) -> None:
    with contextlib.suppress(OSError):  # stderr is gone too: the exit status still tells
        print(f"{prog}: {text}", file=sys.stderr, flush=True)
