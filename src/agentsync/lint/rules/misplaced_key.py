"""``misplaced-key`` (warning): a key the platform's own configs write at the top level, where
the platform's config reference does not put it: ``repositories`` belongs under ``sandbox:``,
``name`` and ``description`` under ``ellipsis:``.

The platform CLI's own ``agents/update_docs.yaml`` has a top-level ``repositories:``, and the
starter its ``config init`` writes suggests ``repositories: []``. The reference's validation
table does not make such a key a sync failure, so the config is valid: agentsync reads the key
as the documented one (``sandbox.repositories``, ``ellipsis.name``...), which is what its author
meant; when both are set, the documented one wins. A key that matches nothing the reference
knows stays an ``unknown-key`` error with a "did you mean".

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

``--fix --unsafe-fixes`` moves the key there, after the keys already in that mapping (or in a
new ``sandbox:`` where the key was); when the documented key is set too, it wins, and the
misplaced one is removed.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.reference import DEPRECATED_TOP_LEVEL_KEYS
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, FixKind, Severity

ID = "misplaced-key"
SEVERITY: Severity = "warning"
SUMMARY = "Keys belong where the config reference puts them"
FROM_SCHEMA = False
FIX: FixKind | None = "unsafe"


def check(ctx: LintContext) -> Iterator[Finding]:
    for key, (block, field) in DEPRECATED_TOP_LEVEL_KEYS.items():
        if key not in ctx.data:
            continue
        documented = f"{block}.{field}"
        shadowed = isinstance(ctx.get((block,)), dict) and field in ctx.mapping((block,))
        effect = f"{documented} is set too and wins" if shadowed else f"read as {documented}"
        finding = ctx.finding(
            (key,),
            f"`{key}` belongs under `{block}:`, not at the top level ({effect})",
            f"move it under `{block}:` as `{field}:`",
            at_key=True,
        )
        if ctx.fixing:
            from agentsync.lint.edits import fix
            from agentsync.lint.moves import move_top_level_key, remove_key

            if shadowed:  # the documented key wins: this one is dropped
                finding = finding._replace(fix=fix(remove_key(ctx.document, (key,)), safe=False))
            else:
                moved = move_top_level_key(ctx.document, key, block, field)
                finding = finding._replace(fix=fix(*moved, safe=False))
        yield finding
