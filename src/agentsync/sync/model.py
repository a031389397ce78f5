"""The sync engine's values: what a source reads, what the plan proposes, what apply did."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

FileStatus = Literal["valid", "invalid", "ignored"]
# How commit ``head`` relates to commit ``base`` (GitHub's compare vocabulary): ``ahead`` when
# base is one of head's ancestors, ``behind`` when head is one of base's, ``diverged`` when
# neither is (a force-push rewrote the history between them).
CommitOrder = Literal["identical", "ahead", "behind", "diverged"]
# The end of a snapshot's commit when it is a working tree, not a commit: "<sha>+worktree".
WORKTREE_SUFFIX = "+worktree"
NO_COMMIT = "0" * 40  # the working tree of a repository with no commit yet
ActionKind = Literal[
    "create",
    "update",
    "unchanged",
    "restore",
    "move",
    "keep-last-good",
    "orphan-error",
    "soft-delete",
    "ignore",
]
WRITES: frozenset[str] = frozenset(
    {"create", "update", "restore", "move", "keep-last-good", "soft-delete"}
)


def commit_label(commit: str) -> str:
    """A snapshot's commit as people read it: its short sha, or "the working tree of <sha>"
    for an uncommitted working tree (``agent sync --working-tree``)."""
    if commit.endswith(WORKTREE_SUFFIX):
        base = commit.removesuffix(WORKTREE_SUFFIX)
        return (
            "the working tree (no commit yet)"
            if base == NO_COMMIT
            else f"the working tree of {base[:12]}"
        )
    return commit[:12]


class Unreadable(NamedTuple):
    """A config file, or a directory under a config root, that a source could not read."""

    reason: str  # in words, without the path: "permission denied"
    directory: bool = False


class Snapshot(NamedTuple):
    """A repository's config files at one commit, as a source read them.

    ``files`` maps repository-relative paths (``/`` separators) under the config directories to
    their raw bytes; ``unreadable`` holds the paths that could not be read (each an invalid
    file: its last good config stays in force). ``complete`` is False when the source could not
    read the whole tree (a truncated GitHub tree, say): then nothing may be deleted on its word.
    """

    repository: str  # owner/name
    commit: str  # the commit's full sha ("<sha>+worktree" for an uncommitted working tree)
    ref: str  # what was asked for: a branch, a tag, a sha, HEAD
    default_branch: str | None  # the repository's default branch, when the source knows it
    on_default_branch: bool  # the commit is the default branch's head
    files: dict[str, bytes]
    complete: bool = True
    # Paths that could not be read, why (a working tree's permissions, say): invalid files.
    unreadable: dict[str, Unreadable] = {}  # noqa: RUF012 - never mutated after construction
    # Paths of files over a config's size limit, not read, with their size: invalid files.
    oversized: dict[str, int] = {}  # noqa: RUF012 - never mutated after construction


class DesiredFile(NamedTuple):
    """One config file after validation with the platform's rules."""

    path: str
    status: FileStatus
    text: str
    identity: str | None = None  # content identity, for valid files
    agent_config: dict[str, Any] | None = None  # normalized, for valid files
    diagnostics: tuple[dict[str, Any], ...] = ()  # errors, for invalid files


class FieldChange(NamedTuple):
    """One field of an update's diff. A ``hidden`` one is a secret's (a variable's value, an
    env value): its values are not kept, only whether each side has one (``MASK`` or None);
    in any other, secret-shaped text (a token) is masked."""

    field: str  # e.g. sandbox.variables[0].value
    before: Any  # None: absent
    after: Any
    hidden: bool = False

    @property
    def change(self) -> Literal["set", "changed", "removed"]:
        if self.before is None:
            return "set"
        return "removed" if self.after is None else "changed"


class Action(NamedTuple):
    """One step of a plan, keyed by (repository, path)."""

    kind: ActionKind
    path: str
    config_id: str | None = None
    from_path: str | None = None  # for moves
    identity: str | None = None
    diff: tuple[FieldChange, ...] = ()  # for updates and restores
    diagnostics: tuple[dict[str, Any], ...] = ()  # for keep-last-good and orphan errors
    text: str | None = None  # the YAML to write, for create/update/restore
    triggers: tuple[str, ...] = ()  # a soft-deleted agent's trigger types: what stops
    # ``--adopt``'s soft-deletes only: the repository the config is under (the checkout's
    # previous name), when it is not the plan's.
    repository: str | None = None


class Plan(NamedTuple):
    repository: str
    commit: str
    actions: tuple[Action, ...]
    blocked: tuple[str, ...] = ()  # reasons apply must not run (mass delete, incomplete read)

    def count(self, kind: str) -> int:
        return sum(1 for action in self.actions if action.kind == kind)

    @property
    def writes(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind in WRITES)

    @property
    def changes_pending(self) -> bool:
        return any(a.kind in WRITES or a.kind == "orphan-error" for a in self.actions)


class ApplyResult(NamedTuple):
    """What an apply did with each write of its plan."""

    done: tuple[Action, ...]
    failed: tuple[tuple[Action, str], ...]
    rejected: tuple[tuple[Action, str], ...] = ()  # refused for their content: sync errors

    @property
    def ok(self) -> bool:
        return not self.failed
