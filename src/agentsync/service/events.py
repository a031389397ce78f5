"""What a GitHub webhook delivery asks of the service: a pure function from (event, payload)
to the job to enqueue, or the reason there is none.

- ``push`` to the repository's default branch (not a branch deletion) -> a ``push`` job. The
  job holds no file list: the worker reads the branch head and its whole tree when it runs.
- ``pull_request`` opened / synchronize / reopened -> a ``pull_request`` job for that number;
  the worker reads the pull request's current head when it runs.
- ``installation`` created or deleted, ``installation_repositories`` added or removed, and
  ``repository`` deleted, archived or renamed -> an ``installation`` job: the repositories the
  service can now read get a first sync at once (without waiting for a push); those it can no
  longer read are forgotten (no more periodic resyncs of them).
- anything else (``ping``, other branches, other actions, other events) -> no job.

A payload without what the event needs (``repository.full_name``, ``pull_request.number``...),
or with a value that cannot be one (a repository name that is not ``owner/name``, an id that is
not a positive 64-bit integer, a head that is not a commit sha, an ``action`` that is not a short
printable word), is a :class:`PayloadError` naming the field: nothing of it is stored. A
membership change's list entry that names no repository is skipped, and the reason says so.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from agentsync.config.repository_names import is_repository_name
from agentsync.errors import AgentsyncError
from agentsync.printable import printable
from agentsync.service.queue import NewJob

PULL_REQUEST_ACTIONS = frozenset({"opened", "synchronize", "reopened"})
MEMBERSHIP_CHANGES = frozenset(
    {
        ("installation", "created"),
        ("installation", "deleted"),
        ("installation_repositories", "added"),
        ("installation_repositories", "removed"),
        ("repository", "deleted"),
        ("repository", "archived"),
        ("repository", "renamed"),
    }
)
_ZERO_SHA = "0" * 40
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_MAX_ID = 2**63 - 1  # GitHub's ids and numbers fit the database's 64-bit integers
_MAX_ACTION_LENGTH = 100


class PayloadError(AgentsyncError):
    """The payload lacks a field its event needs."""


class Routing(NamedTuple):
    repository: str | None
    action: str | None
    job: NewJob | None
    reason: str  # why there is (or is no) job: for the response and the log


def _field(payload: dict[str, Any], *path: str) -> Any:
    value: Any = payload
    for name in path:
        if not isinstance(value, dict) or name not in value:
            raise PayloadError(f"the payload has no {'.'.join(path)}")
        value = value[name]
    return value


def _text(payload: dict[str, Any], *path: str) -> str:
    value = _field(payload, *path)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{'.'.join(path)} is not a non-empty string")
    return value


def _repository(payload: dict[str, Any], *path: str) -> str:
    name = _text(payload, *path)
    if not is_repository_name(name):
        raise PayloadError(f"{'.'.join(path)} is not a repository name (owner/name): {name!r:.100}")
    return name


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _MAX_ID


def _installation(payload: dict[str, Any]) -> int | None:
    """The App installation the delivery is for; None for a repository's own webhook."""
    if payload.get("installation") is None:
        return None
    installation_id = _field(payload, "installation", "id")
    if not _positive(installation_id):
        raise PayloadError("installation.id is not a positive 64-bit integer")
    return int(installation_id)


def _action(payload: dict[str, Any]) -> str | None:
    action = payload.get("action")
    if action is None:
        return None
    if not isinstance(action, str) or not action.isprintable() or len(action) > _MAX_ACTION_LENGTH:
        raise PayloadError("action is not a short printable string")
    return action


def route(event: str, payload: Any) -> Routing:
    """The job for one delivery (see the module docstring)."""
    if not isinstance(payload, dict):
        raise PayloadError("the payload is not a JSON object")
    action = _action(payload)
    repository_data = payload.get("repository")
    repository = None
    if isinstance(repository_data, dict) and isinstance(repository_data.get("full_name"), str):
        repository = repository_data["full_name"]
        repository = repository if is_repository_name(repository) else None  # only for the log
    if event == "push":
        return _push(payload, action)
    if event == "pull_request":
        return _pull_request(payload, action)
    if (event, action) in MEMBERSHIP_CHANGES:
        return _membership(event, payload, action)
    return Routing(repository, action, None, f"{event} events need no work")


