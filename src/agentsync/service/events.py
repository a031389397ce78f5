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

A payload without what the event needs (``repository.full_name``, ``pull_request.number``...)
is a :class:`PayloadError` naming the missing field.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from agentsync.errors import AgentsyncError
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


def _installation(payload: dict[str, Any]) -> int | None:
    installation = payload.get("installation")
    if isinstance(installation, dict) and isinstance(installation.get("id"), int):
        return int(installation["id"])
    return None


def route(event: str, payload: Any) -> Routing:
    """The job for one delivery (see the module docstring)."""
    if not isinstance(payload, dict):
        raise PayloadError("the payload is not a JSON object")
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    repository_data = payload.get("repository")
    repository = None
    if isinstance(repository_data, dict) and isinstance(repository_data.get("full_name"), str):
        repository = repository_data["full_name"]
    if event == "push":
        return _push(payload, action)
    if event == "pull_request":
        return _pull_request(payload, action)
    if (event, action) in MEMBERSHIP_CHANGES:
        return _membership(event, payload, action)
    return Routing(repository, action, None, f"{event} events need no work")


def _push(payload: dict[str, Any], action: str | None) -> Routing:
    repository = _text(payload, "repository", "full_name")
    ref = _text(payload, "ref")
    default_branch = _text(payload, "repository", "default_branch")
    if ref != f"refs/heads/{default_branch}":
        return Routing(repository, action, None, f"{ref} is not the default branch")
    after = _field(payload, "after")
    if payload.get("deleted") is True or after == _ZERO_SHA:
        return Routing(repository, action, None, "the default branch was deleted")
    head = after if isinstance(after, str) else None  # for the log only: the job reads the head
    job = NewJob("push", repository, {"installation_id": _installation(payload), "after": head})
    return Routing(repository, action, job, "sync the default branch")


def _pull_request(payload: dict[str, Any], action: str | None) -> Routing:
    repository = _text(payload, "repository", "full_name")
    if action not in PULL_REQUEST_ACTIONS:
        return Routing(repository, action, None, f"pull_request {action} needs no lint")
    number = _field(payload, "pull_request", "number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise PayloadError("pull_request.number is not a positive integer")
    job = NewJob(
        "pull_request",
        repository,
        {
            "installation_id": _installation(payload),
            "number": number,
            "head_sha": _text(payload, "pull_request", "head", "sha"),
        },
    )
    return Routing(repository, action, job, "lint the pull request")


def _names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return sorted(
        {
            r["full_name"]
            for r in items
            if isinstance(r, dict) and isinstance(r.get("full_name"), str)
        }
    )


def _membership(event: str, payload: dict[str, Any], action: str | None) -> Routing:
    """Repositories the service gains or loses: an ``installation`` job."""
    added: list[str] = []
    removed: list[str] = []
    if event == "installation":
        (added if action == "created" else removed).extend(_names(payload.get("repositories")))
    elif event == "installation_repositories":
        added = _names(payload.get("repositories_added"))
        removed = _names(payload.get("repositories_removed"))
    else:  # repository deleted, archived or renamed
        full_name = _text(payload, "repository", "full_name")
        removed = [full_name]
        if action == "renamed":
            old = _field(payload, "changes", "repository", "name", "from")
            if not isinstance(old, str) or not old:
                raise PayloadError("changes.repository.name.from is not a non-empty string")
            removed = [f"{full_name.split('/')[0]}/{old}"]
            added = [full_name]
    if not added and not removed:
        return Routing(None, action, None, f"{event} {action} names no repository")
    installation = _installation(payload)
    job = NewJob(
        "installation",
        f"installation/{installation}",
        {"installation_id": installation, "added": added, "removed": removed},
    )
    reason = f"sync {len(added)} new and forget {len(removed)} repositories"
    return Routing(None, action, job, reason)
