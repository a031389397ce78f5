"""Our ``agent-lint`` check run on a pull request's head (GitHub App credentials only).

Our App's latest ``agent-lint`` run on the sha is looked up first (``GET
/repos/{o}/{r}/commits/{sha}/check-runs?check_name=agent-lint``, runs of other Apps ignored), so
that a retried job does not add a second run (see :func:`upsert_check_run`). A new run is
``POST /repos/{o}/{r}/check-runs`` with the first 50 annotations, then ``PATCH
/repos/{o}/{r}/check-runs/{id}`` for each next 50 (GitHub takes at most 50 a request, and adds
each request's to the earlier ones).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, Literal, NamedTuple

from github.CheckRun import CheckRun
from github.Repository import Repository

from agentsync.lint.result import LintResult
from agentsync.service.github.pages import MAX_CHECK_RUN_PAGES, paged
from agentsync.service.github.rendering import (
    PreviewText,
    check_run_annotations,
    check_run_conclusion,
    check_run_output,
)
from agentsync.sync.sources.github import GitHubSource

__all__ = [
    "ANNOTATIONS_PER_REQUEST",
    "CHECK_NAME",
    "CheckRunAction",
    "CheckRunReport",
    "check_run_report",
    "create_check_run",
    "upsert_check_run",
]

CHECK_NAME = "agent-lint"
ANNOTATIONS_PER_REQUEST = 50  # GitHub's limit per check-run create or update
# created: a new run; updated: our run rewritten in place; resumed: its missing annotations added
CheckRunAction = Literal["created", "updated", "resumed", "unchanged", "none"]


class CheckRunReport(NamedTuple):
    """What our check run on a head says: its conclusion, output and annotations."""

    conclusion: str
    output: dict[str, Any]  # title, summary and text
    annotations: list[dict[str, Any]]


def check_run_report(
    result: LintResult, head_sha: str, notes: Sequence[str], preview: PreviewText | None
) -> CheckRunReport:
    """The check run of ``result`` on ``head_sha``, with ``notes`` on what was not checked and
    the sync ``preview`` after the problems."""
    return CheckRunReport(
        check_run_conclusion(result),
        check_run_output(result, head_sha, notes, preview),
        check_run_annotations(result),
    )


def upsert_check_run(
    source: GitHubSource, repo: Repository, app_id: int, head_sha: str, report: CheckRunReport
) -> tuple[int, CheckRunAction]:
    """Leave one accurate ``agent-lint`` check run of App ``app_id`` on ``head_sha``; its id
    and what was done.

    Check runs cannot be deleted, and an update *adds* its annotations to the run's, so a
    run's annotations can be completed but never corrected. Hence, after looking up our
    App's latest ``agent-lint`` run on the sha (other Apps' runs are not ours):

    - none: create one (:func:`create_check_run`);
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
    conclusion, output, annotations = report
    run = _our_check_run(source, repo, app_id, head_sha)
    if run is None:
        return create_check_run(source, repo, head_sha, report), "created"
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
        _annotate(source, run, output, annotations, sent)
        return run.id, "resumed"
    if sent == 0:
        first = annotations[:ANNOTATIONS_PER_REQUEST]
        source.call(
            f"check run {run.id}",
            partial(
                run.edit,
                status="completed",
                conclusion=conclusion,
                output={**output, "annotations": first},
            ),
            verb="updating",
        )
        _annotate(source, run, output, annotations, len(first))
        return run.id, "updated"
    return create_check_run(source, repo, head_sha, report), "created"


def _our_check_run(
    source: GitHubSource, repo: Repository, app_id: int, head_sha: str
) -> CheckRun | None:
    """App ``app_id``'s latest ``agent-lint`` check run on ``head_sha``, if any."""
    commit = repo.get_commit(head_sha)  # lazy: no request
    what = f"the {CHECK_NAME!r} check runs on {head_sha}"
    listing = commit.get_check_runs(check_name=CHECK_NAME)  # lazy: no request
    runs = source.call(
        what,
        lambda: [
            run
            for run in paged(listing, MAX_CHECK_RUN_PAGES, what)
            if run.name == CHECK_NAME and run.app is not None and run.app.id == app_id
        ],
    )
    return max(runs, key=lambda run: run.id, default=None)


def _annotate(
    source: GitHubSource,
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
        source.call(
            f"check run {run.id} (annotations {first + 1}-{first + len(batch)} of {total})",
            partial(run.edit, output={**output, "annotations": batch}),
            verb="updating",
        )


def create_check_run(
    source: GitHubSource, repo: Repository, head_sha: str, report: CheckRunReport
) -> int:
    """Create a completed ``agent-lint`` check run on ``head_sha``, whatever runs the sha
    has already (:func:`upsert_check_run` looks first); its id.

    The first :data:`ANNOTATIONS_PER_REQUEST` annotations go with the create, the rest with
    updates of as many each (repeating the output's title and summary, as GitHub requires).
    """
    conclusion, output, annotations = report
    run = source.call(
        f"check run {CHECK_NAME!r} on {head_sha}",
        lambda: repo.create_check_run(
            name=CHECK_NAME,
            head_sha=head_sha,
            status="completed",
            conclusion=conclusion,
            output={**output, "annotations": annotations[:ANNOTATIONS_PER_REQUEST]},
        ),
        verb="creating",
    )
    _annotate(source, run, output, annotations, ANNOTATIONS_PER_REQUEST)
    return run.id
