"""The settings file and inline directives as users write them: settings read as YAML 1.2 like
the configs, one-line errors with the file and position, a "did you mean" for a misspelt
setting or rule id, and ``all`` in a directive."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.lint.validation import ConfigRejected, validate_yaml
from tests.agreement import lint_and_sync

CONFIG = "ellipsis: {}\nclaude: {system: hi}\nlimits: {run: 5, day: 1}\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "a.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_yaml_error_is_one_line_with_the_file_and_position(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".agent-lint.yaml").write_text("disable: [limits-order\nmax-limits: {run: 5}\n")
    code, _, err = lint(capsys)
    assert code == 2
    assert err.count("\n") == 1, err
    assert f"{repo / '.agent-lint.yaml'}:" in err
    assert "<unicode string>" not in err


def test_a_duplicate_setting_is_refused_at_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".agent-lint.yaml").write_text("disable: []\ndisable: [limits-order]\n")
    code, _, err = lint(capsys)
    assert code == 2
    assert f"{repo / '.agent-lint.yaml'}:2:1:" in err
    assert err.count("\n") == 1, err


def test_the_settings_file_is_read_as_yaml_1_2(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``on`` is the string "on" (YAML 1.1 read it as true, and the file was refused as not a
    list of rule ids): here it is a rule id that does not exist, so a warning."""
    (repo / ".agent-lint.yaml").write_text("disable: [on]\n")
    code, out, err = lint(capsys)
    assert code == 0, err
    assert "'disable' names no rule 'on'" in err
    assert "limits-order" in out  # nothing else was disabled


def test_a_misspelt_setting_gets_the_closest_name(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".agent-lint.yaml").write_text("max_limits: {run: 60}\n")
    code, _, err = lint(capsys)
    assert code == 2
    assert "unknown setting 'max_limits': did you mean 'max-limits'?" in err


def test_a_misspelt_rule_in_the_settings_is_a_warning_with_the_closest_rule(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".agent-lint.yaml").write_text("disable: [limit-order]\n")
    code, out, err = lint(capsys)
    assert code == 0
    assert "warning:" in err
    assert "'disable' names no rule 'limit-order': did you mean 'limits-order'?" in err
    assert "[limits-order]" in out  # the misspelt name silenced nothing


