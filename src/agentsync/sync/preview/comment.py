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
from typing import Any, TypeVar

import httpx

from agentsync.errors import AgentsyncError
from agentsync.http.retry import RetryPolicy
from agentsync.http.session import OwnsSession, Session
from agentsync.shorten import truncate

__all__ = ["ACTIONS_BOT", "MARKER", "MAX_BODY", "GitHubRefused", "StickyComments"]

MARKER = "<!-- agentsync:plan -->"
MAX_BODY = 65_536  # GitHub's limit on a comment's body, in characters
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
        )

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
        def login(response: httpx.Response) -> str:
            return str(response.json()["login"])

        try:
            return self._send("GET", "/user", "the token's user", login)
        except GitHubRefused as error:  # an installation token (as GITHUB_TOKEN is) is no user
            if error.status == 403:
                return ACTIONS_BOT
            raise

    def ours(self, repository: str, number: int, marker: str) -> dict[str, Any] | None:
        """The first comment on pull request ``number`` that starts with ``marker`` and is
        ours."""
        author = self._author().casefold()
        url: str | None = f"/repos/{repository}/issues/{number}/comments"
        params: dict[str, int] | None = {"per_page": 100}
        while url is not None:
            response = self._send(
                "GET", url, f"the comments of #{number}", lambda r: r, params=params
            )
            for comment in response.json():
                login = str((comment.get("user") or {}).get("login", "")).casefold()
                if login == author and str(comment.get("body", "")).startswith(marker):
                    return dict(comment)
            url, params = response.links.get("next", {}).get("url"), None
        return None

    def upsert(self, repository: str, number: int, body: str, marker: str = MARKER) -> str:
        """Edit our comment to ``marker`` + ``body``, or create it; what was done, in words."""
        text = truncate(f"{marker}\n{body}", MAX_BODY)
        ours = self.ours(repository, number, marker)
        if ours is None:
            where = f"/repos/{repository}/issues/{number}/comments"
            created = self._send(
                "POST", where, f"a comment on #{number}", lambda r: r.json(), json={"body": text}
            )
            return f"created comment {created['id']} on {repository}#{number}"
        if ours.get("body") == text:
            return f"comment {ours['id']} on {repository}#{number} is up to date"
        where = f"/repos/{repository}/issues/comments/{ours['id']}"
        self._send("PATCH", where, f"comment {ours['id']}", lambda r: None, json={"body": text})
        return f"updated comment {ours['id']} on {repository}#{number}"
