"""Shell completion scripts: ``agent completion SHELL`` (click's own) and
``agent-lint --print-completion SHELL``, written here from agent-lint's argparse parser (its
options, their choices, and file names for the paths), for bash, zsh and fish."""

from __future__ import annotations

import argparse

SHELLS = ("bash", "zsh", "fish")


def _options(parser: argparse.ArgumentParser) -> list[tuple[list[str], list[str] | None, bool]]:
    """Each option's spellings, its choices (if any), and whether it takes a value."""
    found = []
    for action in parser._actions:  # argparse keeps no public list of its actions
        if action.option_strings:
            choices = [str(choice) for choice in action.choices] if action.choices else None
            found.append((list(action.option_strings), choices, action.nargs != 0))
    return found


def lint_completion(parser: argparse.ArgumentParser, shell: str, rule_ids: list[str]) -> str:
    """The completion script of ``parser`` for ``shell``; ``--disable`` completes rule ids."""
    options = [
        (names, rule_ids if "--disable" in names else choices, takes)
        for names, choices, takes in _options(parser)
    ]
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](parser.prog, options)


def _bash(prog: str, options: list[tuple[list[str], list[str] | None, bool]]) -> str:
    function = "_" + prog.replace("-", "_")
    cases = "".join(
        f'        {"|".join(names)}) COMPREPLY=($(compgen -W "{" ".join(choices)}" '
        '-- "$cur")); return ;;\n'
        for names, choices, _ in options
        if choices
    )
    flags = " ".join(name for names, _, _ in options for name in names)
    return (
        f"{function}() {{\n"
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"\n'
        f'    case "$prev" in\n{cases}    esac\n'
        f'    if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "{flags}" -- "$cur"))\n'
        '    else COMPREPLY=($(compgen -f -- "$cur")); fi\n'
        "}\n"
        f"complete -o filenames -F {function} {prog}\n"
    )


def _zsh(prog: str, options: list[tuple[list[str], list[str] | None, bool]]) -> str:
    specs = []
    for names, choices, takes in options:
        value = f":value:({' '.join(choices)})" if choices else (":value:_files" if takes else "")
        for name in names:
            specs.append(f"    '{name}[]{value}'")
    return (
        f"#compdef {prog}\n_arguments \\\n" + " \\\n".join([*specs, "    '*:path:_files'"]) + "\n"
    )


def _fish(prog: str, options: list[tuple[list[str], list[str] | None, bool]]) -> str:
    lines = []
    for names, choices, takes in options:
        spellings = " ".join(
            f"-l {name[2:]}" if name.startswith("--") else f"-s {name[1:]}" for name in names
        )
        extra = f" -xa '{' '.join(choices)}'" if choices else (" -r" if takes else "")
        lines.append(f"complete -c {prog} {spellings}{extra}")
    return "\n".join(lines) + "\n"
