"""``unreadable``: a config file, or a directory under a config root, that cannot be read (its
permissions forbid it, say) is an error, never skipped: what it holds cannot be checked. The
sync engine agrees: such a file is invalid, so its last good config stays in force.

A config whose file name is not UTF-8 (a Latin-1 name with the byte 0xE9, say) is reported
here too, ``cannot read this file's name: it is not UTF-8``: the control plane names each
config by its path, as text, so the sync engine cannot create it; rename the file.

A symbolic link, a FIFO or a device is not unreadable but not a file: it is ignored with a note.

For example, a directory its owner locked (``chmod 000 agents/locked``) is reported as
``agents/locked:1:1: cannot read this directory (permission denied): the configs in it are not
checked``. No config text can make a file unreadable, so this rule has no bad example.
"""

from __future__ import annotations

from agentsync.config import problems
from agentsync.lint.rule import RuleMeta, reported_by_loader

META = RuleMeta(
    problems.UNREADABLE,
    "error",
    "A config file, and every directory under a config root, must be readable",
)

check = reported_by_loader(META.id)
