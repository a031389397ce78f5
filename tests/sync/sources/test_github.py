"""GitHubSource against a fake GitHub REST API on a loopback port (no network).

The fake serves the payloads in ``fixtures/github/`` and counts every request, so these tests
pin down how many API calls a snapshot costs.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from agentsync.config.files import load_file
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.sync.desired import desired_files
from agentsync.sync.sources import Source
from agentsync.sync.sources.git import SourceError, UnknownCommit
from agentsync.sync.sources.github import GitHubError, GitHubSource

from .conftest import GITHUB_FIXTURES, FakeGitHub

REPO = "octo-org/agents-repo"
TOKEN = "ghp_test0123456789abcdefSECRET"
MAIN = "37bca993969bec160a998e0ef41a944fd3a1478b"
FEATURE = "bb2f1d77827daad5d47ebffd515b770421bd07e3"
MONOREPO = "937affdd7fedab86f673768c58af80786c98bd1b"
REVIEW = b"ellipsis:\n  version: v1\n  name: Code review\ntriggers:\n  - type: pull_request\nclaude:\n  system: Review the pull request.\n"  # noqa: E501
NIGHTLY = b'ellipsis:\n  version: v1\n  name: Nightly audit\ntriggers:\n  - type: cron\n    schedule: "0 3 * * *"\nclaude:\n  system: Audit the dependencies.\n'  # noqa: E501
NESTED = b"ellipsis:\n  version: v1\n  name: Nested helper\nclaude:\n  system: Help.\n"
LISTED = b"ellipsis:\n  version: v1\n  name: Only listed in the truncated tree\n"


def tree_blob_shas(fixture: str) -> dict[str, str]:
    tree = json.loads((GITHUB_FIXTURES / fixture).read_text())
    return {e["path"]: e["sha"] for e in tree["tree"] if e["type"] == "blob"}


TREE = tree_blob_shas("tree.json")
R = f"/repos/{REPO}"


def source(fake: FakeGitHub, ref: str | None = None, **kwargs: object) -> GitHubSource:
    kwargs.setdefault("token", TOKEN)
    kwargs.setdefault("retries", 0)
    return GitHubSource(REPO, ref, base_url=fake.base_url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def fake(fake_github: FakeGitHub) -> FakeGitHub:
    fake_github.expected_auth = f"token {TOKEN}"
    return fake_github


# -- snapshots and their cost ---------------------------------------------------------------------


def test_default_branch_snapshot(fake: FakeGitHub) -> None:
    snapshot = source(fake).snapshot()

    assert snapshot.repository == REPO
    assert snapshot.commit == MAIN
    assert snapshot.ref == "main"
    assert snapshot.default_branch == "main"
    assert snapshot.on_default_branch is True
    assert snapshot.complete is True
    # Not read: ellipsis/notes.md (not YAML), docs/agents/guide.yaml (not at the root),
    # agents/link.yaml (a symlink), agents/vendored.yml (a submodule), README.md.
    assert snapshot.files == {
        ".ellipsis/agents/sub/x.yml": NESTED,
        "agents/copy-of-review.yaml": REVIEW,
        "agents/review.yaml": REVIEW,
        "ellipsis/nightly.yml": NIGHTLY,
    }
    # repo + commit + tree + one per distinct config blob (the two review files share one).
    config_blobs = sorted({TREE[p] for p in snapshot.files})
    assert fake.paths() == [
        f"GET {R}",
        f"GET {R}/commits/main?page=1",
        f"GET {R}/git/trees/712dbaf2ace2dc905c699b6a786fd686a318e352?recursive=1",
        *(f"GET {R}/git/blobs/{sha}" for sha in config_blobs),
    ]
    assert len(fake.requests) == 6
    assert {r.authorization for r in fake.requests} == {f"token {TOKEN}"}


def test_non_config_blobs_are_never_fetched(fake: FakeGitHub) -> None:
    source(fake).snapshot()

    fetched = {p.rsplit("/", 1)[1] for p in fake.paths() if "/git/blobs/" in p}
    for path in ("README.md", "ellipsis/notes.md", "docs/agents/guide.yaml", "agents/link.yaml"):
        assert TREE[path] not in fetched, path


def test_a_branch_that_is_not_the_default(fake: FakeGitHub) -> None:
    snapshot = source(fake, "feature").snapshot()

    assert snapshot.commit == FEATURE
    assert snapshot.ref == "feature"
    assert snapshot.default_branch == "main"
    assert snapshot.on_default_branch is False
    assert snapshot.files == {"agents/review.yaml": REVIEW}
    # One more call than the default branch: the default branch's head, to compare.
    assert fake.paths()[:4] == [
        f"GET {R}",
        f"GET {R}/commits/feature?page=1",
        f"GET {R}/git/ref/heads/main",
        f"GET {R}/git/trees/265562c9f5fd0af3072389aacfed1536c650bd57?recursive=1",
    ]
    assert len(fake.requests) == 5


def test_a_snapshot_that_need_not_know_if_it_is_the_head_does_not_ask(fake: FakeGitHub) -> None:
    snapshot = source(fake, MAIN, ask_default_head=False).snapshot()

    assert snapshot.commit == MAIN
    assert snapshot.on_default_branch is False  # not asked: a preview never applies
    assert f"GET {R}/git/ref/heads/main" not in fake.paths()


def test_a_sha_at_the_default_branch_head(fake: FakeGitHub) -> None:
    snapshot = source(fake, MAIN).snapshot()

    assert snapshot.commit == MAIN
    assert snapshot.ref == MAIN
    assert snapshot.on_default_branch is True
    assert len(snapshot.files) == 4
    assert len(fake.requests) == 3 + 1 + 3  # repo, commit, default head, tree; 3 blobs


def test_a_truncated_tree_is_incomplete(fake: FakeGitHub) -> None:
    snapshot = source(fake, "monorepo").snapshot()

    assert snapshot.commit == MONOREPO
    assert snapshot.complete is False
    assert snapshot.on_default_branch is False
    # What was listed is still read.
    assert snapshot.files == {"agents/review.yaml": REVIEW, "agents/sub/listed.yml": LISTED}
    assert len(fake.requests) == 4 + 2


def test_it_is_a_source(fake: FakeGitHub) -> None:
    github: Source = source(fake)
    assert github.snapshot().commit == MAIN


def test_anonymous_reads_send_no_credentials(fake_github: FakeGitHub) -> None:
    snapshot = GitHubSource(REPO, base_url=fake_github.base_url, retries=0).snapshot()

    assert snapshot.commit == MAIN
    assert {r.authorization for r in fake_github.requests} == {None}


def test_github_app_installation(fake_github: FakeGitHub) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    fake_github.app_public_key = key.public_key()
    fake_github.app_id = 123
    fake_github.expected_auth = "token ghs_16C7e42F292c6912E7710c838347Ae178B4a"

    app = GitHubSource(REPO, base_url=fake_github.base_url, app_auth=(123, pem, 42), retries=0)
    snapshot = app.snapshot()

    assert snapshot.commit == MAIN
    assert len(snapshot.files) == 4
    # One more call: the installation token, exchanged for a JWT signed with the app's key.
    assert fake_github.paths()[:2] == ["POST /app/installations/42/access_tokens", f"GET {R}"]
    assert fake_github.requests[0].authorization.startswith("Bearer ")  # type: ignore[union-attr]
    assert len(fake_github.requests) == 1 + 6
    assert "BEGIN" not in repr(app)
    assert "installation 42" in repr(app)


# -- commit order ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        (MAIN, FEATURE, "ahead"),
        (MAIN, MAIN, "identical"),
        (FEATURE, MAIN, "behind"),
        (FEATURE, MONOREPO, "diverged"),
        (f"{MAIN}+worktree", FEATURE, "ahead"),  # a local preview compares as its base commit
    ],
)
def test_order(fake: FakeGitHub, base: str, head: str, expected: str) -> None:
    assert source(fake).order(base, head) == expected

    # One call, without reading the repository first; one commit per page of the comparison.
    base = base.removesuffix("+worktree")
    assert fake.paths() == [f"GET {R}/compare/{base}...{head}?page=1&per_page=1"]


def test_the_order_of_an_unknown_commit(fake: FakeGitHub) -> None:
    with pytest.raises(UnknownCommit) as caught:
        source(fake).order("f" * 40, MAIN)

    assert str(caught.value).startswith(
        f"unknown ref '{'f' * 40}...{MAIN}' in {REPO}: GitHub answered HTTP 404"
    )
    assert isinstance(caught.value.__cause__, GitHubError)
    assert caught.value.__cause__.retryable is False


def test_an_unexpected_comparison_status(fake: FakeGitHub) -> None:
    fake.routes[f"GET {R}/compare/{MAIN}...{FEATURE}"] = {
        "status": 200,
        "body": {"status": "sideways"},
    }

    with pytest.raises(GitHubError, match="as 'sideways', not one of ahead"):
        source(fake).order(MAIN, FEATURE)


# -- errors ---------------------------------------------------------------------------------------


def test_bad_credentials(fake: FakeGitHub) -> None:
    wrong = "ghp_wrong0123456789SECRET"
    with pytest.raises(SourceError) as caught:
        source(fake, token=wrong).snapshot()

    message = str(caught.value)
    assert isinstance(caught.value, GitHubError)
    assert (caught.value.status, caught.value.retryable) == (401, False)
    assert "rejected the credentials (token) with HTTP 401" in message
    assert f"reading the repository of {REPO}" in message
    assert wrong not in message
    assert wrong not in repr(caught.value)
    assert len(fake.requests) == 1


def test_bad_app_credentials(fake_github: FakeGitHub) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    fake_github.app_public_key = other.public_key()  # GitHub knows another key
    fake_github.app_id = 123

    app = GitHubSource(REPO, base_url=fake_github.base_url, app_auth=(123, pem, 42), retries=0)
    with pytest.raises(SourceError, match=r"\(GitHub App 123, installation 42\) with HTTP 401"):
        app.snapshot()


def test_an_invalid_app_key_fails_before_any_request() -> None:
    with pytest.raises(SourceError, match="not a valid PEM RSA private key"):
        GitHubSource(REPO, app_auth=(123, "-----BEGIN NOT A KEY-----", 42))


def test_unknown_repository(fake: FakeGitHub) -> None:
    with pytest.raises(SourceError) as caught:
        GitHubSource("octo-org/missing", token=TOKEN, base_url=fake.base_url, retries=0).snapshot()

    message = str(caught.value)
    assert "HTTP 404 while reading the repository of octo-org/missing" in message
    assert "does not exist, or the credentials (token) cannot see it" in message
    assert TOKEN not in message
    assert fake.paths() == ["GET /repos/octo-org/missing"]


def test_unknown_ref(fake: FakeGitHub) -> None:
    with pytest.raises(SourceError) as caught:
        source(fake, "no-such-branch").snapshot()

    message = str(caught.value)
    assert message == (
        f"unknown ref 'no-such-branch' in {REPO}: "
        "GitHub answered HTTP 422 (No commit found for SHA: no-such-branch)"
    )
    assert TOKEN not in message
    assert len(fake.requests) == 2


def test_a_missing_blob(fake: FakeGitHub) -> None:
    del fake.routes[f"GET {R}/git/blobs/{TREE['ellipsis/nightly.yml']}"]

    with pytest.raises(
        SourceError, match=rf"HTTP 404 while reading blob {TREE['ellipsis/nightly.yml']}"
    ):
        source(fake).snapshot()


@pytest.mark.parametrize("retries", [0, 2])
def test_a_server_error_is_retried_then_reported(fake: FakeGitHub, retries: int) -> None:
    fake.routes[f"GET {R}/commits/main"] = {"status": 502, "body": {"message": "Server Error"}}

    with pytest.raises(SourceError) as caught:
        source(fake, retries=retries).snapshot()

    assert str(caught.value) == (
        "GitHub kept failing (too many 502 error responses) while reading ref 'main' "
        f"of {REPO} from {fake.base_url}"
    )
    assert fake.paths().count(f"GET {R}/commits/main?page=1") == 1 + retries
    assert isinstance(caught.value, GitHubError)
    assert caught.value.retryable is True


def test_an_empty_repository(fake: FakeGitHub) -> None:
    fake.routes[f"GET {R}/commits/main"] = {
        "status": 409,
        "body": {"message": "Git Repository is empty.", "status": "409"},
    }

    with pytest.raises(SourceError, match=r"HTTP 409 .*Git Repository is empty"):
        source(fake).snapshot()


def test_a_blob_with_broken_base64(fake: FakeGitHub) -> None:
    sha = TREE["ellipsis/nightly.yml"]
    broken = {"sha": sha, "content": "not*base64", "encoding": "base64", "size": 3}
    fake.routes[f"GET {R}/git/blobs/{sha}"] = {"status": 200, "body": broken}

    with pytest.raises(SourceError, match=f"blob {sha} with broken base64"):
        source(fake).snapshot()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # Not base64 at all: b64decode drops what it cannot read, and the config was empty.
        ({"content": "!!!!"}, "blob {sha} with other content: its sha does not match"),
        ({"content": "aGVsbG8="}, "blob {sha} with other content: its sha does not match"),
        ({"content": None}, "blob {sha} without its content"),
        ({"encoding": "utf-16"}, "blob {sha} in an unknown encoding 'utf-16'"),
    ],
)
def test_a_blob_whose_content_is_not_the_blob_is_refused(
    fake: FakeGitHub, changes: dict[str, object], message: str
) -> None:
    sha = TREE["ellipsis/nightly.yml"]
    served(fake, f"GET {R}/git/blobs/{sha}").update(changes)

    with pytest.raises(GitHubError, match=re.escape(message.format(sha=sha))):
        source(fake).snapshot()


TREE_ROUTE = f"GET {R}/git/trees/712dbaf2ace2dc905c699b6a786fd686a318e352?recursive=1"


def served(fake: FakeGitHub, route: str) -> dict[str, Any]:
    """The payload ``route`` answers with, served from now on as this (mutable) dict."""
    body: dict[str, Any] = json.loads((GITHUB_FIXTURES / fake.routes[route]).read_text())
    fake.routes[route] = {"status": 200, "body": body}
    return body


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "agents/z.yaml", "sha": "../../../user"}, "by '../../../user', which is not"),
        ({"path": "agents/z.yaml", "sha": None}, "by None, which is not a sha"),
    ],
)
def test_a_tree_entry_without_a_blob_sha_is_refused_before_any_blob_is_asked_for(
    fake: FakeGitHub, entry: dict[str, object], message: str
) -> None:
    """The sha goes into the blob's URL: ``../`` in it asked the API for another path (with
    the token); None failed with a TypeError."""
    served(fake, TREE_ROUTE)["tree"].append({"mode": "100644", "type": "blob", **entry})

    with pytest.raises(GitHubError, match=re.escape(message)):
        source(fake).snapshot()

    assert not [path for path in fake.paths() if "/git/blobs/" in path]


def test_tree_entries_that_are_no_regular_config_file_are_never_read(fake: FakeGitHub) -> None:
    odd = [
        {"path": "agents/sub.yaml", "mode": "160000", "type": "commit", "sha": "a" * 40},
        {"path": "agents/link.yaml", "mode": "120000", "type": "blob", "sha": "b" * 40},
        {"path": "agents/dir.yaml", "mode": "040000", "type": "tree", "sha": "c" * 40},
        {"path": "agents/../x.yaml", "mode": "100644", "type": "blob", "sha": "d" * 40},
        {"path": None, "mode": "100644", "type": "blob", "sha": "e" * 40},
    ]
    served(fake, TREE_ROUTE)["tree"].extend(odd)

    snapshot = source(fake).snapshot()

    assert not {"agents/sub.yaml", "agents/link.yaml", "agents/dir.yaml"} & set(snapshot.files)
    assert not [p for p in fake.paths() if any(f"/git/blobs/{c * 40}" in p for c in "abcde")]


def test_a_file_larger_than_a_config_may_be_is_invalid_without_being_fetched(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    """A 100 MB blob was read whole into memory before the loader refused it: the tree gives
    its size, and the file is invalid with agent-lint's own words for it."""
    size = 100 * 1024 * 1024
    entry = {"path": "agents/huge.yaml", "mode": "100644", "type": "blob", "sha": "f" * 40}
    served(fake, TREE_ROUTE)["tree"].append({**entry, "size": size})

    snapshot = source(fake).snapshot()

    assert snapshot.oversized == {"agents/huge.yaml": size}
    assert not [path for path in fake.paths() if "f" * 40 in path]
    huge = desired_files(snapshot)["agents/huge.yaml"]
    (tmp_path / "huge.yaml").write_bytes(b"#" * size)
    linted = lint_document(load_file(tmp_path / "huge.yaml", "agents/huge.yaml"), Settings())
    [(rule, message)] = [(d.rule, d.message) for d in linted.diagnostics]
    assert huge.status == "invalid"
    assert [(d["rule"], d["message"]) for d in huge.diagnostics] == [(rule, message)]
    assert message == f"file is {size:,} bytes, over the 1,048,576-byte limit"


