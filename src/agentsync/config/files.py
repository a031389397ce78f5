"""Reading a config file from disk, safely on untrusted checkouts (pull requests, CI).

Only a regular file is read, never what a symbolic link points to: git stores a link as a
link, not as its target's content, so a link under a config directory is not a config (the
sync engine skips links the same way), and a pull request cannot make agent-lint print a file
from outside the repository. The type is checked on the open file descriptor (no race between
check and read); a FIFO or a device is never read, nor waited on (``O_NONBLOCK``); and no more
than the size cap plus one byte is ever read, whatever the file claims its size is.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

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
        raise
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        kind = _NOT_REGULAR.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise NotRegularFile(f"{kind}, not a regular file: it is not read")
    with os.fdopen(descriptor, "rb", buffering=0) as handle:
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0 and (chunk := handle.read(min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
        return raw, max(info.st_size, len(raw))
