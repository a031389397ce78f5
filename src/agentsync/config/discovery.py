"""Which files are agent configs: ``.yaml``/``.yml`` files at any depth under ``agents/``,
``.agents/``, ``ellipsis/`` or ``.ellipsis/`` at the repository root.

Whether a discovered file *is* a config (it has a top-level ``ellipsis:`` key) is decided when
it is loaded; see ``loader.Document.kind``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CONFIG_DIRS = ("agents", ".agents", "ellipsis", ".ellipsis")
CONFIG_SUFFIXES = (".yaml", ".yml")
# The same rule as a regex over repository-relative paths (used by the pre-commit hook).
CONFIG_PATH_PATTERN = r"^(agents|\.agents|ellipsis|\.ellipsis)/.*\.ya?ml$"
# The same, for any name a file system allows: a newline in a name is matched, and the name
# must end in .yaml/.yml (``$`` would also match before a final newline).
_CONFIG_PATH = re.compile(r"(agents|\.agents|ellipsis|\.ellipsis)/.*\.ya?ml", re.DOTALL)


def is_config_path(relative: str) -> bool:
    """True for a repository-relative path (with ``/`` separators) in a config directory."""
    return _CONFIG_PATH.fullmatch(relative) is not None


def git_top_level(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding ``.git`` (a directory, or the file
    of a worktree or submodule): what ``git rev-parse --show-toplevel`` finds, without starting
    git. None outside any repository."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def find_repository_root(start: Path) -> Path:
    """The git top-level of ``start``; ``start`` itself outside any repository."""
    start = start.resolve()
    return git_top_level(start) or start


def discover(root: Path) -> list[Path]:
    """Config-path files under the repository ``root``, sorted; never through a symbolic
    link to a directory (``os.walk`` does not follow them). Links to files are listed, and
    ignored when read (``agentsync.config.files``), as the sync engine ignores them."""
    found: list[Path] = []
    for name in CONFIG_DIRS:
        top = root / name
        if top.is_symlink() or not top.is_dir():  # git stores a link, not a directory
            continue
        for directory, subdirs, files in os.walk(top):
            subdirs.sort()
            found.extend(Path(directory, f) for f in sorted(files) if f.endswith(CONFIG_SUFFIXES))
    return found
