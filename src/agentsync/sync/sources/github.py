"""Reading a snapshot from GitHub's REST API, through PyGithub.

This module owns :class:`GitHubSource`. A snapshot reads one commit in as few API calls as the
REST API allows, every read a ``GET``:

1. ``/repos/{owner}/{repo}``: the repository, and its default branch;
2. ``/repos/{owner}/{repo}/commits/{ref}``: the commit ``ref`` names (a branch, tag or sha;
   the default branch when ``ref`` is None) and its tree;
3. ``/repos/{owner}/{repo}/git/ref/heads/{default}``: only when ``ref`` is not the default
   branch's name, to tell whether the commit is that branch's head (not asked with
   ``ask_default_head=False``, as for a pull request's preview, which never applies);
4. ``/repos/{owner}/{repo}/git/trees/{tree}?recursive=1``: the whole tree, in one listing;
5. ``/repos/{owner}/{repo}/git/blobs/{sha}``: once per distinct config-file blob. Files outside
   the config directories are never fetched, and identical files share one fetch. With a
   :class:`~agentsync.sync.sources.github_blobs.BlobCache` (the service keeps one), only blobs it
   lacks are fetched: a blob's sha names its content, so an entry never goes stale, and a push
   that changes k files costs k blob reads. Each blob is checked against its sha before it is
   used. A file the tree lists as larger than a config may be is not fetched: it is invalid,
   as agent-lint says of it, and its last good config stays in force.

Authenticating as a GitHub App installation costs one more call (``POST
/app/installations/{id}/access_tokens``) when the installation has no token yet, or its token
is about to expire (:mod:`~agentsync.sync.sources.github_tokens`).

When GitHub truncates the recursive tree (very large repositories), the snapshot holds the
config files that were listed and is marked ``complete=False``, so nothing is deleted on its
word. As with :mod:`~agentsync.sync.sources.git`, only regular files are read: symlinks and
submodules are ignored.

:meth:`GitHubSource.order` orders two commits with one ``GET
/repos/{owner}/{repo}/compare/{base}...{head}``, so the sync engine can refuse a rollback.

Every PyGithub or connection error becomes a :class:`GitHubError` (a :class:`SourceError`)
naming the HTTP status and what was being read or written, and saying whether trying again later
may help (``retryable``: 5xx, 429, rate limits, connection failures) or not (401, 403, 404,
422...). The token never appears in a message or a ``repr``. :meth:`GitHubSource.client` and
:meth:`GitHubSource.call` let the service (:mod:`agentsync.service.github`) make other calls
with the same authentication, retries and errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import jwt
from github import Auth, Github, GithubException, GithubIntegration, GithubRetry
from github.GithubException import (
    BadAttributeException,
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)
from github.Repository import Repository
from requests.exceptions import ReadTimeout
from urllib3.exceptions import InvalidHeader, MaxRetryError, ReadTimeoutError, ResponseError

from agentsync.config.discovery import is_config_path
from agentsync.config.loader import DEFAULT_LIMITS
from agentsync.config.repository_names import is_repository_name
from agentsync.sync.model import WORKTREE_SUFFIX, CommitOrder, Snapshot
from agentsync.sync.sources.git import SourceError, UnknownCommit
from agentsync.sync.sources.github_blobs import (
    BlobCache,
    BrokenBlob,
    decode_blob,
    git_blob_sha,
    is_blob_sha,
)
from agentsync.sync.sources.github_tokens import InstallationToken, InstallationTokens, TokenKey

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.github.com"
_REGULAR_MODES = frozenset({"100644", "100755"})
# Wait out a rate limit (its reset, or a Retry-After) only when it is this close; otherwise
# fail and let the job retry later.
_MAX_RATE_LIMIT_WAIT = 60.0
_RETRIED_METHODS = frozenset({"GET", "HEAD"})
_TOO_MANY = re.compile(r"too many (\d{3}) error responses")
# GitHub's compare statuses are CommitOrder's own words; looking one up narrows its type.
_COMPARE_STATUSES: dict[str, CommitOrder] = {
    "identical": "identical", "ahead": "ahead", "behind": "behind", "diverged": "diverged"
}  # fmt: skip


class GitHubError(SourceError):
    """A GitHub call failed. ``status`` is the HTTP status (None: no answer); ``retryable`` says
    whether the same call may succeed later (server errors, rate limits, the network) or will
    fail again until someone acts (bad credentials, no access, a missing object, bad input)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


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
        tokens: InstallationTokens | None = None,
        blob_cache: BlobCache | None = None,
        ask_default_head: bool = True,
    ) -> None:
        if not is_repository_name(repository):
            raise GitHubError(f"not a GitHub repository name (owner/name): {repository!r}")
        if token is not None and app_auth is not None:
            raise GitHubError("give a GitHub token or GitHub App credentials, not both")
        if token is not None and not token.strip():
            raise GitHubError("the GitHub token is empty")
        if urlsplit(base_url).scheme not in ("http", "https"):
            raise GitHubError(f"the GitHub API URL must start with https:// : {base_url!r}")
        if ref is not None and not ref.strip():
            raise GitHubError("the ref to read is empty")
        self.repository = repository
        self.ref = ref
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self._token = token
        self._app_auth = app_auth
        self._tokens = tokens or InstallationTokens()
        self._blob_cache = blob_cache
        # Whether a snapshot of another ref than the default branch asks GitHub if it is that
        # branch's head: a sync must know (only the head syncs); a preview never applies.
        self._ask_default_head = ask_default_head
        if app_auth is not None:
            app_id, private_key, installation_id = app_auth
            if not (isinstance(app_id, int) and isinstance(installation_id, int)):
                raise GitHubError(
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
        with self.client() as client:
            try:
                return self._read(client)
            except BadAttributeException as e:
                raise self._unexpected(f"while reading {self.repository}") from e

    def order(self, base: str, head: str) -> CommitOrder:
        """How commit ``head`` relates to commit ``base`` (one compare call); UnknownCommit if
        GitHub knows either not.

        A working-tree commit (``<sha>+worktree``, from a local preview) compares as the commit
        it is based on.
        """
        base, head = base.removesuffix(WORKTREE_SUFFIX), head.removesuffix(WORKTREE_SUFFIX)
        pair = f"{base}...{head}"
        with self.client(lazy=True) as client:
            repo = client.get_repo(self.repository)
            # One commit per page: only the status is read, not the commits in between.
            try:
                status = self.call(
                    f"the comparison {pair}",
                    lambda: repo.compare(base, head, comparison_commits_per_page=1).status,
                    ref=pair,
                )
            except GitHubError as error:
                if error.status in (404, 422):
                    raise UnknownCommit(str(error)) from error
                raise
        if status not in _COMPARE_STATUSES:
            raise GitHubError(
                f"GitHub compared {pair} in {self.repository} as {status!r}, "
                "not one of ahead, identical, behind or diverged"
            )
        return _COMPARE_STATUSES[status]

    # -- a client, and calls made with it -------------------------------------------------------

    def client(
        self, *, lazy: bool = False, per_page: int = 30, seconds_between_writes: float = 1.0
    ) -> Github:
        """A PyGithub client with this source's credentials, timeout and retries; close it
        (``with source.client() as client:``).

        Only reads are retried: a write GitHub made but answered with an error would be made
        twice (two comments). Writes are spaced by ``seconds_between_writes``, as GitHub asks
        of integrations. A ``lazy`` client makes no request until an object's attributes are
        read, so reading them goes inside :meth:`call`.
        """
        retry = _Retry(
            total=self.retries,
            max_rate_limit_wait=_MAX_RATE_LIMIT_WAIT,
            allowed_methods=_RETRIED_METHODS,
        )
        return Github(
            auth=self._auth(),
            base_url=self.base_url,
            timeout=self.timeout,
            user_agent="agentsync",
            retry=retry,
            # Calls are made one after another, as GitHub asks; no extra pause between them.
            seconds_between_requests=None,
            seconds_between_writes=seconds_between_writes or None,
            per_page=per_page,
            lazy=lazy,
        )

    def call(
        self,
        what: str,
        operation: Callable[[], T],
        *,
        ref: str | None = None,
        verb: str = "reading",
    ) -> T:
        """``operation()``, with PyGithub's and the network's errors turned into a GitHubError
        that says it happened while ``verb`` ``what`` (``reading``/``the repository``).

        ``ref`` names the ref being resolved, so that GitHub's 404/422 reads "unknown ref".
        """
        where = f"while {verb} {what} {'of' if verb == 'reading' else 'in'} {self.repository}"
        try:
            return operation()
        except GithubException as e:
            if e.status == 401 and self._app_auth is not None:
                self._tokens.forget(self._token_key())  # revoked: the next call asks anew
            raise GitHubError(
                self._redact(self._explain(e, where, ref)),
                status=e.status,
                retryable=_retryable(e),
            ) from e
        except BadAttributeException as e:
            raise self._unexpected(where) from e
        except RuntimeError as e:  # PyGithub refuses a redirect to another host or scheme
            if "redirected" not in str(e):
                raise
            message = f"GitHub redirected elsewhere {where} from {self.base_url}: not followed"
            raise GitHubError(f"{message} (is the API URL right?)") from e
        except OSError as e:  # requests' ConnectionError, Timeout, RetryError are OSErrors
            reason = _exhausted_retries(e)
            status = None
            if isinstance(reason, _LongWait):
                message = f"{reason} {where} from {self.base_url}; try again later"
            elif reason is not None:
                message = f"GitHub kept failing ({reason}) {where} from {self.base_url}"
                found = _TOO_MANY.search(str(reason))
                status = int(found.group(1)) if found else None
            elif _timed_out(e):
                message = (
                    f"GitHub did not answer within {self.timeout} s {where} from {self.base_url}"
                )
            else:
                message = f"cannot reach GitHub at {self.base_url} ({type(e).__name__}) {where}"
            raise GitHubError(self._redact(message), status=status, retryable=True) from e

    # -- reading a snapshot ---------------------------------------------------------------------

    def _read(self, client: Github) -> Snapshot:
        repo = self.call("the repository", lambda: client.get_repo(self.repository))
        default_branch = repo.default_branch
        if not isinstance(default_branch, str) or not default_branch:  # a 200 of HTML, say
            raise self._unexpected(f"while reading the repository {self.repository}")
        ref = self.ref or default_branch
        commit = self.call(f"ref {ref!r}", lambda: repo.get_commit(ref), ref=ref)
        if not isinstance(commit.sha, str) or commit.commit is None or commit.commit.tree is None:
            raise self._unexpected(f"while reading ref {ref!r} of {self.repository}")
        if ref == default_branch:
            on_default = True
        elif not self._ask_default_head:
            on_default = False
        else:
            head = self.call(
                f"the head of the default branch {default_branch!r}",
                lambda: repo.get_git_ref(f"heads/{default_branch}"),
            )
            on_default = head.object.sha == commit.sha
        tree = self.call(
            f"the tree of commit {commit.sha}",
            lambda: repo.get_git_tree(commit.commit.tree.sha, recursive=True),
        )
        if not isinstance(tree.tree, list):
            raise self._unexpected(f"while reading the tree of {commit.sha} of {self.repository}")
        files = [
            element
            for element in tree.tree
            if element.type == "blob"
            and element.mode in _REGULAR_MODES
            and is_config_path(element.path)
        ]
        oversized = {
            f.path: f.size
            for f in files
            if isinstance(f.size, int) and f.size > DEFAULT_LIMITS.max_bytes  # not fetched
        }
        wanted = {f.path: f.sha for f in files if f.path not in oversized}
        blobs = self.read_blobs(repo, set(wanted.values()))
        return Snapshot(
            repository=self.repository,
            commit=commit.sha,
            ref=ref,
            default_branch=default_branch,
            on_default_branch=on_default,
            files={path: blobs[wanted[path]] for path in sorted(wanted)},
            complete=not tree.raw_data.get("truncated", False),
            oversized=oversized,
        )

    def read_blobs(self, repo: Repository, shas: set[str]) -> dict[str, bytes]:
        """The contents of blobs ``shas``: from the cache when it holds them intact, else one
        read each (then kept in the cache, unless larger than a config may be: a pull request's
        list of files gives no size, so such a blob is read, but is linted as too large)."""
        for sha in shas:
            if not is_blob_sha(sha):
                raise GitHubError(
                    f"GitHub named a blob of {self.repository} by {sha!r:.60}, which is not a sha"
                )
        blobs: dict[str, bytes] = {}
        if self._blob_cache is not None:
            cached = self._blob_cache.cached_blobs(sorted(shas))
            blobs = {sha: data for sha, data in cached.items() if git_blob_sha(data) == sha}
        fetched: dict[str, bytes] = {}
        for sha in sorted(shas - blobs.keys()):
            blob = self.call(f"blob {sha}", partial(repo.get_git_blob, sha))
            try:
                fetched[sha] = decode_blob(blob.content, blob.encoding, sha)
            except BrokenBlob as error:
                raise GitHubError(f"GitHub sent blob {sha} {error}") from error
        kept = {sha: data for sha, data in fetched.items() if len(data) <= DEFAULT_LIMITS.max_bytes}
        if self._blob_cache is not None and kept:
            self._blob_cache.cache_blobs(kept)
        return blobs | fetched

    # -- authentication and errors -------------------------------------------------------------

    def _auth(self) -> Auth.Auth | None:
        if self._token is not None:
            return Auth.Token(self._token)
        if self._app_auth is not None:
            return Auth.Token(self._tokens.get(self._token_key(), self._new_installation_token))
        return None

    def _token_key(self) -> TokenKey:
        assert self._app_auth is not None
        return (self.base_url, self._app_auth[0], self._app_auth[2])

    def _new_installation_token(self) -> InstallationToken:
        """A new access token for the App's installation (one ``POST``)."""
        assert self._app_auth is not None
        app_id, private_key, installation_id = self._app_auth
        integration = GithubIntegration(
            auth=Auth.AppAuth(app_id, private_key),
            base_url=self.base_url,
            timeout=self.timeout,
            user_agent="agentsync",
            retry=_Retry(total=self.retries, max_rate_limit_wait=_MAX_RATE_LIMIT_WAIT),
            seconds_between_requests=None,
        )
        try:
            grant = self.call(
                f"an access token for installation {installation_id}",
                lambda: integration.get_access_token(installation_id),
                verb="requesting",
            )
        finally:
            integration.close()
        expires_at = grant.expires_at
        if expires_at.tzinfo is None:  # GitHub sends UTC
            expires_at = expires_at.replace(tzinfo=UTC)
        return InstallationToken(grant.token, expires_at)

    def _auth_description(self) -> str:
        if self._token is not None:
            return "token"
        if self._app_auth is not None:
            return f"GitHub App {self._app_auth[0]}, installation {self._app_auth[2]}"
        return "anonymous"

    def _explain(self, error: GithubException, where: str, ref: str | None) -> str:
        status, detail = error.status, _github_message(error)
        where = f"{where} from {self.base_url}"
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

    def _unexpected(self, where: str) -> GitHubError:
        """GitHub answered, but not with the payload asked for (a proxy's HTML page...)."""
        return GitHubError(f"GitHub sent an unexpected payload {where} from {self.base_url}")

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


def _retryable(error: GithubException) -> bool:
    """Whether the same call may succeed later: a server error or a rate limit, not a refusal."""
    status = error.status
    return isinstance(error, RateLimitExceededException) or status == 429 or status >= 500


def _exhausted_retries(error: OSError) -> ResponseError | None:
    """Why retries ran out (``too many 502 error responses``, or a :class:`_LongWait`), for
    requests' RetryError."""
    cause = error.args[0] if error.args else None
    if isinstance(cause, MaxRetryError) and isinstance(cause.reason, ResponseError):
        return cause.reason
    return None


class _LongWait(ResponseError):
    """GitHub asked to wait longer than a call waits (its ``Retry-After``)."""


class _Retry(GithubRetry):
    """PyGithub's retries, but a ``Retry-After`` (on a 403, 429 or 503) is waited out only up
    to ``max_rate_limit_wait``, as a rate limit's reset is: a longer one ends the call at once,
    a retryable failure (urllib3 would sleep for up to six hours). One that is neither a number
    of seconds nor a date counts as none: the usual backoff applies."""

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            seconds = super().parse_retry_after(retry_after)
        except InvalidHeader:
            return 0.0
        limit = self.max_rate_limit_wait
        if limit is not None and seconds > limit:
            asked = f"(Retry-After: {retry_after.strip()[:40]})"
            reason = _LongWait(f"GitHub asked to wait over {limit:.0f} s {asked}")
            raise MaxRetryError(None, "", reason)  # type: ignore[arg-type] # as urllib3 does
        return seconds


def _timed_out(error: OSError) -> bool:
    """Whether GitHub was reached but did not answer in time (possibly after retries)."""
    cause = error.args[0] if error.args else None
    exhausted = isinstance(cause, MaxRetryError) and isinstance(cause.reason, ReadTimeoutError)
    return isinstance(error, ReadTimeout) or exhausted


def _check_private_key(private_key: str) -> None:
    """Refuse a GitHub App key that cannot sign a JWT, before any request is made."""
    try:
        jwt.encode({"iss": "check"}, private_key, algorithm="RS256")
    except (jwt.PyJWTError, ValueError, TypeError) as e:
        raise GitHubError("the GitHub App private key is not a valid PEM RSA private key") from e
