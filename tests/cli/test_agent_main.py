"""The ``agent`` command group."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from agentsync.cli.main import cli

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "agent-config.v1.json"


def test_schema_prints_the_published_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.output == SCHEMA_FILE.read_text()


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output
