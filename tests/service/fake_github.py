"""A stateful fake GitHub REST API for the service's tests, over real git repositories.

:class:`FakeGitHub` serves ``http://127.0.0.1:<port>`` from a thread. Each repository it hosts is
a real git repository in a temporary directory: a test commits to it (:meth:`FakeRepo.commit`,
which stands for a push) and the next request sees the new head. Pull requests are registered by
the test (:meth:`FakeGitHub.open_pull_request`); their files are ``git diff --name-status
base...head``. Comments and check runs are kept in memory, and every request is recorded
(:attr:`FakeGitHub.requests`) for assertions.

Who a request is from matters as on GitHub: ``GET /app`` (with the App's JWT) names the App, ``GET
/user`` (with the token) the token's user; a comment made with an installation token is the App's
bot user's (``<slug>[bot]``, type ``Bot``), one made with the token is the token's user's, and only
its author may edit a comment. Check runs belong to the App that made them (``app.id``) and are
listed per commit (``GET /repos/{o}/{r}/commits/{ref}/check-runs``).

Responses are the recorded payloads in ``fixtures/github/`` with their values filled in (see its
README), so they have GitHub's shapes. Authentication is checked as GitHub does: a token, or an
installation token obtained with a JWT signed by the App's key. Faults can be injected: the next
N requests to a path (or a path pattern) answer a 5xx (:meth:`FakeGitHub.fail_next`), or every
answer is delayed (:meth:`FakeGitHub.add_latency`).

:func:`webhook_payload` fills the recorded webhook payloads in ``fixtures/webhooks/``.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import secrets
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qsl, unquote, urlsplit

import jwt

from agentsync.closeable import Closeable

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GITHUB_FIXTURES = FIXTURES / "github"
WEBHOOK_FIXTURES = FIXTURES / "webhooks"
RECORDED_API = "https://api.github.com"
RECORDED_REPOSITORY = "octo-org/agents-repo"
# The shas in the recorded payloads, replaced by the fake's own.
RECORDED_HEAD = "bb2f1d77827daad5d47ebffd515b770421bd07e3"  # pull.json's head, the feature branch
RECORDED_BASE = "37bca993969bec160a998e0ef41a944fd3a1478b"  # main
RECORDED_PARENT = "722be0c3e340e5f0bf1b4e609f251da2e2df4150"  # main's parent
RECORDED_TREE = "712dbaf2ace2dc905c699b6a786fd686a318e352"  # main's tree
MAX_PER_PAGE = 100
MAX_LISTED_FILES = 3000
CHECK_RUN_LIMIT = 65535


# -- git ---------------------------------------------------------------------------------------


def _git_env() -> dict[str, str]:
    env = {**os.environ, "LC_ALL": "C", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for role in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{role}_NAME"] = "Octo Cat"
        env[f"GIT_{role}_EMAIL"] = "octocat@example.com"
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        env.pop(name, None)
    return env


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` with no user or system configuration; its stdout."""
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        env=_git_env(),
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {result.stderr.decode(errors='replace')}")
    return result.stdout


class PullRequest:
    """A pull request as the fake knows it: branches, not shas (they are read per request).
    ``head_repo`` is the fork its head branch is in (None: the repository itself)."""

    def __init__(
        self, number: int, head: str, base: str, title: str, head_repo: FakeRepo | None = None
    ) -> None:
        self.number = number
        self.head = head
        self.base = base
        self.title = title
        self.head_repo = head_repo
        self.state = "open"


class FakeRepo:
    """A hosted repository: a git repository with a working tree at ``path``."""

    def __init__(self, full_name: str, path: Path, default_branch: str, repo_id: int) -> None:
        self.full_name = full_name
        self.path = path
        self.default_branch = default_branch
        self.id = repo_id
        self.pulls: dict[int, PullRequest] = {}

    def commit(
        self,
        files: Mapping[str, str | bytes | None],
        *,
        branch: str | None = None,
        message: str = "change",
    ) -> str:
        """Commit ``files`` (None deletes one) on ``branch`` (default: the default branch; a new
        branch starts from the default branch) and return the new head: pushed, as far as the
        fake is concerned."""
        branch = branch or self.default_branch
        if self.resolve(branch) is not None:
            git(self.path, "checkout", "-q", branch)
        elif self.resolve(self.default_branch) is not None:
            git(self.path, "checkout", "-q", "-b", branch, self.default_branch)
        # else: the first commit, on the unborn default branch
        for relative, content in files.items():
            target = self.path / relative
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "--allow-empty", "-m", message)
        return self.head(branch)

    def head(self, branch: str | None = None) -> str:
        sha = self.resolve(branch or self.default_branch)
        assert sha is not None, f"no branch {branch!r} in {self.full_name}"
        return sha

    def resolve(self, ref: str) -> str | None:
        """The commit ``ref`` (a branch, a tag or a sha) names, or None."""
        for name in (f"refs/heads/{ref}", f"refs/tags/{ref}", ref):
            result = subprocess.run(
                ["git", "-C", str(self.path), "rev-parse", "--verify", "-q", f"{name}^{{commit}}"],
                capture_output=True,
                text=True,
                env=_git_env(),
                check=False,
            )
            if result.returncode == 0:
                return result.stdout.strip()
        return None


# -- requests, faults and errors -----------------------------------------------------------------


class Request(NamedTuple):
    method: str
    path: str  # without the query string, percent-decoded
    query: dict[str, str]
    json: Any  # the parsed body, or None
    authorization: str | None


