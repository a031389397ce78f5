"""What counts as a secret in a config, and masking secrets in any text shown to people.

A secret is one of:

- a value with the shape of a known token (GitHub, AWS, Slack, Anthropic, OpenAI) or the
  password of a URL (``postgres://app:PASSWORD@db/app``), wherever it is;
- a value the config reference treats as a variable or env value, whatever it looks like:
  anything in a ``sandbox.variables`` entry but its name, anything under an ``env``, ``envs``
  or ``headers`` key (MCP servers and tools pass these through), anything under a key named
  like a secret (``api_key``, ``token``).

agent-lint's ``hardcoded-secret`` rule reports inline secrets; the linter masks every secret in
the source lines and messages it prints, and a sync plan shows a secret field as changed, set
or removed, never its text. One definition for all, so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from agentsync.config.problems import ConfigPath

MASK = "********"

# A name ending in a secret noun (*_TOKEN, *_KEY, the bare nouns), not one that only mentions
# one (PASSWORD_MIN_LENGTH is a setting).
_SECRET_NAME = re.compile(
    r"(?:\A|_)(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?)\Z", re.IGNORECASE
)
_TOKEN_SHAPES = (  # the first that matches names a token: Anthropic's keys before OpenAI's
    ("a GitHub token", r"gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,}"),
    ("an AWS access key", r"(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ("a Slack token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("an Anthropic API key", r"sk-ant-[A-Za-z0-9_-]{20,}"),
    ("an OpenAI API key", r"sk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
)
# One pattern for all (group tN is shape N), one word boundary in front: several times faster
# than a boundary in front of each shape.
_TOKEN = re.compile(
    r"\b(?:" + "|".join(f"(?P<t{n}>{shape})" for n, (_, shape) in enumerate(_TOKEN_SHAPES)) + ")"
)
# scheme://user:PASSWORD@host: the password runs to the last '@' before the path.
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#:@]*:)[^\s/?#]+@")
_SECRET_KEYS = frozenset({"env", "envs", "headers"})


def token_kind(text: str) -> str | None:
    """What secret ``text`` holds by its shape (``a GitHub token``), or None."""
    match = _TOKEN.search(text)
    if match is not None:
        return _TOKEN_SHAPES[int(str(match.lastgroup)[1:])][0]
    return "a URL with a password" if "://" in text and _URL_PASSWORD.search(text) else None


def secret_reason(name: str, value: str) -> str | None:
    """Why the variable ``name`` with the inline ``value`` is a secret, without repeating the
    value; None if it is not."""
    kind = token_kind(value)
    if kind is not None:
        return f"the value looks like {kind}"
    if _SECRET_NAME.search(name):
        return f"{name} is named like a secret"
    return None


def mask_secrets(text: str) -> str:
    """``text`` with every secret-shaped part replaced by :data:`MASK` (a URL keeps all but its
    password)."""
    text = _TOKEN.sub(MASK, text)
    return _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text) if "://" in text else text


def shortened(text: str, limit: int = 40) -> str:
    """``text`` as a message may quote it: secrets masked first, then cut to ``limit``
    characters (cutting first could leave most of a token that no longer looks like one)."""
    text = mask_secrets(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mask_data(value: Any) -> Any:
    """``value`` (JSON-like data) with every string's secrets masked."""
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    return value


def is_secret_path(path: ConfigPath) -> bool:
    """Whether the value at ``path`` is never shown, whatever it looks like: a variable's value
    (anything in a ``sandbox.variables`` entry but its name), or anything under an ``env``,
    ``envs`` or ``headers`` key or a key named like a secret."""
    if path[:2] == ("sandbox", "variables"):
        return not (len(path) == 4 and path[3] == "name")
    return any(isinstance(part, str) and _is_secret_key(part) for part in path)


def secret_values(data: Any, path: ConfigPath = ()) -> Iterator[str]:
    """Each value in ``data`` (a config's JSON-like data) that is a secret by where it is
    (:func:`is_secret_path`), as text: what an echo of the config must not show."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from secret_values(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from secret_values(item, (*path, index))
    elif data is not None and not isinstance(data, bool) and is_secret_path(path):
        yield str(data)


@lru_cache(maxsize=1024)  # a config's keys are few and recur in every file
def _is_secret_key(key: str) -> bool:
    return key.lower() in _SECRET_KEYS or _SECRET_NAME.search(key) is not None
