"""Data-driven: every fixture under fixtures/lint gives exactly its expected diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentsync.config.files import load_file
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

LINT_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lint"
EXPECTED: dict[str, list[str]] = yaml.safe_load((LINT_FIXTURES / "expected.yaml").read_text())


def _cases(kind: str) -> list[str]:
    return sorted(p.relative_to(LINT_FIXTURES).as_posix() for p in (LINT_FIXTURES / kind).iterdir())


def _lint(case: str) -> tuple[str, list[str]]:
    result = lint_document(load_file(LINT_FIXTURES / case, case), Settings())
    return result.status, [f"{d.rule}@{d.line}" for d in result.diagnostics]


@pytest.mark.parametrize("case", _cases("invalid"))
def test_invalid_fixture(case: str) -> None:
    status, found = _lint(case)
    assert status == "invalid"
    assert sorted(found) == sorted(EXPECTED[case])


@pytest.mark.parametrize("case", _cases("valid"))
def test_valid_fixture(case: str) -> None:
    status, found = _lint(case)
    assert status == "valid"
    assert sorted(found) == sorted(EXPECTED.get(case, []))


@pytest.mark.parametrize("case", _cases("ignored"))
def test_ignored_fixture(case: str) -> None:
    assert _lint(case) == ("ignored", [])


def test_manifest_names_only_existing_files() -> None:
    missing = [case for case in EXPECTED if not (LINT_FIXTURES / case).is_file()]
    assert missing == []


def test_every_rule_has_an_invalid_or_warning_fixture() -> None:
    from agentsync.lint.rules import RULES

    covered = {entry.split("@")[0] for entries in EXPECTED.values() for entry in entries}
    # `internal` reports agent-lint's own failures, which no fixture should cause: its
    # tests (test_internal.py) make a rule fail on purpose. `unreadable` needs a file that
    # cannot be opened, which git cannot store: tests/config/test_unreadable.py makes one.
    assert set(RULES) - covered == {"internal", "unreadable"}
