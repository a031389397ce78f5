"""``agent-lint``: parse arguments -> build settings and targets -> lint -> report -> exit code.

``--fix`` fixes first (``agentsync.cli.lint_fix``, imported only then), listing each diagnostic
fixed and a summary on stderr, then reports what remains; ``--diff`` prints the diff ``--fix``
would make instead of the report and exits 1 when there is one.

Exit status (``agentsync.cli.boundary.ExitCode``): 0 no errors (warnings allowed), 1 any error,
2 usage or settings error, 3 internal error (a bug: the message says where to report it), 130
interrupted. argparse rather than click keeps the cold start small; nothing here imports
pydantic or the server stack.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from agentsync import __version__
from agentsync.cli.boundary import guarded
from agentsync.cli.color import CHOICES, use_color
from agentsync.cli.completion import SHELLS, lint_completion
from agentsync.errors import UsageError
from agentsync.lint import rules
from agentsync.lint.reporters import REPORTERS
from agentsync.lint.result import LintResult
from agentsync.printable import printable
from agentsync.settings import GITHUB_ACTIONS

if TYPE_CHECKING:
    from agentsync.lint.settings import Settings


class LintArgs(NamedTuple):
    """The parsed command line: each field is the option whose argparse ``dest`` it names."""

    paths: list[str]
    output_format: str
    disable: list[str]
    jobs: int
    sarif_file: str | None
    summary_file: str | None
    list_rules: bool
    color: str = "auto"
    fix: bool = False
    diff: bool = False
    unsafe_fixes: bool = False


def parse_args(argv: Sequence[str] | None, environ: dict[str, str]) -> LintArgs:
    parser = argparse.ArgumentParser(
        prog="agent-lint",
        description="Validate agent configs (agents/, .agents/, ellipsis/, .ellipsis/) with the "
        "platform's rules. With no PATH, lint every config in the current git repository.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="config files or directories")
    parser.add_argument(
        "--format",
        "-f",
        dest="output_format",
        choices=sorted(REPORTERS),
        help="output format (default: text; github under GitHub Actions)",
    )
    parser.add_argument(
        "--disable", action="append", default=[], metavar="RULE", help="skip a rule (repeatable)"
    )
    parser.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="lint in N processes (default: one per core)"
    )
    parser.add_argument("--sarif-file", metavar="PATH", help="also write SARIF 2.1.0 here")
    parser.add_argument(
        "--summary-file", metavar="PATH", help="also append a Markdown summary here"
    )
    parser.add_argument(
        "--color", choices=CHOICES, default="auto", help="colour the text output (default: auto)"
    )
    parser.add_argument("--fix", action="store_true", help="fix what can be fixed, in place")
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print a diff of what --fix would change, write nothing; exit 1 if there is any",
    )
    parser.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff, also the fixes that change what a config means",
    )
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--version", action="version", version=f"agent-lint {__version__}")
    parser.add_argument(
        "--print-completion",
        choices=SHELLS,
        metavar="SHELL",
        help="print the completion script for bash, zsh or fish and exit",
    )
    ns = parser.parse_args(argv)
    if ns.fix and ns.diff:
        parser.error("--fix and --diff cannot be used together")
    if ns.jobs is not None and ns.jobs < 1:
        parser.error(f"argument --jobs/-j: {ns.jobs} is not 1 or more (leave it out: one per core)")
    ns.jobs = ns.jobs or 0  # 0: one process per core
    if ns.unsafe_fixes and not (ns.fix or ns.diff):
        parser.error("--unsafe-fixes needs --fix or --diff")
    if ns.diff and (report := _report_option(ns)):
        parser.error(f"--diff prints a unified diff, not a report: it cannot be used with {report}")
    if ns.output_format is None:
        ns.output_format = "github" if environ.get(GITHUB_ACTIONS.name) == "true" else "text"
    if ns.print_completion:
        sys.stdout.write(lint_completion(parser, ns.print_completion, sorted(rules.RULES)))
        raise SystemExit(0)
    return LintArgs(**{name: getattr(ns, name) for name in LintArgs._fields})


def _report_option(ns: argparse.Namespace) -> str | None:
    """The first option given that asks for a report (a --format but text, a report file):
    ``--diff`` prints a diff instead of the report, and would leave it out silently."""
    given = [f"--format {ns.output_format}"] if ns.output_format not in (None, "text") else []
    given += [
        flag
        for flag, path in (("--sarif-file", ns.sarif_file), ("--summary-file", ns.summary_file))
        if path
    ]
    return given[0] if given else None


def _check_extra(flag: str, path: str) -> None:
    """Refuse, before any linting, a report path that cannot be a file: a directory, or one
    whose directory is missing. A write that fails anyway is refused when it is made."""
    where = f"{flag} {printable(path)}"
    if os.path.isdir(path):
        raise UsageError(f"{where}: is a directory, not a file")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        why = "is not a directory" if os.path.exists(parent) else "does not exist"
        raise UsageError(f"{where}: its directory {printable(parent)} {why}")


def _write_extra(flag: str, fmt: str, path: str, result: LintResult, *, append: bool) -> None:
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as handle:
            REPORTERS[fmt](handle).report(result)
    except OSError as error:
        from agentsync.config.files import os_reason

        raise UsageError(
            f"{flag} {printable(path)}: cannot be written ({os_reason(error)})"
        ) from None


def _settings(cwd: Path, root: Path | None, disable: list[str]) -> Settings:
    """The project's settings with ``--disable``'s rules; a warning line for each rule turned
    off that is no rule or is an error."""
    from agentsync.lint.settings import find_settings

    settings = find_settings(cwd, stop=root)
    for warning in [
        *rules.disable_warnings(settings.disable, f"{settings.source or 'settings'}: 'disable'"),
        *rules.disable_warnings(frozenset(disable), "--disable"),
    ]:
        sys.stderr.write(f"agent-lint: warning: {warning}\n")
    return settings.with_disabled(disable)


def execute(args: LintArgs, stdout: TextIO, environ: dict[str, str]) -> int:
    from agentsync.config.discovery import find_repository_root
    from agentsync.lint.runner import collect_targets, lint_targets

    if args.list_rules:
        from agentsync.tables import text_table

        rows = [
            (m.id, m.severity, m.fix or "-", m.summary)
            for m in (rule.META for rule in rules.RULES.values())
        ]
        stdout.write(text_table(("RULE", "SEVERITY", "FIX", "WHAT IT CHECKS"), rows) + "\n")
        return 0
    for rule_id in args.disable:
        rules.get(rule_id)
    extras = [  # each extra report: its flag, path, format, and whether it is appended
        (flag, path, fmt, append)
        for flag, path, fmt, append in (
            ("--sarif-file", args.sarif_file, "sarif", False),
            ("--summary-file", args.summary_file, "markdown", True),
        )
        if path
    ]
    for flag, path, _, _ in extras:
        _check_extra(flag, path)
    cwd = Path.cwd()
    root = find_repository_root(cwd)
    settings = _settings(cwd, root, args.disable)
    targets = collect_targets(args.paths, cwd, root)
    if args.fix or args.diff:
        from agentsync.cli.lint_fix import fix_run

        result, diff = fix_run(targets, settings, root, unsafe=args.unsafe_fixes, write=args.fix)
        if args.diff:  # the diff is the output: no report
            stdout.write(diff)
            return 1 if diff else result.exit_code
    else:
        result = lint_targets(targets, settings, args.jobs)
    if not args.paths and not targets:
        sys.stderr.write(
            "agent-lint: note: no configs under agents/, .agents/, ellipsis/ or .ellipsis/ in "
            f"{printable(str(root))}; to lint other files, name them or their directory\n"
        )
    REPORTERS[args.output_format](stdout, color=use_color(args.color, stdout, environ)).report(
        result
    )
    for flag, path, fmt, append in extras:
        _write_extra(flag, fmt, path, result, append=append)
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    environ = dict(os.environ)
    stdout = _escaping(sys.stdout)
    return guarded("agent-lint", lambda: execute(parse_args(argv, environ), stdout, environ))


def _escaping(stream: TextIO) -> TextIO:
    """``stream``, writing a character its encoding cannot carry as an escape (``\\xff``)
    instead of failing: a pipe or terminal set to ASCII (``PYTHONIOENCODING=ascii``, a
    Latin-1 locale) then shows a config's ``café`` as ``caf\\xe9``."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", None) == "strict":
        reconfigure(errors="backslashreplace")
    return stream
