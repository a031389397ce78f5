"""Reading a snapshot from GitHub's REST API, through PyGithub.

This module owns :class:`GitHubSource`. A snapshot reads one commit in as few API calls as the
REST API allows, every read a ``GET``:

1. ``/repos/{owner}/{repo}``: the repository, and its default branch;
2. ``/repos/{owner}/{repo}/commits/{ref}``: the commit ``ref`` names (a branch, tag or sha;
   the default branch when ``ref`` is None) and its tree;
3. ``/repos/{owner}/{repo}/git/ref/heads/{default}``: only when ``ref`` is not the default
   branch's name, to tell whether the commit is that branch's head;
4. ``/repos/{owner}/{repo}/git/trees/{tree}?recursive=1``: the whole tree, in one listing;
5. ``/repos/{owner}/{repo}/git/blobs/{sha}``: once per distinct config-file blob. Files outside
   the config directories are never fetched, and identical files share one fetch.

Authenticating as a GitHub App installation costs one more call (``POST
/app/installations/{id}/access_tokens``), made by PyGithub before the first read.

When GitHub truncates the recursive tree (very large repositories), the snapshot holds the
config files that were listed and is marked ``complete=False``, so nothing is deleted on its
word. As with :mod:`~agentsync.sync.sources.git`, only regular files are read: symlinks and
submodules are ignored.

Every PyGithub or connection error becomes a :class:`SourceError` naming the HTTP status and
what was being read. The token never appears in a message or a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import jwt
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import (
    BadAttributeException,
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)
from urllib3.exceptions import MaxRetryError, ResponseError

from agentsync.config.discovery import is_config_path
from agentsync.sync.model import Snapshot
from agentsync.sync.sources.git import SourceError

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.github.com"
_REGULAR_MODES = frozenset({"100644", "100755"})
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
# Wait out a rate limit only when the reset is this close; otherwise fail and let sync retry.
_MAX_RATE_LIMIT_WAIT = 60.0


class GitHubSource:
    """A GitHub repository's config files at ``ref`` (default: the default branch's head)."""

    def __init__(
        self,
        repository: str,
        ref: str | None = None,
        *,
        token: str | None = None,
        app_auth: tuple[int, str, int] | None = None,  # (app_id, private_key_pem, installation_id)
        base_url: str = DEFAULT_BASE_URL,
        timeout: int = 15,
        retries: int = 3,
    ) -> None:
        if not _REPOSITORY.match(repository) or {".", ".."} & set(repository.split("/")):
            raise SourceError(f"not a GitHub repository name (owner/name): {repository!r}")
        if token is not None and app_auth is not None:
            raise SourceError("give a GitHub token or GitHub App credentials, not both")
        if token is not None and not token.strip():
            raise SourceError("the GitHub token is empty")
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise SourceError(f"the GitHub API URL must start with https:// : {base_url!r}")
        if ref is not None and not ref.strip():
            raise SourceError("the ref to read is empty")
        self.repository = repository
        self.ref = ref
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self._token = token
        self._app_auth = app_auth
        if app_auth is not None:
            app_id, private_key, installation_id = app_auth
            if not (isinstance(app_id, int) and isinstance(installation_id, int)):
                raise SourceError(
                    "GitHub App credentials are (app id, private key, installation id)"
                )
            _check_private_key(private_key)

    def __repr__(self) -> str:
        return (
            f"GitHubSource(repository={self.repository!r}, ref={self.ref!r}, "
            f"auth={self._auth_description()!r}, base_url={self.base_url!r})"
        )

    # -- the Source protocol -------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        with Github(
            auth=self._auth(),
            base_url=self.base_url,
            timeout=self.timeout,
            user_agent="agentsync",
            retry=GithubRetry(total=self.retries, max_rate_limit_wait=_MAX_RATE_LIMIT_WAIT),
            # Reads are made one after another, as GitHub asks; no extra pause between them.
            seconds_between_requests=None,
        ) as client:
            try:
                return self._read(client)
            except BadAttributeException as e:
                raise SourceError(
                    f"GitHub sent an unexpected payload while reading {self.repository} "
                    f"from {self.base_url}"
                ) from e

    def _read(self, client: Github) -> Snapshot:
        repo = self._call("the repository", lambda: client.get_repo(self.repository))
        default_branch = repo.default_branch
        ref = self.ref or default_branch
        commit = self._call(f"ref {ref!r}", lambda: repo.get_commit(ref), ref=ref)
        if ref == default_branch:
            on_default = True
        else:
            head = self._call(
                f"the head of the default branch {default_branch!r}",
                lambda: repo.get_git_ref(f"heads/{default_branch}"),
            )
            on_default = head.object.sha == commit.sha
        tree = self._call(
            f"the tree of commit {commit.sha}",
            lambda: repo.get_git_tree(commit.commit.tree.sha, recursive=True),
        )
        wanted = {
            element.path: element.sha
            for element in tree.tree
            if element.type == "blob"
            and element.mode in _REGULAR_MODES
            and is_config_path(element.path)
        }
        blobs: dict[str, bytes] = {}
        for sha in sorted(set(wanted.values())):
            blob = self._call(f"blob {sha}", partial(repo.get_git_blob, sha))
            blobs[sha] = _decode(blob.content, blob.encoding, sha)
        return Snapshot(
            repository=self.repository,
            commit=commit.sha,
            ref=ref,
            default_branch=default_branch,
            on_default_branch=on_default,
            files={path: blobs[wanted[path]] for path in sorted(wanted)},
            complete=not tree.raw_data.get("truncated", False),
        )

    # -- authentication and errors -------------------------------------------------------------

    def _auth(self) -> Auth.Auth | None:
        if self._token is not None:
            return Auth.Token(self._token)
        if self._app_auth is not None:
            app_id, private_key, installation_id = self._app_auth
            return Auth.AppAuth(app_id, private_key).get_installation_auth(installation_id)
        return None

    def _auth_description(self) -> str:
        if self._token is not None:
            return "token"
        if self._app_auth is not None:
            return f"GitHub App {self._app_auth[0]}, installation {self._app_auth[2]}"
        return "anonymous"

    def _call(self, what: str, read: Callable[[], T], *, ref: str | None = None) -> T:
        """``read()``, with PyGithub's and the network's errors turned into a SourceError.

        ``ref`` names the ref being resolved, so that GitHub's 404/422 reads "unknown ref".
        """
        try:
            return read()
        except GithubException as e:
            raise SourceError(self._redact(self._explain(e, what, ref))) from e
        except OSError as e:  # requests' ConnectionError, Timeout, RetryError are OSErrors
            where = f"while reading {what} of {self.repository}"
            reason = _exhausted_retries(e)
            if reason is not None:
                message = f"GitHub kept failing ({reason}) {where} from {self.base_url}"
            else:
                message = f"cannot reach GitHub at {self.base_url} ({type(e).__name__}) {where}"
            raise SourceError(self._redact(message)) from e

    def _explain(self, error: GithubException, what: str, ref: str | None) -> str:
        status, detail = error.status, _github_message(error)
        where = f"while reading {what} of {self.repository} from {self.base_url}"
        auth = self._auth_description()
        if isinstance(error, BadCredentialsException) or status == 401:
            return f"GitHub rejected the credentials ({auth}) with HTTP 401 {where}"
        if ref is not None and status in (404, 422):
            return (
                f"unknown ref {ref!r} in {self.repository}: "
                f"GitHub answered HTTP {status} ({detail})"
            )
        if isinstance(error, RateLimitExceededException):
            return f"GitHub's rate limit was exceeded (HTTP {status}) {where}; try again later"
        if isinstance(error, UnknownObjectException) or status == 404:
            return (
                f"GitHub answered HTTP 404 {where}: it does not exist, "
                f"or the credentials ({auth}) cannot see it"
            )
        if status == 409:
            return f"GitHub answered HTTP 409 {where}: {detail} (is the repository empty?)"
        return f"GitHub answered HTTP {status} {where}: {detail}"

    def _redact(self, message: str) -> str:
        """Belt and braces: no message is built from the token, but none may ever carry it."""
        if self._token and len(self._token) >= 8:  # a short test token would mangle words
            message = message.replace(self._token, "***")
        return message


def _github_message(error: GithubException) -> str:
    data = error.data
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    return "no message"


def _exhausted_retries(error: OSError) -> str | None:
    """Why retries ran out (``too many 502 error responses``), for requests' RetryError."""
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError) and isinstance(cause.reason, ResponseError):
        return str(cause.reason)
    return None


def _decode(content: str, encoding: str, sha: str) -> bytes:
    if encoding == "base64":
        try:
            return base64.b64decode(content)
        except (binascii.Error, ValueError) as e:
            raise SourceError(f"GitHub sent blob {sha} with broken base64 content") from e
    if encoding in ("utf-8", "utf8"):
        return content.encode("utf-8")
    raise SourceError(f"GitHub sent blob {sha} in an unknown encoding {encoding!r}")


def _check_private_key(private_key: str) -> None:
    """Refuse a GitHub App key that cannot sign a JWT, before any request is made."""
    try:
        jwt.encode({"iss": "check"}, private_key, algorithm="RS256")
    except (jwt.PyJWTError, ValueError, TypeError) as e:
        raise SourceError("the GitHub App private key is not a valid PEM RSA private key") from e