@dataclass
class _Fault:
    method: str | None
    path: str | re.Pattern[str]
    remaining: int
    status: int
    headers: dict[str, str] = field(default_factory=dict)

    def matches(self, request: Request) -> bool:
        if self.method not in (None, request.method):
            return False
        if isinstance(self.path, re.Pattern):
            return self.path.fullmatch(request.path) is not None
        return self.path == request.path


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.reply = _Reply(
            status,
            {"message": message, "documentation_url": "https://docs.github.com/rest", **extra},
        )


# -- the server ----------------------------------------------------------------------------------

_REPO = r"/repos/(?P<repo>[^/]+/[^/]+)"
_Handler = Callable[["FakeGitHub", Request, FakeRepo | None, dict[str, str]], _Reply]
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/app/installations/(?P<installation>\d+)/access_tokens"), "_token"),
    ("GET", re.compile(r"/app"), "_app"),
    ("GET", re.compile(r"/user"), "_user"),
    ("GET", re.compile(rf"{_REPO}"), "_repository"),
    ("GET", re.compile(rf"{_REPO}/commits/(?P<ref>.+)/check-runs"), "_list_check_runs"),
    ("GET", re.compile(rf"{_REPO}/commits/(?P<ref>.+)"), "_commit"),
    ("GET", re.compile(rf"{_REPO}/git/ref/heads/(?P<branch>.+)"), "_branch_ref"),
    ("GET", re.compile(rf"{_REPO}/git/trees/(?P<sha>[^/]+)"), "_tree"),
    ("GET", re.compile(rf"{_REPO}/git/blobs/(?P<sha>[0-9a-f]{{40}})"), "_blob"),
    ("GET", re.compile(rf"{_REPO}/compare/(?P<base>.+?)\.\.\.(?P<head>.+)"), "_compare"),
    ("GET", re.compile(rf"{_REPO}/contents/(?P<path>.+)"), "_contents"),
    ("GET", re.compile(rf"{_REPO}/pulls/(?P<number>\d+)"), "_pull"),
    ("GET", re.compile(rf"{_REPO}/pulls/(?P<number>\d+)/files"), "_pull_files"),
    ("GET", re.compile(rf"{_REPO}/issues/(?P<number>\d+)/comments"), "_list_comments"),
    ("POST", re.compile(rf"{_REPO}/issues/(?P<number>\d+)/comments"), "_create_comment"),
    ("PATCH", re.compile(rf"{_REPO}/issues/comments/(?P<id>\d+)"), "_edit_comment"),
    ("POST", re.compile(rf"{_REPO}/check-runs"), "_create_check_run"),
    ("PATCH", re.compile(rf"{_REPO}/check-runs/(?P<id>\d+)"), "_update_check_run"),
]


