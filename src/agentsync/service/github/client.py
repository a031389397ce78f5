"""The service's GitHub client for one job: it reads a pull request and reports on it.

:class:`GitHubClient` (and :func:`report_pull_request`, the worker's one call) does, for one
repository and App installation (or token):

1. ``GET /repos/{o}/{r}/pulls/{n}``: the pull request's *current* head, read when the job runs
   (level-triggered: the webhook's copy may be stale);
2. ``GET /repos/{o}/{r}/pulls/{n}/files``, every page: the changed config files (GitHub lists at
   most 3000), then ``GET /repos/{o}/{r}/git/blobs/{sha}`` once per distinct blob to lint that
   the blob cache (the service database's, when given) lacks;
3. with GitHub App credentials only, one check run ``agent-lint`` on the head
   (:mod:`~agentsync.service.github.check_runs`);
4. one pull-request comment (:mod:`~agentsync.service.github.rendering` writes it): ours is the
   first in ``GET /repos/{o}/{r}/issues/{n}/comments`` that starts with
   :data:`~agentsync.service.github.rendering.MARKER` *and* was written by us, the App's bot
   user (``<slug>[bot]``, the slug read once with ``GET /app``) or the token's user (``GET
   /user``): a comment anyone else wrote is never ours, whatever it says. It is edited in place
   (``PATCH /repos/{o}/{r}/issues/comments/{id}``), or else created (``POST
   /repos/{o}/{r}/issues/{n}/comments``); never created for a pull request that changes no
   config file to lint.

Given the control plane (the worker gives it), the report also holds a sync preview of the head
(:mod:`~agentsync.service.previews`, read-only), when the pull request changes a config file:
in the check run's text and in the comment (:mod:`~agentsync.service.github.preview`). A pull
request that only removes configs then gets a comment too, showing what would be deleted.

Every failure is a :class:`~agentsync.sync.sources.github.GitHubError` whose ``retryable`` tells
the worker to try again later (5xx, 429, the network) or to give up (401, 403, 404, 422).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Literal, NamedTuple, Unpack

from github import Auth, Github
from github.IssueComment import IssueComment
from github.Repository import Repository

from agentsync.closeable import Closeable
from agentsync.config.discovery import is_config_path
from agentsync.config.loader import load_bytes
from agentsync.errors import UsageError
from agentsync.lint.result import LintResult
from agentsync.lint.rules import disable_warnings
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import SETTINGS_FILES, Settings, parse_settings
from agentsync.plural import plural
from agentsync.service.github import check_runs
from agentsync.service.github.check_runs import CheckRunAction, CheckRunReport, check_run_report
from agentsync.service.github.credentials import (
    AppCredentials,
    GitHubCredentials,
    SourceOptions,
    github_source,
)
from agentsync.service.github.pages import MAX_COMMENT_PAGES, PAGE_SIZE, paged
from agentsync.service.github.preview import PreviewMarkdown
from agentsync.service.github.rendering import MARKER, comment_body, reported_paths
from agentsync.service.previews import SyncPreview, plan_preview
from agentsync.sync.sources.github import (
    DEFAULT_BASE_URL,
    GitHubError,
    GitHubSource,
)

if TYPE_CHECKING:
    from agentsync.client.api import Client

__all__ = [
    "MAX_LISTED_FILES",
    "ChangedFile",
    "ClientOptions",
    "CommentAction",
    "GitHubClient",
    "PullRequestHead",
    "PullRequestReport",
    "lint_files",
    "report_pull_request",
]

MAX_LISTED_FILES = 3000  # GitHub lists at most this many files of a pull request
CommentAction = Literal["created", "updated", "unchanged", "none"]


class PullRequestHead(NamedTuple):
    sha: str
    state: str  # "open" or "closed"
    base_ref: str
    html_url: str  # the head repository's page (a fork's, for a pull request from a fork)


class ChangedFile(NamedTuple):
    """A config file the pull request changes; ``content`` is at the head (None when removed)."""

    path: str
    status: str  # added, modified, renamed, copied, changed or removed
    sha: str | None  # the blob at the head
    previous_path: str | None = None  # a renamed file's path at the base
    content: bytes | None = None


class PullRequestReport(NamedTuple):
    """What :func:`report_pull_request` did, for the worker's log and the job record."""

    repository: str
    number: int
    head_sha: str
    state: str
    files_linted: int
    errors: int
    warnings: int
    check_run_id: int | None
    comment_id: int | None
    comment: CommentAction
    check_run: CheckRunAction = "none"
    preview: SyncPreview | None = None  # None: not asked for, or no config changed


