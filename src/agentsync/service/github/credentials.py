"""The service's GitHub credentials: a GitHub App (:class:`AppCredentials`) or a token
(:class:`TokenCredentials`), the rules that read them from the environment
(:func:`credentials_from_environment`), and the :class:`~agentsync.sync.sources.github.GitHubSource`
they open for a repository (:func:`github_source`).

No token or private key ever appears in a message or a ``repr``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict, Unpack

from agentsync import settings
from agentsync.errors import UsageError
from agentsync.sync.sources.github import GitHubError, GitHubSource
from agentsync.sync.sources.github_blobs import BlobCache
from agentsync.sync.sources.github_tokens import InstallationTokens

__all__ = [
    "AppCredentials",
    "GitHubCredentials",
    "SourceOptions",
    "TokenCredentials",
    "credentials_from_environment",
    "github_source",
    "secret_of",
]


@dataclass(frozen=True)
class AppCredentials:
    """A GitHub App: its id and private key (PEM). Each job acts as one installation, whose id
    comes from the webhook payload's ``installation.id``. Its installations' access tokens are
    kept in memory (``tokens``) and reused by every job of the process until near expiry."""

    app_id: int
    private_key: str = field(repr=False)
    tokens: InstallationTokens = field(
        default_factory=InstallationTokens, repr=False, compare=False
    )


@dataclass(frozen=True)
class TokenCredentials:
    """A personal access token (or any token): pull-request comments only, no check runs."""

    token: str = field(repr=False)


GitHubCredentials = AppCredentials | TokenCredentials


class SourceOptions(TypedDict, total=False):
    """How a :class:`GitHubSource` reaches GitHub: its keyword options of these names (and its
    defaults where one is not given)."""

    base_url: str
    timeout: int
    retries: int
    blob_cache: BlobCache | None


def secret_of(credentials: GitHubCredentials) -> str:
    """The secret the credentials hold (the App's private key or the token), to redact."""
    if isinstance(credentials, AppCredentials):
        return credentials.private_key
    return credentials.token


def credentials_from_environment(app_key_file: Path | None) -> GitHubCredentials:
    """GitHub App credentials (``AGENTSYNC_GITHUB_APP_ID`` and the key file) or a token
    (``AGENTSYNC_GITHUB_TOKEN``): exactly one of them."""
    app_id = os.environ.get(settings.AGENTSYNC_GITHUB_APP_ID.name, "").strip()
    token = os.environ.get(settings.AGENTSYNC_GITHUB_TOKEN.name, "").strip()
    if app_id and token:
        raise UsageError("set AGENTSYNC_GITHUB_APP_ID or AGENTSYNC_GITHUB_TOKEN, not both")
    if token:
        return TokenCredentials(token)
    if not app_id:
        raise UsageError(
            "no GitHub credentials: set AGENTSYNC_GITHUB_APP_ID and --github-app-key-file (a "
            "GitHub App: check runs and comments), or AGENTSYNC_GITHUB_TOKEN (comments only)"
        )
    if not app_id.isdigit():
        raise UsageError(f"AGENTSYNC_GITHUB_APP_ID must be a number, not {app_id!r}")
    if app_key_file is None:
        raise UsageError("a GitHub App needs its private key: --github-app-key-file PATH")
    try:
        private_key = app_key_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{app_key_file}: cannot read the GitHub App key: {error}") from error
    return AppCredentials(int(app_id), private_key)


def github_source(
    credentials: GitHubCredentials,
    repository: str,
    *,
    installation_id: int | None = None,
    ref: str | None = None,
    ask_default_head: bool = True,
    **options: Unpack[SourceOptions],
) -> GitHubSource:
    """A :class:`GitHubSource` of ``repository`` as the App's ``installation_id``, or with the
    token; blobs kept in ``options["blob_cache"]`` are not downloaded again."""
    token: str | None = None
    app_auth: tuple[int, str, int] | None = None
    tokens: InstallationTokens | None = None
    if isinstance(credentials, TokenCredentials):
        token = credentials.token
    elif installation_id is None:
        raise GitHubError(
            f"GitHub App {credentials.app_id} needs an installation id to read {repository} "
            "(the webhook's installation.id)"
        )
    else:
        app_auth = (credentials.app_id, credentials.private_key, installation_id)
        tokens = credentials.tokens
    return GitHubSource(
        repository,
        ref,
        token=token,
        app_auth=app_auth,
        tokens=tokens,
        ask_default_head=ask_default_head,
        **options,
    )