class FakeGitHub(Closeable):
    """GitHub's REST API for the repositories a test creates; a context manager.

    ``token``: the one personal access token accepted (``Authorization: token ...``), the token
    of :attr:`token_login` (``user.json``'s user). :meth:`install_app` adds a GitHub App whose
    installations get tokens. With neither, requests need no credentials. ``root`` holds the
    repositories (default: a temporary directory).
    """

    def __init__(self, root: Path | None = None, *, token: str | None = None) -> None:
        self._tempdir = None if root is not None else tempfile.TemporaryDirectory()
        self.root = root if root is not None else Path(self._tempdir.name)  # type: ignore[union-attr]
        self.token = token
        self.app_id: int | None = None
        self.app_public_key: Any = None
        self.app_slug = "agentsync"
        self.token_login: str = json.loads((GITHUB_FIXTURES / "user.json").read_text())["login"]
        self.installations: set[int] = set()
        self.installation_tokens: dict[str, int] = {}  # token -> installation id
        self.token_lifetime = 3600.0  # seconds an installation token is valid, as on GitHub
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Request] = []
        self.comments: dict[int, dict[str, Any]] = {}  # id -> payload (with "repository")
        self.check_runs: dict[int, dict[str, Any]] = {}  # id -> payload, every annotation kept
        self._faults: list[_Fault] = []
        # A misbehaving server: every list's pages are full (its items again) and link a next.
        self.endless_pages = False
        self._latency: dict[str | None, float] = {}
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        if self._tempdir is not None:
            self._tempdir.cleanup()

    # -- what a test sets up ---------------------------------------------------------------------

    def install_app(
        self, app_id: int, public_key: Any, *installation_ids: int, slug: str = "agentsync"
    ) -> None:
        """Accept JWTs issued by ``app_id`` signed with the key of ``public_key``, and hand
        out tokens for ``installation_ids``; the App's bot user is ``{slug}[bot]``."""
        self.app_id = app_id
        self.app_public_key = public_key
        self.app_slug = slug
        self.installations.update(installation_ids)

    def create_repo(
        self,
        full_name: str = RECORDED_REPOSITORY,
        files: Mapping[str, str | bytes] | None = None,
        *,
        default_branch: str = "main",
    ) -> FakeRepo:
        """A new repository with one commit of ``files`` on ``default_branch``."""
        path = self.root / full_name.replace("/", "__")
        path.mkdir(parents=True)
        git(path, "init", "-q", "-b", default_branch)
        repo = FakeRepo(full_name, path, default_branch, self._new_id())
        repo.commit(files or {}, message="initial")
        self.repos[full_name] = repo
        return repo

    def fork(self, repo: FakeRepo, full_name: str) -> FakeRepo:
        """A fork of ``repo`` named ``full_name``: a clone of its default branch."""
        path = self.root / full_name.replace("/", "__")
        git(self.root, "clone", "-q", "-b", repo.default_branch, str(repo.path), str(path))
        fork = FakeRepo(full_name, path, repo.default_branch, self._new_id())
        self.repos[full_name] = fork
        return fork

    def open_pull_request(
        self,
        repo: str | FakeRepo,
        number: int,
        head_branch: str,
        base: str = "main",
        *,
        title: str = "Change the agents",
        head_repo: FakeRepo | None = None,
    ) -> PullRequest:
        """Pull request ``number`` from ``head_branch`` (of the fork ``head_repo``, if given)
        into ``base``. As on GitHub, the head commit of a fork's pull request can be read
        through the repository by its sha (``refs/pull/{n}/head``), never by the fork's branch
        name."""
        hosted = self.repos[repo if isinstance(repo, str) else repo.full_name]
        assert (head_repo or hosted).resolve(head_branch), f"push {head_branch!r} first"
        assert hosted.resolve(base), f"push {base!r} first"
        pull = PullRequest(number, head_branch, base, title, head_repo)
        hosted.pulls[number] = pull
        return pull

    def fail_next(
        self,
        path: str | re.Pattern[str],
        times: int = 1,
        *,
        status: int = 502,
        method: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next ``times`` requests to ``path`` (no query string, or a compiled pattern the
        whole path matches; any method unless given) answer ``status`` (with ``headers``, say a
        ``Retry-After``), before authentication, as GitHub's front end would."""
        self._faults.append(_Fault(method, path, times, status, dict(headers or {})))

    def add_latency(self, seconds: float, path: str | None = None) -> None:
        """Delay every answer (or those to ``path``) by ``seconds``."""
        self._latency[path] = seconds

    def post_comment(
        self, repo: str, number: int, body: str, *, user: Mapping[str, Any] | None = None
    ) -> int:
        """A comment written on pull request ``number`` by ``user`` (a user payload; default:
        someone else, the pull request's author); its id."""
        hosted = self.repos[repo]
        pull = self._pull_request(hosted, str(number))
        comment_id = self._new_id()
        payload = self._shape(
            "issue-comment.json",
            hosted,
            {"1146825746": str(comment_id), "/issues/7": f"/issues/{pull.number}"}
            | {"/pull/7": f"/pull/{pull.number}"},
        )
        author = dict(user) if user is not None else self._shape("pull.json", hosted)["user"]
        now = _now()
        payload.update(id=comment_id, body=body, user=author, created_at=now, updated_at=now)
        self.comments[comment_id] = {**payload, "repository": repo}
        return comment_id

    def bot_user(self) -> dict[str, Any]:
        """The App's bot user (``{slug}[bot]``, type ``Bot``), as a comment's ``user``."""
        user: dict[str, Any] = self._fixture("issue-comment.json")["user"]
        login = f"{self.app_slug}[bot]"
        user.update(
            login=login,
            url=f"{self.url}/users/{login.replace('[', '%5B').replace(']', '%5D')}",
            html_url=f"https://github.com/apps/{self.app_slug}",
        )
        return user

    def user(self, login: str | None = None) -> dict[str, Any]:
        """User ``login`` (default: the token's, :attr:`token_login`), as a comment's ``user``:
        ``user.json``'s simple-user fields."""
        login = login or self.token_login
        full = self._fixture("user.json")
        simple = ("login", "id", "node_id", "avatar_url", "url", "html_url", "type", "site_admin")
        user = {key: full[key] for key in simple}
        if login != full["login"]:
            user["id"] = zlib.crc32(login.encode())  # another user, the same id each time
        user.update(
            login=login, url=f"{self.url}/users/{login}", html_url=f"https://github.com/{login}"
        )
        return user

    def add_check_run(
        self,
        repo: str,
        sha: str,
        *,
        app_id: int,
        slug: str,
        name: str = "agent-lint",
        conclusion: str = "success",
    ) -> int:
        """A completed check run another App (``app_id``) made on ``sha``; its id."""
        hosted = self.repos[repo]
        run_id = self._new_check_run(hosted, sha, name, app_id, slug)
        self._apply_check_run(
            run_id,
            {"status": "completed", "conclusion": conclusion}
            | {"output": {"title": f"{slug} says {conclusion}", "summary": "Not ours."}},
        )
        return run_id

    # -- what a test inspects --------------------------------------------------------------------

    def paths(self) -> list[str]:
        """``METHOD /path`` of every request so far."""
        return [f"{r.method} {r.path}" for r in self.requests]

    def requests_to(self, method: str, pattern: str) -> list[Request]:
        """The requests whose method is ``method`` and whose path fully matches ``pattern``."""
        return [r for r in self.requests if r.method == method and re.fullmatch(pattern, r.path)]

    def comments_on(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [
            c
            for c in self.comments.values()
            if c["repository"] == repo and c["issue_url"].endswith(f"/issues/{number}")
        ]

    def check_runs_on(self, repo: str, sha: str | None = None) -> list[dict[str, Any]]:
        return [
            c
            for c in self.check_runs.values()
            if c["repository"] == repo and (sha is None or c["head_sha"] == sha)
        ]

    # -- answering -------------------------------------------------------------------------------

    def answer(self, method: str, target: str, authorization: str | None, body: Any) -> _Reply:
        split = urlsplit(target)
        path = unquote(split.path)
        request = Request(method, path, dict(parse_qsl(split.query)), body, authorization)
        with self._lock:
            self.requests.append(request)
            delay = self._latency.get(path, self._latency.get(None, 0.0))
            reply = self._fault(request) or self._route(request)
        if delay:
            time.sleep(delay)
        return reply

    def _fault(self, request: Request) -> _Reply | None:
        for fault in self._faults:
            if fault.matches(request) and fault.remaining:
                fault.remaining -= 1
                return _Reply(fault.status, {"message": "Server Error"}, fault.headers)
        return None

    def _route(self, request: Request) -> _Reply:
        for method, pattern, handler in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None or method != request.method:
                continue
            params = match.groupdict()
            try:
                if handler == "_token":
                    return self._token(request, params)
                if handler == "_app":
                    return self._app(request)
                self._authenticate(request)
                if handler == "_user":
                    return self._user(request)
                repo = self.repos.get(params.pop("repo", ""))
                if repo is None:
                    raise _HTTPError(404, "Not Found")
                handle: _Handler = getattr(type(self), handler)
                return handle(self, request, repo, params)
            except _HTTPError as e:
                return e.reply
        return _HTTPError(404, "Not Found").reply

    def _authenticate(self, request: Request) -> None:
        if self.token is None and self.app_id is None:
            return
        scheme, _, credential = (request.authorization or "").partition(" ")
        known = credential == self.token or credential in self.installation_tokens
        if scheme.lower() not in ("token", "bearer") or not credential or not known:
            raise _HTTPError(401, "Bad credentials")

    def _is_installation(self, request: Request) -> bool:
        return (request.authorization or "").partition(" ")[2] in self.installation_tokens

    def _author(self, request: Request, repo: FakeRepo) -> dict[str, Any]:
        """Who a write is from: the App's bot user for an installation token, else the token's
        user (or, when the fake checks no credentials, the pull request's author)."""
        if self._is_installation(request):
            return self.bot_user()
        if self.token is not None:
            return self.user()
        user: dict[str, Any] = self._shape("pull.json", repo)["user"]
        return user

    def _check_jwt(self, request: Request) -> None:
        """A JWT signed by the installed App's key, as ``/app`` endpoints require."""
        scheme, _, token = (request.authorization or "").partition(" ")
        try:
            claims = jwt.decode(token, self.app_public_key, algorithms=["RS256"])
        except (jwt.PyJWTError, ValueError, TypeError):
            raise _HTTPError(401, "A JSON web token could not be decoded") from None
        if scheme.lower() != "bearer" or str(claims.get("iss")) != str(self.app_id):
            raise _HTTPError(401, "'Issuer' claim ('iss') must be an Integer")

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- payloads: the recorded shapes, filled ---------------------------------------------------

    def _fixture(self, name: str) -> Any:
        """The recorded payload ``name`` with its URLs on this server."""
        text = (GITHUB_FIXTURES / name).read_text()
        return json.loads(text.replace(RECORDED_API, self.url))

    def _shape(self, name: str, repo: FakeRepo, values: Mapping[str, str] | None = None) -> Any:
        """The recorded payload ``name`` for ``repo``: its URLs on this server, its repository's
        names and the recorded shas replaced by ``values`` (recorded text -> new text)."""
        owner, _, short = repo.full_name.partition("/")
        replace = {
            RECORDED_API: self.url,
            RECORDED_REPOSITORY: repo.full_name,
            "octo-org": owner,
            "agents-repo": short,
            **(values or {}),
        }
        pattern = re.compile("|".join(re.escape(k) for k in sorted(replace, key=len, reverse=True)))
        text = (GITHUB_FIXTURES / name).read_text()
        return json.loads(pattern.sub(lambda m: replace[m.group()], text))

    def _api(self, repo: FakeRepo, path: str = "") -> str:
        return f"{self.url}/repos/{repo.full_name}{path}"

    def _commit_payload(self, repo: FakeRepo, sha: str) -> dict[str, Any]:
        fields = git(
            repo.path, "show", "-s", "--format=%T%n%P%n%an%n%ae%n%aI%n%cn%n%ce%n%cI%n%B", sha
        ).decode()
        tree, parents, an, ae, ad, cn, ce, cd, message = fields.split("\n", 8)
        payload: dict[str, Any] = self._shape(
            "commit-main.json", repo, {RECORDED_BASE: sha, RECORDED_TREE: tree}
        )
        payload.pop("files"), payload.pop("stats")  # trimmed: nothing reads them
        payload["commit"]["author"] = {"name": an, "email": ae, "date": ad}
        payload["commit"]["committer"] = {"name": cn, "email": ce, "date": cd}
        payload["commit"]["message"] = message.strip()
        template = payload["parents"][0]
        payload["parents"] = [
            {key: value.replace(RECORDED_PARENT, parent) for key, value in template.items()}
            for parent in parents.split()
        ]
        return payload

    def _resolve(self, repo: FakeRepo, ref: str, *, status: int = 404) -> str:
        sha = repo.resolve(ref)
        if sha is None:
            if status == 422:
                raise _HTTPError(422, f"No commit found for SHA: {ref}")
            raise _HTTPError(404, "Not Found")
        return sha

    # -- handlers --------------------------------------------------------------------------------

    def _app(self, request: Request) -> _Reply:
        """``GET /app``: the App the JWT was issued by."""
        self._check_jwt(request)
        payload = self._fixture("app.json")
        payload.update(id=self.app_id, slug=self.app_slug, name=self.app_slug)
        payload["html_url"] = f"https://github.com/apps/{self.app_slug}"
        return _Reply(200, payload)

    def _user(self, request: Request) -> _Reply:
        """``GET /user``: the token's user; an installation token is no user (403)."""
        if self._is_installation(request):
            raise _HTTPError(403, "Resource not accessible by integration")
        if self.token is None:
            raise _HTTPError(401, "Requires authentication")
        payload = self._fixture("user.json")
        payload.update(self.user())
        return _Reply(200, payload)

    def _token(self, request: Request, params: dict[str, str]) -> _Reply:
        self._check_jwt(request)
        installation = int(params["installation"])
        if installation not in self.installations:
            raise _HTTPError(404, "Not Found")
        new = f"ghs_{secrets.token_hex(18)}"
        self.installation_tokens[new] = installation
        payload = json.loads((GITHUB_FIXTURES / "access-token.json").read_text())
        payload["token"] = new
        expires = datetime.now(UTC) + timedelta(seconds=self.token_lifetime)
        payload["expires_at"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        return _Reply(201, payload)

    def _repository(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        payload = self._shape("repo.json", repo)
        payload["id"] = repo.id
        payload["default_branch"] = repo.default_branch
        return _Reply(200, payload)

    def _commit(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        sha = self._resolve(repo, params["ref"], status=422)
        return _Reply(200, self._commit_payload(repo, sha))

    def _branch_ref(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        branch = params["branch"]
        sha = self._resolve(repo, f"refs/heads/{branch}")
        payload = self._shape("ref-heads-main.json", repo, {RECORDED_BASE: sha})
        payload["ref"] = f"refs/heads/{branch}"
        payload["url"] = self._api(repo, f"/git/refs/heads/{branch}")
        return _Reply(200, payload)

    def _tree(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        sha = params["sha"]
        flags = ["-r", "-t"] if request.query.get("recursive") else []
        try:
            listing = git(repo.path, "ls-tree", "-z", "-l", "--full-tree", *flags, sha)
        except RuntimeError:
            raise _HTTPError(404, "Not Found") from None
        template = self._shape("tree.json", repo)
        entries = []
        for record in filter(None, listing.split(b"\0")):
            meta, _, path = record.decode().partition("\t")
            mode, kind, object_sha, size = meta.split()
            entry: dict[str, Any] = {"path": path, "mode": mode, "type": kind, "sha": object_sha}
            if kind == "blob":
                entry["size"] = int(size)
            if kind != "commit":
                entry["url"] = self._api(repo, f"/git/{kind}s/{object_sha}")
            entries.append(entry)
        url = self._api(repo, f"/git/trees/{sha}")
        return _Reply(200, {**template, "sha": sha, "url": url, "tree": entries})

    def _blob(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        sha = params["sha"]
        try:
            content = git(repo.path, "cat-file", "blob", sha)
        except RuntimeError:
            raise _HTTPError(404, "Not Found") from None
        encoded = base64.b64encode(content).decode()
        lines = "".join(f"{encoded[i : i + 60]}\n" for i in range(0, len(encoded), 60))
        payload = {
            "sha": sha,
            "node_id": f"B_{sha[:16]}",
            "size": len(content),
            "url": self._api(repo, f"/git/blobs/{sha}"),
            "content": lines,
            "encoding": "base64",
        }
        return _Reply(200, payload)

    def _contents(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        path = params["path"]
        ref = self._resolve(repo, request.query.get("ref") or repo.default_branch)
        try:
            kind = git(repo.path, "cat-file", "-t", f"{ref}:{path}").decode().strip()
            blob = git(repo.path, "rev-parse", f"{ref}:{path}").decode().strip()
            content = git(repo.path, "cat-file", "blob", blob) if kind == "blob" else b""
        except RuntimeError:
            raise _HTTPError(404, "Not Found") from None
        if kind != "blob":
            raise _HTTPError(404, "Not Found")  # directories are not needed by the service
        payload = self._shape(
            "contents-file.json", repo, {"3d21ec53a331a6f037a91c368710b99387d012c1": blob}
        )
        name = path.rsplit("/", 1)[-1]
        payload.update(
            name=name,
            path=path,
            size=len(content),
            content=base64.b64encode(content).decode() + "\n",
        )
        return _Reply(200, payload)

    def _compare(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        base = self._resolve(repo, params["base"])
        head = self._resolve(repo, params["head"])
        merge_base = git(repo.path, "merge-base", base, head).decode().strip()
        ahead = int(git(repo.path, "rev-list", "--count", f"{base}..{head}"))
        behind = int(git(repo.path, "rev-list", "--count", f"{head}..{base}"))
        if base == head:
            status = "identical"
        elif not behind:
            status = "ahead"
        else:
            status = "behind" if not ahead else "diverged"
        per_page = min(int(request.query.get("per_page", 250)), 1000)
        listed = git(repo.path, "rev-list", "--reverse", f"{base}..{head}").decode().split()
        payload = self._shape(
            "compare-ahead.json",
            repo,
            {f"{RECORDED_BASE}...{RECORDED_HEAD}": f"{base}...{head}"},
        )
        payload.update(
            status=status,
            ahead_by=ahead,
            behind_by=behind,
            total_commits=ahead,
            base_commit=self._commit_payload(repo, base),
            merge_base_commit=self._commit_payload(repo, merge_base),
            commits=[self._commit_payload(repo, sha) for sha in listed[:per_page]],
            files=[],  # trimmed: nothing reads them
        )
        return _Reply(200, payload)

    def _pull_request(self, repo: FakeRepo, number: str) -> PullRequest:
        pull = repo.pulls.get(int(number))
        if pull is None:
            raise _HTTPError(404, "Not Found")
        return pull

    def _head(self, repo: FakeRepo, pull: PullRequest) -> str:
        """The pull request's head commit; a fork's is fetched into ``refs/pull/{n}/head``."""
        if pull.head_repo is None:
            return repo.head(pull.head)
        ref = f"refs/pull/{pull.number}/head"
        git(repo.path, "fetch", "-q", "-f", str(pull.head_repo.path), f"{pull.head}:{ref}")
        return pull.head_repo.head(pull.head)

    def _diff(self, repo: FakeRepo, pull: PullRequest) -> list[dict[str, Any]]:
        """The pull request's files, as ``GET /pulls/{n}/files`` lists them (unpaginated)."""
        base, head = repo.head(pull.base), self._head(repo, pull)
        names = git(repo.path, "diff", "-z", "--name-status", "-M", f"{base}...{head}")
        counts = git(repo.path, "diff", "-z", "--numstat", "-M", f"{base}...{head}")
        lines_changed = _numstat(counts)
        fields = iter(names.decode().split("\0"))
        template = self._shape("pull-files.json", repo, {RECORDED_HEAD: head})[1]
        files = []
        for letter in fields:
            if not letter:
                continue
            previous = next(fields) if letter[0] in "RC" else None
            path = next(fields)
            status = _STATUSES[letter[0]]
            # A removed file's sha is its blob at the base; any other file's, at the head.
            blob = f"{base}:{path}" if status == "removed" else f"{head}:{path}"
            sha = git(repo.path, "rev-parse", blob).decode().strip()
            added, deleted = lines_changed.get(path, (0, 0))
            entry = {
                key: value.replace("agents%2Fnightly.yml", path.replace("/", "%2F"))
                for key, value in template.items()
                if key.endswith("_url")
            }
            entry.update(
                sha=sha,
                filename=path,
                status=status,
                additions=added,
                deletions=deleted,
                changes=added + deleted,
            )
            if previous is not None:
                entry["previous_filename"] = previous
            files.append(entry)
        return files[:MAX_LISTED_FILES]

    def _pull(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        pull = self._pull_request(repo, params["number"])
        head, base = self._head(repo, pull), repo.head(pull.base)
        number = str(pull.number)
        payload = self._shape(
            "pull.json",
            repo,
            {RECORDED_HEAD: head, RECORDED_BASE: base, "/pulls/7": f"/pulls/{number}"}
            | {"/pull/7": f"/pull/{number}", "/issues/7": f"/issues/{number}"},
        )
        files = self._diff(repo, pull)
        commits = int(git(repo.path, "rev-list", "--count", f"{base}..{head}"))
        payload.update(
            number=pull.number,
            state=pull.state,
            title=pull.title,
            commits=commits,
            additions=sum(f["additions"] for f in files),
            deletions=sum(f["deletions"] for f in files),
            changed_files=len(files),
        )
        for side, branch, hosted in (
            ("head", pull.head, pull.head_repo or repo),
            ("base", pull.base, repo),
        ):
            owner, _, name = hosted.full_name.partition("/")
            payload[side].update(ref=branch, label=f"{owner}:{branch}")
            payload[side]["repo"].update(
                id=hosted.id,
                default_branch=hosted.default_branch,
                name=name,
                full_name=hosted.full_name,
                html_url=f"https://github.com/{hosted.full_name}",
                url=self._api(hosted),
                fork=hosted is not repo,
            )
        return _Reply(200, payload)

    def _pull_files(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        files = self._diff(repo, self._pull_request(repo, params["number"]))
        return self._paginated(request, files)

    def _paginated(self, request: Request, items: list[Any], key: str | None = None) -> _Reply:
        """One page of ``items`` with GitHub's ``Link`` header (``per_page``, ``page``); under
        ``key``, with ``total_count``, when the endpoint wraps its list in an object."""
        per_page = max(1, min(int(request.query.get("per_page", 30)), MAX_PER_PAGE))
        page = max(1, int(request.query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        if self.endless_pages and items:
            items = [items[i % len(items)] for i in range(per_page * (page + 1))]
            last = page + 1
        kept = {k: v for k, v in request.query.items() if k not in ("page", "per_page")}

        def link(number: int, rel: str) -> str:
            query = "&".join(f"{k}={v}" for k, v in kept.items())
            query = f"{query}&" if query else ""
            return (
                f'<{self.url}{request.path}?{query}per_page={per_page}&page={number}>; rel="{rel}"'
            )

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        headers = {"Link": ", ".join(links)} if links else {}
        listed = items[(page - 1) * per_page : page * per_page]
        if key is None:
            return _Reply(200, listed, headers)
        return _Reply(200, {"total_count": len(items), key: listed}, headers)

    # -- comments ----------------------------------------------------------------------------------

    def _list_comments(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        self._pull_request(repo, params["number"])
        listed = [
            _without_repository(c) for c in self.comments_on(repo.full_name, int(params["number"]))
        ]
        return self._paginated(request, listed)

    def _create_comment(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        body = _body_text(request)
        author = self._author(request, repo)  # the App's bot, or the token's user
        comment_id = self.post_comment(repo.full_name, int(params["number"]), body, user=author)
        return _Reply(201, _without_repository(self.comments[comment_id]))

    def _edit_comment(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        comment = self.comments.get(int(params["id"]))
        if comment is None or comment["repository"] != repo.full_name:
            raise _HTTPError(404, "Not Found")
        if comment["user"]["login"] != self._author(request, repo)["login"]:
            # The strict view: only its author edits a comment (on GitHub an installation token
            # gets this 403; a maintainer's token could edit it, under the maintainer's name).
            raise _HTTPError(403, "Resource not accessible by integration")
        comment.update(body=_body_text(request), updated_at=_now())
        return _Reply(200, _without_repository(comment))

    # -- check runs --------------------------------------------------------------------------------

    def _create_check_run(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        if not self._is_installation(request):
            raise _HTTPError(403, "You must authenticate via a GitHub App.")
        body = request.json if isinstance(request.json, dict) else {}
        if not body.get("name") or not body.get("head_sha"):
            raise _HTTPError(422, 'Invalid request.\n\n"name" and "head_sha" are required.')
        sha = self._resolve(repo, body["head_sha"], status=422)
        _check_run_fields(body)
        assert self.app_id is not None  # an installation token implies an App
        run_id = self._new_check_run(repo, sha, body["name"], self.app_id, self.app_slug)
        if "status" not in body:
            self.check_runs[run_id].update(status="queued", completed_at=None)
        return _Reply(201, self._apply_check_run(run_id, body))

    def _new_check_run(self, repo: FakeRepo, sha: str, name: str, app_id: int, slug: str) -> int:
        """A new check run ``name`` of App ``app_id`` on ``sha``, in progress, no output yet."""
        run_id = self._new_id()
        payload = self._shape(
            "check-run.json", repo, {RECORDED_HEAD: sha, "check-runs/4": f"check-runs/{run_id}"}
        )
        payload["app"].update(id=app_id, slug=slug, name=slug)
        payload["app"]["html_url"] = f"https://github.com/apps/{slug}"
        payload["pull_requests"] = [
            {
                **payload["pull_requests"][0],
                "number": p.number,
                "url": self._api(repo, f"/pulls/{p.number}"),
            }
            for p in repo.pulls.values()
            if p.state == "open" and (p.head_repo or repo).head(p.head) == sha
        ]
        payload.update(
            id=run_id,
            name=name,
            status="in_progress",
            conclusion=None,
            started_at=_now(),
            completed_at=None,
            output={
                **payload["output"],
                "title": None,
                "summary": None,
                "text": None,
                "annotations_count": 0,
            },
        )
        self.check_runs[run_id] = {**payload, "repository": repo.full_name, "annotations": []}
        return run_id

    def _list_check_runs(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        """``GET .../commits/{ref}/check-runs``: newest first; ``check_name``, ``status``,
        ``app_id`` and ``filter`` (``latest``, the default: only each App's newest run of a
        name; or ``all``) as GitHub takes them."""
        sha = self._resolve(repo, params["ref"], status=422)
        query = request.query
        runs = sorted(self.check_runs_on(repo.full_name, sha), key=lambda r: -r["id"])
        runs = [
            r
            for r in runs
            if query.get("check_name", r["name"]) == r["name"]
            and query.get("status", r["status"]) == r["status"]
            and query.get("app_id", str(r["app"]["id"])) == str(r["app"]["id"])
        ]
        if query.get("filter", "latest") == "latest":
            seen: set[tuple[int, str]] = set()
            newest = []
            for run in runs:
                if (run["app"]["id"], run["name"]) not in seen:
                    seen.add((run["app"]["id"], run["name"]))
                    newest.append(run)
            runs = newest
        listed = [_without_repository(r) for r in runs]
        return self._paginated(request, listed, "check_runs")

    def _update_check_run(self, request: Request, repo: FakeRepo, params: dict[str, str]) -> _Reply:
        if not self._is_installation(request):
            raise _HTTPError(403, "You must authenticate via a GitHub App.")
        run = self.check_runs.get(int(params["id"]))
        if run is None or run["repository"] != repo.full_name:
            raise _HTTPError(404, "Not Found")
        body = request.json if isinstance(request.json, dict) else {}
        _check_run_fields(body)
        return _Reply(200, self._apply_check_run(run["id"], body))

    def _apply_check_run(self, run_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Apply a create's or an update's fields; annotations add up, as on GitHub."""
        run = self.check_runs[run_id]
        for key in ("name", "status", "conclusion", "details_url", "external_id"):
            if key in body:
                run[key] = body[key]
        if (body.get("status") == "completed" or body.get("conclusion")) and not run[
            "completed_at"
        ]:
            run.update(status="completed", completed_at=_now())  # a conclusion completes it
        output = body.get("output")
        if output is not None:
            annotations = output.get("annotations", [])
            run["annotations"].extend(annotations)
            run["output"].update(
                {k: output[k] for k in ("title", "summary", "text") if k in output}
            )
            run["output"]["annotations_count"] = len(run["annotations"])
        return _without_repository(run)

    # -- HTTP --------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = None
                reply = fake.answer(
                    self.command, self.path, self.headers.get("Authorization"), body
                )
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = _respond

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


_STATUSES = {
    "A": "added",
    "M": "modified",
    "D": "removed",
    "R": "renamed",
    "C": "copied",
    "T": "changed",
}
_LEVELS = {"notice", "warning", "failure"}


def _numstat(raw: bytes) -> dict[str, tuple[int, int]]:
    """path -> (added, deleted) lines from ``git diff -z --numstat`` (binary files count 0)."""
    counts: dict[str, tuple[int, int]] = {}
    fields = iter(raw.decode().split("\0"))
    for record in fields:
        if not record:
            continue
        added, deleted, path = record.split("\t", 2)
        if not path:  # a rename: the old then the new path follow
            next(fields)
            path = next(fields)
        counts[path] = (int(added) if added != "-" else 0, int(deleted) if deleted != "-" else 0)
    return counts


def _check_run_fields(body: dict[str, Any]) -> None:
    """GitHub's 422s for a check run's output: what the service must never send."""
    if body.get("status") == "completed" and not body.get("conclusion"):
        raise _HTTPError(422, "Invalid request.\n\nconclusion is required when completed.")
    output = body.get("output")
    if output is None:
        return
    if not output.get("title") or not output.get("summary"):
        raise _HTTPError(422, 'Invalid request.\n\n"title" and "summary" are required.')
    for key in ("summary", "text"):
        if len(output.get(key) or "") > CHECK_RUN_LIMIT:
            raise _HTTPError(422, f"Invalid request.\n\noutput.{key} is too long.")
    annotations = output.get("annotations", [])
    if len(annotations) > 50:
        raise _HTTPError(422, "Invalid request.\n\nOnly 50 annotations are allowed per request.")
    for a in annotations:
        required = ("path", "start_line", "end_line", "annotation_level", "message")
        if any(a.get(key) is None for key in required) or a["annotation_level"] not in _LEVELS:
            raise _HTTPError(422, "Invalid request.\n\nAn annotation is missing a field.")
        columns = "start_column" in a or "end_column" in a
        if columns and a["start_line"] != a["end_line"]:
            raise _HTTPError(422, "Invalid request.\n\nColumns need start_line == end_line.")


def _body_text(request: Request) -> str:
    body = request.json.get("body") if isinstance(request.json, dict) else None
    if not isinstance(body, str) or not body:
        raise _HTTPError(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
    if len(body) > 65536:
        raise _HTTPError(422, "Validation Failed", errors=[{"code": "custom", "field": "body"}])
    return body


def _without_repository(payload: dict[str, Any]) -> dict[str, Any]:
    """A comment or check run as GitHub serves it: without the fake's own bookkeeping."""
    return {k: v for k, v in payload.items() if k not in ("repository", "annotations")}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# -- webhook payloads ------------------------------------------------------------------------------

WEBHOOK_EVENTS = ("push", "pull_request.opened", "pull_request.synchronize", "ping", "installation")


def webhook_payload(
    name: str,
    repository: str = RECORDED_REPOSITORY,
    *,
    sha: str | None = None,
    before: str | None = None,
    branch: str = "main",
    number: int = 7,
    base: str = "main",
    base_sha: str | None = None,
    default_branch: str = "main",
    installation_id: int | None = 42,
) -> dict[str, Any]:
    """The recorded webhook payload ``name`` (one of :data:`WEBHOOK_EVENTS`) for ``repository``.

    push: ``ref`` is ``refs/heads/{branch}``, ``after`` and the head commit are ``sha``.
    pull_request.*: pull request ``number`` from ``branch`` at ``sha`` into ``base`` at
    ``base_sha`` (``synchronize``: from ``before``). installation: the repository is its one
    repository. ``installation_id=None`` drops ``installation`` (a repository webhook, no App).
    Values not given stay as recorded.
    """
    owner, _, short = repository.partition("/")
    replace = {RECORDED_REPOSITORY: repository, "octo-org": owner, "agents-repo": short}
    pattern = re.compile("|".join(re.escape(k) for k in sorted(replace, key=len, reverse=True)))
    text = (WEBHOOK_FIXTURES / f"{name}.json").read_text()
    data: dict[str, Any] = json.loads(pattern.sub(lambda m: replace[m.group()], text))
    if "repository" in data:
        data["repository"]["default_branch"] = default_branch
    if name == "push":
        data["ref"] = f"refs/heads/{branch}"
        if sha is not None:
            head = data["head_commit"]
            head.update(id=sha, url=head["url"].replace(RECORDED_BASE, sha))
            data["commits"] = [copy.deepcopy(head)]
            data["after"] = sha
        if before is not None:
            data["before"] = before
    elif name.startswith("pull_request."):
        pull = data["pull_request"]
        data["number"] = pull["number"] = number
        for key, value in pull.items():
            if isinstance(value, str) and "/7" in value:
                pull[key] = re.sub(r"/(pulls|pull|issues)/7\b", rf"/\g<1>/{number}", value)
        pull["head"].update(ref=branch, label=f"{owner}:{branch}")
        pull["base"].update(ref=base, label=f"{owner}:{base}")
        if sha is not None:
            pull["head"]["sha"] = sha
            pull["statuses_url"] = pull["statuses_url"].replace(RECORDED_HEAD, sha)
            if "after" in data:
                data["after"] = sha
        if base_sha is not None:
            pull["base"]["sha"] = base_sha
        if before is not None and "before" in data:
            data["before"] = before
    if installation_id is None:
        data.pop("installation", None)
    elif name == "installation":
        data["installation"]["id"] = installation_id
        data["installation"]["access_tokens_url"] = data["installation"][
            "access_tokens_url"
        ].replace("/42/", f"/{installation_id}/")
    elif "installation" in data:
        data["installation"]["id"] = installation_id
    return data