@pytest.mark.parametrize(
    ("route", "where"),
    [(f"GET {R}", f"the repository {REPO}"), (f"GET {R}/commits/main", f"ref 'main' of {REPO}")],
)
def test_a_200_that_is_no_github_payload_is_named(fake: FakeGitHub, route: str, where: str) -> None:
    """A proxy's login page, say: it used to fail with a bare AssertionError or AttributeError."""
    fake.routes[route] = {"status": 200, "body": "<html><body>Sign in</body></html>"}

    with pytest.raises(GitHubError) as caught:
        source(fake).snapshot()

    assert str(caught.value) == (
        f"GitHub sent an unexpected payload while reading {where} from {fake.base_url}"
    )


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"

    with pytest.raises(SourceError, match="cannot reach GitHub") as caught:
        GitHubSource(REPO, token=TOKEN, base_url=base_url, retries=0).snapshot()
    assert TOKEN not in str(caught.value)
    assert isinstance(caught.value, GitHubError)
    assert caught.value.retryable is True


def test_the_token_stays_out_of_repr() -> None:
    github = GitHubSource(REPO, "main", token=TOKEN)

    assert TOKEN not in repr(github)
    assert repr(github) == (
        "GitHubSource(repository='octo-org/agents-repo', ref='main', auth='token', "
        "base_url='https://api.github.com')"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repository": "not-a-repo"}, "not a GitHub repository name"),
        ({"repository": "a/b/c"}, "not a GitHub repository name"),
        ({"repository": "../.."}, "not a GitHub repository name"),
        ({"app_auth": ("123", "key", 42)}, r"\(app id, private key, installation id\)"),
        ({"token": "  "}, "token is empty"),
        ({"token": TOKEN, "app_auth": (1, "key", 2)}, "not both"),
        ({"ref": ""}, "ref to read is empty"),
        ({"base_url": "ftp://example.com"}, "must start with https://"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    kwargs.setdefault("repository", REPO)
    with pytest.raises(SourceError, match=message) as caught:
        GitHubSource(**kwargs)  # type: ignore[arg-type]
    assert TOKEN not in str(caught.value)
