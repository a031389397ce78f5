"""The service's GitHub side against a stateful fake GitHub (real git repositories, loopback).

Each test pushes commits to a repository the fake hosts, opens a pull request, runs the report
and reads back what GitHub would hold: the check run and its annotations, the comments, and the
exact requests made.
"""

from __future__ import annotations

import math
import re
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agentsync.client.api import Client
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.result import FileResult, LintResult
from agentsync.localserver.server import LocalServer
from agentsync.service.github.client import (
    ChangedFile,
    GitHubClient,
    PullRequestReport,
    lint_files,
    report_pull_request,
)
from agentsync.service.github.credentials import AppCredentials, TokenCredentials, github_source
from agentsync.service.github.rendering import MARKER, comment_body
from agentsync.service.jobs import JobRunner
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.sync.sources.github import GitHubError
from agentsync.sync.sources.github_tokens import InstallationTokens
from tests.localserver.conftest import API_KEY, server_options
from tests.secret_samples import PIN, SAMPLES, leaky_config
from tests.service.fake_github import FakeGitHub, FakeRepo, git, webhook_payload
from tests.service.support import private_pem

REPO = "octo-org/agents-repo"
R = f"/repos/{REPO}"
TOKEN = "ghp_test0123456789abcdefSECRET"
APP_ID = 123
INSTALLATION = 42
VALID = (
    "ellipsis:\n  version: v1\n  name: Nightly audit\ntriggers:\n  - type: cron\n"
    '    schedule: "0 3 * * *"\nclaude:\n  system: Audit the dependencies.\n'
)
# type at 3:9 (ellipsis.name is a list); unknown-key at 9:3 ('sytem', with a hint).
BROKEN = VALID.replace("Nightly audit", "[not, a, string]") + "  sytem: Review.\n"
# budget-schedule (a warning) at 6:15: 24 runs a day, but limits allow 2.
WARNED = VALID.replace("0 3 * * *", "0 * * * *") + "limits:\n  run: 10\n  day: 20\n"


def many_unknown_keys(count: int) -> str:
    """A config with ``count`` unknown-key errors (and no other problem)."""
    return VALID + "".join(f"bogus{i}: 1\n" for i in range(count))


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture  # each test its own: the credentials keep their installation tokens
def app(app_key: rsa.RSAPrivateKey) -> AppCredentials:
    return AppCredentials(APP_ID, private_pem(app_key))


@pytest.fixture
def fake(tmp_path: Path, app_key: rsa.RSAPrivateKey) -> Iterator[FakeGitHub]:
    with FakeGitHub(tmp_path, token=TOKEN) as server:
        server.install_app(APP_ID, app_key.public_key(), INSTALLATION)
        yield server


@pytest.fixture
def repo(fake: FakeGitHub) -> FakeRepo:
    return fake.create_repo(REPO, {"agents/review.yaml": VALID, "README.md": "# agents\n"})


def as_app(fake: FakeGitHub, app: AppCredentials, number: int = 7) -> PullRequestReport:
    return report_pull_request(
        app,
        REPO,
        number,
        installation_id=INSTALLATION,
        base_url=fake.url,
        retries=0,
        seconds_between_writes=0,
    )


def as_token(fake: FakeGitHub, number: int = 7, token: str = TOKEN) -> PullRequestReport:
    return report_pull_request(
        TokenCredentials(token),
        REPO,
        number,
        base_url=fake.url,
        retries=0,
        seconds_between_writes=0,
    )


# -- a pull request with a broken config ----------------------------------------------------------


