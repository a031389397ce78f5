"""The sync preview on pull requests: the head planned against the control plane's state, in the
check run's text and our one comment, within GitHub's limits, and never a write to the control
plane (every request the local control plane answers is recorded by an ASGI wrapper).

The tests assert the preview's structure (its heading, the paths it names, its size), not the
renderer's exact words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from agentsync.service.github.credentials import AppCredentials, TokenCredentials
from agentsync.service.github.preview import HEADING
from agentsync.service.github.rendering import MARKER
from agentsync.service.jobs import JobError, JobRunner
from agentsync.service.queue import NewJob, ServiceStore
from agentsync.service.store_sqlite import SQLiteServiceStore
from tests.localserver.conftest import API_KEY, server_options
from tests.secret_samples import PIN, SAMPLES, leaky_config
from tests.servers import unused_port
from tests.service.fake_github import FakeGitHub, FakeRepo, git, webhook_payload
from tests.service.support import (
    APP_ID,
    INSTALLATION,
    REPO,
    TOKEN,
    ServiceProcess,
    config,
    deliver,
    private_pem,
    push,
    synced,
    wait_for,
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
COMMENT_LIMIT = 65536
CHECK_RUN_TEXT_LIMIT = 65535
# A config that lints with an error and fails the platform's validation: a lint row, and a
# plan line with its diagnostics.
BROKEN = "ellipsis:\n  version: v1\n  name: [not, a, string]\nclaude:\n  sytem: Review.\n"
Calls = list[tuple[str, str]]


class RecordRequests:
    """An ASGI wrapper that records the method and path of every request its app answers."""

    def __init__(self, app: Any, calls: Calls) -> None:
        self.app = app
        self.calls = calls

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.calls.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


@pytest.fixture
def calls() -> Calls:
    """Every request the control plane answered, in order."""
    return []


@pytest.fixture
def control_plane(tmp_path: Path, calls: Calls) -> Iterator[LocalServer]:
    """The local control plane, each request it answers recorded in ``calls``."""
    server = LocalServer(server_options(tmp_path, cron_interval=None))
    server.app.add_middleware(RecordRequests, calls=calls)
    with server:
        yield server


def runner_for(
    store: ServiceStore, github: FakeGitHub, client: Client, app_key: rsa.RSAPrivateKey
) -> JobRunner:
    credentials = AppCredentials(APP_ID, private_pem(app_key))
    return JobRunner(store, credentials, client, github.url, seconds_between_writes=0)


@pytest.fixture
def runner(
    tmp_path: Path, github: FakeGitHub, cp: Client, app_key: rsa.RSAPrivateKey
) -> Iterator[JobRunner]:
    """Runs jobs as the GitHub App, against the recorded control plane."""
    store = SQLiteServiceStore(tmp_path / "service.db")
    yield runner_for(store, github, cp, app_key)
    store.close()


def pull_request_job(runner: JobRunner, number: int = 7) -> str:
    """Queue, claim and run a pull-request job as a worker would; its outcome."""
    payload = {"number": number, "installation_id": INSTALLATION}
    runner.store.enqueue(NewJob("pull_request", REPO, payload))
    job = runner.store.claim("test-worker", 60)
    assert job is not None
    try:
        return runner(job, lambda: None)
    finally:  # done either way, so the repository's next job can be claimed
        runner.store.complete(job.id, "test-worker", "done")


def writes(calls: Calls, since: int = 0) -> Calls:
    return [(method, path) for method, path in calls[since:] if method in WRITES]


def section(text: str) -> str:
    """The preview's section of a comment or a check run's text."""
    assert text.count(HEADING) == 1, text[:2000]
    return text.split(HEADING, 1)[1]


def synced_repo(github: FakeGitHub, runner: JobRunner, files: dict[str, str]) -> FakeRepo:
    """A repository with ``files`` on main, synced to the control plane."""
    repo = github.create_repo(REPO, files)
    assert runner.sync(REPO, INSTALLATION, lambda: None) == "applied"
    return repo


def comment_and_text(github: FakeGitHub, head: str) -> tuple[str, str]:
    [comment] = github.comments_on(REPO, 7)
    [run] = github.check_runs_on(REPO, head)
    return comment["body"], run["output"]["text"]


# -- what the preview shows ------------------------------------------------------------------------


def test_the_preview_names_each_change_in_the_check_run_and_the_comment_without_writing(
    github: FakeGitHub, runner: JobRunner, calls: Calls
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A"), "agents/b.yaml": config("B")})
    head = repo.commit(
        {"agents/a.yaml": config("A", "Review it again."), "agents/b.yaml": None}
        | {"agents/c.yaml": config("C")},
        branch="feature",
    )
    github.open_pull_request(repo, 7, "feature")
    before = len(calls)

    assert pull_request_job(runner) == "clean"

    assert writes(calls, before) == []
    assert calls[before:], "the preview read the control plane"
    comment, text = comment_and_text(github, head)
    assert comment.startswith(MARKER)
    for shown in (section(comment), section(text)):
        for path in ("agents/a.yaml", "agents/b.yaml", "agents/c.yaml"):
            assert path in shown
    kinds = {a.path: a.kind for a in runner_preview_plan(runner, 7).actions}
    assert kinds == {"agents/a.yaml": "update", "agents/b.yaml": "soft-delete"} | {
        "agents/c.yaml": "create"
    }


def runner_preview_plan(runner: JobRunner, number: int) -> Any:
    """The plan of the preview a report of pull request ``number`` holds."""
    from agentsync.service.github.client import report_pull_request

    report = report_pull_request(
        runner.credentials,
        REPO,
        number,
        installation_id=INSTALLATION,
        base_url=runner.github_api_url,
        seconds_between_writes=0,
        control_plane=runner.client,
    )
    assert report.preview is not None
    assert report.preview.run is not None
    return report.preview.run.plan


def test_the_comment_is_updated_in_place_with_the_new_preview(
    github: FakeGitHub, runner: JobRunner, calls: Calls
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    repo.commit({"agents/b.yaml": config("B")}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    pull_request_job(runner)
    repo.commit({"agents/d.yaml": config("D")}, branch="feature")
    before = len(calls)

    pull_request_job(runner)

    assert writes(calls, before) == []
    [comment] = github.comments_on(REPO, 7)
    assert "agents/d.yaml" in section(comment["body"])


def test_a_retried_job_reports_the_same_preview_and_keeps_its_one_check_run(
    github: FakeGitHub, runner: JobRunner
) -> None:
    made = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=20)
    fires = made + timedelta(minutes=1)  # a daily firing the job's clock sees, now's does not
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    schedule = f"{fires.minute} {fires.hour} * * *"
    cron = config("C") + f'triggers:\n  - type: cron\n    schedule: "{schedule}"\n'
    head = repo.commit({"agents/c.yaml": cron, "agents/b.yaml": BROKEN}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    payload = {"number": 7, "installation_id": INSTALLATION}
    runner.store.enqueue(NewJob("pull_request", REPO, payload))
    claimed = runner.store.claim("test-worker", 60)
    assert claimed is not None
    job = claimed._replace(created_at=made.timestamp())

    for _ in range(2):  # a retry of the job, as after a lost lease or a failed comment
        assert runner(job, lambda: None) == "reported"

    [run] = github.check_runs_on(REPO, head)  # the retry left the first run as it was
    assert run["output"]["annotations_count"] > 0
    # The next firings count from when the job was made, not from when it ran.
    assert fires.strftime("%Y-%m-%d %H:%M") in section(run["output"]["text"])


def test_a_job_made_long_ago_previews_next_firings_from_now(
    github: FakeGitHub, runner: JobRunner
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    cron = config("C") + 'triggers:\n  - type: cron\n    schedule: "0 9 * * *"\n'
    head = repo.commit({"agents/c.yaml": cron}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    payload = {"number": 7, "installation_id": INSTALLATION}
    runner.store.enqueue(NewJob("pull_request", REPO, payload))
    claimed = runner.store.claim("test-worker", 60)
    assert claimed is not None
    job = claimed._replace(created_at=datetime(2020, 1, 1, tzinfo=UTC).timestamp())

    runner(job, lambda: None)

    [run] = github.check_runs_on(REPO, head)
    text, year = section(run["output"]["text"]), datetime.now(UTC).year
    assert "2020-01-01 09:00" not in text
    assert re.search(rf"\b({year}|{year + 1})-\d\d-\d\d 09:00", text)


def test_a_pull_request_that_only_removes_a_config_shows_the_delete(
    github: FakeGitHub, runner: JobRunner
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A"), "agents/b.yaml": config("B")})
    head = repo.commit({"agents/b.yaml": None}, branch="feature")
    github.open_pull_request(repo, 7, "feature")

    pull_request_job(runner)

    comment, text = comment_and_text(github, head)
    assert "agents/b.yaml" in section(comment)
    assert "agents/b.yaml" in section(text)


def test_no_config_change_gets_no_preview(github: FakeGitHub, runner: JobRunner) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    head = repo.commit({"README.md": "# changed\n"}, branch="feature")
    github.open_pull_request(repo, 7, "feature")

    pull_request_job(runner)

    assert github.comments_on(REPO, 7) == []
    [run] = github.check_runs_on(REPO, head)
    assert HEADING not in (run["output"]["text"] or "")


def test_a_fork_is_previewed_with_its_tree_under_the_base_repositorys_name_and_state(
    github: FakeGitHub, runner: JobRunner, calls: Calls
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    fork = github.fork(repo, "contributor/agents-repo")
    head = fork.commit({"agents/from-fork.yaml": config("Fork")}, branch="feature")
    # A branch of the same name in the base repository: not what the pull request merges.
    repo.commit({"agents/decoy.yaml": config("Decoy")}, branch="feature")
    github.open_pull_request(repo, 7, "feature", head_repo=fork)
    before = len(calls)

    assert pull_request_job(runner) == "clean"

    assert writes(calls, before) == []
    comment, text = comment_and_text(github, head)
    for shown in (section(comment), section(text)):
        assert "agents/from-fork.yaml" in shown
        assert "agents/decoy.yaml" not in shown
    plan = runner_preview_plan(runner, 7)
    assert plan.repository == REPO
    assert plan.commit == head
    # Planned against the base repository's configs: its synced config is unchanged.
    assert {a.path: a.kind for a in plan.actions} == {
        "agents/a.yaml": "unchanged",
        "agents/from-fork.yaml": "create",
    }
    assert not any(path.startswith("/v1") and "contributor" in path for _, path in calls)


def test_the_preview_of_a_one_file_change_costs_three_github_reads(
    github: FakeGitHub, runner: JobRunner
) -> None:
    files = {f"agents/a{n:02}.yaml": config(f"A{n}") for n in range(30)}
    repo = synced_repo(github, runner, files)  # the sync keeps every blob in the cache
    head = repo.commit({"agents/a07.yaml": config("Changed")}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    github.requests.clear()

    pull_request_job(runner)

    tree = git_tree(repo, head)
    # The repository, the head commit and the tree (a preview never applies, so it need not
    # ask whether the head is the default branch's); the changed blob was read once, for the
    # lint, and kept for the preview.
    assert github.paths().count(f"GET /repos/{REPO}") == 1
    assert github.paths().count(f"GET /repos/{REPO}/commits/{head}") == 1
    assert github.paths().count(f"GET /repos/{REPO}/git/ref/heads/main") == 0
    assert github.paths().count(f"GET /repos/{REPO}/git/trees/{tree}") == 1
    assert len(github.requests_to("GET", rf"/repos/{REPO}/git/blobs/.*")) == 1


def git_tree(repo: FakeRepo, commit: str) -> str:
    return git(repo.path, "rev-parse", f"{commit}^{{tree}}").decode().strip()


# -- when the preview cannot be computed -----------------------------------------------------------


def test_an_unreachable_control_plane_still_reports_and_retries_the_job(
    github: FakeGitHub, runner: JobRunner, app_key: rsa.RSAPrivateKey
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    head = repo.commit({"agents/a.yaml": BROKEN}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    with (
        Client(f"http://127.0.0.1:{unused_port()}", API_KEY, max_retries=0) as down,
        pytest.raises(JobError) as failed,
    ):
        pull_request_job(runner_for(runner.store, github, down, app_key))

    assert failed.value.retryable
    assert "sync preview" in str(failed.value)
    comment, text = comment_and_text(github, head)
    assert "agents/a.yaml:3" in comment  # the lint report went out
    for shown in (section(comment), section(text)):
        assert "could not be computed" in shown
        assert len(shown.strip().splitlines()) == 1

    # The control plane answers again: the retry adds the preview to the same comment.
    assert pull_request_job(runner) == "reported"
    [comment_body] = [c["body"] for c in github.comments_on(REPO, 7)]
    assert "could not be computed" not in comment_body
    assert "agents/a.yaml" in section(comment_body)


def test_a_control_plane_that_refuses_is_said_once_and_the_job_completes(
    github: FakeGitHub,
    runner: JobRunner,
    control_plane: LocalServer,
    app_key: rsa.RSAPrivateKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    head = repo.commit({"agents/b.yaml": config("B")}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    with Client(control_plane.url, "not-the-api-key", max_retries=0) as refused:
        assert pull_request_job(runner_for(runner.store, github, refused, app_key)) == "clean"

    [warning] = [r for r in caplog.records if r.name == "agentsync.service.jobs"]
    assert "sync preview" in warning.getMessage()

    comment, text = comment_and_text(github, head)
    for shown in (section(comment), section(text)):
        assert "could not be computed" in shown
        assert "401" in shown
        assert "not-the-api-key" not in shown


def test_github_failing_to_serve_the_head_tree_is_retryable(
    github: FakeGitHub, runner: JobRunner
) -> None:
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    head = repo.commit({"agents/b.yaml": config("B")}, branch="feature")
    github.open_pull_request(repo, 7, "feature")
    github.fail_next(re.compile(rf"/repos/{REPO}/git/trees/.*"), times=10, status=502)

    with pytest.raises(JobError) as failed:
        runner.report(REPO, 7, INSTALLATION)

    assert failed.value.retryable
    comment, _ = comment_and_text(github, head)
    assert "could not be computed" in section(comment)


# -- size ------------------------------------------------------------------------------------------


def broken_pull_request(
    github: FakeGitHub, runner: JobRunner, count: int, depth: int
) -> tuple[str, list[str]]:
    """Pull request 7 adding ``count`` broken configs, ``depth`` long folders deep (each gets
    lint rows, and a plan line with its diagnostics): its head and the paths."""
    repo = synced_repo(github, runner, {"agents/a.yaml": config("A")})
    folder = "agents/" + "a-rather-long-folder-name-for-these-agents-" * depth
    paths = [f"{folder}/broken-agent-{n:03}.yaml" for n in range(count)]
    head = repo.commit(dict.fromkeys(paths, BROKEN), branch="feature")
    github.open_pull_request(repo, 7, "feature")
    return head, paths


def reported_within_limits(github: FakeGitHub, runner: JobRunner, head: str) -> tuple[str, str]:
    """Run the job; our comment and the check run's text, each within GitHub's limit."""
    assert pull_request_job(runner) == "reported"
    comment, text = comment_and_text(github, head)
    assert len(comment) <= COMMENT_LIMIT
    assert len(text) <= CHECK_RUN_TEXT_LIMIT
    return comment, text


def test_a_preview_too_big_for_the_comment_is_summarized_there_and_whole_in_the_check_run(
    github: FakeGitHub, runner: JobRunner
) -> None:
    head, paths = broken_pull_request(github, runner, 60, 3)

    comment, text = reported_within_limits(github, runner, head)

    assert "Summarized" in section(comment)
    assert "check run" in section(comment)
    whole = section(text)
    assert all(path in whole for path in paths)  # the whole preview is in the check run
    assert len(section(comment)) < len(whole)


def test_a_preview_too_big_for_the_check_run_is_cut_with_a_note(
    github: FakeGitHub, runner: JobRunner
) -> None:
    head, paths = broken_pull_request(github, runner, 220, 4)

    _, text = reported_within_limits(github, runner, head)

    cut = section(text)
    assert "cut here" in cut
    assert f"agent sync plan --ref {head}" in cut
    assert 0 < sum(path in cut for path in paths) < len(paths)
    assert cut.count("```") % 2 == 0  # no code block left open


# -- secrets ---------------------------------------------------------------------------------------


def with_variable(name: str, value: str) -> str:
    return config(name) + f"sandbox:\n  variables:\n    - name: REGION\n      value: '{value}'\n"


def test_no_secret_reaches_a_preview(github: FakeGitHub, runner: JobRunner) -> None:
    old_value, new_value = PIN, PIN[::-1]
    repo = synced_repo(github, runner, {"agents/vars.yaml": with_variable("Vars", old_value)})
    leaky = {f"agents/{sample.name}.yaml": leaky_config(sample)[0] for sample in SAMPLES}
    head = repo.commit(
        {"agents/vars.yaml": with_variable("Vars", new_value), **leaky}, branch="feature"
    )
    github.open_pull_request(repo, 7, "feature")

    pull_request_job(runner)

    comment, text = comment_and_text(github, head)
    assert "agents/vars.yaml" in section(comment)
    assert "agents/vars.yaml" in section(text)
    sent = repr([r.json for r in github.requests if r.json is not None])  # all sent to GitHub
    for value in (old_value, new_value):
        assert value not in sent
    for sample in SAMPLES:
        assert not sample.leaked_in(sent)


# -- agent serve, end to end -----------------------------------------------------------------------


def test_agent_serve_previews_pull_requests_without_writing_and_pushes_still_sync(
    tmp_path: Path, github: FakeGitHub, cp: Client, env: dict[str, str], calls: Calls
) -> None:
    repo = github.create_repo(REPO, {"agents/a.yaml": config("A")})
    log = tmp_path / "serve.log"
    args = ("--resync-interval", "0")
    with (
        ServiceProcess("serve", str(tmp_path / "service.db"), log, env, *args) as service,
        httpx.Client(base_url=service.url) as http,
    ):
        push(http, repo, repo.head())
        wait_for(lambda: synced(cp, REPO, repo.head()), what="the first sync")
        feature = repo.commit({"agents/b.yaml": config("B")}, branch="feature")
        github.open_pull_request(repo, 7, "feature")
        before = len(calls)
        opened = webhook_payload("pull_request.opened", REPO, sha=feature, branch="feature")
        assert deliver(http, "pull_request", opened).status_code == 202

        def reported() -> bool:
            return any(
                e.get("message") == "job done" and e.get("kind") == "pull_request"
                for e in service.logs()
            )

        wait_for(reported, what="the pull-request job")
        assert writes(calls, before) == []
        assert calls[before:], "the preview read the control plane"
        [comment] = github.comments_on(REPO, 7)
        assert "agents/b.yaml" in section(comment["body"])

        merged = repo.commit({"agents/b.yaml": config("B")})  # the merge, pushed to main
        push(http, repo, merged)
        wait_for(lambda: synced(cp, REPO, merged), what="the sync of the merge")
    assert TOKEN not in service.logs_text()
    assert {r.path for r in cp.iter_sync_configs(repository=REPO)} == {
        "agents/a.yaml",
        "agents/b.yaml",
    }


def test_token_credentials_say_how_to_see_a_summarized_preview_whole(
    github: FakeGitHub, runner: JobRunner
) -> None:
    runner.credentials = TokenCredentials(TOKEN)
    head, _ = broken_pull_request(github, runner, 60, 3)

    runner.report(REPO, 7, None)

    [comment] = github.comments_on(REPO, 7)
    assert len(comment["body"]) <= COMMENT_LIMIT
    assert "Summarized" in section(comment["body"])
    assert f"agent sync plan --ref {head}" in section(comment["body"])
