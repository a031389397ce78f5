"""Which files of a git working tree git would commit, so agent-lint's directory walk reads the
files sync reads.

The platform reads a repository's files at a commit. A gitignored file is in no commit (unless
it was added by force, and then git tracks it), and git stores a submodule as a link to a commit
of another repository, not as files. So sync never reads either: from a commit, they are not in
its tree; from the working tree, it reads exactly what ``GIT_LISTING`` lists (tracked files, and
untracked ones git does not ignore). agent-lint walks directories on disk, so a walk inside a
git working tree keeps what the same listing holds and reports every other file as ignored,
with a note saying why. A file named on the command line is linted as given (as a file outside
the config directories is): it is the user's explicit choice, and pre-commit names tracked files
only. Outside a git working tree, or when git cannot list the files (not installed, a repository
it refuses to read), every file found is read.

:func:`git_environment` is the environment every git that agentsync runs gets: git's messages
untranslated (they are parsed and quoted) and never a prompt; ``GIT_OPTIONS`` come first on its
command line (a repository's config never has git run a command it names).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

GIT_LISTING = ("ls-files", "-z", "--cached", "--others", "--exclude-standard")
GITIGNORED_NOTE = "git ignores it (.gitignore or an exclude file), so it is in no commit"
SUBMODULE_NOTE = (
    "inside a git submodule: git stores a submodule as a link to a commit of another "
    "repository, not as its files"
)


def git_environment() -> dict[str, str]:
    """The caller's environment, with git's messages untranslated and never a prompt: for
    every git that agentsync runs."""
    return {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}


# Before every git command agentsync runs: a repository's own config may name a command git
# runs to list files (core.fsmonitor); given on the command line, false overrides it, with
# every git version (the environment's GIT_CONFIG_* only from git 2.31).
GIT_OPTIONS = ("-c", "core.fsmonitor=false")


_NOT_READ = ", and sync does not read it"


def _listing(top: Path, pathspecs: Sequence[str]) -> set[str] | None:
    """Repository-relative paths git would commit under ``pathspecs``; None if git fails."""
    import subprocess  # only for a walk inside a git working tree: not on agent-lint's cold path

    command = ["git", *GIT_OPTIONS, "-C", str(top), "--literal-pathspecs", *GIT_LISTING, "--"]
    try:
        done = subprocess.run(
            [*command, *pathspecs],
            capture_output=True,
            env=git_environment(),
            check=False,
        )
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return {os.fsdecode(path) for path in done.stdout.split(b"\0") if path}


def _why(top: Path, relative: PurePosixPath) -> str | None:
    """Why git does not list this file; None for a FIFO, a device or a socket, which git never
    lists and the loader says it does not read (``agentsync.config.files``)."""
    try:
        mode = (top / relative).lstat().st_mode
    except OSError:
        return None  # gone since the walk: the loader says so
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        return None
    inside_another = any((top / parent / ".git").exists() for parent in relative.parents[:-1])
    return (SUBMODULE_NOTE if inside_another else GITIGNORED_NOTE) + _NOT_READ


def not_committed(
    directory: Path, files: Iterable[Path], repository: Path, walked: Sequence[str]
) -> dict[Path, str]:
    """Each of ``files``, found under ``walked`` (paths relative to ``directory``), that git
    would not commit in the working tree at ``repository``, with why. Empty when
    ``repository`` is not a git working tree or git cannot say."""
    top = repository.resolve()
    base = directory.resolve()
    if not (top / ".git").exists() or not base.is_relative_to(top):
        return {}
    prefix = PurePosixPath(base.relative_to(top).as_posix())
    found = [(path, prefix / path.relative_to(directory).as_posix()) for path in files]
    if not found:
        return {}
    listed = _listing(top, [str(prefix / part) for part in walked])
    if listed is None:
        return {}
    unread = {path: _why(top, relative) for path, relative in found if str(relative) not in listed}
    return {path: why for path, why in unread.items() if why is not None}
