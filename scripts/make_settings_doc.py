"""Write docs/settings.md, the settings reference, from ``agentsync.settings``.

Run it (``make docs``) after adding or changing a variable or a settings file there; a test
fails while the committed page differs from what this writes.
"""

from __future__ import annotations

from pathlib import Path

from agentsync.settings import DOCS_PATH, reference


def main() -> None:
    target = Path(__file__).resolve().parents[1] / DOCS_PATH
    target.parent.mkdir(exist_ok=True)
    target.write_text(reference(), encoding="utf-8", newline="\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
