"""A preview as the pull request's one comment, kept up to date in place: what the GitHub
Action's plan step does (``agent sync comment``) however often the workflow runs.

Ours is the first comment that starts with the marker *and* was written by the token's user
(``GET /user``), or, for the Actions ``GITHUB_TOKEN`` (which ``GET /user`` refuses), by
``github-actions[bot]``: anyone can write the marker, and another's comment is never edited.
The body is cut to GitHub's 65,536 characters.

Calls go through the shared HTTP layer (:mod:`agentsync.http`) with its one retry policy:
reads are tried again on a 429, a 5xx or a lost connection; the write is not, since GitHub
takes no Idempotency-Key. httpx only, the package's own dependency: the Action installs no
server stack. The token never appears in a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import httpx

from agentsync.errors import AgentsyncError, UsageError
from agentsync.http.retry import RetryPolicy
from agentsync.http.session import OwnsSession, Session
from agentsync.printable import printable
from agentsync.shorten import truncate

__all__ = ["ACTIONS_BOT", "MARKER", "MAX_BODY", "GitHubRefused", "StickyComments"]

MARKER = "<!-- agentsync:plan -->"
MAX_BODY = 65_536  # GitHub's limit on a comment's body, in characters
MAX_PAGES = 300  # of 100 comments each: a pull request with more is not ours to page through
ACTIONS_BOT = "github-actions[bot]"  # who the Actions GITHUB_TOKEN writes as
T = TypeVar("T")


class GitHubRefused(AgentsyncError):
    """GitHub answered an error (``status``), or could not be reached (None): one line, no
    token in it."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class _Failures:
    """The shared layer's ``Failures`` for one call: what it was for, in words."""

    def __init__(self, what: str) -> None:
        self.what = what

    def answered(self, response: httpx.Response, retrying: bool) -> Exception:
        try:
            message = str(response.json().get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        said = f": {message}" if message else ""
        status = response.status_code
        return GitHubRefused(f"GitHub answered {status} for {self.what}{said}", status)

    def unreachable(self, error: httpx.TransportError) -> Exception:
        return GitHubRefused(f"cannot reach GitHub for {self.what}: {type(error).__name__}")

    def gave_up(self, failure: Exception, why: str) -> Exception:
        return GitHubRefused(f"{failure} ({why})", getattr(failure, "status", None))


class _Comment(NamedTuple):
    id: int
    author: str  # casefolded
    body: str


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise GitHubRefused(f"GitHub's answer for {what} is not JSON") from None


def _login(response: httpx.Response) -> str:
    data = _json(response, "the token's user")
    login = data.get("login") if isinstance(data, dict) else None
    if not isinstance(login, str):
        raise GitHubRefused("GitHub's answer for the token's user has no login")
    return login


def _comment_id(data: Any, what: str) -> int:
    found = data.get("id") if isinstance(data, dict) else None
    if isinstance(found, bool) or not isinstance(found, int) or found < 1:
        raise GitHubRefused(f"GitHub's answer for {what} has no comment id")
    return found


def _comments(response: httpx.Response, what: str) -> list[_Comment]:
    page = _json(response, what)
    if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
        raise GitHubRefused(f"GitHub's answer for {what} is not a list of comments")
    comments = []
    for item in page:
        user = item.get("user")
        login = user.get("login") if isinstance(user, dict) else None
        body = item.get("body")
        if isinstance(login, str) and isinstance(body, str):
            comments.append(_Comment(_comment_id(item, what), login.casefold(), body))
    return comments


class StickyComments(OwnsSession):
    """One pull-request comment per marker, on the repositories ``token`` may write to."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._session = Session(
            api_url.rstrip("/"),
            token,
            policy=policy or RetryPolicy(),
            transport=transport,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )  # the shared layer refuses a URL that does not parse or holds a password
        base = self._session.client.base_url
        if base.scheme not in ("http", "https") or not base.host:
            self.close()
            raise UsageError(
                f"the GitHub API URL must be http(s)://HOST...: {printable(api_url)!r}"
            )
        self._origin = _origin(base)

    def _send(
        self,
        method: str,
        url: str,
        what: str,
        read: Callable[[httpx.Response], T],
        *,
        params: Any = None,
        json: Any = None,
    ) -> T:
        failures = _Failures(what)
        return self._session.send(method, url, read, failures, params=params, json=json)

    def _author(self) -> str:
        try:
            return self._send("GET", "/user", "the token's user", _login)
        except GitHubRefused as error:  # an installation token (as GITHUB_TOKEN is) is no user
            if error.status == 403:
                return ACTIONS_BOT
            raise

    def _next_page(self, response: httpx.Response, seen: set[str], what: str) -> str | None:
        """The next page's URL, on the API's own server (the token goes nowhere else), once."""
        url = response.links.get("next", {}).get("url")
        if url is None:
            return None
        if _origin(response.url.join(url)) != self._origin:
            raise GitHubRefused(f"GitHub's next page of {what} is on another server: not read")
        if url in seen or len(seen) >= MAX_PAGES:
            raise GitHubRefused(f"GitHub's pages of {what} do not end: stopped at {len(seen)}")
        seen.add(url)
        return url

    def ours(self, repository: str, number: int, marker: str) -> _Comment | None:
        """The first comment on pull request ``number`` that starts with ``marker`` and is
        ours."""
        author = self._author().casefold()
        what = f"the comments of #{number}"
        url: str | None = f"/repos/{repository}/issues/{number}/comments"
        params: dict[str, int] | None = {"per_page": 100}
        seen: set[str] = set()
        while url is not None:
            response = self._send("GET", url, what, lambda r: r, params=params)
            for comment in _comments(response, what):
                if comment.author == author and comment.body.startswith(marker):
                    return comment
            url, params = self._next_page(response, seen, what), None
        return None

    def upsert(
        self, repository: str, number: int, body: str, marker: str = MARKER, *, create: bool = True
    ) -> str:
        """Edit our comment to ``marker`` + ``body``, or create it (unless not ``create``); what
        was done, in words."""
        text = truncate(f"{marker}\n{body}", MAX_BODY)
        ours = self.ours(repository, number, marker)
        if ours is None and not create:
            return f"no comment of ours on {repository}#{number}: none posted"
        if ours is None:
            where = f"/repos/{repository}/issues/{number}/comments"
            what = f"a comment on #{number}"
            created = self._send(
                "POST",
                where,
                what,
                lambda r: _comment_id(_json(r, what), what),
                json={"body": text},
            )
            return f"created comment {created} on {repository}#{number}"
        if ours.body == text:
            return f"comment {ours.id} on {repository}#{number} is up to date"
        where = f"/repos/{repository}/issues/comments/{ours.id}"
        self._send("PATCH", where, f"comment {ours.id}", lambda r: None, json={"body": text})
        return f"updated comment {ours.id} on {repository}#{number}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Where a URL's requests go: its scheme, host and port."""
    return url.scheme, url.host, url.port
