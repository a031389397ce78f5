"""What each webhook delivery asks for: ``route`` over the recorded payloads."""

from __future__ import annotations

from typing import Any

import pytest

from agentsync.service.events import PayloadError, route
from agentsync.service.queue import NewJob
from tests.service.fake_github import webhook_payload

REPO = "octo-org/agents-repo"


def test_a_push_to_the_default_branch_is_a_sync() -> None:
    routing = route("push", webhook_payload("push", REPO, sha="a" * 40))
    assert routing.job == NewJob("push", REPO, {"installation_id": 42, "after": "a" * 40})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"ref": "refs/heads/feature"}, "not the default branch"),
        ({"ref": "refs/tags/v1"}, "not the default branch"),
        ({"deleted": True, "after": "0" * 40}, "deleted"),
    ],
)
def test_other_pushes_need_no_job(changes: dict[str, Any], reason: str) -> None:
    routing = route("push", webhook_payload("push", REPO) | changes)
    assert routing.job is None
    assert reason in routing.reason


@pytest.mark.parametrize("action", ["opened", "synchronize", "reopened"])
def test_pull_requests_that_change_code_are_linted(action: str) -> None:
    name = "pull_request.synchronize" if action == "synchronize" else "pull_request.opened"
    payload = webhook_payload(name, REPO, sha="b" * 40, number=9) | {"action": action}
    job = route("pull_request", payload).job
    assert job == NewJob(
        "pull_request", REPO, {"installation_id": 42, "number": 9, "head_sha": "b" * 40}
    )


@pytest.mark.parametrize("action", ["closed", "labeled", "edited"])
def test_other_pull_request_actions_need_no_job(action: str) -> None:
    payload = webhook_payload("pull_request.opened", REPO) | {"action": action}
    assert route("pull_request", payload).job is None


def test_installation_changes_add_and_forget_repositories() -> None:
    created = route("installation", webhook_payload("installation", REPO)).job
    assert created == NewJob(
        "installation", "installation/42", {"installation_id": 42, "added": [REPO], "removed": []}
    )
    deleted = webhook_payload("installation", REPO) | {"action": "deleted"}
    job = route("installation", deleted).job
    assert job is not None
    assert (job.payload["added"], job.payload["removed"]) == ([], [REPO])
    changed = {
        "action": "removed",
        "installation": {"id": 42},
        "repositories_added": [],
        "repositories_removed": [{"full_name": "octo-org/old"}],
    }
    job = route("installation_repositories", changed).job
    assert job is not None
    assert job.payload["removed"] == ["octo-org/old"]


def test_a_renamed_repository_is_forgotten_under_its_old_name_and_synced_under_the_new() -> None:
    payload = {
        "action": "renamed",
        "changes": {"repository": {"name": {"from": "old-name"}}},
        "repository": {"full_name": "octo-org/new-name", "default_branch": "main"},
        "installation": {"id": 42},
    }
    job = route("repository", payload).job
    assert job is not None
    assert (job.payload["added"], job.payload["removed"]) == (
        ["octo-org/new-name"],
        ["octo-org/old-name"],
    )


def test_other_events_need_no_job() -> None:
    assert route("ping", webhook_payload("ping")).job is None
    assert route("issues", {"action": "opened"}).job is None


@pytest.mark.parametrize(
    ("event", "payload", "message"),
    [
        ("push", [], "not a JSON object"),
        ("push", {"ref": "refs/heads/main"}, "repository.full_name"),
        ("pull_request", {"action": "opened", "repository": {"full_name": REPO}},
         "pull_request.number"),
        ("pull_request", {"action": "opened", "repository": {"full_name": REPO},
                          "pull_request": {"number": True}}, "positive integer"),
        ("repository", {"action": "renamed", "repository": {"full_name": REPO}}, "changes"),
    ],
)  # fmt: skip
def test_a_payload_missing_what_its_event_needs_is_named(
    event: str, payload: Any, message: str
) -> None:
    with pytest.raises(PayloadError, match=message):
        route(event, payload)
