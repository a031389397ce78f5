"""``python -m agentsync.cli.sticky_comment``: post, or update in place, one pull-request comment
found by a hidden marker; the GitHub Action's plan step runs it to keep one plan comment per pull
request, however often the workflow runs.

Ours is the first comment that starts with the marker *and* was written by the token's user
(``GET /user``), or, for the Actions ``GITHUB_TOKEN`` (which ``GET /user`` refuses), by
``github-actions[bot]``: anyone can write the marker, and another's comment is never edited. The
token is read from standard input, so it is in no command line; it is never printed. The body
is cut to GitHub's 65,536 characters. httpx only (the package's own dependency): the action
installs no server stack.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import click
import httpx

from agentsync import __version__

MARKER = "<!-- agentsync:plan -->"
MAX_BODY = 65_536
ACTIONS_BOT = "github-actions[bot]"  # who the Actions GITHUB_TOKEN writes as
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


class GitHubRefused(click.ClickException):
    """GitHub answered an error, or could not be reached: one line, no token in it."""


def _call(
    client: httpx.Client, method: str, url: str, what: str, *, allow: int = 0, **kwargs: Any
) -> httpx.Response:
    """The answer to one request; an error raises, but for the ``allow`` status."""
    try:
        response = client.request(method, url, **kwargs)
    except httpx.TransportError as error:
        raise GitHubRefused(f"cannot reach GitHub for {what}: {type(error).__name__}") from None
    if response.is_error and response.status_code != allow:
        try:
            message = str(response.json().get("message", ""))
        except ValueError:
            message = ""
        raise GitHubRefused(
            f"GitHub answered {response.status_code} for {what}" + (f": {message}" * bool(message))
        )
    return response


def _author(client: httpx.Client) -> str:
    response = _call(client, "GET", "/user", "the token's user", allow=403)
    if response.status_code == 403:  # an installation token (as GITHUB_TOKEN is) is no user
        return ACTIONS_BOT
    return str(response.json()["login"])


def our_comment(
    client: httpx.Client, repository: str, number: int, marker: str
) -> dict[str, Any] | None:
    """The first comment on pull request ``number`` that starts with ``marker`` and is ours."""
    author = _author(client).casefold()
    url: str | None = f"/repos/{repository}/issues/{number}/comments"
    params: dict[str, int] | None = {"per_page": 100}
    while url is not None:
        response = _call(client, "GET", url, f"the comments of #{number}", params=params)
        for comment in response.json():
            login = str((comment.get("user") or {}).get("login", "")).casefold()
            if login == author and str(comment.get("body", "")).startswith(marker):
                return dict(comment)
        url, params = response.links.get("next", {}).get("url"), None
    return None


def upsert(client: httpx.Client, repository: str, number: int, body: str, marker: str) -> str:
    """Edit our comment to ``marker`` + ``body``, or create it; what was done, in words."""
    text = f"{marker}\n{body}"[:MAX_BODY]
    ours = our_comment(client, repository, number, marker)
    if ours is None:
        where = f"/repos/{repository}/issues/{number}/comments"
        created = _call(client, "POST", where, f"a comment on #{number}", json={"body": text})
        return f"created comment {created.json()['id']} on {repository}#{number}"
    if ours.get("body") == text:
        return f"comment {ours['id']} on {repository}#{number} is up to date"
    where = f"/repos/{repository}/issues/comments/{ours['id']}"
    _call(client, "PATCH", where, f"comment {ours['id']}", json={"body": text})
    return f"updated comment {ours['id']} on {repository}#{number}"


@click.command()
@click.option("--api-url", required=True, help="GitHub's REST API, e.g. https://api.github.com.")
@click.option("--repository", required=True, metavar="OWNER/NAME")
@click.option("--pull-request", type=click.IntRange(min=1), required=True, metavar="NUMBER")
@click.option("--body-file", type=click.File(encoding="utf-8"), required=True)
@click.option("--marker", default=MARKER, show_default=True, help="The hidden first line.")
def main(api_url: str, repository: str, pull_request: int, body_file: Any, marker: str) -> None:
    """Post or update the pull request's one comment that starts with MARKER; the token (with
    pull-requests: write) is read from standard input."""
    if not _REPOSITORY.fullmatch(repository):
        raise click.BadParameter(f"{repository!r} is not OWNER/NAME", param_hint="--repository")
    token = sys.stdin.readline().strip()
    if not token:
        raise click.UsageError("no GitHub token on standard input")
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": f"agentsync/{__version__}",
    }
    with httpx.Client(base_url=api_url.rstrip("/"), headers=headers, timeout=30) as client:
        click.echo(upsert(client, repository, pull_request, body_file.read(), marker))


if __name__ == "__main__":
    main()
