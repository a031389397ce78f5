"""A repository's name as configs are stored under it: ``OWNER/NAME``. The one check of a name,
wherever it comes from: ``--repository``, the origin remote, GitHub, the sync API."""

from __future__ import annotations

import re

_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
# What a name must be, in the words of every message that refuses one.
REPOSITORY_NAME_FORM = "OWNER/NAME (two names of letters, digits, '_', '.' or '-')"


def is_repository_name(text: str) -> bool:
    """Whether ``text`` is ``owner/name``: two parts of letters, digits, ``_``, ``.`` and
    ``-``, neither of them ``.`` or ``..``."""
    owner, slash, name = text.partition("/")
    return bool(slash) and all(
        _SEGMENT.fullmatch(part) and part not in {".", ".."} for part in (owner, name)
    )
