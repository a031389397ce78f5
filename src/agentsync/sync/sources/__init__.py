"""Where a repository snapshot comes from: a local git repository, or GitHub."""

from __future__ import annotations

from typing import Protocol

from agentsync.sync.model import Snapshot


class Source(Protocol):
    def snapshot(self) -> Snapshot: ...
