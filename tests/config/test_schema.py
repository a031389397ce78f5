"""The published JSON Schema agrees with agent-lint and the model, as check-jsonschema (a dev
dependency) reads it for users: its own YAML parser, its validator, the checked-in file.

Fixture lists come from the directories, so a new fixture is covered by default: a valid one
must pass the schema, an invalid one must fail it unless ``BEYOND_THE_SCHEMA`` says why not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from check_jsonschema import main as check_jsonschema
from click.testing import CliRunner
from pydantic import BaseModel

from agentsync.config.files import load_file
from agentsync.config.identity import parse_config
from agentsync.config.loader import load_text
from agentsync.config.model import ReactTrigger
from agentsync.config.reference import TRIGGER_TYPES
from agentsync.config.schema import for_editors, load
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.lint.shape import ShapeValidator
from tests.conftest import FIXTURES, REPO_ROOT, model_accepts

SCHEMA_FILE = REPO_ROOT / "schemas" / "agent-config.v1.json"
LINT_FIXTURES = FIXTURES / "lint"
Verdict = Literal["accepted", "rejected", "parse-error"]

# Invalid fixtures the schema does not reject, each with why. The schema checks shape (types,
# keys, enums, bounds); these break only rules agent-lint checks beyond shape, or are not YAML
# that check-jsonschema reads. A fixture listed here must get exactly this verdict.
BEYOND_THE_SCHEMA: dict[str, tuple[Verdict, str]] = {
    "bad-branch-glob.yaml": ("accepted", "a branch glob's syntax"),
    "bad-cron-fields.yaml": ("accepted", "a cron expression's fields"),
    "bad-cron-range.yaml": ("accepted", "a cron field's range"),
    "bad-json-schema.yaml": ("accepted", "structured_output.json_schema is no JSON Schema"),
    "bad-rate.yaml": ("accepted", "a rate(...) expression"),
    "branches-non-push.yaml": ("accepted", "branches on an event other than push"),
    "comments-only.yaml": ("accepted", "an empty document needs claude.system"),
    "compute-not-a-size.yaml": ("accepted", "memory and timeout as sizes and durations"),
    "cron-never-fires.yaml": ("accepted", "a schedule that never fires"),
    "denied-variable.yaml": ("accepted", "variable names that change how a process starts"),
    "dockerfile-not-run.yaml": ("accepted", "dockerfile_append takes RUN lines only"),
    "document-marker-only.yaml": ("accepted", "an empty document needs claude.system"),
    "document-null.yaml": ("accepted", "an empty document needs claude.system"),
    "document-tilde.yaml": ("accepted", "an empty document needs claude.system"),
    "document-todo.yaml": ("accepted", "an empty document needs claude.system"),
    "empty-system.yaml": ("accepted", "claude.system must not be empty"),
    "empty.yaml": ("accepted", "an empty document needs claude.system"),
    "empty-repository-name.yaml": ("accepted", "a repository name that is only blank"),
    "limit-nan.yaml": ("accepted", "a budget must be a number (JSON has no NaN)"),
    "null-system-react.yaml": ("accepted", "a react agent needs claude.system"),
    "secret-by-name.yaml": ("accepted", "a secret written inline"),
    "secret-by-shape.yaml": ("accepted", "a secret written inline"),
    "secret-by-url.yaml": ("accepted", "a secret written inline"),
    "cron-unquoted-star.yaml": ("parse-error", "an unquoted * is a YAML alias"),
    "duplicate-key.yaml": ("parse-error", "YAML forbids duplicate keys"),
    "invalid-utf8.yaml": ("parse-error", "not UTF-8"),
    "tab-indent.yaml": ("parse-error", "YAML forbids tab indentation"),
    "syntax-colon-in-value.yaml": ("parse-error", "a plain value holding ': '"),
    "syntax-control-character.yaml": ("parse-error", "a control character YAML refuses"),
    "syntax-flow-style-marker-last.yaml": ("parse-error", "a broken flow mapping"),
    "syntax-flow-style.yaml": ("parse-error", "a broken flow mapping"),
    "syntax-reserved-at.yaml": ("parse-error", "a plain value starting with @"),
    "syntax-reserved-backtick.yaml": ("parse-error", "a plain value starting with a backtick"),
    "syntax-tab-in-block.yaml": ("parse-error", "YAML forbids tab indentation"),
    "syntax-unclosed-bracket.yaml": ("parse-error", "an unclosed bracket"),
    "syntax-unclosed-quote.yaml": ("parse-error", "an unclosed quote"),
    "syntax-undefined-alias.yaml": ("parse-error", "an alias to no anchor"),
    "utf16.yaml": ("accepted", "the platform reads UTF-8 only; check-jsonschema decodes UTF-16"),
    "two-documents.yaml": ("parse-error", "a config file holds one YAML document"),
}
# Valid fixtures the schema rejects, each with why: agent-lint warns about them, and the
# schema can only accept or reject a key.
STRICTER_THAN_LINT: dict[str, tuple[Verdict, str]] = {
    "misplaced-keys.yaml": ("rejected", "a key of another mapping, which the platform ignores"),
}
# Invalid fixtures check-jsonschema is not run on: agent-lint refuses them before validating
# (document-limits), while check-jsonschema fails or expands them in full for minutes.
NOT_RUN = {
    "alias-bomb.yaml": "its aliases expand to 10^8 items",
    "limit-past-digit-limit.yaml": "Python refuses to read an integer of 5,001 digits",
    "too-deep.yaml": "nested past Python's recursion limit",
}


def _report(paths: list[Path]) -> dict[str, Any]:
    """check-jsonschema's JSON report on ``paths``, run as its command line runs."""
    args = ["--schemafile", str(SCHEMA_FILE), "--output-format", "json", *map(str, paths)]
    result = CliRunner().invoke(check_jsonschema, args)
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _verdicts(paths: list[Path]) -> dict[str, Verdict]:
    report = _report(paths)
    verdicts: dict[str, Verdict] = dict.fromkeys(map(str, paths), "accepted")
    verdicts.update((error["filename"], "rejected") for error in report.get("errors", []))
    verdicts.update((error["filename"], "parse-error") for error in report.get("parse_errors", []))
    return verdicts


