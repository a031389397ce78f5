"""Applying a plan through the control plane client: one write per change, none for the rest.

Each write carries an ``Idempotency-Key`` derived from repository, commit, path and action, so
a retried or re-run apply of the same commit never does the same work twice. The repository's
last applied commit is recorded only when every write succeeded: a failed apply never blocks a
later retry of the same commit. The sync errors are saved even when recording that commit fails,
and a write's error never holds a secret of the config sent (a server may quote it back).

``--adopt``'s soft-deletes of the previous name's configs come last, and are skipped (and count
as failed) when any write before them failed or was refused: an apply that did not go through
leaves the old name's agents running, and a re-run retries.

Once a write gives up on reaching the control plane (its retries spent), the remaining writes
are not sent: they fail at once, saying so, and a re-run retries them all.

A write the control plane refuses for the file's content (a 422, which retrying cannot change)
is not a failure of the apply: it is that file's sync error, recorded like any invalid file's
(an orphan error, or its last good config kept), and the rest of the commit applies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from agentsync.client.api import Client
from agentsync.client.errors import ControlPlaneError, Invalid, Unreachable
from agentsync.config.loader import load_text
from agentsync.config.secrets import mask_data, secret_values
from agentsync.errors import AgentsyncError
from agentsync.sync.desired import capped
from agentsync.sync.model import Action, ApplyResult, Plan, commit_label
from agentsync.sync.state import SyncState

# An adopted config is soft-deleted only once every write of the new name went through.
_NOT_ADOPTED = "kept: not every write to {} went through (re-run to retry)"
# After a write that gave up on reaching the control plane (its retries spent), the rest would
# each spend theirs too: a dead control plane held an apply of 100 changes for minutes. Only
# no answer at all stops them: an error answered for one write (a 500 its content causes)
# may not be the others'.
_NOT_SENT = "not sent: the control plane could not be reached for an earlier write (re-run)"


class SyncBlocked(AgentsyncError):
    """The plan must not be applied (see its reasons). Trying again cannot change that: a pull
    request's preview is not retried either."""

    retryable = False


def idempotency_key(repository: str, commit: str, action: Action) -> str:
    fields = [repository, commit, action.path, action.kind, action.from_path or ""]
    if action.repository is not None:  # an adopted config: another repository's path
        fields.append(action.repository)
    material = "\0".join(fields)
    return "sync-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def _write(client: Client, plan: Plan, action: Action) -> None:
    """One write; its error holds none of the config's secrets (see ``_without_secrets``)."""
    try:
        _send(client, plan, action)
    except ControlPlaneError as error:
        raise _without_secrets(error, action) from None


def _without_secrets(error: ControlPlaneError, action: Action) -> ControlPlaneError:
    """``error`` with none of the secrets of the YAML ``action`` sent, which a server may echo
    in its answer: no value at a secret path (a variable's, an env's), no token-shaped text."""
    data = load_text(action.text, action.path).data if action.text else None
    kept = error.without(secret_values(data))
    return type(kept)(mask_data(kept.detail), status=kept.status, request_id=kept.request_id)


def _send(client: Client, plan: Plan, action: Action) -> None:
    key = idempotency_key(plan.repository, plan.commit, action)
    if action.kind in ("create", "update", "restore"):
        client.put_config(
            plan.repository, action.path, action.text or "", plan.commit, idempotency_key=key
        )
    elif action.kind == "move":
        client.move_config(action.config_id or "", action.path, idempotency_key=key)
    elif action.kind == "keep-last-good":
        client.record_sync_error(
            action.config_id or "",
            f"{action.path} is invalid at {commit_label(plan.commit)}; the last good config stays "
            "in force",
            plan.commit,
            list(action.diagnostics),
            idempotency_key=key,
        )
    elif action.kind == "soft-delete":
        client.delete_config(action.config_id or "", idempotency_key=key)


def _refused(
    client: Client, plan: Plan, action: Action, error: Invalid
) -> tuple[str, list[dict[str, Any]]]:
    """The sync error of a write refused for its content. A config that exists keeps its last
    good version, and the control plane records why, as for a file that is invalid here."""
    diagnostics = list(capped(error.diagnostics()))  # a server's, of any number
    if action.config_id is None:
        return "orphan-error", diagnostics
    kept = action._replace(kind="keep-last-good", diagnostics=tuple(diagnostics))
    _write(client, plan, kept)  # a failure here is the apply's: retried like any other
    return "keep-last-good", diagnostics


def _record_commit(
    client: Client, plan: Plan, last_applied: str | None
) -> ControlPlaneError | None:
    """Record ``plan``'s commit as the last applied one, unless it is already; the error, saying
    what failed, if the control plane would not."""
    if last_applied == plan.commit:
        return None
    try:
        client.set_repository_commit(plan.repository, plan.commit)
    except ControlPlaneError as error:
        return type(error)(
            f"every write went through, but the control plane did not record {plan.commit[:12]} "
            f"as the last applied commit of {plan.repository} (re-run to retry): {error}",
            status=error.status,
        )
    return None


def apply_plan(
    plan: Plan,
    client: Client,
    state: SyncState,
    *,
    last_applied: str | None = None,
    progress: Callable[[Action], None] | None = None,
) -> ApplyResult:
    """Execute every write of ``plan``; record orphans and, on success, the applied commit
    (unless ``last_applied`` says the control plane has it already: a no-op writes nothing)."""
    if plan.blocked:
        raise SyncBlocked("refusing to apply: " + "; ".join(plan.blocked))
    done: list[Action] = []
    failed: list[tuple[Action, str]] = []
    rejected: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    unreachable = False  # once a write gave up on reaching it, the rest are not sent
    for action in plan.writes:
        if unreachable:
            failed.append((action, _NOT_SENT))
        elif action.repository is not None and (failed or rejected):
            failed.append((action, _NOT_ADOPTED.format(plan.repository)))
        else:
            try:
                try:
                    _write(client, plan, action)
                except Invalid as error:
                    rejected[action.path] = _refused(client, plan, action, error)
                else:
                    done.append(action)
            except ControlPlaneError as error:
                failed.append((action, str(error)))
                unreachable = isinstance(error, Unreachable)
        if progress is not None:
            progress(action)
    # Every sync error of this commit: orphans, and configs kept at their last good version
    # (newly, or still: the same error again plans as "unchanged", diagnostics and all).
    errors = {
        a.path: (
            "orphan-error" if a.kind == "orphan-error" else "keep-last-good",
            list(a.diagnostics),
        )
        for a in plan.actions
        if a.diagnostics
    }
    state.set_errors(plan.repository, plan.commit, errors | rejected)
    unrecorded = None if failed else _record_commit(client, plan, last_applied)
    state.record_apply(
        plan.repository,
        plan.commit,
        "applied" if not failed and unrecorded is None else "failed",
        writes=len(plan.writes) - len(failed),
    )
    state.save()  # the sync errors are kept, whether or not the commit could be recorded
    if unrecorded is not None:
        raise unrecorded
    refused = tuple(
        (a, str(rejected[a.path][1][0].get("message", "refused")))
        for a in plan.writes
        if a.path in rejected and a.repository is None
    )
    return ApplyResult(tuple(done), tuple(failed), refused)