def _push(payload: dict[str, Any], action: str | None) -> Routing:
    repository = _repository(payload, "repository", "full_name")
    ref = _text(payload, "ref")
    default_branch = _text(payload, "repository", "default_branch")
    if ref != f"refs/heads/{default_branch}":
        # escaped: the reason is the answer's JSON (UTF-8) and a log line
        return Routing(repository, action, None, f"{printable(ref):.200} is not the default branch")
    after = _field(payload, "after")
    if payload.get("deleted") is True or after == _ZERO_SHA:
        return Routing(repository, action, None, "the default branch was deleted")
    # For the log only: the job reads the head.
    head = after if isinstance(after, str) and _SHA.fullmatch(after) else None
    job = NewJob("push", repository, {"installation_id": _installation(payload), "after": head})
    return Routing(repository, action, job, "sync the default branch")


def _pull_request(payload: dict[str, Any], action: str | None) -> Routing:
    repository = _repository(payload, "repository", "full_name")
    if action not in PULL_REQUEST_ACTIONS:
        return Routing(repository, action, None, f"pull_request {action} needs no lint")
    number = _field(payload, "pull_request", "number")
    if not _positive(number):
        raise PayloadError("pull_request.number is not a positive integer")
    head_sha = _text(payload, "pull_request", "head", "sha")
    if not _SHA.fullmatch(head_sha):
        raise PayloadError(f"pull_request.head.sha is not a commit sha: {head_sha!r:.100}")
    job = NewJob(
        "pull_request",
        repository,
        {"installation_id": _installation(payload), "number": number, "head_sha": head_sha},
    )
    return Routing(repository, action, job, "lint the pull request")


class _Names(NamedTuple):
    names: list[str]  # sorted, each once
    skipped: int  # entries that name no repository


def _names(items: Any) -> _Names:
    """The repositories a list of repository objects names."""
    if not isinstance(items, list):
        return _Names([], 0)
    named = [
        r["full_name"]
        for r in items
        if isinstance(r, dict)
        and isinstance(r.get("full_name"), str)
        and is_repository_name(r["full_name"])
    ]
    return _Names(sorted(set(named)), len(items) - len(named))


def _membership(event: str, payload: dict[str, Any], action: str | None) -> Routing:
    """Repositories the service gains or loses: an ``installation`` job."""
    added, removed = _Names([], 0), _Names([], 0)
    if event == "installation":
        listed = _names(payload.get("repositories"))
        added, removed = (listed, removed) if action == "created" else (added, listed)
    elif event == "installation_repositories":
        added = _names(payload.get("repositories_added"))
        removed = _names(payload.get("repositories_removed"))
    else:  # repository deleted, archived or renamed
        full_name = _repository(payload, "repository", "full_name")
        removed = _Names([full_name], 0)
        if action == "renamed":
            old = _field(payload, "changes", "repository", "name", "from")
            old_name = f"{full_name.split('/')[0]}/{old}" if isinstance(old, str) else ""
            if not is_repository_name(old_name):
                raise PayloadError("changes.repository.name.from is not a repository's name")
            removed, added = _Names([old_name], 0), _Names([full_name], 0)
    skipped = added.skipped + removed.skipped
    note = f" ({skipped} entries that name no repository skipped)" if skipped else ""
    if not added.names and not removed.names:
        return Routing(None, action, None, f"{event} {action} names no repository{note}")
    installation = _installation(payload)
    job = NewJob(
        "installation",
        f"installation/{installation}",
        {"installation_id": installation, "added": added.names, "removed": removed.names},
    )
    reason = f"sync {len(added.names)} new and forget {len(removed.names)} repositories{note}"
    return Routing(None, action, job, reason)
