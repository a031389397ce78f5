"""Facts of the v1 platform that both the model and the rules need, without pydantic.

Each closed vocabulary is written once, as the ``Literal`` type the model uses; the rules read
its values as a tuple.
"""

from __future__ import annotations

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
