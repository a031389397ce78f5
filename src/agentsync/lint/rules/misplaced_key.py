"""``misplaced-key`` (warning): a key the config reference defines, where the reference does not
put it: a top-level ``repositories:`` belongs under ``sandbox:``, a top-level ``model:`` under
``claude:``, ``sandbox.cpu`` under ``sandbox.compute:``.

The reference's validation table does not make such a key a sync failure, so the config is
valid. Two cases differ in what happens to the key:

- the top-level keys the platform's own configs write (``repositories``, ``name`` and
  ``description``: its CLI's ``agents/update_docs.yaml`` and the starter ``config init``
  writes) are read as the documented key (``sandbox.repositories``, ``ellipsis.name``...),
  which is what their author meant; when both are set, the documented one wins;
- any other known key at the wrong level is ignored, as the platform ignores a key it does
  not read there: the agent runs as if it were not set (a top-level ``model:`` leaves the
  default model). Sync drops it from the config it stores.

A key that matches nothing the reference knows, or is one edit from a key allowed where it
stands (or its singular or plural), stays an ``unknown-key`` error with a "did you mean".

Bad::

    ellipsis:
      version: v1
    repositories:
      - name: acme/api

Fixed::

    ellipsis:
      version: v1
    sandbox:
      repositories:
        - name: acme/api

``--fix --unsafe-fixes`` moves a top-level key into the top-level mapping it belongs in, after
the keys already there (or in a new mapping where the key was). A platform spelling whose
documented key is set too is removed (the documented one wins); any other key is left alone
when its target is set already, when it belongs in several places or deeper than one level.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from agentsync.config.reference import DEPRECATED_TOP_LEVEL_KEYS
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

if TYPE_CHECKING:
    from agentsync.lint.edits import Fix
    from agentsync.lint.shape import ShapeError

META = RuleMeta(
    "misplaced-key", "warning", "Keys belong where the config reference puts them", fix="unsafe"
)


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from _platform_spellings(ctx)
    errors = list(ctx.shape_errors_of("unknown-key"))
    if errors:
        yield from _ignored_keys(ctx, errors)


def _platform_spellings(ctx: LintContext) -> Iterator[Finding]:
    """The top-level keys read as their documented key (``DEPRECATED_TOP_LEVEL_KEYS``)."""
    for key, (block, field) in DEPRECATED_TOP_LEVEL_KEYS.items():
        if key not in ctx.data:
            continue
        documented = f"{block}.{field}"
        shadowed = _is_set(ctx, block, field)
        effect = f"{documented} is set too and wins" if shadowed else f"read as {documented}"
        finding = ctx.finding(
            (key,),
            f"`{key}` belongs under `{block}:`, not at the top level ({effect})",
            f"move it under `{block}:` as `{field}:`",
            at_key=True,
        )
        if ctx.fixing:
            from agentsync.lint.edits import fix
            from agentsync.lint.moves import remove_key

            if shadowed:  # the documented key wins: this one is dropped
                finding = finding._replace(fix=fix(remove_key(ctx.document, (key,)), safe=False))
            else:
                finding = finding._replace(fix=_move(ctx, key, block, field))
        yield finding


def _ignored_keys(ctx: LintContext, errors: list[ShapeError]) -> Iterator[Finding]:
    """Keys of another mapping, which the platform ignores where they stand."""
    from agentsync.lint.placement import described, misplaced

    for error, homes in misplaced(errors):
        key = str(error.value)
        here = format_path(error.path[:-1])
        where = f"in `{here}`" if here else "at the top level"
        place = described(homes)
        finding = ctx.finding(
            error.path,
            f"`{key}` belongs {place}, not {where}: the platform ignores it here, as if it "
            "were not set",
            f"move it {place}" if len(homes) > 1 else _hint(key, homes[0]),
            at_key=True,
        )
        block = homes[0]
        movable = len(error.path) == 1 and len(homes) == 1 and block.isidentifier()
        if ctx.fixing and movable and not _is_set(ctx, block, key):
            finding = finding._replace(fix=_move(ctx, key, block, key))
        yield finding


def _hint(key: str, home: str) -> str:
    if home == "":
        return "move it to the top level"
    if home.endswith("[]"):
        return f"move it into the `{home}` entry it is for"
    return f"move it under `{home}:` as `{key}:`"


def _is_set(ctx: LintContext, block: str, field: str) -> bool:
    return isinstance(ctx.get((block,)), dict) and field in ctx.mapping((block,))


def _move(ctx: LintContext, key: str, block: str, field: str) -> Fix | None:
    from agentsync.lint.edits import fix
    from agentsync.lint.moves import move_top_level_key

    return fix(*move_top_level_key(ctx.document, key, block, field), safe=False)