def _configs(root: Path) -> list[Path]:
    """Every file under ``root`` that agent-lint reads as a config."""
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    return [p for p in files if load_file(p).kind == "config"]


VALID = [*sorted((LINT_FIXTURES / "valid").iterdir()), *_configs(FIXTURES / "example-repo")]
INVALID = sorted(p for p in (LINT_FIXTURES / "invalid").iterdir() if p.name not in NOT_RUN)


def _name(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


@pytest.fixture(scope="module")
def fixture_verdicts() -> dict[str, Verdict]:
    return _verdicts([*VALID, *INVALID])


@pytest.mark.parametrize("path", VALID, ids=_name)
def test_schema_accepts_valid_fixture_unless_stricter(
    path: Path, fixture_verdicts: dict[str, Verdict]
) -> None:
    expected, _why = STRICTER_THAN_LINT.get(path.name, ("accepted", "a valid config"))
    assert fixture_verdicts[str(path)] == expected


@pytest.mark.parametrize("path", INVALID, ids=_name)
def test_schema_rejects_invalid_fixture_unless_beyond_it(
    path: Path, fixture_verdicts: dict[str, Verdict]
) -> None:
    expected, _why = BEYOND_THE_SCHEMA.get(path.name, ("rejected", "a shape error"))
    assert fixture_verdicts[str(path)] == expected


def test_exclusions_name_existing_invalid_fixtures() -> None:
    names = {p.name for p in (LINT_FIXTURES / "invalid").iterdir()}
    assert set(BEYOND_THE_SCHEMA) | set(NOT_RUN) <= names
    assert set(STRICTER_THAN_LINT) <= {p.name for p in (LINT_FIXTURES / "valid").iterdir()}


def _with_null(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """``(path, copy of data with the value at path replaced by null)``, for every path."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        nulled = dict(data) if isinstance(data, dict) else list(data)
        nulled[key] = None
        yield (*path, key), nulled
        if isinstance(value, dict | list) and value:
            for inner, replaced in _with_null(value, (*path, key)):
                copy = dict(data) if isinstance(data, dict) else list(data)
                copy[key] = replaced
                yield inner, copy


def test_null_is_accepted_exactly_where_the_model_and_lint_accept_it(tmp_path: Path) -> None:
    """Every value of every valid fixture, one at a time, replaced by null (an empty YAML
    value): the schema, agent-lint's shape check and the model give the same verdict."""
    validator = ShapeValidator(load())
    cases: dict[str, tuple[str, Any]] = {}
    for source in VALID:
        for path, data in _with_null(load_file(source).data):
            where = f"{_name(source)}: {'.'.join(map(str, path))}"
            file = tmp_path / f"{len(cases)}.json"
            file.write_text(json.dumps(data))
            cases[str(file)] = (where, data)
    verdicts = _verdicts([Path(file) for file in cases])
    disagreements = []
    for file, (where, data) in cases.items():
        model = "accepted" if model_accepts(data) else "rejected"
        lint = "rejected" if validator.validate(data) else "accepted"
        if not verdicts[file] == model == lint:
            disagreements.append(f"{where}: schema {verdicts[file]}, model {model}, lint {lint}")
    assert disagreements == []
    assert len(cases) > 100  # the sweep reached into every fixture


BARE_KEYS = """\
ellipsis:
  version:
  name:
  description:
  metadata:
    labels:
    annotations:
enabled:
triggers:
  - type: mention
    platforms:
sandbox:
  repositories:
  variables:
  compute:
  image:
  hooks:
claude:
  system:
  model:
limits:
mcp_servers:
tools:
structured_output:
"""


def _lint_errors(text: str) -> list[str]:
    result = lint_document(load_text(text, "inline.yaml"), Settings())
    return [d.path for d in result.diagnostics if d.severity == "error"]


def test_bare_keys_mean_the_default_for_the_schema_as_for_lint(tmp_path: Path) -> None:
    """What editors flagged: ``system:`` with no value, a bare ``limits:``, ``sandbox:`` ..."""
    config = tmp_path / "bare.yaml"
    config.write_text(BARE_KEYS)
    assert _verdicts([config]) == {str(config): "accepted"}
    assert _lint_errors(BARE_KEYS) == []


REQUIRED_NULLS = """\
ellipsis:
triggers:
  - type: cron
    schedule:
sandbox:
  repositories:
    -
claude:
  system: Check the nightly build.
"""


def test_null_stays_an_error_where_a_value_is_required(tmp_path: Path) -> None:
    config = tmp_path / "required.yaml"
    config.write_text(REQUIRED_NULLS)
    schema_errors = {e["path"] for e in _report([config])["errors"]}
    assert schema_errors == {"$.triggers[0].schedule", "$.sandbox.repositories[0]"}
    assert sorted(_lint_errors(REQUIRED_NULLS)) == [
        "sandbox.repositories[0]",
        "triggers[0].schedule",
    ]


def test_a_misspelt_trigger_type_is_reported_against_every_type(tmp_path: Path) -> None:
    config = tmp_path / "crn.yaml"
    config.write_text("ellipsis:\ntriggers:\n  - type: crn\n    schedule: '0 9 * * *'\n")
    [error] = _report([config])["errors"]
    assert error["path"] == "$.triggers[0].type"
    assert all(repr(kind) in error["message"] for kind in TRIGGER_TYPES)
    trigger = load()["properties"]["triggers"]["items"]
    assert trigger["properties"]["type"]["enum"] == list(TRIGGER_TYPES)


UNDOCUMENTED_SPELLINGS = """\
ellipsis:
name: Merge notifier
description: Posts when a pull request merges.
repositories:
  - name: app
triggers:
  - type: react
    events:
      - event: pull_request_merged
claude:
  system: Summarise the merged pull request.
"""


def test_undocumented_spellings_the_platform_accepts_pass_as_deprecated(tmp_path: Path) -> None:
    config = tmp_path / "platform-team.yaml"
    config.write_text(UNDOCUMENTED_SPELLINGS)
    assert _verdicts([config]) == {str(config): "accepted"}
    assert _lint_errors(UNDOCUMENTED_SPELLINGS) == []
    model = parse_config(yaml.safe_load(UNDOCUMENTED_SPELLINGS))
    assert model.ellipsis.name == "Merge notifier"
    assert [r.name for r in model.sandbox.repositories] == ["app"]
    [trigger] = model.triggers
    assert isinstance(trigger, ReactTrigger)
    assert trigger.events[0].event == "pull_request_merge"
    schema = load()
    for key in ("name", "description", "repositories"):
        assert schema["properties"][key]["deprecated"] is True
    event = schema["$defs"]["ReactEvent"]["properties"]["event"]
    [deprecated] = [branch for branch in event["anyOf"] if branch.get("deprecated")]
    assert deprecated["const"] == "pull_request_merged"


def _schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _schema_nodes(child)


def test_schema_suits_editors() -> None:
    """No ``default: null`` (editors complete it as a literal null); no ``discriminator``
    (editors ignore it); no ``anyOf`` whose branches editors cannot tell apart on hover."""
    nodes = list(_schema_nodes(load()))
    assert [n for n in nodes if "default" in n and n["default"] is None] == []
    assert [n for n in nodes if "discriminator" in n or "oneOf" in n] == []
    for node in nodes:
        labels = [(b.get("title"), b.get("description")) for b in node.get("anyOf", ())]
        assert len(set(labels)) == len(labels), node


class _Inner(BaseModel):
    size: int = 0


def test_reshaping_refuses_what_it_cannot_write_without_any_of() -> None:
    class Both(BaseModel):
        optional: _Inner | None = None
        listed: list[_Inner] = []

    class Unmergeable(BaseModel):
        value: Literal["auto"] | int | None = None

    with pytest.raises(ValueError, match="_Inner is used both where null is allowed"):
        for_editors(Both.model_json_schema())
    with pytest.raises(ValueError, match="cannot merge"):
        for_editors(Unmergeable.model_json_schema())