def test_a_misspelt_rule_on_the_command_line_is_a_usage_error_with_the_closest_rule(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = lint(capsys, "--disable", "limit-order")
    assert code == 2
    assert "unknown rule 'limit-order': did you mean 'limits-order'?" in err


@pytest.mark.parametrize("where", ["settings", "flag"])
def test_turning_off_an_error_warns_that_sync_still_refuses_the_config(
    repo: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """agent-lint does as it is told, but says that the sync engine and the control plane,
    which check every error rule, will not: a warning rule turned off gets no such line."""
    (repo / "agents" / "a.yaml").write_text(CONFIG + "claude_typo: 1\n")
    argv = ["--disable", "unknown-key"] if where == "flag" else []
    if where == "settings":
        (repo / ".agent-lint.yaml").write_text("disable: [unknown-key, limits-order]\n")
    code, out, err = lint(capsys, *argv, "--disable", "limits-order")
    assert code == 0, out
    prefix = f"{repo / '.agent-lint.yaml'}: 'disable'" if where == "settings" else "--disable"
    assert err == (
        f"agent-lint: warning: {prefix} turns off 'unknown-key', an error: agent sync and the "
        "control plane still refuse a config that breaks it\n"
    )
    with pytest.raises(ConfigRejected, match="unknown-key"):
        validate_yaml((repo / "agents" / "a.yaml").read_text())


def test_all_in_a_directive_silences_every_rule_on_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "agents" / "a.yaml").write_text(
        "ellipsis: {}\nclaude: {system: hi}\nlimits:\n"
        "  run: 80  # agent-lint: disable=all\n"
        "  day: 20\n"
    )
    code, out, _ = lint(capsys)
    assert code == 0
    assert "[limits-clamped]" not in out
    assert "[limits-order]" not in out
    assert "1 config valid" in out


@pytest.mark.parametrize(
    "amount", ["1" + "0" * 400, ".nan", ".inf", "-.inf", "1e400", "-1", "1e16"]
)
def test_a_maximum_that_is_no_amount_of_dollars_is_one_line(
    repo: Path, capsys: pytest.CaptureFixture[str], amount: str
) -> None:
    """A maximum past a float, not a number, infinite, negative or past what a limit holds
    is refused like any other bad setting, before any file is checked."""
    (repo / ".agent-lint.yaml").write_text(f"max-limits: {{run: {amount}}}\n")
    code, out, err = lint(capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"agent-lint: {repo / '.agent-lint.yaml'}: max-limits.run must be a number of dollars "
        "from 0 to 1,000,000,000,000,000, or null\n"
    )


@pytest.mark.parametrize(
    "nested", ["[" * 100_000 + "]" * 100_000, "{a = " * 100_000 + "1" + "}" * 100_000]
)
def test_a_pyproject_nested_past_the_parser_is_one_line(
    repo: Path, capsys: pytest.CaptureFixture[str], nested: str
) -> None:
    """Python's TOML parser recurses into nested arrays and tables: nested deeper than the
    interpreter's stack, a pyproject.toml is a settings file that cannot be parsed."""
    (repo / "pyproject.toml").write_text(f"x = {nested}\n")
    code, out, err = lint(capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"agent-lint: {repo / 'pyproject.toml'}: cannot parse: arrays or tables are nested "
        "too deeply\n"
    )


PROMPT = "ellipsis: {version: v1}\nclaude:\n  system: Review.\n"


# rule: a config breaking it, with a directive naming it (or all)
WAIVED = {
    "syntax": '# agent-lint: disable-file=syntax\nellipsis: {version: v1}\nclaude:\n  system: "R\n',
    "cron-schedule": (
        "# agent-lint: disable-file=all\n" + PROMPT + "triggers:\n"
        "  - {type: cron, schedule: '0 25 * * *'}\n"
    ),
    "denied-variable": (
        PROMPT + "sandbox:\n  variables:\n"
        "    - name: LD_PRELOAD  # agent-lint: disable=denied-variable\n"
        "      value: /tmp/hook.so\n"
    ),
    "hardcoded-secret": (
        "# agent-lint: disable-file=hardcoded-secret\n" + PROMPT + "sandbox:\n  variables:\n"
        "    - {name: GH, value: ghp_abcdefghijklmnopqrstuvwxyz0123456789}\n"
    ),
    "invalid-value": PROMPT + "limits:\n  month: -2  # agent-lint: disable=invalid-value\n",
    "unknown-key": "# agent-lint: disable-file=unknown-key\n" + PROMPT + "bogus: 1\n",
}


@pytest.mark.parametrize("rule", sorted(WAIVED))
def test_a_directive_cannot_silence_an_error(rule: str) -> None:
    """Errors are the platform's rules: the control plane refuses such a config whatever its
    comments say, so agent-lint and the sync engine report the error in spite of a directive
    (the sync engine once applied a file that does not parse, as an empty config)."""
    result, desired = lint_and_sync(WAIVED[rule])
    assert result.status == desired.status == "invalid"
    assert rule in {d.rule for d in result.diagnostics}
    assert rule in {d["rule"] for d in desired.diagnostics}
    with pytest.raises(ConfigRejected):
        validate_yaml(WAIVED[rule])


def test_a_directive_still_silences_a_warning() -> None:
    result, desired = lint_and_sync(
        PROMPT + "limits:\n  run: 80  # agent-lint: disable=limits-clamped\n"
    )
    assert (result.status, desired.status, result.diagnostics) == ("valid", "valid", ())
