"""No format of agent-lint prints a secret: not in a source line, whichever rule shows it, and
not in a message; the diagnostics are all still there, at their lines and columns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.config.loader import load_text
from agentsync.config.secrets import (
    MASK,
    is_secret_path,
    mask_secrets,
    secret_reason,
    shortened,
    token_kind,
)
from agentsync.lint.context import LintContext
from agentsync.lint.reporters import REPORTERS
from agentsync.lint.settings import Settings
from tests.secret_samples import PIN, SAMPLE_IDS, SAMPLES, Sample, leaky_config


def lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_no_format_prints_a_secret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample: Sample, fmt: str
) -> None:
    text, expected = leaky_config(sample)
    config = tmp_path / "agents" / "leaky.yaml"
    config.parent.mkdir()
    config.write_text(text)

    code, output = lint(capsys, "--format", fmt, str(config))

    assert code == 1
    assert not sample.leaked_in(output)
    assert PIN not in output
    for rule, line in expected:
        assert rule in output
        assert LOCATION[fmt].format(line=line) in output


LOCATION = {  # how each format gives a diagnostic's line
    "text": "leaky.yaml:{line}:",
    "markdown": "leaky.yaml:{line}:",
    "github": ",line={line},",
    "json": '"line": {line},',
    "sarif": '"startLine": {line},',
}


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_every_diagnostic_is_still_reported_where_it_is(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample: Sample
) -> None:
    text, expected = leaky_config(sample)
    config = tmp_path / "agents" / "leaky.yaml"
    config.parent.mkdir()
    config.write_text(text)

    _, output = lint(capsys, "--format", "json", str(config))
    (file,) = json.loads(output)["files"]
    found = [(d["rule"], d["line"]) for d in file["diagnostics"]]
    assert sorted(found, key=lambda item: (item[1], item[0])) == expected
    lines = text.splitlines()
    for d in file["diagnostics"]:  # each column is on its line, at the reported key or value
        assert 1 <= d["column"] <= len(lines[d["line"] - 1])

    _, human = lint(capsys, str(config))
    assert "valeu: " + MASK in human  # the misspelt key is shown, its value is not
    assert f"{config}:7:7: error: unknown key 'valeu'" in human
    assert "got a number [type]" in human


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_every_source_line_is_shown_without_its_secret(sample: Sample) -> None:
    text, _ = leaky_config(sample)
    ctx = LintContext(load_text(text, "leaky.yaml"), Settings())
    lines = text.splitlines()
    for number, source in enumerate(lines, start=1):
        shown = ctx.shown_line(number)
        assert not sample.leaked_in(shown), (number, shown)
        assert PIN not in shown
        pieces = (sample.value[:4], sample.value[-4:], PIN)
        if not any(piece in source for piece in pieces):
            assert shown == source  # a line without a secret is shown as it is
    # A block scalar's later lines are masked from their indentation.
    assert ctx.shown_line(19) == "        " + MASK


@pytest.mark.parametrize("sample", [s for s in SAMPLES if s.shaped], ids=lambda s: s.name)
def test_a_secret_shaped_value_is_masked_anywhere_and_named(sample: Sample) -> None:
    masked = mask_secrets(f"use {sample.value} here")
    assert not sample.leaked_in(masked)
    assert masked.startswith("use ")
    assert masked.endswith(" here")
    assert MASK in masked
    assert token_kind(sample.value) is not None
    reason = secret_reason("SETTING", sample.value)
    assert reason is not None
    assert not sample.leaked_in(reason)


def test_a_url_keeps_all_but_its_password() -> None:
    assert mask_secrets("postgres://app:PW1@db/app") == f"postgres://app:{MASK}@db/app"
    assert mask_secrets("redis://:p@ss@cache:6379/0") == f"redis://:{MASK}@cache:6379/0"
    assert mask_secrets("ssh://git@github.com/acme/app") == "ssh://git@github.com/acme/app"
    assert mask_secrets("http://host:8080/path@x") == "http://host:8080/path@x"


def test_a_cut_off_message_keeps_no_piece_of_a_token() -> None:
    token = SAMPLES[0].value
    assert shortened(f"'{token}'") == f"'{MASK}'"
    assert token[:12] not in shortened("x" * 30 + token, 40)


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (("sandbox", "variables", 0, "value"), True),
        (("sandbox", "variables", 0, "valeu"), True),
        (("sandbox", "variables", 0, "value", 0), True),
        (("sandbox", "variables", 0, "name"), False),
        (("mcp_servers", 0, "env", "LOG_LEVEL"), True),
        (("tools", 0, "headers", "Authorization"), True),
        (("mcp_servers", 0, "api_key"), True),
        (("claude", "system"), False),
        (("limits", "run"), False),
    ],
)
def test_which_values_are_secrets_whatever_they_look_like(
    path: tuple[str | int, ...], secret: bool
) -> None:
    assert is_secret_path(path) is secret


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("sk-ant-" + "a1B2c3D4e5" * 3, "an Anthropic API key"),
        ("sk-proj-" + "a1B2c3D4e5" * 3, "an OpenAI API key"),
        ("xoxb-" + "1234567890-abc", "a Slack token"),
        ("github_pat_" + "a1B2c3D4e5" * 3, "a GitHub token"),
        ("AKIA" + "Z7QW3ER5TY8UI0OP", "an AWS access key"),
        ("mysql://root:pw@db", "a URL with a password"),
        ("https://example.com/a@b", None),
        ("skip-this-setting-please-thanks", None),
    ],
)
def test_what_a_token_is_named(value: str, kind: str | None) -> None:
    assert token_kind(value) == kind


def test_the_caret_points_at_the_mask_when_the_secret_moved_the_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "agents" / "a.yaml"
    config.parent.mkdir()
    token = "ghp_" + "a1" * 18
    config.write_text(f"ellipsis: {{version: v1}}\nclaude:\n  system: {token}: x\n")

    _, output = lint(capsys, str(config))

    source = next(line for line in output.splitlines() if line.startswith(" 3 | "))
    caret = next(line for line in output.splitlines() if line.startswith("   | "))
    assert token not in output
    assert caret.index("^") == source.index(MASK)
