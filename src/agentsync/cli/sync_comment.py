"""``agent sync comment``: post a plan as the pull request's one comment, or update it in
place (:mod:`agentsync.sync.preview.comment`); after a failed plan (``--failed``), only update
it to say so. The GitHub Action's plan step runs it. The token is read from standard input, so
it is in no command line; it is never printed."""

from __future__ import annotations

import sys
from typing import TextIO

import click

from agentsync.cli.options import repository_name


@click.command("comment")
@click.option("--api-url", required=True, help="GitHub's REST API, e.g. https://api.github.com.")
@click.option(
    "--repository",
    required=True,
    metavar="OWNER/NAME",
    callback=repository_name,
    help="The pull request's repository.",
)
@click.option(
    "--pull-request",
    type=click.IntRange(min=1),
    required=True,
    metavar="NUMBER",
    help="The pull request's number.",
)
@click.option(
    "--body-file",
    type=click.File(encoding="utf-8"),
    required=True,
    help="The comment (a plan in Markdown); with --failed, the plan's error output.",
)
@click.option("--marker", help="The hidden first line [default: <!-- agentsync:plan -->].")
@click.option(
    "--failed",
    metavar="COMMIT",
    help="The plan of COMMIT failed, and --body-file holds its error output: the comment, if "
    "there is one, says so with the error (none is posted).",
)
def sync_comment(
    api_url: str,
    repository: str,
    pull_request: int,
    body_file: TextIO,
    marker: str | None,
    failed: str | None,
) -> None:
    """Post or update the pull request's one comment that starts with MARKER, e.g. the output
    of `agent sync plan --format markdown`. The token (with pull-requests: write) is read from
    standard input."""
    try:
        body = body_file.read()
    except UnicodeDecodeError as error:
        raise click.BadParameter(
            f"{body_file.name!r} is not UTF-8 text ({error.reason} at byte {error.start})",
            param_hint="--body-file",
        ) from None
    token = sys.stdin.readline().strip()
    if not token:
        raise click.UsageError("no GitHub token on standard input")
    # Only this command pays for the HTTP stack: `agent --help` loads none of it.
    from agentsync.sync.preview.comment import MARKER, StickyComments
    from agentsync.sync.preview.markdown import failed_markdown

    if failed is not None:  # an earlier plan must not stand as the current one
        body = failed_markdown(repository, failed, body)
    with StickyComments(api_url, token) as comments:
        click.echo(
            comments.upsert(repository, pull_request, body, marker or MARKER, create=failed is None)
        )
