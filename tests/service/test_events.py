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


def _push_with(**changes: Any) -> dict[str, Any]:
    payload = webhook_payload("push", REPO)
    payload["repository"] = {**payload["repository"], **changes.pop("repository", {})}
    payload["installation"] = {**payload["installation"], **changes.pop("installation", {})}
    return payload | changes


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (_push_with(repository={"full_name": "../x"}), "repository.full_name is not a repository"),
        (_push_with(repository={"full_name": "a/b/c"}), "not a repository name"),
        (_push_with(repository={"full_name": "a/b\0"}), "not a repository name"),
        (_push_with(installation={"id": "42"}), "installation.id is not a positive"),
        (_push_with(installation={"id": 10**30}), "installation.id is not a positive"),
        (_push_with(installation={"id": True}), "installation.id is not a positive"),
        (_push_with(installation={"id": -1}), "installation.id is not a positive"),
        (_push_with(installation={"node_id": "x", "id": None}), "installation.id"),
        (_push_with(action="x\0y"), "action is not a short printable string"),
    ],
)
def test_a_value_that_cannot_be_stored_or_used_is_named(payload: Any, message: str) -> None:
    """Nothing that would fail in the database (a NUL, an id over 64 bits) or name another
    repository (``../x``) gets as far as a job."""
    with pytest.raises(PayloadError, match=message):
        route("push", payload)


def test_a_pull_request_head_must_be_a_sha_and_its_number_fit() -> None:
    opened = webhook_payload("pull_request.opened", REPO, sha="b" * 40)
    opened["pull_request"]["head"]["sha"] = "b\0"
    with pytest.raises(PayloadError, match=r"pull_request\.head\.sha is not a commit sha"):
        route("pull_request", opened)
    opened["pull_request"].update(
        number=2**64, head={**opened["pull_request"]["head"], "sha": "b" * 40}
    )
    with pytest.raises(PayloadError, match=r"pull_request\.number"):
        route("pull_request", opened)


def test_a_push_whose_after_is_no_sha_still_syncs_without_it() -> None:
    routing = route("push", webhook_payload("push", REPO) | {"after": "x\0"})
    assert routing.job == NewJob("push", REPO, {"installation_id": 42, "after": None})


def test_an_ignored_event_keeps_no_odd_repository_name() -> None:
    assert route("ping", {"repository": {"full_name": "a/b\0"}}).repository is None


def test_membership_entries_that_name_no_repository_are_skipped_and_said() -> None:
    payload = webhook_payload("installation", REPO)
    payload["repositories"] = [{"full_name": "../etc"}, {"full_name": REPO}, "x"]
    routing = route("installation", payload)
    assert routing.job is not None
    assert routing.job.payload["added"] == [REPO]
    assert "2 entries that name no repository skipped" in routing.reason
    renamed = {
        "action": "renamed",
        "repository": {"full_name": REPO},
        "changes": {"repository": {"name": {"from": "x/../y"}}},
        "installation": {"id": 42},
    }
    with pytest.raises(PayloadError, match=r"changes\.repository\.name\.from"):
        route("repository", renamed)
