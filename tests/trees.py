"""Hostile repositories on disk: what a checkout can hold besides readable regular files.

An ``Entry`` is one path of a real git repository: a regular file, a symbolic link, a FIFO, a
device or a directory, possibly unreadable. :func:`build` writes the entries, commits what git
stores (files and links), then makes what it cannot (FIFOs, devices) and takes the read
permissions away; :func:`release` gives them back, so the tree can be deleted.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.sync.support import Git

Kind = Literal["file", "symlink", "fifo", "device", "directory"]
# What agent-lint or the sync engine make of a path: "absent" when it is not listed at all.
Verdict = Literal["valid", "invalid", "ignored", "absent"]
# The sync plan's actions for a valid file, and for an invalid one (the config reference's).
APPLIES = frozenset({"create", "update", "restore", "move", "unchanged"})
ERRORS = frozenset({"orphan-error", "keep-last-good"})


class Unavailable(Exception):
    """This machine cannot make the entry (a device node without the right to ``mknod``)."""


@dataclass(frozen=True)
class Entry:
    path: str  # repository-relative, "/" separators
    kind: Kind = "file"
    content: bytes = b""  # a file's
    target: str = ""  # a symbolic link's target; a device's model (a node with its numbers)
    unreadable: bool = False  # mode 000 once committed (a file or a directory)

    @property
    def on_disk_only(self) -> bool:
        """Git cannot store it: made after the commit."""
        return self.kind in ("fifo", "device")


def _make(root: Path, entry: Entry) -> None:
    path = root / entry.path
    path.parent.mkdir(parents=True, exist_ok=True)
    if entry.kind == "file":
        path.write_bytes(entry.content)
    elif entry.kind == "symlink":
        path.symlink_to(entry.target)
    elif entry.kind == "directory":
        path.mkdir(exist_ok=True)
    elif entry.kind == "fifo":
        os.mkfifo(path)
    else:
        try:
            os.mknod(path, stat.S_IFCHR | 0o644, os.stat(entry.target).st_rdev)
        except PermissionError as error:
            raise Unavailable(f"cannot make a device node here: {error.strerror}") from error


def build(git: Git, entries: Iterable[Entry]) -> dict[str, str]:
    """Make ``entries`` in the repository of ``git`` and commit what git can store; the paths
    of those this machine cannot make (see :class:`Unavailable`), with why."""
    entries = list(entries)
    for entry in entries:
        if not entry.on_disk_only:
            _make(git.root, entry)
    git.commit({})
    unavailable: dict[str, str] = {}
    for entry in entries:
        if entry.on_disk_only:
            try:
                _make(git.root, entry)
            except Unavailable as why:
                unavailable[entry.path] = str(why)
    # Deepest first: a directory closed before the files in it could not close them.
    for entry in sorted(entries, key=lambda e: e.path.count("/"), reverse=True):
        if entry.unreadable:
            (git.root / entry.path).chmod(0)
    return unavailable


def release(root: Path) -> None:
    """Every directory under ``root`` listable and every file readable again."""
    pending = [root]
    while pending:
        directory = pending.pop()
        directory.chmod(0o755)
        for child in directory.iterdir():
            if child.is_symlink():
                continue
            if child.is_dir():
                pending.append(child)
            elif child.is_file():
                child.chmod(0o644)
