"""Which files are agent configs: ``.yaml``/``.yml`` files at any depth under ``agents/``,
``.agents/``, ``ellipsis/`` or ``.ellipsis/`` at the repository root.

Whether a discovered file *is* a config (it has a top-level ``ellipsis:`` key) is decided when
it is loaded; see ``loader.Document.kind``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

CONFIG_DIRS = ("agents", ".agents", "ellipsis", ".ellipsis")
CONFIG_SUFFIXES = (".yaml", ".yml")
# The same rule as a regex over repository-relative paths (the pre-commit hook's ``files``),
# for any name a file system allows: ``(?s)`` matches a newline in a name, and the name must
# end in .yaml/.yml (``\Z``: ``$`` would also match before a final newline).
CONFIG_PATH_PATTERN = r"(?s)^(agents|\.agents|ellipsis|\.ellipsis)/.*\.ya?ml\Z"
_CONFIG_PATH = re.compile(CONFIG_PATH_PATTERN)


def is_config_path(relative: object) -> bool:
    """True for a repository-relative path (with ``/`` separators) in a config directory, as
    git names a file: no empty, ``.`` or ``..`` part and no NUL (a path from GitHub's API or
    the sync API is not trusted to be one, nor even to be a string)."""
    return (
        isinstance(relative, str)
        and _CONFIG_PATH.match(relative) is not None
        and "\0" not in relative
        and not {"", ".", ".."} & set(relative.split("/"))
    )


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


def walk(top: Path) -> Iterator[tuple[Path, OSError | None]]:
    """Every ``.yaml``/``.yml`` file under the directory ``top``, in walk order (a directory's
    files, then its subdirectories, each sorted by name), never through a symbolic link to a
    directory; and, where it stands, each directory that cannot be listed (its permissions
    forbid it) with the error, so that it is reported, never skipped. Files come with None.
    Iterative: a deep tree of directories cannot exhaust the stack."""
    pending = [str(top)]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone since it was listed: nothing to read
        except OSError as error:
            yield Path(directory), error
            continue
        subdirectories: list[str] = []
        for entry in entries:
            if _is_directory(entry):
                subdirectories.append(entry.path)
            elif entry.name.endswith(CONFIG_SUFFIXES):
                yield Path(entry.path), None
        pending.extend(reversed(subdirectories))


def _is_directory(entry: os.DirEntry[str]) -> bool:
    """Not following links; False when it cannot be told (the loader then says why)."""
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def yaml_files(top: Path) -> list[Path]:
    """The paths :func:`walk` yields: YAML files, and directories that cannot be listed, which
    the loader reports (``agentsync.config.files``)."""
    return [path for path, _ in walk(top)]


def config_roots(root: Path) -> list[Path]:
    """The config directories of the repository at ``root``; not a symbolic link to one (git
    stores a link, not a directory)."""
    tops = (root / name for name in CONFIG_DIRS)
    return [top for top in tops if not top.is_symlink() and top.is_dir()]


def discover(root: Path) -> list[Path]:
    """Config-path files under the repository ``root`` (see :func:`yaml_files`: directories
    that cannot be listed too); never through a symbolic link to a directory. Links to files
    are listed, and ignored when read (``agentsync.config.files``), as the sync engine ignores
    them."""
    return [path for top in config_roots(root) for path in yaml_files(top)]
