"""Reading a snapshot from a local git repository, through the ``git`` command line.

This module owns :class:`LocalGitSource` and :class:`SourceError`, the error every source
raises. The source reads the config files (see ``agentsync.config.discovery``) either

* **committed** (the default): as stored in the commit ``ref`` resolves to. The tree is listed
  once (``git ls-tree``) and every blob is read by a single ``git cat-file --batch`` process, so
  the number of ``git`` processes does not grow with the number of files; or
* **from the working tree** (``working_tree=True``): tracked and untracked-but-not-ignored
  files as they are on disk, deleted files skipped, read as agent-lint reads them:
  ``GIT_LISTING``, the listing agent-lint's directory walk keeps too
  (``agentsync.config.worktree``). A file that cannot be read (its permissions), and a
  directory under a config root that cannot be listed, are the snapshot's ``unreadable`` paths:
  invalid files, as agent-lint reports them, so a config there keeps its last good version and
  nothing is deleted on a read that failed. The snapshot's commit is ``<HEAD sha>+worktree``
  and it is never on the default branch (``0000...+worktree`` in a repository with no commit
yet).

Only regular files are read (modes ``100644`` and ``100755``): symlinks and submodules under a
config directory are ignored, in both modes, so a link can never pull a file from outside the
repository into a snapshot. A file over a config's size limit is not read either, in both
modes: it is one of the snapshot's ``oversized`` paths, with its size (an invalid file).

The repository's name is the ``repository`` argument when given, else ``owner/name`` parsed
from the ``origin`` remote's URL; with neither, the source refuses (a name invented from the
directory would create every agent again under another name once an origin is added). The
default branch is taken from ``origin/HEAD``, else (bare repositories) ``HEAD``, else
``init.defaultBranch``, ``main`` or ``master``, whichever exists first as a local branch; else
it is unknown (``None``).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from agentsync.config.discovery import CONFIG_DIRS, config_roots, is_config_path, walk
from agentsync.config.files import NotRegularFile, os_reason, read_regular_file, resolved
from agentsync.config.loader import DEFAULT_LIMITS
from agentsync.config.repository_names import is_repository_name
from agentsync.config.worktree import GIT_LISTING, GIT_OPTIONS, git_environment
from agentsync.errors import AgentsyncError
from agentsync.sync.model import NO_COMMIT, WORKTREE_SUFFIX, CommitOrder, Snapshot, Unreadable

_REGULAR_MODES = frozenset({"100644", "100755"})
# git@github.com:owner/name.git (scp-like syntax: no scheme, a colon before the path)
_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^/].*)$")


class SourceError(AgentsyncError):
    """A source could not read the repository: a missing ref, no access, a broken remote."""


class UnknownCommit(SourceError):
    """A commit is not in the repository (any more: a force-push can take it away)."""


class UnnamedRepository(SourceError):
    """Neither ``--repository`` nor the origin remote names the repository (exit 2)."""

    exit_code = 2


def parse_remote_url(url: str) -> str | None:
    """``owner/name`` from a remote URL whose path is exactly two segments, else None.

    Accepts ``https://host/owner/name(.git)``, ``ssh://git@host(:port)/owner/name(.git)``,
    ``git://host/owner/name(.git)`` and ``git@host:owner/name(.git)``. Credentials in the URL
    are never looked at. Local paths and ``file://`` URLs give None.
    """
    url = url.strip()
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https", "ssh", "git", "git+ssh", "ssh+git"}:
            return None
        path = parts.path
    else:
        match = _SCP_LIKE.match(url)
        if match is None:
            return None
        path = match["path"]
    segments = [s for s in path.strip("/").split("/") if s]
    if len(segments) != 2:
        return None
    owner, name = segments
    repository = f"{owner}/{name.removesuffix('.git')}"
    return repository if is_repository_name(repository) else None


class LocalGitSource:
    """A repository's config files at ``ref`` (or in its working tree), read with ``git``."""

    def __init__(
        self,
        path: Path,
        ref: str = "HEAD",
        working_tree: bool = False,
        repository: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.ref = ref
        self.working_tree = working_tree
        self.repository = repository
        self._location: tuple[Path, bool] | None = None  # found once: see _locate

    def __repr__(self) -> str:
        return (
            f"LocalGitSource(path={str(self.path)!r}, ref={self.ref!r}, "
            f"working_tree={self.working_tree!r}, repository={self.repository!r})"
        )

    # -- the Source protocol -------------------------------------------------------------------

    def repository_name(self) -> str:
        """``owner/name``: as given, else from the origin remote (else a ``SourceError``)."""
        return self.repository or self._repository_name(self._locate()[0])

    def root_commits(self) -> tuple[str, ...]:
        """The root commits of the commit synced, sorted: the checkout's identity, the same in
        every clone whatever its remotes (``agentsync.sync.identity``); none before the first
        commit."""
        root, _ = self._locate()
        head = self._working_tree_head(root) if self.working_tree else self._resolve(root, self.ref)
        if head == NO_COMMIT:
            return ()
        listing = self._run(root, ["rev-list", "--max-parents=0", head]).stdout
        return tuple(sorted(listing.decode("ascii").split()))

    def snapshot(self) -> Snapshot:
        root, bare = self._locate()
        if self.working_tree:
            if bare:
                raise SourceError(f"{self.path} is a bare repository: it has no working tree")
            head = self._working_tree_head(root)
            if self.ref != "HEAD" and self._resolve(root, self.ref) != head:
                raise SourceError(
                    f"the working tree of {self.path} is not at {self.ref!r}: check it out, "
                    "or read the committed tree instead"
                )
            commit = head + WORKTREE_SUFFIX
            files, oversized, unreadable = self._read_working_tree(root)
        else:
            commit = self._resolve(root, self.ref)
            (files, oversized), unreadable = self._read_commit(root, commit), {}
        default_branch, default_head = self._default_branch(root, bare)
        on_default = not self.working_tree and default_head == commit
        return Snapshot(
            repository=self.repository or self._repository_name(root),
            commit=commit,
            ref=self.ref,
            default_branch=default_branch,
            on_default_branch=on_default,
            files=files,
            unreadable=unreadable,
            oversized=oversized,
        )

    def order(self, base: str, head: str) -> CommitOrder:
        """How commit ``head`` relates to commit ``base``; UnknownCommit if either is missing.

        A working-tree commit (``<sha>+worktree``) compares as the commit it is based on.
        """
        root, _ = self._locate()
        base_sha = self._resolve(root, base.removesuffix(WORKTREE_SUFFIX))
        head_sha = self._resolve(root, head.removesuffix(WORKTREE_SUFFIX))
        if base_sha == head_sha:
            return "identical"
        if self._is_ancestor(root, base_sha, head_sha):
            return "ahead"
        if self._is_ancestor(root, head_sha, base_sha):
            return "behind"
        return "diverged"

    def _is_ancestor(self, root: Path, older: str, newer: str) -> bool:
        result = self._run(root, ["merge-base", "--is-ancestor", older, newer], check=False)
        if result.returncode in (0, 1):
            return result.returncode == 0
        raise SourceError(
            f"git merge-base failed in {self.path}: {_stderr(result) or result.returncode}"
        )

    # -- reading -------------------------------------------------------------------------------

    def _read_commit(self, root: Path, commit: str) -> tuple[dict[str, bytes], dict[str, int]]:
        """The commit's config files, and the sizes of those over a config's size limit (not
        read: a blob of gigabytes is never held in memory)."""
        listing = self._run(
            root, ["ls-tree", "-r", "-z", "-l", "--full-tree", commit, "--", *CONFIG_DIRS]
        ).stdout
        shas: dict[str, str] = {}  # path -> blob sha
        oversized: dict[str, int] = {}
        for record in listing.split(b"\0"):
            if not record:
                continue
            meta, _, raw_path = record.partition(b"\t")
            mode, kind, sha, size = meta.decode("ascii").split()
            path = raw_path.decode("utf-8", errors="surrogateescape")
            if kind != "blob" or mode not in _REGULAR_MODES or not is_config_path(path):
                continue
            if int(size) > DEFAULT_LIMITS.max_bytes:
                oversized[path] = int(size)
            else:
                shas[path] = sha
        blobs = self._cat_blobs(root, sorted(set(shas.values())))
        return {path: blobs[shas[path]] for path in sorted(shas)}, oversized

    def _cat_blobs(self, root: Path, shas: Sequence[str]) -> dict[str, bytes]:
        """Every blob in ``shas``, read by one ``git cat-file --batch`` process."""
        if not shas:
            return {}
        request = "".join(f"{sha}\n" for sha in shas).encode("ascii")
        out = self._run(root, ["cat-file", "--batch"], stdin=request).stdout
        blobs: dict[str, bytes] = {}
        position = 0
        for sha in shas:
            end = out.index(b"\n", position)
            header = out[position:end].decode("ascii").split(" ")
            if len(header) != 3 or header[0] != sha or header[1] != "blob":
                raise SourceError(f"git cat-file could not read blob {sha} in {self.path}")
            size = int(header[2])
            blobs[sha] = out[end + 1 : end + 1 + size]
            position = end + 1 + size + 1  # the contents are followed by a newline
        return blobs

    def _read_working_tree(
        self, root: Path
    ) -> tuple[dict[str, bytes], dict[str, int], dict[str, Unreadable]]:
        """The listed config files as they are on disk, read as agent-lint reads them
        (``agentsync.config.files``): not through a link, not a special file, no more than a
        config's size limit (the sizes of those over it); and what could not be read: files,
        and the directories under a config root that cannot be listed."""
        listing = self._run(
            root,
            [*GIT_LISTING, "--", *CONFIG_DIRS],
        ).stdout
        real_root = root.resolve()
        files: dict[str, bytes] = {}
        oversized: dict[str, int] = {}
        unreadable: dict[str, Unreadable] = {}
        for raw_path in sorted(set(listing.split(b"\0")) - {b""}):
            path = raw_path.decode("utf-8", errors="surrogateescape")
            if not is_config_path(path):
                continue
            full = root / path
            real = resolved(full)
            if real is None or not real.is_relative_to(real_root):
                continue  # a symlinked directory on the way (or a loop): a commit holds the link
            try:
                raw, size = read_regular_file(full, DEFAULT_LIMITS.max_bytes)
            except NotRegularFile:
                continue  # a link, a FIFO: not a config, as agent-lint ignores it
            except (FileNotFoundError, NotADirectoryError):
                continue  # deleted in the working tree
            except OSError as error:
                unreadable[path] = Unreadable(os_reason(error))
                continue
            if size > DEFAULT_LIMITS.max_bytes:
                oversized[path] = size
            else:
                files[path] = raw
        for top in config_roots(root):
            for directory, unlisted in walk(top):
                if unlisted is not None:
                    relative = directory.relative_to(root).as_posix()
                    unreadable[relative] = Unreadable(os_reason(unlisted), directory=True)
        return files, oversized, unreadable

    # -- names and refs ------------------------------------------------------------------------

    def _locate(self) -> tuple[Path, bool]:
        """The directory to run git in, and whether the repository is bare: found at the first
        read and kept (two git commands that every read would run again: an apply makes four
        reads), unlike the ref, the origin and the root commits, which can change between
        reads."""
        if self._location is None:
            self._location = self._find_repository()
        return self._location

    def _find_repository(self) -> tuple[Path, bool]:
        if not self.path.is_dir():
            raise SourceError(f"not a git repository: {self.path} is not a directory")
        result = self._run(self.path, ["rev-parse", "--is-bare-repository"], check=False)
        if result.returncode != 0:
            raise SourceError(f"not a git repository: {self.path}")
        if result.stdout.strip() == b"true":
            return self.path, True
        top = self._run(self.path, ["rev-parse", "--show-toplevel"], check=False)
        if top.returncode != 0:
            raise SourceError(f"not a git repository: {self.path} ({_stderr(top)})")
        return Path(os.fsdecode(top.stdout.rstrip(b"\n"))), False

    def _working_tree_head(self, root: Path) -> str:
        """HEAD's sha; :data:`NO_COMMIT` on a branch with no commit yet (a new repository)."""
        unborn = self._run(root, ["rev-parse", "--verify", "--quiet", "HEAD"], check=False)
        if unborn.returncode != 0 and self._output(root, ["symbolic-ref", "--quiet", "HEAD"]):
            return NO_COMMIT
        return self._resolve(root, "HEAD")

    def _resolve(self, root: Path, ref: str) -> str:
        """The full sha of the commit ``ref`` names."""
        if not ref or ref.startswith("-"):
            raise SourceError(f"unknown ref {ref!r} in {self.path}")
        result = self._run(
            root, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False
        )
        if result.returncode != 0:
            if ref == "HEAD" and self._output(root, ["symbolic-ref", "--quiet", "HEAD"]):
                raise UnknownCommit(
                    f"{self.path} has no commit yet: commit the configs, or read the working "
                    "tree with --working-tree"
                )
            raise UnknownCommit(f"unknown ref {ref!r} in {self.path}: no such commit")
        return result.stdout.decode("ascii").strip()

    def _branch_head(self, root: Path, branch: str) -> str | None:
        """The head of the local branch, else of ``origin``'s (a detached CI checkout)."""
        for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
            result = self._run(
                root, ["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False
            )
            if result.returncode == 0:
                return result.stdout.decode("ascii").strip()
        return None

    def _default_branch(self, root: Path, bare: bool) -> tuple[str | None, str | None]:
        """The default branch's name and head, either None when unknown."""
        remote_head = self._output(
            root, ["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"]
        )
        if remote_head and remote_head.startswith("origin/"):
            branch = remote_head.removeprefix("origin/")
            return branch, self._branch_head(root, branch)
        if bare:
            head = self._output(root, ["symbolic-ref", "--quiet", "--short", "HEAD"])
            if head:
                return head, self._branch_head(root, head)
        configured = self._output(root, ["config", "--get", "init.defaultBranch"])
        for candidate in (configured, "main", "master"):
            sha = self._branch_head(root, candidate) if candidate else None
            if sha is not None:
                return candidate, sha
        return None, None

    def _repository_name(self, root: Path) -> str:
        url = self._output(root, ["remote", "get-url", "origin"])
        parsed = parse_remote_url(url) if url else None
        if parsed:
            return parsed
        why = "its origin remote names no OWNER/NAME" if url else "it has no origin remote"
        raise UnnamedRepository(
            f"cannot tell which repository {root} is: {why}; "
            "pass --repository OWNER/NAME (the name its agents are synced under)"
        )

    # -- running git ---------------------------------------------------------------------------

    def _output(self, root: Path, args: Sequence[str]) -> str | None:
        """Stripped stdout of a git command that may fail; None when it does or prints nothing."""
        result = self._run(root, args, check=False)
        text = result.stdout.decode("utf-8", errors="replace").strip()
        return text if result.returncode == 0 and text else None

    def _run(
        self,
        cwd: Path,
        args: Sequence[str],
        *,
        stdin: bytes | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        command = ["git", *GIT_OPTIONS, "-C", str(cwd), *args]
        try:
            result = subprocess.run(
                command,
                input=stdin,
                capture_output=True,
                env=git_environment(),
                check=False,
            )
        except FileNotFoundError as e:
            raise SourceError("git is not installed (or not on PATH)") from e
        except OSError as e:
            raise SourceError(f"cannot run git in {cwd}: {e.strerror or e}") from e
        if check and result.returncode != 0:
            raise SourceError(f"git {args[0]} failed in {self.path}: {_stderr(result)}")
        return result


def _stderr(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", errors="replace").strip()
