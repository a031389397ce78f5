"""``agent sync comment``, the Action's one plan comment, against the fake
GitHub on loopback: found across pages, only ever ours, one-line errors without the token."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from agentsync.http.retry import RetryPolicy
from agentsync.sync.preview.comment import MARKER, GitHubRefused, StickyComments
from tests.scripted import scripted
from tests.service.fake_github import FakeGitHub

TOKEN = "ghp_" + "0f1e2d3c" * 4
REPOSITORY = "acme/app"


def post(
    github: FakeGitHub, body: Path, token: str = TOKEN, *more: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "agentsync.cli.main", "sync", "comment", "--api-url", github.url,
            "--repository", REPOSITORY, "--pull-request", "7", "--body-file", str(body), *more,
        ],
        input=token + "\n",
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip


def hosted(github: FakeGitHub) -> None:
    repo = github.create_repo(REPOSITORY, {"README.md": "hi\n"})
    repo.commit({"agents/a.yaml": "x: 1\n"}, branch="feature")
    github.open_pull_request(REPOSITORY, 7, "feature")


def test_our_comment_is_found_past_the_first_page(tmp_path: Path) -> None:
    body = tmp_path / "plan.md"
    body.write_text("### Sync preview\n")
    with FakeGitHub(tmp_path / "github", token=TOKEN) as github:
        hosted(github)
        ours = github.post_comment(REPOSITORY, 7, f"{MARKER}\nold plan", user=github.user())
        for n in range(150):
            github.post_comment(REPOSITORY, 7, f"{MARKER}\nsomeone else's {n}")
        done = post(github, body)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"updated comment {ours} on {REPOSITORY}#7\n"
        assert github.comments[ours]["body"] == f"{MARKER}\n### Sync preview\n"
        assert len(github.comments_on(REPOSITORY, 7)) == 151


def test_a_refusal_is_one_line_without_the_token(tmp_path: Path) -> None:
    body = tmp_path / "plan.md"
    body.write_text("plan\n")
    with FakeGitHub(tmp_path / "github", token=TOKEN) as github:
        hosted(github)
        wrong = "ghp_" + "9" * 32
        done = post(github, body, token=wrong)
    assert done.returncode == 1
    assert done.stderr == "agent: GitHub answered 401 for the token's user: Bad credentials\n"
    assert wrong not in done.stdout + done.stderr


def test_a_failed_read_is_tried_again_and_a_failed_write_is_not(tmp_path: Path) -> None:
    slept: list[float] = []
    policy = RetryPolicy(sleep=slept.append)
    with FakeGitHub(tmp_path / "github", token=TOKEN) as github:
        hosted(github)
        listing = f"/repos/{REPOSITORY}/issues/7/comments"
        github.fail_next(listing, 2, status=503, method="GET")
        github.fail_next(listing, 1, status=502, method="POST")
        with StickyComments(github.url, TOKEN, policy=policy) as comments:
            with pytest.raises(
                GitHubRefused, match=r"^GitHub answered 502 for a comment on #7: [^(]*$"
            ):
                comments.upsert(REPOSITORY, 7, "plan\n")
            assert len(slept) == 2  # the two failed reads, each retried once
            assert len(github.requests_to("POST", listing)) == 1
            assert github.comments_on(REPOSITORY, 7) == []
            done = comments.upsert(REPOSITORY, 7, "plan\n")
        assert done.startswith("created comment ")
        assert [c["body"] for c in github.comments_on(REPOSITORY, 7)] == [f"{MARKER}\nplan\n"]


def test_for_the_actions_token_ours_is_the_actions_bots(tmp_path: Path) -> None:
    with FakeGitHub(tmp_path / "github", token=TOKEN) as github:
        hosted(github)
        github.fail_next("/user", 1, status=403)  # as GET /user answers an installation token
        github.post_comment(REPOSITORY, 7, f"{MARKER}\nsomeone's", user=github.user())
        bot = github.user("github-actions[bot]")
        ours = github.post_comment(REPOSITORY, 7, f"{MARKER}\nold", user=bot)
        with StickyComments(github.url, TOKEN) as comments:
            found = comments.ours(REPOSITORY, 7, MARKER)
    assert found is not None
    assert found.id == ours


@pytest.mark.parametrize(
    ("output", "shown"),
    [
        (  # the boundary's error line, with notes before it and a bug report's line after it
            (
                "warning: a note\nagent: internal error: KeyError: 'x'\n"
                "agent: this is a bug in agentsync: please report it at https://example.com\n"
            ),
            "internal error: KeyError: 'x'",
        ),
        (  # click's usage error: its last line
            "Usage: agent sync plan [OPTIONS]\n\nError: No such option: --bogus\n",
            "Error: No such option: --bogus",
        ),
        ("agent: <b>@someone</b> #12 `x`\n", "\\<b\\>@\u200bsomeone\\</b\\> #\u200b12 \\`x\\`"),
        ("", "no error message"),
    ],
)
def test_a_failed_plan_replaces_our_comment_with_its_error_line(
    tmp_path: Path, output: str, shown: str
) -> None:
    errors = tmp_path / "errors.txt"
    errors.write_text(output)
    with FakeGitHub(tmp_path / "github", token=TOKEN) as github:
        hosted(github)
        ours = github.post_comment(REPOSITORY, 7, f"{MARKER}\nold plan", user=github.user())
        done = post(github, errors, TOKEN, "--failed", "0123456789abcdef0123")
        body = github.comments[ours]["body"]
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"updated comment {ours} on {REPOSITORY}#7\n"
    assert body == (
        f"{MARKER}\n### Sync preview failed: `acme/app` at `0123456789ab`\n\n"
        f"The plan could not be made: {shown}\n\nThe job log has the details.\n"
    )


def test_a_failed_plan_posts_no_comment(tmp_path: Path) -> None:
    errors = tmp_path / "errors.txt"
    errors.write_text("agent: no API token\n")
    with FakeGitHub(tmp_path / "github", token=TOKEN) as github:
        hosted(github)
        other = github.post_comment(REPOSITORY, 7, f"{MARKER}\nsomeone else's")
        done = post(github, errors, TOKEN, "--failed", "0123456789abcdef")
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"no comment of ours on {REPOSITORY}#7: none posted\n"
        assert [c["id"] for c in github.comments_on(REPOSITORY, 7)] == [other]
        assert github.comments[other]["body"] == f"{MARKER}\nsomeone else's"


def test_the_help_names_the_default_marker() -> None:
    from click.testing import CliRunner

    from agentsync.cli.main import cli

    help_text = CliRunner().invoke(cli, ["sync", "comment", "--help"]).output
    assert MARKER in " ".join(help_text.split())  # however click wraps it


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--api-url", "api.github.com", "must be http(s)://HOST"),
        ("--api-url", "http://[::1", "is not a URL"),
        ("--api-url", "http://u:pw@127.0.0.1:9", "must not hold a user or password"),
        ("--repository", "acme", "is not OWNER/NAME"),
        ("--repository", "../..", "is not OWNER/NAME"),
        ("--body-file", "not-utf8", "is not UTF-8 text"),
    ],
)
def test_bad_input_is_a_usage_error_before_any_request(
    tmp_path: Path, flag: str, value: str, says: str
) -> None:
    body = tmp_path / "plan.md"
    body.write_text("plan\n")
    (tmp_path / "not-utf8").write_bytes(b"\xff\xfe plan")
    args = {"--api-url": "http://127.0.0.1:9", "--repository": REPOSITORY, "--body-file": str(body)}
    args[flag] = str(tmp_path / value) if flag == "--body-file" else value
    done = subprocess.run(
        [sys.executable, "-m", "agentsync.cli.main", "sync", "comment", "--pull-request", "7",
         *[part for item in args.items() for part in item]],
        input=TOKEN + "\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr


USER = (200, {}, b'{"login": "octocat"}')


def page(*comments: object, link: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Link": f'<{link}>; rel="next"'} if link else {}
    return 200, headers, json.dumps(list(comments)).encode()


@pytest.mark.parametrize(
    ("answers", "says"),
    [
        ([(200, {}, b"not json")], "the token's user is not JSON"),
        ([(200, {}, b"[1, 2]")], "the token's user has no login"),
        ([USER, (200, {}, b'{"a": 1}')], "the comments of #7 is not a list of comments"),
        ([USER, (200, {}, b'["a", 1]')], "the comments of #7 is not a list of comments"),
        (
            [USER, page({"id": "../../x", "user": {"login": "octocat"}, "body": MARKER})],
            "the comments of #7 has no comment id",
        ),
        ([USER, page(), (201, {}, b"")], "a comment on #7 is not JSON"),
        ([USER, page(), (201, {}, b"[]")], "a comment on #7 has no comment id"),
    ],
)
def test_a_malformed_answer_is_one_line(
    answers: list[tuple[int, dict[str, str], bytes]], says: str
) -> None:
    with scripted() as github, StickyComments(github.url, TOKEN) as comments:
        github.answers = list(answers)
        with pytest.raises(GitHubRefused, match=re.escape(says)):
            comments.upsert(REPOSITORY, 7, "plan")


def test_a_next_page_on_another_server_is_not_read_and_gets_no_token() -> None:
    with scripted() as github, scripted() as elsewhere:
        github.answers = [USER, page(link=f"{elsewhere.url}/steal")]
        with (
            StickyComments(github.url, TOKEN) as comments,
            pytest.raises(GitHubRefused, match=r"next page .* is on another server"),
        ):
            comments.upsert(REPOSITORY, 7, "plan")
        assert elsewhere.requests == []
        assert [method for method, _, _ in github.requests] == ["GET", "GET"]  # no write


def test_pages_that_never_end_are_stopped() -> None:
    with scripted() as github, StickyComments(github.url, TOKEN) as comments:
        looping = f"{github.url}/repos/{REPOSITORY}/issues/7/comments?page=2"
        github.answers = [USER, page(link=looping), page(link=looping)]
        with pytest.raises(GitHubRefused, match="do not end"):
            comments.upsert(REPOSITORY, 7, "plan")
        assert len(github.requests) == 3
