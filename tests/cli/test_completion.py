"""Shell completion for both commands, checked in a real bash: the scripts are sourced and
their completion functions asked, as bash asks them at a Tab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def bash(script: str, tmp_path: Path) -> str:
    done = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        capture_output=True, text=True, check=False, cwd=tmp_path,
        env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_agent_lint_completes_options_choices_rule_ids_and_files(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    ask = (
        'source <(agent-lint --print-completion bash)\n'
        'ask() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _agent_lint\n'
        '        echo "${COMPREPLY[*]}"; }\n'
        "ask agent-lint --form\n"
        "ask agent-lint --format s\n"
        "ask agent-lint --disable limits-c\n"
        "ask agent-lint age\n"
    )  # fmt: skip
    assert bash(ask, tmp_path).splitlines() == ["--format", "sarif", "limits-clamped", "agents"]


def test_agent_completes_its_commands_through_click(tmp_path: Path) -> None:
    script = (
        'eval "$(agent completion bash)"\n'
        'ask() { COMPREPLY=(); COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _agent_completion agent\n'
        '        echo "${COMPREPLY[*]}"; }\n'
        "ask agent sy\n"
        "ask agent sync pl\n"
    )
    assert bash(script, tmp_path).splitlines() == ["sync", "plan"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_name_every_option(shell: str) -> None:
    for command in ([str(BIN / "agent-lint"), "--print-completion", shell],
                    [str(BIN / "agent"), "completion", shell]):  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip()
    lint = subprocess.run(
        [str(BIN / "agent-lint"), "--print-completion", shell], capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    for option in ("format", "disable", "color", "sarif-file", "jobs"):
        assert option in lint
