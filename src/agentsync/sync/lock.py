"""One apply at a time per sync state file: an advisory lock on ``<state file>.lock``.

Two ``agent sync apply`` runs sharing a state file would each plan from the same listing and
both write every change, and the later save of the state file would drop the other's sync
errors. So an apply takes this lock before it plans and holds it until the state is saved. The
lock is ``flock(2)``: the kernel releases it when its holder exits, even when killed, so it is
never left stale. The holder writes its pid into the file, so a second apply can say who holds
it. (The service serializes applies per repository through its job queue instead.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from agentsync.config.files import os_reason
from agentsync.errors import AgentsyncError, UsageError

POLL_SECONDS = 0.1


class ApplyLocked(AgentsyncError):
    """Another apply holds the state file's lock, and waiting for it timed out."""


def lock_path(state_file: Path) -> Path:
    return state_file.with_name(state_file.name + ".lock")


def _holder(descriptor: int) -> str:
    """Who holds the lock, as the holder wrote it ("pid N"), or "pid unknown"."""
    written = os.pread(descriptor, 32, 0).decode("ascii", "replace").strip()
    return f"pid {written}" if written.isdigit() else "pid unknown"


def _acquire(
    descriptor: int, state_file: Path, timeout: float, on_wait: Callable[[str], None]
) -> None:
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _holder(descriptor)
        if time.monotonic() >= deadline:
            waited = f", still after {timeout:g} s" if timeout else ""
            longer = "a longer --lock-timeout" if timeout else "--lock-timeout SECONDS"
            raise ApplyLocked(
                f"another apply is running ({holder}) with the sync state {state_file}{waited}: "
                f"wait for it to finish, or pass {longer} to wait for it"
            )
        if not waiting:
            on_wait(holder)
            waiting = True
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def apply_lock(
    state_file: Path, *, timeout: float = 0.0, on_wait: Callable[[str], None] = lambda _: None
) -> Iterator[None]:
    """Hold the state file's apply lock; wait up to ``timeout`` seconds for it (``on_wait`` is
    told once who holds it), then raise ApplyLocked."""
    path = lock_path(state_file)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as error:
        where = "" if error.filename in (None, str(path)) else f" ({error.filename})"
        raise UsageError(
            f"{path}: cannot open the sync state's lock: {os_reason(error)}{where}: pass "
            "--state-file PATH in a directory you can write"
        ) from error
    try:
        _acquire(descriptor, state_file, timeout, on_wait)
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(descriptor)  # releases the lock
