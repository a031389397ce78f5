"""Real git repositories in ``tmp_path``, and a fake GitHub REST API on a loopback port."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Self

import jwt
import pytest

from agentsync.closeable import Closeable

GITHUB_FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "github"
RECORDED_BASE_URL = "https://api.github.com"  # the host the recorded payloads' URLs name


# -- git -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration, a fixed identity, and no repository above tmp_path."""
    empty = tmp_path / "empty-gitconfig"
    empty.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; its stripped stdout."""
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout.strip()


def write_files(repo: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = repo / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)


def commit_files(repo: Path, files: dict[str, str | bytes], message: str = "change") -> str:
    """Write ``files``, commit everything, and return the new commit's sha."""
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(
    path: Path, files: dict[str, str | bytes] | None = None, *, branch: str = "main"
) -> Path:
    """A repository with one commit, and an origin remote on GitHub (``octo-org/<name>``): a
    local source needs one to know the repository's name."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    git(path, "remote", "add", "origin", f"https://github.com/octo-org/{path.name}.git")
    commit_files(path, files or {}, "initial")
    return path


# -- a fake GitHub -------------------------------------------------------------------------------


class Request(NamedTuple):
    method: str
    path: str  # with the query string, as sent
    authorization: str | None


class FakeGitHub(Closeable):
    """Serves ``fixtures/github/routes.json`` over real HTTP, counting every request.

    A route maps ``"METHOD /path?query"`` to a payload file (status 200) or to
    ``{"status": ..., "body": ...}``. Unknown routes answer GitHub's 404. When ``expected_auth``
    is set, any other ``Authorization`` header answers GitHub's 401, as the real API does.
    POSTs to ``/app/installations/{id}/access_tokens`` must carry a JWT signed by ``app_key``.
    """

    def __init__(self) -> None:
        self.routes: dict[str, Any] = json.loads((GITHUB_FIXTURES / "routes.json").read_text())
        self.requests: list[Request] = []
        self.expected_auth: str | None = None
        self.app_public_key: Any = None  # verifies the app JWT on token exchanges
        self.app_id: int | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
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

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def answer(self, method: str, path: str, headers: Any) -> tuple[int, bytes]:
        authorization = headers.get("Authorization")
        self.requests.append(Request(method, path, authorization))
        route = self.routes.get(f"{method} {_without_paging(path)}")
        if path.startswith("/app/installations/"):
            if not self._valid_app_jwt(authorization):
                return self._payload(401, "error-401.json")
        elif self.expected_auth is not None and authorization != self.expected_auth:
            return self._payload(401, "error-401.json")
        if route is None:
            return self._payload(404, "error-404.json")
        if isinstance(route, str):
            return self._payload(200, route)
        return self._payload(route["status"], route["body"])

    def _valid_app_jwt(self, authorization: str | None) -> bool:
        if not authorization or not authorization.startswith("Bearer "):
            return False
        try:
            claims = jwt.decode(
                authorization.removeprefix("Bearer "), self.app_public_key, algorithms=["RS256"]
            )
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == str(self.app_id)

    def _payload(self, status: int, body: str | dict[str, Any]) -> tuple[int, bytes]:
        text = body if isinstance(body, str) else json.dumps(body)
        if isinstance(body, str) and body.endswith(".json"):
            text = (GITHUB_FIXTURES / body).read_text()
        return status, text.replace(RECORDED_BASE_URL, self.base_url).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def _respond(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, body = fake.answer(self.command, self.path, self.headers)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _respond

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _without_paging(path: str) -> str:
    """The path with ``page``/``per_page`` dropped: PyGithub asks for page 1 of a commit's files."""
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith(("page=", "per_page="))]
    return f"{base}?{'&'.join(kept)}" if kept else base


@pytest.fixture
def fake_github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server
