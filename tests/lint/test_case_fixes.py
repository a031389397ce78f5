"""The safe fixes of a closed-set value written in another letter case or between blanks
(``type: Cron``, ``platforms: [GitHub]``): made only where one allowed value is meant, in the
value's own quotes, and the fixed file is one agent-lint and agent sync both accept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.config.loader import load_text
from agentsync.config.suggest import only_case_match
from agentsync.lint import fixes
from agentsync.lint.fixes import MAX_ALONE
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from tests.agreement import found, lint_and_sync

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
CASE_PAIRS = ["trigger-type", "mention-platform", "invalid-value", "react-event-case", "version"]

HEAD = "ellipsis:\n  version: v1\nclaude:\n  system: hi\n"


def test_only_a_case_or_blank_difference_from_one_known_word_matches() -> None:
    assert only_case_match("Cron", ["cron", "react"]) == "cron"
    assert only_case_match(" GitHub\t", ["github", "slack"]) == "github"
    assert only_case_match("JSON_SCHEMA", ["json_schema"]) == "json_schema"
    assert only_case_match("cron", ["cron", "CRON"]) is None  # it could mean either
    assert only_case_match("crom", ["cron"]) is None  # a typo is not a case difference
    assert only_case_match("git hub", ["github"]) is None
    assert only_case_match("pu\u017fh", ["push"]) is None  # a long s, which folds to s
    assert only_case_match("\u212aey", ["key"]) is None  # the Kelvin sign, which lowers to k
    assert only_case_match("\u00a0cron", ["cron"]) is None  # only spaces and tabs are blanks


@pytest.mark.parametrize("name", CASE_PAIRS)
def test_lint_and_sync_agree_before_and_after(name: str) -> None:
    before = (FIXTURES / f"{name}.before.yaml").read_text()
    after = (FIXTURES / f"{name}.after.yaml").read_text()
    assert lint_and_sync(before)[0].status == "invalid"
    result, desired = lint_and_sync(after)
    assert (result.status, found(result), desired.status) == ("valid", [], "valid")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("triggers:\n  - type: crom\n    schedule: '0 9 * * *'\n", "trigger-type"),
        ("triggers:\n  - type: mention\n    platforms: [discord]\n", "mention-platform"),
        ("triggers:\n  - type: mention\n    platforms: [Git-Hub]\n", "mention-platform"),
        (
            "triggers:\n  - type: react\n    events: [{event: PULL_REQUEST_MERGED}]\n",
            "react-event",
        ),
        ("structured_output:\n  type: json\n", "invalid-value"),
        ("limits:\n  run: -5\n", "invalid-value"),
    ],
)
def test_no_fix_where_the_value_meant_is_a_guess(value: str, rule: str) -> None:
    """A typo of a type or platform, an undocumented spelling in another case (it could be
    meant as itself or as the documented event), a number out of range: no fix is offered."""
    result = lint_document(load_text(HEAD + value, "agents/a.yaml"), Settings(), fixing=True)
    assert [d.rule for d in result.diagnostics] == [rule]
    assert result.diagnostics[0].fix is None


def test_a_crlf_file_keeps_its_line_ends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a.yaml"
    shutil.copyfile(FIXTURES / "trigger-type.before.yaml", config)
    config.write_bytes(config.read_bytes().replace(b"\n", b"\r\n"))
    assert main(["--fix", str(config)]) == 0
    after = (FIXTURES / "trigger-type.after.yaml").read_bytes()
    assert config.read_bytes() == after.replace(b"\n", b"\r\n")
    capsys.readouterr()


@pytest.mark.parametrize(
    ("value", "meant"),
    [
        ("triggers:\n  - type: MENTION\n", "; did you mean 'mention'?"),
        (
            "triggers:\n  - type: react\n    events: [{event: PULL_REQUEST_OPEN}]\n",
            ": did you mean 'pull_request_open'?",
        ),
    ],
)
def test_the_message_says_which_value_another_case_is(value: str, meant: str) -> None:
    """Neither said it: difflib finds upper case too unlike the lower-case word."""
    (diagnostic,) = lint_document(load_text(HEAD + value, "agents/a.yaml"), Settings()).diagnostics
    assert meant in diagnostic.message


def test_a_type_fix_that_shows_as_many_errors_is_made_with_the_fixes_it_uncovers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platforms are checked only once the type is known: fixing the type alone shows as
    many errors as it removes, and it was not made ("0 fixed, 1 remaining")."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a.yaml"
    config.write_text(HEAD + "triggers:\n  - type: Mention\n    platforms: [GitHub]\n")
    assert main(["--fix", str(config)]) == 0
    assert config.read_text() == HEAD + "triggers:\n  - type: mention\n    platforms: [github]\n"
    assert capsys.readouterr().err.endswith("2 fixed, 0 remaining\n")


def test_a_type_fix_whose_uncovered_errors_cannot_be_fixed_is_not_made(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looking one step ahead finds nothing to fix: the file stays as it is."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a.yaml"
    text = HEAD + "triggers:\n  - type: Mention\n    platforms: [discord]\n"
    config.write_text(text)
    assert main(["--fix", str(config)]) == 1
    assert config.read_text() == text
    assert capsys.readouterr().err == "0 fixed, 1 remaining\n"


def test_many_fixes_that_do_not_help_are_each_tried_alone_only_up_to_a_bound(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of many triggers whose type fix uncovers an error no fix mends: every fix tried
    alone (two lints each) took 11 s for 200 triggers; the first MAX_ALONE are tried."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "a.yaml"
    trigger = "  - type: Mention\n    platforms: [discord]\n"
    text = HEAD + "triggers:\n" + trigger * (3 * MAX_ALONE)
    config.write_text(text)
    lints: list[str] = []  # the real lint of each try, counted
    real_lint = fixes._lint

    def counted(text: str, path: str, settings: Settings) -> object:
        lints.append(path)
        return real_lint(text, path, settings)

    monkeypatch.setattr(fixes, "_lint", counted)
    assert main(["--fix", str(config)]) == 1
    assert config.read_text() == text
    assert capsys.readouterr().err == f"0 fixed, {3 * MAX_ALONE} remaining\n"
    assert len(lints) <= 2 * (1 + MAX_ALONE), len(lints)  # together, then MAX_ALONE alone
