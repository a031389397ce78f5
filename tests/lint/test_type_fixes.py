"""The safe fixes of rule ``type``: a number or boolean in quotes where one is expected, one
unquoted where a string is (quoted as written: ``007`` stays ``007``), a single value where a
list of such values is. Where the fix could change what the file says (a tag, an anchor, an
alias, a value the brackets would split, a list of mappings), none is offered."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.config.loader import load_text
from agentsync.config.secrets import MASK
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from tests.agreement import found, lint_and_sync

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
VERSION = "ellipsis:\n  version: v1\n"
HEAD = VERSION + "claude:\n  system: hi\n"
MODEL = "claude:\n  system: hi\n  model: "
REACT = "triggers:\n  - type: react\n    events:\n      - event: push\n        branches: {}\n"


def type_findings(text: str, head: str = HEAD) -> list[tuple[str | None, str | None]]:
    """The hint and the replacement text of the fix of each ``type`` finding."""
    result = lint_document(load_text(head + text, "agents/a.yaml"), Settings(), fixing=True)
    return [
        (d.hint, None if d.fix is None else "".join(e.replacement for e in d.fix.edits))
        for d in result.diagnostics
        if d.rule == "type"
    ]


def test_the_fixed_pair_is_valid_to_lint_and_to_sync() -> None:
    assert lint_and_sync((FIXTURES / "type.before.yaml").read_text())[0].status == "invalid"
    result, desired = lint_and_sync((FIXTURES / "type.after.yaml").read_text())
    assert (result.status, found(result), desired.status) == ("valid", [], "valid")


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        (f"{MODEL}007\n", '"007"'),
        (f"{MODEL}1e3\n", '"1e3"'),
        (f"{MODEL}TRUE\n", '"TRUE"'),
        ("limits:\n  run: '5'\n", "5"),
        ('limits:\n  run: "0.5"\n', "0.5"),
        ("limits:\n  run: ' 5'\n", None),  # blanks: not a number unquoted either
        ("limits:\n  run: '1e400'\n", None),  # unquoted, it would read as infinity
        ("limits:\n  run: 'five'\n", None),
        ("enabled: 'True'\n", "true"),
        ("limits:\n  run: !!str '5'\n", None),  # unquoted, the tag still makes it a string
        ("enabled: '1'\n", None),  # 1 is no boolean
        ("limits:\n  run: 'true'\n", None),  # nor true a number
    ],
)
def test_quotes_are_added_or_removed_only_where_the_value_stays_what_was_written(
    text: str, fixed: str | None
) -> None:
    head = VERSION if text.startswith(MODEL) else HEAD
    assert [replacement for _, replacement in type_findings(text, head)] == [fixed]


@pytest.mark.parametrize(
    "value",
    [
        "!!str main",  # a tag: the brackets would land after it
        "&branch main",  # an anchor: an alias of it elsewhere would become a list
        "main, dev",  # one value or two? the brackets would make two
    ],
)
def test_no_list_is_made_where_the_brackets_could_change_the_meaning(value: str) -> None:
    assert type_findings(REACT.format(value)) == [
        ("write a YAML list: one '- item' per line, or [a, b]", None)
    ]


def test_a_list_is_made_only_of_a_value_its_items_may_be() -> None:
    """branches holds strings: a number is not put in one; events holds mappings: a string is
    not put in one either (the event's other keys could not be guessed)."""
    assert [fix for _, fix in type_findings(REACT.format("5"))] == [None]
    events = "triggers:\n  - type: react\n    events: push\n"
    assert [fix for _, fix in type_findings(events)] == [None]
    assert [fix for _, fix in type_findings(REACT.format('"release/*"'))] == ['["release/*"]']


def test_the_hint_quotes_the_value_as_written() -> None:
    [(hint, _)] = type_findings(f"{MODEL}007\n", VERSION)
    assert hint == 'quote the value to make it a string: "007"'


def test_a_secret_is_quoted_but_never_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "sandbox:\n  variables:\n    - name: PIN\n      value: 80486\n"
    assert type_findings(text) == [("quote the value to make it a string", '"80486"')]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "agents").mkdir()
    config = tmp_path / "agents" / "a.yaml"
    config.write_text(HEAD + text)
    assert main(["--diff", "agents/a.yaml"]) == 1
    out, err = capsys.readouterr()
    assert f"-      value: {MASK}" in out
    assert f"+      value: {MASK}" in out
    assert "80486" not in out + err
    assert main(["--fix", "agents/a.yaml"]) == 0
    assert config.read_text().endswith('      value: "80486"\n')
    assert "80486" not in "".join(capsys.readouterr())


def test_quotes_stay_around_an_anchored_value() -> None:
    """Unquoting ``&five '5'`` would change every alias of it as well: no fix, no hint."""
    assert type_findings("limits:\n  run: &five '5'\n  day: *five\n") == [(None, None)] * 2
