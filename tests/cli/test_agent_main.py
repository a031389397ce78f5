"""The ``agent`` command group."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from agentsync import __version__
from agentsync.cli.boundary import REPORT_BUGS_AT, ExitCode
from agentsync.cli.lint import main as lint_main
from agentsync.cli.main import cli
from tests.pipes import after_closed_pipe
from tests.sync.support import Git

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "agent-config.v1.json"


def test_schema_prints_the_published_schema() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.output == SCHEMA_FILE.read_text()


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")
    else:
        yield path, command


def test_every_option_says_what_it_does() -> None:
    unexplained = [
        f"{path} {option.opts[-1]}"
        for path, command in _commands(cli, "agent")
        for option in command.params
        if isinstance(option, click.Option) and not option.help and not option.hidden
    ]
    assert unexplained == []  # e.g. control-plane serve --host, --port, --runner had none


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_a_bug_in_schema_is_a_message_and_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    """``agent schema`` goes through the one boundary like every other command."""

    def broken() -> None:
        raise RuntimeError("no\nschema")

    monkeypatch.setattr("agentsync.config.schema.generate", broken)
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == ExitCode.INTERNAL == 3
    assert "Traceback" not in result.stderr
    message, report = result.stderr.splitlines()
    assert message == "agent: internal error: RuntimeError: no schema"
    assert report == f"agent: this is a bug in agentsync: please report it at {REPORT_BUGS_AT}"


def test_an_interrupted_command_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("agentsync.config.schema.generate", interrupted)
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == ExitCode.INTERRUPTED == 130
    assert result.stderr == "agent: interrupted\n"


def test_agent_and_agent_lint_give_a_bug_the_same_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("agentsync.lint.runner.lint_targets", broken)
    monkeypatch.setattr("agentsync.config.schema.generate", broken)
    assert lint_main([str(SCHEMA_FILE)]) == CliRunner().invoke(cli, ["schema"]).exit_code == 3
    assert capsys.readouterr().err.splitlines()[1].startswith("agent-lint: this is a bug")


def test_both_commands_print_their_version_alike() -> None:
    """``agent --version`` and ``agent-lint --version`` print ``NAME VERSION``, one format."""
    bin_dir = Path(sys.executable).parent
    for name in ("agent", "agent-lint"):
        done = subprocess.run(
            [str(bin_dir / name), "--version"], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0
        assert done.stdout == f"{name} {__version__}\n"


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """``agent sync plan | head -c 10``: exit 141, as a shell reports SIGPIPE, with no
    traceback and no internal error. (The plan is written line by line: one write of it all
    can land whole in this machine's pipe buffer, and then no write ever fails.)"""
    unknown = "".join(f"unknown_{k}: {k}\n" for k in range(10))  # ten diagnostics a file
    repo = Git(tmp_path / "repo")  # 400 kB of plan: more than a pipe buffer holds
    repo.commit({f"agents/a{n}.yaml": f"ellipsis: {{version: v1}}\n{unknown}" for n in range(400)})
    program = "import sys; from agentsync.cli.main import main; sys.exit(main())"
    command = ["sync", "plan", str(repo.root), "--against-empty", "--repository", "acme/app"]

    status, errors = after_closed_pipe(program, *command)

    assert status == ExitCode.CLOSED_PIPE
    assert errors == b""
