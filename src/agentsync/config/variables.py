"""Which names a variable handed to an agent's process may have: the one list every part checks.

A name is an environment variable name (``NAME``: letters, digits and ``_``, not starting with a
digit), and not one that changes how a process starts (``DENIED``): a shell's startup file
(``BASH_ENV``), the dynamic loader (``LD_PRELOAD``), the program search path (``PATH``), an
interpreter's options or module path (``PYTHONPATH``, ``NODE_OPTIONS``), or a command another
program runs on its own (``GIT_SSH_COMMAND``, ``LESSOPEN``). Such a value runs code before, or
instead of, the agent's own command.

Names are compared without regard to case: ``path`` and ``Ld_Preload`` are refused too. Linux
keeps them apart from ``PATH``, but some programs read either case (npm reads ``npm_config_*``
in any case), Windows does not tell them apart, and no config needs a variable that differs from
one of these only in case.

agent-lint (``denied-variable``), the control plane (the variables API, configs, the
deployments dialect's ``envs``) and the command runner all check names here. Standard library
only: agent-lint imports it at start-up.
"""

from __future__ import annotations

import re
from typing import NamedTuple

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
NAME_PATTERN = f"^{NAME.pattern}$"  # the JSON Schema of a config's sandbox.variables[].name
NAME_RULE = "letters, digits and _, not starting with a digit"


class Denied(NamedTuple):
    """Names refused for one reason; a name ending in ``*`` stands for every name it starts."""

    names: tuple[str, ...]
    why: str


DENIED: tuple[Denied, ...] = (
    Denied(("BASH_ENV",), "bash runs the file it names before a script"),
    Denied(("ENV",), "sh, dash and ksh run the file it names at start-up"),
    Denied(("ZDOTDIR",), "zsh reads its start-up files from the directory it names"),
    Denied(("SHELLOPTS", "BASHOPTS"), "turn on bash options, such as tracing, in every bash"),
    Denied(("PS0", "PS1", "PS2", "PS3", "PS4"), "shell prompts run command substitutions"),
    Denied(("PROMPT_COMMAND",), "bash runs it before each prompt"),
    Denied(("IFS",), "changes how the shell splits words"),
    Denied(("CDPATH",), "changes where a script's cd goes"),
    Denied(("SHELL",), "the shell programs start for commands"),
    Denied(("PATH",), "which program a command name runs; the runner sets its own"),
    Denied(("HOME", "XDG_CONFIG_HOME"), "where programs read start-up files (~/.gitconfig)"),
    Denied(("LD_*",), "the dynamic loader: LD_PRELOAD loads a library into every program"),
    Denied(("DYLD_*",), "the macOS dynamic loader: DYLD_INSERT_LIBRARIES loads a library"),
    Denied(("GCONV_PATH",), "glibc loads character-set converters (shared libraries) from it"),
    Denied(("GLIBC_TUNABLES",), "changes how glibc's loader and allocator start"),
    Denied(
        ("PYTHON*",), "Python's start-up code, options and module path (PYTHONSTARTUP, PYTHONPATH)"
    ),
    Denied(("NODE_OPTIONS", "NODE_PATH"), "Node.js options (--require) and module path"),
    Denied(("NPM_CONFIG_*",), "npm settings, such as the shell that runs scripts"),
    Denied(("PERL5*", "PERLLIB"), "Perl's options (-M) and module path"),
    Denied(("RUBYOPT", "RUBYLIB"), "Ruby's options (-r) and module path"),
    Denied(
        ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH"),
        "Java's options (-javaagent) and class path",
    ),
    Denied(("LUA_INIT*", "LUA_PATH*", "LUA_CPATH*"), "Lua's start-up code and module paths"),
    Denied(
        (
            "GIT_SSH",
            "GIT_SSH_COMMAND",
            "GIT_PROXY_COMMAND",
            "GIT_EXTERNAL_DIFF",
            "GIT_ASKPASS",
            "GIT_EDITOR",
            "GIT_SEQUENCE_EDITOR",
            "GIT_PAGER",
        ),
        "git runs the command it names",
    ),
    Denied(
        ("GIT_CONFIG*", "GIT_DIR", "GIT_COMMON_DIR", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR"),
        "git reads settings, programs or hooks from it (core.fsmonitor runs a command)",
    ),
    Denied(("SSH_ASKPASS",), "ssh runs the command it names"),
    Denied(("EDITOR", "VISUAL", "PAGER"), "programs run the command it names on their own"),
    Denied(("LESSOPEN", "LESSCLOSE"), "less runs the command it names on each file"),
    Denied(
        ("OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES"),
        "OpenSSL loads engines and providers (shared libraries) from them",
    ),
)

_EXACT = {name: d for d in DENIED for name in d.names if not name.endswith("*")}
_PREFIXES = tuple((name[:-1], d) for d in DENIED for name in d.names if name.endswith("*"))


def denied(name: str) -> Denied | None:
    """The entry of ``DENIED`` that refuses ``name`` (in any case), or None."""
    upper = name.upper()
    found = _EXACT.get(upper)
    if found is not None:
        return found
    return next((d for prefix, d in _PREFIXES if upper.startswith(prefix)), None)


def name_problem(name: str) -> str | None:
    """Why ``name`` may not reach a process, in a sentence that starts with it; None if it may."""
    if not NAME.fullmatch(name):
        return f"{name[:100]!r} is not an environment variable name: {NAME_RULE}"
    entry = denied(name)
    if entry is None:
        return None
    alike = "" if name == name.upper() else f" like {name.upper()}"
    return f"{name} is refused{alike}: it changes how a process starts ({entry.why})"
