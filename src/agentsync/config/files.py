"""Reading a config file from disk into a ``Document``, safely on untrusted checkouts (pull
requests, CI).

Only a regular file is read, never what a symbolic link points to: git stores a link as a
link, not as its target's content, so a link under a config directory is not a config (the
sync engine skips links the same way), and a pull request cannot make agent-lint print a file
from outside the repository. The type is checked on the open file descriptor (no race between
check and read); a FIFO or a device is never read, nor waited on (``O_NONBLOCK``); and no more
than the size cap plus one byte is ever read, whatever the file claims its size is.

A file (or a directory under a config root) that cannot be read is never skipped: it is an
invalid config with the rule ``unreadable``, since what it holds cannot be checked; the sync
engine reads the working tree with the same functions, so it keeps the last good config.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from agentsync.config.loader import DEFAULT_LIMITS, Document, Limits, load_bytes, too_large
from agentsync.config.problems import UNREADABLE, LoadProblem

_NOT_REGULAR = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)  # open() refuses a link: one system call, no race
SYMLINK_NOTE = "a symbolic link: git stores the link, not the file it points to, so it is not read"


class NotRegularFile(Exception):
    """The path is not a regular file: why, in words (the file is skipped, not an error)."""


def read_regular_file(path: Path, max_bytes: int) -> tuple[bytes, int]:
    """The first ``max_bytes + 1`` bytes of the regular file at ``path``, and its size.
    ``NotRegularFile`` for a symbolic link or a special file; ``OSError`` if unreadable."""
    if not _NO_FOLLOW and path.is_symlink():  # no O_NOFOLLOW here: ask first
        raise NotRegularFile(SYMLINK_NOTE)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NO_FOLLOW)
    except OSError as error:
        if _NO_FOLLOW and error.errno == errno.ELOOP:  # the path is a symbolic link
            raise NotRegularFile(SYMLINK_NOTE) from error
        if error.errno == errno.ENXIO:  # a socket, or a device without a driver
            raise _not_regular(os.lstat(path).st_mode) from error
        raise
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise _not_regular(info.st_mode)
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
        return raw, max(info.st_size, len(raw))


def _not_regular(mode: int) -> NotRegularFile:
    kind = _NOT_REGULAR.get(stat.S_IFMT(mode), "not a regular file")
    return NotRegularFile(f"{kind}, not a regular file: it is not read")


def resolved(path: Path) -> Path | None:
    """``path`` with its symbolic links followed; None when they loop (or cannot be followed)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return None


def os_reason(error: OSError) -> str:
    """Why a path could not be read, in words and without the path: ``permission denied``."""
    text = error.strerror or type(error).__name__
    return text[:1].lower() + text[1:]


def unreadable_document(path: str, reason: str, *, directory: bool = False) -> Document:
    """The file (or directory under a config root) at ``path`` could not be read: an invalid
    config (rule ``unreadable``), never a skipped one, since what it holds cannot be checked."""
    if directory:
        message = f"cannot read this directory ({reason}): the configs in it are not checked"
        hint = "make it readable (chmod a+rx) for whoever runs agent-lint and the sync"
    else:
        message = f"cannot read this file ({reason})"
        hint = "make it readable (chmod a+r) for whoever runs agent-lint and the sync"
    problem = LoadProblem(UNREADABLE, 1, 1, message, hint)
    return Document(path, "", None, {}, [problem], "config", loaded=False)


def load_file(file: Path, display: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Load a file from disk: a symbolic link or a special file is ignored with a note, an
    unreadable file or directory is invalid (see :func:`unreadable_document`); never raises."""
    path = display if display is not None else str(file)
    try:
        raw, size = read_regular_file(file, limits.max_bytes)
    except NotRegularFile as skipped:
        return Document(path, "", None, {}, [], "ignored", loaded=False, note=str(skipped))
    except OSError as error:
        return unreadable_document(path, os_reason(error), directory=os.path.isdir(file))
    if size > limits.max_bytes:
        return too_large(path, size, limits)
    return load_bytes(raw, path, limits)