def lint_files(files: Mapping[str, bytes], settings: Settings | None = None) -> LintResult:
    """Lint files given as repository path -> content, in path order, as ``agent-lint`` would."""
    settings = settings or Settings()
    return LintResult(
        tuple(
            lint_document(load_bytes(files[path], path, settings.load_limits), settings)
            for path in sorted(files)
        )
    )


class _Session(NamedTuple):
    source: GitHubSource
    client: Github
    repo: Repository


class GitHubClient(Closeable):
    """GitHub as one App installation (or with one token), for one job.

    Use it as a context manager. Each repository gets one lazy PyGithub client, so an App's
    installation token is fetched once per repository, and no call is made before it is needed.
    """

    def __init__(
        self,
        credentials: GitHubCredentials,
        *,
        installation_id: int | None = None,
        seconds_between_writes: float = 1.0,
        **options: Unpack[SourceOptions],
    ) -> None:
        self.credentials = credentials
        self.installation_id = installation_id
        self.seconds_between_writes = seconds_between_writes
        self.options = options  # each repository's source's (its blob cache kept between jobs)
        self._sessions: dict[str, _Session] = {}
        self._login: str | None = None  # who our comments are by, asked once

    def __repr__(self) -> str:
        return (
            f"GitHubClient(credentials={self.credentials!r}, "
            f"installation_id={self.installation_id!r}, "
            f"base_url={self.options.get('base_url', DEFAULT_BASE_URL)!r})"
        )

    def close(self) -> None:
        for session in self._sessions.values():
            session.client.close()
        self._sessions.clear()

    @property
    def checks_enabled(self) -> bool:
        """Only a GitHub App may create check runs."""
        return isinstance(self.credentials, AppCredentials)

    def source(
        self, repository: str, ref: str | None = None, *, ask_default_head: bool = True
    ) -> GitHubSource:
        """A :class:`GitHubSource` of ``repository`` with these credentials and blob cache."""
        return github_source(
            self.credentials,
            repository,
            installation_id=self.installation_id,
            ref=ref,
            ask_default_head=ask_default_head,
            **self.options,
        )

    def _session(self, repository: str) -> _Session:
        if repository not in self._sessions:
            source = self.source(repository)
            client = source.client(
                lazy=True, per_page=PAGE_SIZE, seconds_between_writes=self.seconds_between_writes
            )
            self._sessions[repository] = _Session(source, client, client.get_repo(repository))
        return self._sessions[repository]

    def login(self, repository: str) -> str:
        """Who our comments are by: the App's bot user ``<slug>[bot]`` (``GET /app``, with the
        App's JWT) or the token's user (``GET /user``). Asked once per client; ``repository``
        only picks the session (and names it in an error)."""
        if self._login is None:
            session = self._session(repository)
            credentials = self.credentials
            if isinstance(credentials, AppCredentials):
                self._login = f"{self._app_slug(session, credentials)}[bot]"
            else:
                self._login = session.source.call(
                    "the token's user (GET /user)", lambda: session.client.get_user().login
                )
        return self._login

    @staticmethod
    def _app_slug(session: _Session, credentials: AppCredentials) -> str:
        # GET /app takes the App's JWT, not the installation token the session holds: the same
        # requester (base URL, timeout, retries) with the App's own authentication.
        jwt_auth = Auth.AppAuth(credentials.app_id, credentials.private_key)
        requester = session.client.requester.withAuth(jwt_auth)
        try:
            _, app = session.source.call(
                f"GitHub App {credentials.app_id} (GET /app)",
                lambda: requester.requestJsonAndCheck("GET", "/app"),
            )
        finally:
            requester.close()
        slug = app.get("slug") if isinstance(app, dict) else None
        if not isinstance(slug, str) or not slug:
            raise GitHubError(f"GitHub sent no slug for GitHub App {credentials.app_id} (GET /app)")
        return slug

    # -- reading a pull request ------------------------------------------------------------------

    def pull_request_head(self, repository: str, number: int) -> PullRequestHead:
        """The pull request's head as GitHub has it now (not as the webhook said)."""
        session = self._session(repository)

        def read() -> PullRequestHead:
            pull = session.repo.get_pull(number)
            page = (pull.head.repo or pull.base.repo).html_url  # a deleted fork has no repo
            return PullRequestHead(pull.head.sha, pull.state, pull.base.ref, page)

        return session.source.call(f"pull request #{number}", read)

    def changed_config_files(self, repository: str, number: int) -> list[ChangedFile]:
        """The config files the pull request changes (by path order), each with its content at
        the head unless removed. GitHub lists at most :data:`MAX_LISTED_FILES` files."""
        return self._changed_config_files(repository, number)[0]

    def _changed_config_files(self, repository: str, number: int) -> tuple[list[ChangedFile], bool]:
        """The changed config files, and whether GitHub listed every changed file."""
        session = self._session(repository)
        what = f"the files of pull request #{number}"
        # GitHub lists no more files: a server that does is read no further (islice stops at
        # the last one, before paged would ask for the page after its last).
        pages = -(-MAX_LISTED_FILES // PAGE_SIZE)
        listing = session.source.call(
            what,
            lambda: list(
                islice(
                    paged(session.repo.get_pull(number).get_files(), pages, what), MAX_LISTED_FILES
                )
            ),
        )
        changed = sorted(
            (
                ChangedFile(f.filename, f.status, f.sha, f.previous_filename)
                for f in listing
                if is_config_path(f.filename)
            ),
            key=lambda f: f.path,
        )
        shas = {f.sha for f in changed if f.status != "removed" and f.sha}
        contents = session.source.read_blobs(session.repo, shas)
        with_contents = [
            f._replace(content=contents[f.sha]) if f.sha in contents else f for f in changed
        ]
        return with_contents, len(listing) < MAX_LISTED_FILES

    # -- writing the report ----------------------------------------------------------------------
    def upsert_check_run(
        self, repository: str, head_sha: str, report: CheckRunReport
    ) -> tuple[int, CheckRunAction]:
        """Leave one accurate ``agent-lint`` check run of ours on ``head_sha``; its id and what
        was done (see :func:`~agentsync.service.github.check_runs.upsert_check_run`)."""
        app_id = self._app_id()
        session = self._session(repository)
        return check_runs.upsert_check_run(session.source, session.repo, app_id, head_sha, report)

    def _app_id(self) -> int:
        """Our App's id: only a GitHub App may create check runs."""
        if not isinstance(self.credentials, AppCredentials):
            raise GitHubError("only a GitHub App can create check runs, not a token")
        return self.credentials.app_id

    def our_comment(self, repository: str, number: int) -> IssueComment | None:
        """Our comment on pull request ``number``: the first that starts with :data:`MARKER`
        and was written by us (:meth:`login`), since anyone can write the marker."""
        session = self._session(repository)
        login = self.login(repository).casefold()
        bot = self.checks_enabled  # an App comments as its bot user, of type Bot

        def is_ours(comment: IssueComment) -> bool:
            user = comment.user
            return (
                user is not None
                and user.login.casefold() == login
                and (not bot or user.type == "Bot")
                and comment.body.startswith(MARKER)
            )

        issue = session.repo.get_issue(number)  # lazy: no request
        what = f"the comments of pull request #{number}"
        return session.source.call(
            what,
            lambda: next(
                (c for c in paged(issue.get_comments(), MAX_COMMENT_PAGES, what) if is_ours(c)),
                None,
            ),
        )

    def upsert_comment(
        self,
        repository: str,
        number: int,
        body: str,
        *,
        create: bool = True,
        ours: IssueComment | Literal[False] | None = False,
    ) -> tuple[int | None, CommentAction]:
        """Edit our comment on pull request ``number`` to ``body``, or create it when there is
        none and ``create`` is set. ``ours``: our comment when the caller has read it already
        (None: there is none), else it is looked up (:meth:`our_comment`)."""
        session = self._session(repository)
        if ours is False:
            ours = self.our_comment(repository, number)
        if ours is not None:
            if ours.body == body:
                return ours.id, "unchanged"
            session.source.call(
                f"comment {ours.id} on pull request #{number}",
                partial(ours.edit, body),
                verb="updating",
            )
            return ours.id, "updated"
        if not create:
            return None, "none"
        issue = session.repo.get_issue(number)  # lazy: no request
        created = session.source.call(
            f"a comment on pull request #{number}",
            partial(issue.create_comment, body),
            verb="creating",
        )
        return created.id, "created"

    def lint_settings(self, repository: str, sha: str) -> tuple[Settings, list[str]]:
        """The repository's agent-lint settings at ``sha`` (``.agent-lint.yaml``, else
        ``[tool.agent-lint]`` in ``pyproject.toml``, at the root), so the check agrees with
        agent-lint run in a checkout; and a note when the file there cannot be used (the
        default settings are used then)."""
        session = self._session(repository)
        for name in SETTINGS_FILES:
            try:
                found = session.source.call(
                    f"{name} at {sha[:12]}", partial(session.repo.get_contents, name, sha)
                )
            except GitHubError as error:
                if error.status == 404:
                    continue
                raise
            if isinstance(found, list):  # a directory of that name
                continue
            try:
                settings = parse_settings(name, found.decoded_content.decode("utf-8"), name)
            except (UsageError, UnicodeDecodeError) as error:
                return Settings(), [f"{error}: the default settings were used."]
            if settings is not None:
                return settings, disable_warnings(settings.disable, f"{name}: 'disable'")
        return Settings(), []

    def report_pull_request(
        self,
        repository: str,
        number: int,
        *,
        control_plane: Client | None = None,
        now: datetime | None = None,
    ) -> PullRequestReport:
        """Lint the config files pull request ``number`` changes at its current head, and report
        on GitHub: a check run (App only) and our one comment, with the sync preview of the head
        against ``control_plane`` (only read) when it is given and a config changed, its next
        firings counted from ``now`` (default: now). A closed pull request is left alone."""
        head = self.pull_request_head(repository, number)
        if head.state != "open":
            return PullRequestReport(
                repository, number, head.sha, head.state, 0, 0, 0, None, None, "none"
            )
        changed, complete = self._changed_config_files(repository, number)
        settings, notes = self.lint_settings(repository, head.sha)
        result = lint_files({f.path: f.content for f in changed if f.content is not None}, settings)
        notes += _notes(changed, complete)
        preview = None
        if control_plane is not None and changed:
            source = self.source(repository, head.sha, ask_default_head=False)
            previewed = plan_preview(source, control_plane, repository, now=now)
            preview = PreviewMarkdown(previewed, checks=self.checks_enabled)
        check_run_id: int | None
        check_run: CheckRunAction
        check_run_id, check_run = (
            self.upsert_check_run(
                repository, head.sha, check_run_report(result, head.sha, notes, preview)
            )
            if self.checks_enabled
            else (None, "none")
        )
        ours = self.our_comment(repository, number)
        body = comment_body(
            result,
            head.sha,
            notes,
            blob_url=f"{head.html_url}/blob/{head.sha}",
            previously=reported_paths(ours.body) if ours is not None else frozenset(),
            preview=preview,
        )
        comment_id, action = self.upsert_comment(
            repository, number, body, create=bool(result.files) or preview is not None, ours=ours
        )
        summary = result.summary
        return PullRequestReport(
            repository,
            number,
            head.sha,
            head.state,
            summary.files,
            summary.errors,
            summary.warnings,
            check_run_id,
            comment_id,
            action,
            check_run,
            preview.preview if preview is not None else None,
        )


class ClientOptions(SourceOptions, total=False):
    """:class:`GitHubClient`'s keyword options."""

    installation_id: int | None
    seconds_between_writes: float


def report_pull_request(
    credentials: GitHubCredentials,
    repository: str,
    number: int,
    *,
    control_plane: Client | None = None,
    now: datetime | None = None,
    **options: Unpack[ClientOptions],
) -> PullRequestReport:
    """Lint pull request ``number`` of ``repository`` and report on GitHub, with the sync
    preview against ``control_plane`` as at ``now`` (see
    :meth:`GitHubClient.report_pull_request`), reading config files from the blob cache when it
    has them; the worker's one call for a pull-request job."""
    with GitHubClient(credentials, **options) as github:
        return github.report_pull_request(repository, number, control_plane=control_plane, now=now)


def _notes(changed: Sequence[ChangedFile], complete: bool) -> list[str]:
    """What the report must say it did not check."""
    notes = []
    if not complete:
        notes.append(
            f"GitHub lists at most {MAX_LISTED_FILES} files of a pull request: "
            "configs beyond them were not checked."
        )
    removed = sum(1 for f in changed if f.status == "removed")
    if removed:
        notes.append(f"{plural(removed, 'removed config')} not checked.")
    return notes