def test_a_broken_config_gets_a_failed_check_run_and_a_comment(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    head = repo.commit(
        {"agents/broken.yaml": BROKEN, "agents/review.yaml": WARNED, "x.txt": "x"},
        branch="feature",
    )
    fake.open_pull_request(repo, 7, "feature")

    report = as_app(fake, app)

    assert report == PullRequestReport(
        REPO, 7, head, "open", 2, 2, 1, report.check_run_id, report.comment_id, "created",
        "created",
    )  # fmt: skip
    # Exactly these calls: the token, the pull request, its files, two blobs, the lint
    # settings at the head (neither file exists), our check runs on the head (none yet), the
    # new check run, who we are (the App's slug), the comments (none of ours yet), the new
    # comment.
    assert fake.paths() == [
        f"POST /app/installations/{INSTALLATION}/access_tokens",
        f"GET {R}/pulls/7",
        f"GET {R}/pulls/7/files",
        *sorted(f"GET {R}/git/blobs/{sha}" for sha in blob_shas(repo, "feature")),
        f"GET {R}/contents/.agent-lint.yaml",
        f"GET {R}/contents/pyproject.toml",
        f"GET {R}/commits/{head}/check-runs",
        f"POST {R}/check-runs",
        "GET /app",
        f"GET {R}/issues/7/comments",
        f"POST {R}/issues/7/comments",
    ]
    assert fake.requests[-5].query == {"check_name": "agent-lint", "per_page": "100"}
    assert fake.requests[-3].authorization.startswith("Bearer ")  # type: ignore[union-attr]

    (run,) = fake.check_runs_on(REPO, head)
    assert run["id"] == report.check_run_id
    assert (run["name"], run["status"], run["conclusion"]) == ("agent-lint", "completed", "failure")
    assert run["output"]["title"] == "2 errors, 1 warning in 2 changed configs"
    assert head in run["output"]["summary"]
    assert [(a["path"], a["title"], a["annotation_level"]) for a in run["annotations"]] == [
        ("agents/broken.yaml", "type", "failure"),
        ("agents/broken.yaml", "unknown-key", "failure"),
        ("agents/review.yaml", "budget-schedule", "warning"),
    ]
    assert run["annotations"][1] == {
        "path": "agents/broken.yaml",
        "start_line": 9,
        "end_line": 9,
        "start_column": 3,
        "end_column": 3,
        "annotation_level": "failure",
        "message": "unknown key 'sytem' in claude: did you mean 'system'?",
        "title": "unknown-key",
        "raw_details": "hint: keys allowed here: model, system",
    }
    assert "raw_details" not in run["annotations"][0]  # no hint

    (comment,) = fake.comments_on(REPO, 7)
    assert comment["id"] == report.comment_id
    body = comment["body"]
    assert body.startswith(MARKER)
    assert f"**2 errors, 1 warning in 2 changed configs** at `{head}`." in body
    files = f"https://github.com/{REPO}/blob/{head}"  # each location links to its line
    assert (
        f"| [agents/broken.yaml:9:3]({files}/agents/broken.yaml#L9) | error | unknown-key | "
        "unknown key 'sytem' in claude: did you mean 'system'?<br>hint: keys allowed here: "
        "model, system |"
    ) in body
    assert (
        f"| [agents/broken.yaml:3:9]({files}/agents/broken.yaml#L3) | error | type | "
        "ellipsis.name must be a string"
    ) in body
    assert f"| [agents/review.yaml:6:15]({files}/agents/review.yaml#L6) | warning |" in body
    assert (comment["user"]["login"], comment["user"]["type"]) == ("agentsync[bot]", "Bot")


def blob_shas(repo: FakeRepo, branch: str) -> set[str]:
    """The blob shas of the config files that ``branch`` changes (what the report fetches)."""
    listing = git(repo.path, "diff", "--name-only", f"main...{branch}").decode().split()
    configs = [p for p in listing if p.startswith("agents/")]
    return {git(repo.path, "rev-parse", f"{branch}:{p}").decode().strip() for p in configs}


@pytest.mark.parametrize("problems", [50, 51, 149])
def test_annotations_go_fifty_per_request(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials, problems: int
) -> None:
    head = repo.commit({"agents/many.yaml": many_unknown_keys(problems)}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    report = as_app(fake, app)

    assert report.errors == problems
    requests = fake.requests_to("POST", f"{R}/check-runs") + fake.requests_to(
        "PATCH", rf"{R}/check-runs/\d+"
    )
    assert len(requests) == math.ceil(problems / 50)
    batches = [r.json["output"]["annotations"] for r in requests]
    assert all(len(batch) <= 50 for batch in batches)
    assert [len(b) for b in batches[:-1]] == [50] * (len(batches) - 1)
    # Every update repeats the title and the summary, as GitHub requires.
    outputs = {(r.json["output"]["title"], r.json["output"]["summary"]) for r in requests}
    assert len(outputs) == 1
    (run,) = fake.check_runs_on(REPO, head)
    assert len(run["annotations"]) == run["output"]["annotations_count"] == problems
    lines = [a["start_line"] for a in run["annotations"]]
    assert lines == sorted(lines)  # in file order, none lost or repeated
    assert len(set(lines)) == problems


# -- one comment, updated in place ----------------------------------------------------------------


def test_the_comment_is_created_once_then_updated_in_place(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    first = repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.post_comment(REPO, 7, "Looks good to me")  # someone else's comment stays alone

    created = as_app(fake, app)
    second = repo.commit({"agents/broken.yaml": VALID}, branch="feature")  # push a fix
    updated = as_app(fake, app)
    unchanged = as_app(fake, app)

    assert created.comment == "created"
    assert updated.comment == "updated"
    assert unchanged.comment == "unchanged"
    assert created.comment_id == updated.comment_id == unchanged.comment_id
    assert len(fake.requests_to("POST", rf"{R}/issues/7/comments")) == 1
    assert len(fake.requests_to("PATCH", rf"{R}/issues/comments/\d+")) == 1
    comments = fake.comments_on(REPO, 7)
    ours = [c for c in comments if c["body"].startswith(MARKER)]
    assert len(comments) == 2
    assert len(ours) == 1
    assert f"`{second}`" in ours[0]["body"]
    assert first not in ours[0]["body"]
    assert "The changed config is valid" in ours[0]["body"]
    assert "- `agents/broken.yaml`: now valid" in ours[0]["body"]  # fixed, and still said so
    # One check run per head, even for a head reported twice.
    assert [r["conclusion"] for r in fake.check_runs_on(REPO, first)] == ["failure"]
    assert [r["conclusion"] for r in fake.check_runs_on(REPO, second)] == ["success"]
    assert (updated.check_run, unchanged.check_run) == ("created", "unchanged")
    assert updated.check_run_id == unchanged.check_run_id
    # Who we are is asked once per client (one report), not once per comment page.
    assert len(fake.requests_to("GET", "/app")) == 3


def test_our_comment_is_found_on_a_later_page(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    for i in range(120):
        fake.post_comment(REPO, 7, f"comment {i}")
    as_app(fake, app)

    report = as_app(fake, app, number=7)

    assert report.comment == "unchanged"
    assert fake.requests[-1].path == f"{R}/issues/7/comments"
    assert fake.requests[-1].query == {"per_page": "100", "page": "2"}
    assert len(fake.comments_on(REPO, 7)) == 121
    assert len(fake.requests_to("GET", "/app")) == 2  # once per report, not per page


def test_a_marker_comment_by_someone_else_is_not_ours(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    """Anyone can start a comment with the marker: only ours (by our bot) is edited."""
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    forged = f"{MARKER}\n## agent-lint\n\nAll good, merge away!"
    by_someone = fake.post_comment(REPO, 7, forged)  # the pull request's author
    by_a_user_named_like_us = fake.post_comment(REPO, 7, forged, user=fake.user("agentsync"))
    by_another_app = fake.post_comment(REPO, 7, forged, user=fake.bot_user() | {"login": "x[bot]"})
    # The token's user is not the App's bot either (a user, not a Bot).
    by_our_token_user = fake.post_comment(REPO, 7, forged, user=fake.user())

    created = as_app(fake, app)
    repo.commit({"agents/broken.yaml": VALID}, branch="feature")
    updated = as_app(fake, app)

    assert (created.comment, updated.comment) == ("created", "updated")
    assert created.comment_id == updated.comment_id
    assert created.comment_id not in (by_someone, by_a_user_named_like_us, by_another_app)
    for forged_id in (by_someone, by_a_user_named_like_us, by_another_app, by_our_token_user):
        assert fake.comments[forged_id]["body"] == forged  # left alone
    ours = fake.comments[created.comment_id]  # type: ignore[index]
    assert (ours["user"]["login"], ours["user"]["type"]) == ("agentsync[bot]", "Bot")
    assert "The changed config is valid" in ours["body"]
    assert len(fake.comments_on(REPO, 7)) == 5
    assert len(fake.requests_to("PATCH", rf"{R}/issues/comments/\d+")) == 1


def test_with_a_token_our_comment_is_the_token_users(fake: FakeGitHub, repo: FakeRepo) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    forged = f"{MARKER}\nnothing to see"
    by_someone = fake.post_comment(REPO, 7, forged)
    by_the_bot = fake.post_comment(REPO, 7, forged, user=fake.bot_user())
    for i in range(110):  # ours lands on the second page
        fake.post_comment(REPO, 7, f"comment {i}")

    created = as_token(fake)
    repo.commit({"agents/broken.yaml": VALID}, branch="feature")
    updated = as_token(fake)

    assert (created.comment, updated.comment) == ("created", "updated")
    assert created.comment_id == updated.comment_id
    assert fake.comments[by_someone]["body"] == fake.comments[by_the_bot]["body"] == forged
    ours = fake.comments[created.comment_id]  # type: ignore[index]
    assert (ours["user"]["login"], ours["user"]["type"]) == (fake.token_login, "User")
    assert fake.requests_to("GET", "/user")[0].authorization == f"token {TOKEN}"
    assert len(fake.requests_to("GET", "/user")) == 2  # once per report
    pages = [r.query.get("page") for r in fake.requests_to("GET", rf"{R}/issues/7/comments")]
    assert pages == [None, "2", None, "2"]


def test_who_we_are_is_asked_once_per_client(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.open_pull_request(repo, 8, "feature")

    with GitHubClient(app, installation_id=INSTALLATION, base_url=fake.url, retries=0) as github:
        first = github.report_pull_request(REPO, 7)
        second = github.report_pull_request(REPO, 8)
        again = github.report_pull_request(REPO, 7)

    assert (first.comment, second.comment, again.comment) == ("created", "created", "unchanged")
    assert len(fake.requests_to("GET", "/app")) == 1


def test_token_credentials_post_only_the_comment(fake: FakeGitHub, repo: FakeRepo) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    report = as_token(fake)

    assert (report.check_run_id, report.check_run) == (None, "none")
    assert report.comment == "created"
    assert not [p for p in fake.paths() if "check-runs" in p or "/app" in p]
    assert {r.authorization for r in fake.requests} == {f"token {TOKEN}"}
    (comment,) = fake.comments_on(REPO, 7)
    assert (comment["user"]["login"], comment["user"]["type"]) == (fake.token_login, "User")
    assert "unknown-key" in comment["body"]


def test_a_clean_pull_request(fake: FakeGitHub, repo: FakeRepo, app: AppCredentials) -> None:
    repo.commit({"agents/old.yaml": "ellipsis: {version: v1, name: Old, enabled: false}\n"})
    repo.commit(
        {
            "agents/a.yaml": VALID.replace("Nightly audit", "A"),
            ".agents/b.yml": VALID.replace("Nightly audit", "B"),
            "agents/old.yaml": None,
        },
        branch="feature",
    )
    fake.open_pull_request(repo, 7, "feature")

    report = as_app(fake, app)

    assert (report.files_linted, report.errors, report.warnings) == (2, 0, 0)
    (run,) = fake.check_runs_on(REPO)
    assert run["conclusion"] == "success"
    assert run["output"]["title"] == "all 2 changed configs are valid"
    assert run["annotations"] == []
    (comment,) = fake.comments_on(REPO, 7)
    assert "All 2 changed configs are valid" in comment["body"]
    assert "1 removed config not checked" in comment["body"]
    assert "| Location |" not in comment["body"]


def test_a_renamed_config_is_linted_at_its_new_path(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    repo.commit({"agents/review.yaml": None, "ellipsis/review.yaml": VALID}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    with GitHubClient(app, installation_id=INSTALLATION, base_url=fake.url, retries=0) as github:
        changed = github.changed_config_files(REPO, 7)

    assert changed == [
        ChangedFile(
            "ellipsis/review.yaml", "renamed", changed[0].sha, "agents/review.yaml", VALID.encode()
        )
    ]


# -- no config changed ----------------------------------------------------------------------------


def test_no_config_change_gets_a_neutral_check_run_and_no_comment(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    head = repo.commit(
        {"README.md": "# changed\n", "docs/agents/x.yaml": "x: 1\n"}, branch="feature"
    )
    fake.open_pull_request(repo, 7, "feature")

    report = as_app(fake, app)

    assert (report.files_linted, report.comment, report.comment_id) == (0, "none", None)
    (run,) = fake.check_runs_on(REPO, head)
    assert (run["conclusion"], run["output"]["title"]) == ("neutral", "no agent config changed")
    assert fake.comments_on(REPO, 7) == []
    assert not fake.requests_to("GET", rf"{R}/git/blobs/.*")


def test_no_config_change_updates_a_previous_comment(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    as_token(fake)
    repo.commit({"agents/broken.yaml": None}, branch="feature")  # the config is dropped

    report = as_token(fake)

    assert report.comment == "updated"
    (comment,) = fake.comments_on(REPO, 7)
    assert "No agent config changed" in comment["body"]


def test_a_closed_pull_request_is_left_alone(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    head = repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature").state = "closed"

    report = as_app(fake, app)

    assert (report.head_sha, report.state, report.comment) == (head, "closed", "none")
    assert fake.paths()[1:] == [f"GET {R}/pulls/7"]


def test_the_head_is_read_when_the_job_runs(fake: FakeGitHub, repo: FakeRepo) -> None:
    """Level-triggered: a push after the webhook is what gets reported."""
    stale = repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    webhook = webhook_payload("pull_request.opened", REPO, sha=stale, branch="feature")
    fresh = repo.commit({"agents/broken.yaml": VALID}, branch="feature")

    with GitHubClient(TokenCredentials(TOKEN), base_url=fake.url) as github:
        head = github.pull_request_head(REPO, webhook["number"])

    assert webhook["pull_request"]["head"]["sha"] == stale
    assert head == (fresh, "open", "main", f"https://github.com/{REPO}")


def test_many_changed_files_are_read_page_by_page(fake: FakeGitHub, repo: FakeRepo) -> None:
    files: dict[str, str | bytes | None] = {f"docs/{i}.md": f"{i}\n" for i in range(150)}
    files["agents/zz.yaml"] = BROKEN
    repo.commit(files, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    with GitHubClient(TokenCredentials(TOKEN), base_url=fake.url) as github:
        changed = github.changed_config_files(REPO, 7)

    assert [f.path for f in changed] == ["agents/zz.yaml"]
    pages = fake.requests_to("GET", rf"{R}/pulls/7/files")
    assert [r.query for r in pages] == [{"per_page": "100"}, {"per_page": "100", "page": "2"}]


def test_pages_that_never_end_are_not_read_forever(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    """A list is read by page number until a page is short: GitHub's 3,000 files of a pull
    request at the most, and an error past the comments or check runs a pull request has."""
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.post_comment(REPO, 7, "Looks good to me")
    fake.endless_pages = True
    with GitHubClient(TokenCredentials(TOKEN), base_url=fake.url) as github:
        assert [f.path for f in github.changed_config_files(REPO, 7)] == [
            "agents/broken.yaml"
        ] * 3000
        with pytest.raises(
            GitHubError,
            match=r"pages of the comments of pull request #7 do not end: stopped after 300",
        ):
            github.our_comment(REPO, 7)
    assert len(fake.requests_to("GET", rf"{R}/pulls/7/files")) == 30
    assert len(fake.requests_to("GET", rf"{R}/issues/7/comments")) == 300


def test_check_runs_that_never_end_are_not_read_forever(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    as_app(fake, app)  # our check run is there
    fake.endless_pages = True
    with pytest.raises(GitHubError, match=r"check runs on \w+ do not end: stopped after 10"):
        as_app(fake, app)
    assert len(fake.requests_to("GET", r".*/check-runs")) == 1 + 10


# -- errors ---------------------------------------------------------------------------------------


def test_bad_credentials_are_permanent(fake: FakeGitHub, repo: FakeRepo) -> None:
    wrong = "ghp_wrong0123456789abcdefSECRET"
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    with pytest.raises(GitHubError) as caught:
        as_token(fake, token=wrong)

    error = caught.value
    assert (error.status, error.retryable) == (401, False)
    assert str(error) == (
        "GitHub rejected the credentials (token) with HTTP 401 while reading pull request #7 "
        f"of {REPO} from {fake.url}"
    )
    assert wrong not in str(error)
    assert wrong not in repr(error)


def test_an_unknown_installation_is_permanent(fake: FakeGitHub, app: AppCredentials) -> None:
    with pytest.raises(GitHubError) as caught:
        report_pull_request(app, REPO, 7, installation_id=99, base_url=fake.url, retries=0)

    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert "BEGIN" not in str(caught.value)


def test_a_missing_pull_request_is_permanent(fake: FakeGitHub, repo: FakeRepo) -> None:
    with pytest.raises(GitHubError, match=r"HTTP 404 while reading pull request #8") as caught:
        as_token(fake, number=8)

    assert caught.value.retryable is False


def test_server_errors_are_retryable(fake: FakeGitHub, repo: FakeRepo) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.fail_next(f"{R}/pulls/7/files", times=5, status=502)

    with pytest.raises(GitHubError) as caught:
        as_token(fake)

    error = caught.value
    assert error.retryable is True
    assert str(error) == (
        "GitHub kept failing (too many 502 error responses) while reading the files of pull "
        f"request #7 of {REPO} from {fake.url}"
    )
    assert TOKEN not in str(error)
    assert fake.comments_on(REPO, 7) == []


def test_a_failed_write_is_retryable_and_a_retry_does_not_duplicate_the_comment(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    as_app(fake, app)
    repo.commit({"agents/broken.yaml": VALID}, branch="feature")
    fake.fail_next(f"{R}/check-runs", status=500, method="POST")  # writes are not retried

    with pytest.raises(GitHubError) as caught:
        as_app(fake, app)
    retried = as_app(fake, app)  # the worker's next attempt

    assert (caught.value.status, caught.value.retryable) == (500, True)
    assert "HTTP 500 while creating check run 'agent-lint' on" in str(caught.value)
    assert retried.comment == "updated"
    assert len(fake.comments_on(REPO, 7)) == 1
    assert len(fake.check_runs_on(REPO, retried.head_sha)) == 1


# -- one check run per head, whatever the retries --------------------------------------------------


def test_a_retry_after_the_check_run_does_not_add_another(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    """The check run is made, then the comment fails: the job's retry finds our run."""
    head = repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.fail_next(f"{R}/issues/7/comments", status=502, method="POST")

    with pytest.raises(GitHubError) as caught:
        as_app(fake, app)
    retried = as_app(fake, app)  # the worker's next attempt
    again = as_app(fake, app)

    assert (caught.value.status, caught.value.retryable) == (502, True)
    assert (retried.check_run, retried.comment) == ("unchanged", "created")
    assert (again.check_run, again.comment) == ("unchanged", "unchanged")
    (run,) = fake.check_runs_on(REPO, head)
    assert run["id"] == retried.check_run_id == again.check_run_id
    assert [(a["start_line"], a["title"]) for a in run["annotations"]] == [
        (3, "type"),
        (9, "unknown-key"),
    ]
    assert run["output"]["annotations_count"] == 2
    assert len(fake.requests_to("POST", f"{R}/check-runs")) == 1
    assert not fake.requests_to("PATCH", rf"{R}/check-runs/\d+")
    assert len(fake.comments_on(REPO, 7)) == 1


def test_a_retry_between_annotation_batches_sends_the_missing_ones(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    head = repo.commit({"agents/many.yaml": many_unknown_keys(149)}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.fail_next(re.compile(rf"{R}/check-runs/\d+"), status=502, method="PATCH")

    with pytest.raises(GitHubError, match=r"HTTP 502 while updating check run \d+ "):
        as_app(fake, app)  # the run holds the first 50 annotations
    retried = as_app(fake, app)

    assert retried.check_run == "resumed"
    (run,) = fake.check_runs_on(REPO, head)
    lines = [a["start_line"] for a in run["annotations"]]
    assert len(lines) == len(set(lines)) == run["output"]["annotations_count"] == 149
    assert lines == sorted(lines)  # none lost or repeated
    patches = fake.requests_to("PATCH", rf"{R}/check-runs/{run['id']}")
    assert [len(r.json["output"]["annotations"]) for r in patches] == [50, 50, 49]  # 1st failed
    assert as_app(fake, app).check_run == "unchanged"


def test_another_apps_check_run_is_not_ours(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    head = repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    theirs = fake.add_check_run(REPO, head, app_id=999, slug="impostor", conclusion="success")

    first = as_app(fake, app)
    second = as_app(fake, app)

    assert (first.check_run, second.check_run) == ("created", "unchanged")
    assert first.check_run_id == second.check_run_id != theirs
    runs = {r["id"]: r for r in fake.check_runs_on(REPO, head)}
    assert runs[theirs]["conclusion"] == "success"  # left alone
    assert runs[first.check_run_id]["conclusion"] == "failure"
    assert runs[first.check_run_id]["app"]["id"] == APP_ID


def test_a_changed_result_for_the_same_head(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new linter, say, between two reports on one head. A run without annotations is
    rewritten in place; one with annotations cannot lose them, so a new run supersedes it."""
    import agentsync.service.github.client as service_github

    head = repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    lint = service_github.lint_files
    monkeypatch.setattr(
        service_github,
        "lint_files",
        lambda files, settings: lint({p: VALID.encode() for p in files}, settings),
    )
    clean = as_app(fake, app)  # no annotations
    monkeypatch.setattr(service_github, "lint_files", lint)
    broken = as_app(fake, app)  # rewritten in place, with its annotations
    monkeypatch.setattr(
        service_github,
        "lint_files",
        lambda files, settings: lint({p: WARNED.encode() for p in files}, settings),
    )
    warned = as_app(fake, app)  # the annotations would be stale: a new run

    assert (clean.check_run, broken.check_run, warned.check_run) == (
        "created",
        "updated",
        "created",
    )
    assert clean.check_run_id == broken.check_run_id != warned.check_run_id
    old, new = sorted(fake.check_runs_on(REPO, head), key=lambda r: r["id"])
    assert (old["conclusion"], old["output"]["annotations_count"]) == ("failure", 2)
    assert old["output"]["title"] == "2 errors, 0 warnings in 1 changed config"
    assert (new["conclusion"], new["output"]["annotations_count"]) == ("success", 1)
    assert [a["title"] for a in new["annotations"]] == ["budget-schedule"]
    # What GitHub shows: the newest run of ours, the accurate one.
    listed = httpx_get(fake, app, f"{R}/commits/{head}/check-runs")
    assert [r["id"] for r in listed["check_runs"]] == [new["id"]]
    assert as_app(fake, app).check_run == "unchanged"


def httpx_get(fake: FakeGitHub, app: AppCredentials, path: str) -> Any:
    import httpx

    response = httpx.get(
        f"{fake.url}{path}",
        headers={"Authorization": f"token {_installation_token(fake, app)}"},
    )
    assert response.status_code == 200
    return response.json()


# -- secrets ---------------------------------------------------------------------------------------


def test_a_hardcoded_secret_never_reaches_github(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    api_key = "sk-live-" + "Zq7Xw9Vb2Nm4Kp6Lr8Ts" * 2
    password = "hunter2-correct-horse"
    config = (
        VALID
        + "sandbox:\n  variables:\n"
        + f"    - name: API_KEY\n      value: {api_key}\n"
        + f'    - {{name: DB_PASSWORD, value: "{password}"}}\n'
    )
    head = repo.commit({"agents/leaky.yaml": config}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    report = as_app(fake, app)

    assert report.errors == 2
    (run,) = fake.check_runs_on(REPO, head)
    assert [a["title"] for a in run["annotations"]] == ["hardcoded-secret"] * 2
    assert "API_KEY has an inline secret value" in run["annotations"][0]["message"]
    (comment,) = fake.comments_on(REPO, 7)
    assert "hardcoded-secret" in comment["body"]
    shown = [run["name"], run["output"], run["annotations"], comment["body"]]
    sent = [r.json for r in fake.requests if r.json is not None]  # every body sent to GitHub
    for secret in (api_key, password, api_key[:16], password[:8]):
        assert secret not in repr(shown)
        assert secret not in repr(sent)


def test_no_secret_reaches_github_whichever_rule_reports_its_line(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    files = {f"agents/{sample.name}.yaml": leaky_config(sample)[0] for sample in SAMPLES}
    head = repo.commit(files, branch="feature")
    fake.open_pull_request(repo, 7, "feature")

    report = as_app(fake, app)

    expected = {
        (f"agents/{sample.name}.yaml", line, rule)
        for sample in SAMPLES
        for rule, line in leaky_config(sample)[1]
    }
    assert report.errors == len(expected)
    (run,) = fake.check_runs_on(REPO, head)
    assert {(a["path"], a["start_line"], a["title"]) for a in run["annotations"]} == expected
    (comment,) = fake.comments_on(REPO, 7)
    assert "agents/github-token.yaml:7:7" in comment["body"]
    sent = repr([r.json for r in fake.requests if r.json is not None])  # every body sent
    for sample in SAMPLES:
        assert not sample.leaked_in(sent)
    assert PIN not in sent


def test_a_transient_error_is_retried_within_the_call(fake: FakeGitHub, repo: FakeRepo) -> None:
    repo.commit({"agents/broken.yaml": BROKEN}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    fake.fail_next(f"{R}/pulls/7", status=502)

    report = report_pull_request(TokenCredentials(TOKEN), REPO, 7, base_url=fake.url, retries=1)

    assert report.comment == "created"
    assert fake.paths()[:2] == [f"GET {R}/pulls/7", f"GET {R}/pulls/7"]


def test_a_rate_limit_is_retryable(fake: FakeGitHub, repo: FakeRepo) -> None:
    fake.open_pull_request(repo, 7, "main")
    fake.fail_next(f"{R}/pulls/7", status=429)

    with pytest.raises(GitHubError) as caught:
        as_token(fake)

    assert (caught.value.status, caught.value.retryable) == (429, True)


@pytest.mark.parametrize("status", [403, 429, 503])
def test_a_retry_after_longer_than_a_call_waits_fails_at_once(
    fake: FakeGitHub, repo: FakeRepo, status: int
) -> None:
    """urllib3 would sleep out any Retry-After up to six hours: the worker hung that long."""
    fake.fail_next(R, 3, status=status, headers={"Retry-After": "1000000000"})
    source = github_source(TokenCredentials(TOKEN), REPO, base_url=fake.url, retries=2)
    failed: list[GitHubError] = []
    thread = threading.Thread(target=lambda: failed.append(raises(source.snapshot)), daemon=True)
    thread.start()
    thread.join(timeout=20)

    assert not thread.is_alive(), "the call is still waiting out the Retry-After"
    assert "GitHub asked to wait over 60 s (Retry-After: 1000000000)" in str(failed[0])
    assert failed[0].retryable is True
    assert fake.paths() == [f"GET {R}"]


def test_a_retry_after_that_is_no_number_gets_the_usual_backoff(
    fake: FakeGitHub, repo: FakeRepo
) -> None:
    fake.fail_next(R, 1, status=429, headers={"Retry-After": "-5"})
    snapshot = github_source(TokenCredentials(TOKEN), REPO, base_url=fake.url, retries=1).snapshot()
    assert snapshot.commit == repo.head()


def test_a_redirect_to_another_server_is_not_followed(fake: FakeGitHub, repo: FakeRepo) -> None:
    """PyGithub refuses it with a RuntimeError, which was an internal error, retried."""
    elsewhere = {"Location": f"http://elsewhere.example{R}"}
    fake.fail_next(R, 1, status=301, headers=elsewhere)
    failed = raises(github_source(TokenCredentials(TOKEN), REPO, base_url=fake.url).snapshot)
    assert str(failed) == (
        f"GitHub redirected elsewhere while reading the repository of {REPO} from {fake.url}: "
        "not followed (is the API URL right?)"
    )
    assert failed.retryable is False


def raises(call: Callable[[], object]) -> GitHubError:
    with pytest.raises(GitHubError) as caught:
        call()
    return caught.value


def test_an_unreachable_github_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    with pytest.raises(GitHubError, match="cannot reach GitHub") as caught:
        report_pull_request(
            TokenCredentials(TOKEN), REPO, 7, base_url=f"http://127.0.0.1:{port}", retries=0
        )

    assert caught.value.retryable is True
    assert TOKEN not in str(caught.value)


def test_app_credentials_need_an_installation(app: AppCredentials) -> None:
    with pytest.raises(GitHubError, match="needs an installation id") as caught:
        github_source(app, REPO)
    assert caught.value.retryable is False


def test_secrets_stay_out_of_reprs(app: AppCredentials) -> None:
    token_client = GitHubClient(TokenCredentials(TOKEN))
    app_client = GitHubClient(app, installation_id=INSTALLATION)

    assert TOKEN not in repr(token_client)
    assert "PRIVATE KEY" not in repr(app_client)
    assert repr(app_client) == (
        "GitHubClient(credentials=AppCredentials(app_id=123), installation_id=42, "
        "base_url='https://api.github.com')"
    )
    assert "installation 42" in repr(app_client.source(REPO))


# -- commit order through the compare API ---------------------------------------------------------


def test_order(fake: FakeGitHub, repo: FakeRepo, app: AppCredentials) -> None:
    base = repo.head()
    ahead = repo.commit({"agents/a.yaml": VALID}, branch="feature")
    newer_main = repo.commit({"README.md": "newer\n"})
    source = github_source(app, REPO, installation_id=INSTALLATION, base_url=fake.url)

    assert source.order(base, ahead) == "ahead"
    assert source.order(ahead, ahead) == "identical"
    assert source.order(ahead, base) == "behind"
    assert source.order(ahead, newer_main) == "diverged"
    compares = fake.requests_to("GET", rf"{R}/compare/.*")
    assert compares[0].path == f"{R}/compare/{base}...{ahead}"
    assert len(compares) == 4


# -- what a sync costs: installation tokens and blobs --------------------------------------------


def test_an_installation_token_serves_every_job_until_it_nears_expiry(
    fake: FakeGitHub, repo: FakeRepo, app_key: rsa.RSAPrivateKey
) -> None:
    now = [datetime.now(UTC)]
    tokens = InstallationTokens(clock=lambda: now[0])
    app = AppCredentials(APP_ID, private_pem(app_key), tokens=tokens)

    def sync_reads() -> None:  # what one sync job reads: a snapshot, then the commit order
        source = github_source(app, REPO, installation_id=INSTALLATION, base_url=fake.url)
        snapshot = source.snapshot()
        source.order(snapshot.commit, snapshot.commit)

    def tokens_issued() -> int:
        return len(fake.requests_to("POST", r"/app/installations/\d+/access_tokens"))

    for _ in range(3):
        sync_reads()
    assert tokens_issued() == 1
    now[0] += timedelta(minutes=54)  # 6 minutes left: still used
    sync_reads()
    assert tokens_issued() == 1
    now[0] += timedelta(minutes=2)  # 4 minutes left: replaced before it can expire mid-job
    fake.token_lifetime += 56 * 60  # tokens GitHub issues now last an hour on our clock
    sync_reads()
    assert tokens_issued() == 2

    fake.installation_tokens.clear()  # revoked on GitHub's side
    with pytest.raises(GitHubError, match="HTTP 401"):
        sync_reads()
    sync_reads()  # the refused token was forgotten: the next job asks for a new one
    assert tokens_issued() == 3
    assert "ghs_" not in repr(app) + repr(app.tokens)


def test_a_sync_downloads_only_the_blobs_the_cache_lacks(
    tmp_path: Path, fake: FakeGitHub, app: AppCredentials
) -> None:
    files = {
        f"agents/a{n:02}.yaml": VALID.replace("Nightly audit", f"Agent {n}") for n in range(20)
    }
    repo = fake.create_repo(REPO, files)
    store = SQLiteServiceStore(tmp_path / "service.db")
    source = github_source(
        app, REPO, installation_id=INSTALLATION, base_url=fake.url, blob_cache=store
    )

    def blob_reads() -> int:
        return len(fake.requests_to("GET", rf"{R}/git/blobs/.*"))

    first = source.snapshot()
    assert blob_reads() == 20
    assert source.snapshot() == first  # everything from the cache
    assert blob_reads() == 20
    repo.commit({"agents/a07.yaml": VALID.replace("Nightly audit", "Changed")})
    changed = source.snapshot()
    assert blob_reads() == 21  # the one changed file
    assert changed.files["agents/a07.yaml"] == VALID.replace("Nightly audit", "Changed").encode()

    # A cached blob that does not match its sha is never used: it is read again.
    sha = git(repo.path, "rev-parse", "HEAD:agents/a03.yaml").decode().strip()
    with sqlite3.connect(tmp_path / "service.db") as db:
        db.execute("UPDATE blob_cache SET content = ? WHERE sha = ?", (b"tampered", sha))
    db.close()
    assert source.snapshot() == changed
    assert blob_reads() == 22
    store.close()


def test_a_pull_requests_file_over_the_size_limit_is_reported_but_never_cached(
    tmp_path: Path, fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    """GitHub's list of a pull request's files gives no size: a 2 MiB config was downloaded,
    linted as too large, and then kept in the service's blob cache as well."""
    huge = VALID + "#" * (2 * 1024 * 1024) + "\n"
    head = repo.commit(
        {"agents/huge.yaml": huge, "agents/small.yaml": VALID.replace("Nightly", "Small")},
        branch="feature",
    )
    fake.open_pull_request(repo, 7, "feature")
    store = SQLiteServiceStore(tmp_path / "service.db")
    huge_sha, small_sha = (
        git(repo.path, "rev-parse", f"{head}:agents/{name}.yaml").decode().strip()
        for name in ("huge", "small")
    )

    report = report_pull_request(
        app, REPO, 7, installation_id=INSTALLATION, base_url=fake.url, blob_cache=store
    )

    assert (report.files_linted, report.errors) == (2, 1)
    (comment,) = fake.comments_on(REPO, 7)
    assert f"file is {len(huge):,} bytes, over the 1,048,576-byte limit" in comment["body"]
    assert store.cached_blobs([huge_sha, small_sha]) == {
        small_sha: VALID.replace("Nightly", "Small").encode()
    }
    store.close()


def test_a_one_file_push_costs_five_github_calls(
    tmp_path: Path, fake: FakeGitHub, app: AppCredentials
) -> None:
    files = {f"agents/a{n:02}.yaml": VALID.replace("Nightly audit", f"A{n}") for n in range(30)}
    repo = fake.create_repo(REPO, files)
    store = SQLiteServiceStore(tmp_path / "service.db")
    with (
        LocalServer(server_options(tmp_path, cron_interval=None)) as control_plane,
        Client(control_plane.url, API_KEY) as client,
    ):
        runner = JobRunner(store, app, client, fake.url, seconds_between_writes=0)
        assert runner.sync(REPO, INSTALLATION, lambda: None) == "applied"
        for n in range(3):
            repo.commit({f"agents/a{n:02}.yaml": VALID.replace("Nightly audit", f"B{n}")})
            fake.requests.clear()
            assert runner.sync(REPO, INSTALLATION, lambda: None) == "applied"
            assert client.get_repository_commit(REPO) == repo.head()
            # The repository, the commit, its tree, the one changed blob, the commit order.
            assert len(fake.requests) == 5, fake.paths()
            assert len(fake.requests_to("GET", rf"{R}/git/blobs/.*")) == 1
    store.close()


# -- the report's text ----------------------------------------------------------------------------


def test_lint_files_lints_bytes_in_path_order() -> None:
    result = lint_files({"agents/b.yaml": BROKEN.encode(), "agents/a.yaml": VALID.encode()})

    assert [(f.path, f.status) for f in result.files] == [
        ("agents/a.yaml", "valid"),
        ("agents/b.yaml", "invalid"),
    ]


def test_a_huge_report_fits_in_a_comment() -> None:
    diagnostic = Diagnostic(1, 1, "unknown-key", "error", "x" * 500, hint="h" * 200)
    result = LintResult((FileResult("agents/a.yaml", "invalid", (diagnostic,) * 1000),))

    body = comment_body(result, "f" * 40)

    assert len(body) <= 65536
    shown = body.count("| agents/a.yaml:1:1 |")
    assert 0 < shown < 1000
    assert body.endswith(f"{1000 - shown} more problems not shown.")


def test_markup_in_messages_is_escaped() -> None:
    diagnostic = Diagnostic(2, 4, "unknown-key", "warning", "key <b>|x|</b> `y`", hint="*z*")
    result = LintResult((FileResult("agents/a.yaml", "valid", (diagnostic,)),))

    body = comment_body(result, "f" * 40)

    row = next(line for line in body.splitlines() if line.startswith("| agents/"))
    assert row == (
        r"| agents/a.yaml:2:4 | warning | unknown-key | key \<b\>\|x\|\</b\> \`y\`<br>hint: \*z\* |"
    )
    assert "0 errors, 1 warning in 1 changed config" in body


# -- the fake itself ------------------------------------------------------------------------------


def test_the_fake_refuses_what_github_refuses(
    fake: FakeGitHub, repo: FakeRepo, app: AppCredentials
) -> None:
    """More than 50 annotations, or columns across lines, are GitHub's 422s."""
    import httpx

    token = _installation_token(fake, app)
    annotation: dict[str, Any] = {
        "path": "agents/a.yaml",
        "start_line": 1,
        "end_line": 2,
        "annotation_level": "failure",
        "message": "m",
    }
    output = {"title": "t", "summary": "s"}
    bodies: list[dict[str, Any]] = [
        {"output": {**output, "annotations": [annotation | {"end_line": 1}] * 51}},
        {"output": {**output, "annotations": [annotation | {"start_column": 1}]}},
        {"output": {"title": "t", "annotations": []}},
    ]
    for body in bodies:
        response = httpx.post(
            f"{fake.url}{R}/check-runs",
            json={"name": "agent-lint", "head_sha": repo.head(), **body},
            headers={"Authorization": f"token {token}"},
        )
        assert response.status_code == 422, body
    response = httpx.post(
        f"{fake.url}{R}/check-runs",
        json={"name": "agent-lint", "head_sha": repo.head()},
        headers={"Authorization": f"token {TOKEN}"},
    )
    assert response.status_code == 403  # check runs are for Apps only


def _installation_token(fake: FakeGitHub, app: AppCredentials) -> str:
    import httpx
    import jwt

    assertion = jwt.encode({"iss": str(APP_ID)}, app.private_key, algorithm="RS256")
    response = httpx.post(
        f"{fake.url}/app/installations/{INSTALLATION}/access_tokens",
        headers={"Authorization": f"Bearer {assertion}"},
    )
    assert response.status_code == 201
    token: str = response.json()["token"]
    return token


def test_webhook_payloads_are_filled_for_a_repository() -> None:
    push = webhook_payload("push", "acme/configs", sha="a" * 40, before="b" * 40, branch="dev")
    sync = webhook_payload(
        "pull_request.synchronize", "acme/configs", sha="c" * 40, number=12, branch="topic"
    )
    app_less = webhook_payload("ping", "acme/configs", installation_id=None)

    assert (push["ref"], push["before"], push["after"]) == ("refs/heads/dev", "b" * 40, "a" * 40)
    assert push["head_commit"]["id"] == push["commits"][0]["id"] == "a" * 40
    assert push["repository"]["full_name"] == "acme/configs"
    assert push["installation"]["id"] == 42
    assert (sync["action"], sync["number"], sync["after"]) == ("synchronize", 12, "c" * 40)
    pull = sync["pull_request"]
    assert (pull["number"], pull["head"]["sha"], pull["head"]["ref"]) == (12, "c" * 40, "topic")
    assert pull["url"].endswith("/repos/acme/configs/pulls/12")
    assert pull["base"]["ref"] == "main"
    assert "installation" not in app_less
    assert not re.search(r"octo-org|agents-repo", str(push) + str(sync))


def test_a_listing_cut_at_githubs_limit_is_said(
    fake: FakeGitHub, repo: FakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub lists at most 3000 files of a pull request (here 5, for speed)."""
    import agentsync.service.github.client
    import tests.service.fake_github

    monkeypatch.setattr(tests.service.fake_github, "MAX_LISTED_FILES", 5)
    monkeypatch.setattr(agentsync.service.github.client, "MAX_LISTED_FILES", 5)
    repo.commit({f"agents/{i}.yaml": VALID.replace("audit", str(i)) for i in range(8)}, branch="f")
    fake.open_pull_request(repo, 7, "f")

    report = as_token(fake)

    assert report.files_linted == 5
    (comment,) = fake.comments_on(REPO, 7)
    assert "GitHub lists at most 5 files of a pull request" in comment["body"]


def test_the_fake_serves_snapshots_and_pushes(fake: FakeGitHub, repo: FakeRepo) -> None:
    """A sync's reads (repository, commit, default head, tree, blobs) see each push."""
    source = GitHubClient(TokenCredentials(TOKEN), base_url=fake.url).source(REPO)
    first = source.snapshot()
    pushed = repo.commit({"ellipsis/nightly.yml": WARNED, "agents/review.yaml": None})
    feature = repo.commit({"agents/x.yaml": BROKEN}, branch="feature")

    second = source.snapshot()
    on_feature = GitHubClient(TokenCredentials(TOKEN), base_url=fake.url).source(REPO, "feature")

    assert (first.commit, first.files) == (
        repo.head("main~1"),
        {"agents/review.yaml": VALID.encode()},
    )
    assert (second.commit, second.on_default_branch) == (pushed, True)
    assert second.files == {"ellipsis/nightly.yml": WARNED.encode()}
    snapshot = on_feature.snapshot()
    assert (snapshot.commit, snapshot.on_default_branch) == (feature, False)
    assert set(snapshot.files) == {"agents/x.yaml", "ellipsis/nightly.yml"}


def test_a_slow_github_times_out_as_retryable(fake: FakeGitHub, repo: FakeRepo) -> None:
    fake.open_pull_request(repo, 7, "main")
    fake.add_latency(1.5, f"{R}/pulls/7")

    with (
        GitHubClient(TokenCredentials(TOKEN), base_url=fake.url, timeout=1, retries=0) as github,
        pytest.raises(
            GitHubError, match=r"did not answer within 1 s while reading pull request #7"
        ) as caught,
    ):
        github.pull_request_head(REPO, 7)

    assert (caught.value.status, caught.value.retryable) == (None, True)


@pytest.mark.parametrize(
    "files",
    [
        {".agent-lint.yaml": "disable: [budget-schedule]\n"},
        {"pyproject.toml": '[tool.agent-lint]\ndisable = ["budget-schedule"]\n'},
        {  # .agent-lint.yaml wins, as in agent-lint
            ".agent-lint.yaml": "disable: [budget-schedule]\n",
            "pyproject.toml": '[tool.agent-lint]\ndisable = ["other"]\n',
        },
    ],
)
def test_the_repositorys_lint_settings_at_the_head_apply(
    fake: FakeGitHub, repo: FakeRepo, files: dict[str, str]
) -> None:
    head = repo.commit({"agents/review.yaml": WARNED, **files}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    report = as_token(fake)
    assert (report.head_sha, report.errors, report.warnings) == (head, 0, 0)
    contents = fake.requests_to("GET", rf"{R}/contents/.*")
    assert {r.query["ref"] for r in contents} == {head}


def test_settings_only_on_the_base_branch_do_not_apply_to_the_head(
    fake: FakeGitHub, repo: FakeRepo
) -> None:
    repo.commit({"agents/review.yaml": WARNED}, branch="feature")
    repo.commit({".agent-lint.yaml": "disable: [budget-schedule]\n"})  # main moves on
    fake.open_pull_request(repo, 7, "feature")
    assert as_token(fake).warnings == 1


def test_the_check_says_what_the_settings_turn_off_as_agent_lint_does(
    fake: FakeGitHub, repo: FakeRepo
) -> None:
    settings = "disable: [unknown-key, limit-order]\n"
    repo.commit({"agents/review.yaml": WARNED, ".agent-lint.yaml": settings}, branch="feature")
    fake.open_pull_request(repo, 7, "feature")
    as_token(fake)
    [comment] = fake.comments_on(REPO, 7)
    assert (
        ".agent-lint.yaml: 'disable' turns off 'unknown-key', an error: agent sync and the "
        "control plane still refuse a config that breaks it"
    ) in comment["body"]
    assert (
        ".agent-lint.yaml: 'disable' names no rule 'limit-order': did you mean 'limits-order'?"
    ) in comment["body"]


def test_unusable_settings_at_the_head_fall_back_to_the_defaults_and_say_so(
    fake: FakeGitHub, repo: FakeRepo
) -> None:
    repo.commit(
        {"agents/review.yaml": WARNED, ".agent-lint.yaml": "disable: budget-schedule\n"},
        branch="feature",
    )
    fake.open_pull_request(repo, 7, "feature")
    report = as_token(fake)
    assert report.warnings == 1
    [comment] = fake.comments_on(REPO, 7)
    assert "'disable' must be a list of rule ids" in comment["body"]
    assert "the default settings were used" in comment["body"]
