"""Facts of the v1 platform that both the model and the rules need, without pydantic, and how
the platform reads the sizes and durations of ``sandbox.compute``.

Each closed vocabulary is written once, as the ``Literal`` type the model uses; the rules read
its values as a tuple.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

SUPPORTED_VERSIONS = ("v1",)

# The Literal types are the pydantic model's; the tuples, read from them, are the rules'.
ReactEventName = Literal[
    "push",
    "pull_request_open",
    "pull_request_open_draft",
    "pull_request_merge",
    "pull_request_close",
    "pull_request_push",
    "pull_request_review_submitted",
    "pull_request_comment",
    "issue_open",
    "issue_close",
    "linear_issue_open",
]
REACT_EVENTS: tuple[str, ...] = get_args(ReactEventName)
# Spellings the platform accepts that its config reference does not document: the model reads
# each as its documented form, the published schema marks it deprecated.
DEPRECATED_REACT_EVENTS = {"pull_request_merged": "pull_request_merge"}
DEPRECATED_TOP_LEVEL_KEYS = {
    "repositories": ("sandbox", "repositories"),
    "name": ("ellipsis", "name"),
    "description": ("ellipsis", "description"),
}
MentionPlatform = Literal["github", "slack", "linear"]
MENTION_PLATFORMS: tuple[str, ...] = get_args(MentionPlatform)
TRIGGER_TYPES = ("cron", "react", "mention")

# Sandbox compute bounds; out-of-range values are rejected, not clamped.
CPU_MIN, CPU_MAX = 0.125, 16.0
MEMORY_MIN_MB, MEMORY_MAX_MB = 512, 64 * 1024
TIMEOUT_MAX_SECONDS = 24 * 3600

# At most 15 digits a number (MAX_AMOUNT): longer is "not a size", never an overflow.
_SIZE = re.compile(r"(\d{1,15}(?:\.\d{1,15})?)\s*(mb|mib|mi|m|gb|gib|gi|g)?", re.IGNORECASE)
_DURATION = re.compile(r"(?:(\d{1,15})h)?(?:(\d{1,15})m)?(?:(\d{1,15})s)?", re.IGNORECASE)


def memory_mb(value: str | float) -> float | None:
    """Megabytes of a memory value, or None when it is not a size."""
    if isinstance(value, int | float):
        return float(value)
    match = _SIZE.fullmatch(value.strip())
    if match is None:
        return None
    unit = (match.group(2) or "mb").lower()
    return float(match.group(1)) * (1024 if unit.startswith("g") else 1)


def timeout_seconds(value: str | float) -> float | None:
    """Seconds of a timeout value, or None when it is not a duration."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.fullmatch(value.strip())
    if match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)
