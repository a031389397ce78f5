"""The service's GitHub side: what a worker reads from and writes to GitHub for one job.

This module owns the service's credentials (:class:`AppCredentials`, :class:`TokenCredentials`),
the factory of :class:`~agentsync.sync.sources.github.GitHubSource` for a repository and
installation (:func:`github_source`), and the pull-request report (:class:`GitHubClient`,
:func:`report_pull_request`):

1. ``GET /repos/{o}/{r}/pulls/{n}``: the pull request's *current* head, read when the job runs
   (level-triggered: the webhook's copy may be stale);
2. ``GET /repos/{o}/{r}/pulls/{n}/files``, every page: the changed config files (GitHub lists at
   most 3000), then ``GET /repos/{o}/{r}/git/blobs/{sha}`` once per distinct blob to lint;
3. with GitHub App credentials only, one check run ``agent-lint`` on the head. Our App's latest
   ``agent-lint`` run on that sha is looked up first (``GET
   /repos/{o}/{r}/commits/{sha}/check-runs?check_name=agent-lint``, runs of other Apps
   ignored), so that a retried job does not add a second run (see
   :meth:`GitHubClient.upsert_check_run`). A new run is ``POST /repos/{o}/{r}/check-runs`` with
   the first 50 annotations, then ``PATCH /repos/{o}/{r}/check-runs/{id}`` for each next 50
   (GitHub takes at most 50 a request, and adds each request's to the earlier ones);
4. one pull-request comment: ours is the first in ``GET /repos/{o}/{r}/issues/{n}/comments``
   that starts with :data:`MARKER` *and* was written by us, the App's bot user
   (``<slug>[bot]``, the slug read once with ``GET /app``) or the token's user (``GET
   /user``): a comment anyone else wrote is never ours, whatever it says. It is edited in place
   (``PATCH /repos/{o}/{r}/issues/comments/{id}``), or else created (``POST
   /repos/{o}/{r}/issues/{n}/comments``); never created for a pull request that changes no
   config file to lint.

Every failure is a :class:`~agentsync.sync.sources.github.GitHubError` whose ``retryable`` tells
the worker to try again later (5xx, 429, the network) or to give up (401, 403, 404, 422). No
token or private key ever appears in a message or a ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

from github import Auth, Github
from github.CheckRun import CheckRun
from github.IssueComment import IssueComment
from github.Repository import Repository

from agentsync.config.discovery import is_config_path
from agentsync.config.loader import load_bytes
from agentsync.errors import UsageError
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.markdown import escape_cell
from agentsync.lint.reporters.text import plural
from agentsync.lint.result import FileResult, LintResult
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import SETTINGS_FILES, Settings, parse_settings
from agentsync.sync.sources.github import (
    DEFAULT_BASE_URL,
    BlobCache,
    GitHubError,
    GitHubSource,
    decode_blob,
)
from agentsync.sync.sources.github_tokens import InstallationTokens

__all__ = [
    "ANNOTATIONS_PER_REQUEST",
    "CHECK_NAME",
    "MARKER",
    "AppCredentials",
    "ChangedFile",
    "CheckRunAction",
    "CommentAction",
    "Credentials",
    "GitHubClient",
    "GitHubError",
    "PullRequestHead",
    "PullRequestReport",
    "TokenCredentials",
    "check_run_annotations",
    "check_run_conclusion",
    "check_run_output",
    "comment_body",
    "github_source",
    "headline",
    "lint_files",
    "report_pull_request",
]

CHECK_NAME = "agent-lint"
MARKER = "<!-- agentsync:agent-lint -->"  # starts our pull-request comment, to find it again
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run create or update
MAX_OUTPUT_CHARS = 65535  # GitHub's limit on a check run's output summary and text
MAX_COMMENT_CHARS = 65536  # GitHub's limit on a comment body
MAX_TITLE_CHARS = 255  # an annotation's title
MAX_LISTED_FILES = 3000  # GitHub lists at most this many files of a pull request
_PAGE_SIZE = 100  # the most GitHub returns per page
_LEVELS = {"error": "failure", "warning": "warning"}  # severity -> annotation level
_TABLE_HEAD = ("| Location | Severity | Rule | Message |", "| --- | --- | --- | --- |")


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


Credentials = AppCredentials | TokenCredentials
CommentAction = Literal["created", "updated", "unchanged", "none"]
# created: a new run; updated: our run rewritten in place; resumed: its missing annotations added
CheckRunAction = Literal["created", "updated", "resumed", "unchanged", "none"]


class PullRequestHead(NamedTuple):
    sha: str
    state: str  # "open" or "closed"
    base_ref: str


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


def github_source(
    credentials: Credentials,
    repository: str,
    *,
    installation_id: int | None = None,
    ref: str | None = None,
    base_url: str = DEFAULT_BASE_URL,
    timeout: int = 15,
    retries: int = 3,
    blob_cache: BlobCache | None = None,
) -> GitHubSource:
    """A :class:`GitHubSource` of ``repository`` as the App's ``installation_id``, or with the
    token; blobs kept in ``blob_cache`` are not downloaded again."""
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
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        tokens=tokens,
        blob_cache=blob_cache,
    )


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


class GitHubClient:
    """GitHub as one App installation (or with one token), for one job.

    Use it as a context manager. Each repository gets one lazy PyGithub client, so an App's
    installation token is fetched once per repository, and no call is made before it is needed.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        installation_id: int | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: int = 15,
        retries: int = 3,
        seconds_between_writes: float = 1.0,
    ) -> None:
        self.credentials = credentials
        self.installation_id = installation_id
        self.base_url = base_url
        self.timeout = timeout
        self.retries = retries
        self.seconds_between_writes = seconds_between_writes
        self._sessions: dict[str, _Session] = {}
        self._login: str | None = None  # who our comments are by, asked once

    def __repr__(self) -> str:
        return (
            f"GitHubClient(credentials={self.credentials!r}, "
            f"installation_id={self.installation_id!r}, base_url={self.base_url!r})"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for session in self._sessions.values():
            session.client.close()
        self._sessions.clear()

    @property
    def checks_enabled(self) -> bool:
        """Only a GitHub App may create check runs."""
        return isinstance(self.credentials, AppCredentials)

    def source(self, repository: str, ref: str | None = None) -> GitHubSource:
        """A :class:`GitHubSource` of ``repository`` with these credentials, for a sync."""
        return github_source(
            self.credentials,
            repository,
            installation_id=self.installation_id,
            ref=ref,
            base_url=self.base_url,
            timeout=self.timeout,
            retries=self.retries,
        )

    def _session(self, repository: str) -> _Session:
        if repository not in self._sessions:
            source = self.source(repository)
            client = source.client(
                lazy=True, per_page=_PAGE_SIZE, seconds_between_writes=self.seconds_between_writes
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
            return PullRequestHead(pull.head.sha, pull.state, pull.base.ref)

        return session.source.call(f"pull request #{number}", read)

    def changed_config_files(self, repository: str, number: int) -> list[ChangedFile]:
        """The config files the pull request changes (by path order), each with its content at
        the head unless removed. GitHub lists at most :data:`MAX_LISTED_FILES` files."""
        return self._changed_config_files(repository, number)[0]

    def _changed_config_files(self, repository: str, number: int) -> tuple[list[ChangedFile], bool]:
        """The changed config files, and whether GitHub listed every changed file."""
        session = self._session(repository)
        listing = session.source.call(
            f"the files of pull request #{number}",
            lambda: list(session.repo.get_pull(number).get_files()),
        )
        changed = sorted(
            (
                ChangedFile(f.filename, f.status, f.sha, f.previous_filename)
                for f in listing
                if is_config_path(f.filename)
            ),
            key=lambda f: f.path,
        )
        contents: dict[str, bytes] = {}
        for sha in sorted({f.sha for f in changed if f.status != "removed" and f.sha}):
            blob = session.source.call(f"blob {sha}", partial(session.repo.get_git_blob, sha))
            contents[sha] = decode_blob(blob.content, blob.encoding, sha)
        with_contents = [
            f._replace(content=contents[f.sha]) if f.sha in contents else f for f in changed
        ]
        return with_contents, len(listing) < MAX_LISTED_FILES

    # -- writing the report ----------------------------------------------------------------------

    def upsert_check_run(
        self, repository: str, head_sha: str, result: LintResult, *, notes: Sequence[str] = ()
    ) -> tuple[int, CheckRunAction]:
        """Leave one accurate ``agent-lint`` check run of ours on ``head_sha``; its id and what
        was done.

        Check runs cannot be deleted, and an update *adds* its annotations to the run's, so a
        run's annotations can be completed but never corrected. Hence, after looking up our
        App's latest ``agent-lint`` run on the sha (other Apps' runs are not ours):

        - none: create one (:meth:`create_check_run`);
        - the same conclusion, title, summary and text, and every annotation: ``unchanged``,
          no write (a retry after the run was made, e.g. when the comment failed);
        - the same output but fewer annotations: ``resumed``, the missing ones sent (an
          attempt failed between batches). The report is deterministic for a sha and output,
          so the run's ``annotations_count`` annotations are the first that many of ours;
        - another output, and no annotation yet: ``updated`` in place with the new output,
          conclusion and annotations (nothing stale to remove);
        - another output with annotations (or more than ours): ``created`` anew, since its
          annotations would be wrong. GitHub shows the newest run of a name per App on a sha,
          so this one supersedes the stale one. Only a changed result for the same sha comes
          here: a new version of the linter, or a pull request whose base changed.
        """
        if not self.checks_enabled:
            raise GitHubError("only a GitHub App can create check runs, not a token")
        session = self._session(repository)
        output = check_run_output(result, head_sha, notes)
        annotations = check_run_annotations(result)
        conclusion = check_run_conclusion(result)
        run = self._our_check_run(session, head_sha)
        if run is None:
            return self.create_check_run(repository, head_sha, result, notes=notes), "created"
        sent = run.output.annotations_count or 0
        same = (
            run.status == "completed"
            and run.conclusion == conclusion
            and (run.output.title, run.output.summary) == (output["title"], output["summary"])
            and (run.output.text or "") == output.get("text", "")
        )
        if same and sent == len(annotations):
            return run.id, "unchanged"
        if same and sent < len(annotations):
            self._annotate(session, run, output, annotations, sent)
            return run.id, "resumed"
        if sent == 0:
            first = annotations[:ANNOTATIONS_PER_REQUEST]
            session.source.call(
                f"check run {run.id}",
                partial(
                    run.edit,
                    status="completed",
                    conclusion=conclusion,
                    output={**output, "annotations": first},
                ),
                verb="updating",
            )
            self._annotate(session, run, output, annotations, len(first))
            return run.id, "updated"
        return self.create_check_run(repository, head_sha, result, notes=notes), "created"

    def _our_check_run(self, session: _Session, head_sha: str) -> CheckRun | None:
        """Our App's latest ``agent-lint`` check run on ``head_sha``, if any."""
        assert isinstance(self.credentials, AppCredentials)
        app_id = self.credentials.app_id
        commit = session.repo.get_commit(head_sha)  # lazy: no request
        runs = session.source.call(
            f"the {CHECK_NAME!r} check runs on {head_sha}",
            lambda: [
                run
                for run in commit.get_check_runs(check_name=CHECK_NAME)
                if run.name == CHECK_NAME and run.app is not None and run.app.id == app_id
            ],
        )
        return max(runs, key=lambda run: run.id, default=None)

    def _annotate(
        self,
        session: _Session,
        run: CheckRun,
        output: Mapping[str, Any],
        annotations: Sequence[dict[str, Any]],
        start: int,
    ) -> None:
        """Add ``annotations[start:]`` to ``run``, :data:`ANNOTATIONS_PER_REQUEST` an update
        (each repeating the output's title and summary, as GitHub requires)."""
        total = len(annotations)
        for first in range(start, total, ANNOTATIONS_PER_REQUEST):
            batch = list(annotations[first : first + ANNOTATIONS_PER_REQUEST])
            session.source.call(
                f"check run {run.id} (annotations {first + 1}-{first + len(batch)} of {total})",
                partial(run.edit, output={**output, "annotations": batch}),
                verb="updating",
            )

    def create_check_run(
        self, repository: str, head_sha: str, result: LintResult, *, notes: Sequence[str] = ()
    ) -> int:
        """Create a completed ``agent-lint`` check run on ``head_sha``, whatever runs the sha
        has already (:meth:`upsert_check_run` looks first); its id.

        The first :data:`ANNOTATIONS_PER_REQUEST` annotations go with the create, the rest with
        updates of as many each (repeating the output's title and summary, as GitHub requires).
        """
        if not self.checks_enabled:
            raise GitHubError("only a GitHub App can create check runs, not a token")
        session = self._session(repository)
        output = check_run_output(result, head_sha, notes)
        annotations = check_run_annotations(result)
        batches = [
            annotations[i : i + ANNOTATIONS_PER_REQUEST]
            for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)
        ] or [[]]
        run = session.source.call(
            f"check run {CHECK_NAME!r} on {head_sha}",
            lambda: session.repo.create_check_run(
                name=CHECK_NAME,
                head_sha=head_sha,
                status="completed",
                conclusion=check_run_conclusion(result),
                output={**output, "annotations": batches[0]},
            ),
            verb="creating",
        )
        self._annotate(session, run, output, annotations, ANNOTATIONS_PER_REQUEST)
        return run.id

    def upsert_comment(
        self, repository: str, number: int, body: str, *, create: bool = True
    ) -> tuple[int | None, CommentAction]:
        """Edit our comment on pull request ``number`` to ``body``, or create it when there is
        none and ``create`` is set. Ours is the first comment that starts with :data:`MARKER`
        and was written by us (:meth:`login`): anyone can write the marker."""
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
        ours = session.source.call(
            f"the comments of pull request #{number}",
            lambda: next((c for c in issue.get_comments() if is_ours(c)), None),
        )
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
                return settings, []
        return Settings(), []

    def report_pull_request(self, repository: str, number: int) -> PullRequestReport:
        """Lint the config files pull request ``number`` changes at its current head, and report
        on GitHub: a check run (App only) and our one comment. A closed pull request is left
        alone."""
        head = self.pull_request_head(repository, number)
        if head.state != "open":
            return PullRequestReport(
                repository, number, head.sha, head.state, 0, 0, 0, None, None, "none"
            )
        changed, complete = self._changed_config_files(repository, number)
        settings, notes = self.lint_settings(repository, head.sha)
        result = lint_files({f.path: f.content for f in changed if f.content is not None}, settings)
        notes += _notes(changed, complete)
        check_run_id: int | None
        check_run: CheckRunAction
        check_run_id, check_run = (
            self.upsert_check_run(repository, head.sha, result, notes=notes)
            if self.checks_enabled
            else (None, "none")
        )
        body = comment_body(result, head.sha, notes)
        comment_id, action = self.upsert_comment(
            repository, number, body, create=bool(result.files)
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
        )


def report_pull_request(
    credentials: Credentials,
    repository: str,
    number: int,
    *,
    installation_id: int | None = None,
    base_url: str = DEFAULT_BASE_URL,
    timeout: int = 15,
    retries: int = 3,
    seconds_between_writes: float = 1.0,
) -> PullRequestReport:
    """Lint pull request ``number`` of ``repository`` and report on GitHub (see
    :meth:`GitHubClient.report_pull_request`); the worker's one call for a pull-request job."""
    with GitHubClient(
        credentials,
        installation_id=installation_id,
        base_url=base_url,
        timeout=timeout,
        retries=retries,
        seconds_between_writes=seconds_between_writes,
    ) as github:
        return github.report_pull_request(repository, number)


# -- the report's content --------------------------------------------------------------------


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


def headline(result: LintResult) -> str:
    """``2 errors, 1 warning in 3 changed configs`` or ``all 3 changed configs are valid``."""
    s = result.summary
    checked = s.files - s.ignored
    ignored = f" ({s.ignored} ignored: no ellipsis: block)" if s.ignored else ""
    if not s.files:
        return "no agent config changed"
    if not checked:
        return f"no agent config to check{ignored}"
    if s.errors or s.warnings:
        return (
            f"{plural(s.errors, 'error')}, {plural(s.warnings, 'warning')} "
            f"in {plural(checked, 'changed config')}{ignored}"
        )
    if checked == 1:
        return f"the changed config is valid{ignored}"
    return f"all {checked} changed configs are valid{ignored}"


def _problem_rows(result: LintResult) -> list[str]:
    rows = []
    for file in result.files:
        for d in file.diagnostics:
            cells = (f"{file.path}:{d.line}:{d.column}", d.severity, d.rule, d.message_with_hint())
            rows.append("| " + " | ".join(escape_cell(cell) for cell in cells) + " |")
    return rows


def _fit(head: list[str], rows: list[str], limit: int, more: str) -> str:
    """``head`` then as many whole ``rows`` as fit in ``limit`` characters, then a line saying
    how many were left out (``more`` formatted with the count)."""
    text = "\n".join(head)
    reserve = len(more) + 32  # room for the "left out" line
    for shown, row in enumerate(rows):
        if len(text) + 1 + len(row) + reserve > limit:
            return f"{text}\n\n{more.format(len(rows) - shown)}"
        text = f"{text}\n{row}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _report_lines(result: LintResult, head_sha: str, notes: Sequence[str]) -> list[str]:
    counts = headline(result)
    lines = [f"**{escape_cell(counts[:1].upper() + counts[1:])}** at `{head_sha}`."]
    lines.extend(f"_{escape_cell(note)}_" for note in notes)
    return lines


def comment_body(result: LintResult, head_sha: str, notes: Sequence[str] = ()) -> str:
    """Our pull-request comment: :data:`MARKER`, the counts at ``head_sha``, and a table of the
    problems (location, severity, rule, message and hint), within GitHub's size limit."""
    head = [MARKER, "## agent-lint", "", *_report_lines(result, head_sha, notes)]
    rows = _problem_rows(result)
    if rows:
        head += ["", *_TABLE_HEAD]
    return _fit(head, rows, MAX_COMMENT_CHARS, "{} more problems not shown.")


def check_run_conclusion(result: LintResult) -> str:
    """failure with any error, neutral when no config was checked, else success."""
    s = result.summary
    if s.errors:
        return "failure"
    return "neutral" if s.files == s.ignored else "success"


def check_run_output(
    result: LintResult, head_sha: str, notes: Sequence[str] = ()
) -> dict[str, Any]:
    """The check run's title, summary and text (the problems' table), within GitHub's limits."""
    rows = _problem_rows(result)
    text = _fit(
        list(_TABLE_HEAD),
        rows,
        MAX_OUTPUT_CHARS,
        "{} more problems not shown; every one is annotated.",
    )
    summary = "\n\n".join(_report_lines(result, head_sha, notes))
    return {
        "title": headline(result),
        "summary": _truncate(summary, MAX_OUTPUT_CHARS),
        **({"text": text} if rows else {}),
    }


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _annotation(file: FileResult, d: Diagnostic) -> dict[str, Any]:
    annotation: dict[str, Any] = {
        "path": file.path,
        "start_line": d.line,
        "end_line": d.line,
        # Columns are allowed only within one line, which a diagnostic always is.
        "start_column": d.column,
        "end_column": d.column,
        "annotation_level": _LEVELS.get(d.severity, "notice"),
        "message": _truncate(d.message, MAX_OUTPUT_CHARS),
        "title": _truncate(d.rule, MAX_TITLE_CHARS),
    }
    if d.hint:
        annotation["raw_details"] = _truncate(f"hint: {d.hint}", MAX_OUTPUT_CHARS)
    return annotation


def check_run_annotations(result: LintResult) -> list[dict[str, Any]]:
    """One check-run annotation per diagnostic, in file then line order."""
    return [_annotation(file, d) for file in result.files for d in file.diagnostics]
