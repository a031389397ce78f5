"""Write docs/rules.md, the rules reference, from the rule modules' docstrings.

Run it (``make docs``) after adding a rule or editing a rule's docstring; a test fails while the
committed page differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from agentsync.lint.ruledoc import DOCS_PATH, reference
from agentsync.lint.rules import RULES


def main() -> None:
    target = Path(__file__).resolve().parents[1] / DOCS_PATH
    target.parent.mkdir(exist_ok=True)
    target.write_text(reference(RULES), encoding="utf-8", newline="\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
