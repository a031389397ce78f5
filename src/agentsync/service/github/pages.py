"""How ``agent serve`` reads GitHub's paged lists: a page at a time by its number, until a page
comes back short, and never past a number of pages. A server whose pages never end (a
misbehaving proxy, a broken GitHub Enterprise) is not read forever, whatever its next links
say, and no more than the pages read is held in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

from github.GithubObject import GithubObject
from github.PaginatedList import PaginatedList

from agentsync.sync.preview.comment import MAX_PAGES
from agentsync.sync.sources.github import GitHubError

T = TypeVar("T", bound=GithubObject)

PAGE_SIZE = 100  # the most GitHub returns per page; the client asks for it
MAX_COMMENT_PAGES = MAX_PAGES  # as many as `agent sync comment` reads
MAX_CHECK_RUN_PAGES = 10  # of one name, on one commit: each re-run of the check adds one


def paged(listing: PaginatedList[T], most_pages: int, what: str) -> Iterator[T]:
    """The items of ``listing`` (asked with ``per_page`` :data:`PAGE_SIZE`), page by page; a
    GitHubError (not retryable) when page ``most_pages`` is full and more are asked for."""
    for number in range(most_pages):
        page = listing.get_page(number)
        yield from page
        if len(page) < PAGE_SIZE:
            return
    raise GitHubError(f"GitHub's pages of {what} do not end: stopped after {most_pages}")
