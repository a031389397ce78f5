"""GitHub App installation tokens, reused until shortly before they expire.

An installation token is valid for an hour. Exchanging the App's key for a new one on every
job cost one ``POST /app/installations/{id}/access_tokens`` per sync (81 of them for 51
syncs, measured), out of the installation's hourly request budget. :class:`InstallationTokens`
keeps each installation's token in memory, never on disk, and asks for a new one only when less
than :data:`REFRESH_MARGIN` of its life is left. It is thread-safe: the service's workers share
one per process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

# A token is replaced when it has less than this to live, so no call starts with a token that
# expires before GitHub answers (long paginated reads included).
REFRESH_MARGIN = timedelta(minutes=5)


class InstallationToken(NamedTuple):
    token: str
    expires_at: datetime  # timezone-aware


TokenKey = tuple[str, int, int]  # (API base URL, App id, installation id)


class InstallationTokens:
    """Installation tokens by (API base URL, App id, installation id)."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._tokens: dict[TokenKey, InstallationToken] = {}
        # Reentrant: a refused request for a new token (a 401 inside ``fetch``) forgets the key.
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"InstallationTokens({len(self._tokens)} cached)"  # never the tokens

    def get(self, key: TokenKey, fetch: Callable[[], InstallationToken]) -> str:
        """The cached token for ``key``, or a new one from ``fetch()`` when it is missing or
        about to expire."""
        with self._lock:
            cached = self._tokens.get(key)
            if cached is None or cached.expires_at - self._clock() < REFRESH_MARGIN:
                cached = fetch()
                self._tokens[key] = cached
            return cached.token

    def forget(self, key: TokenKey) -> None:
        """Drop ``key``'s token (GitHub refused it: revoked, or the App was reinstalled)."""
        with self._lock:
            self._tokens.pop(key, None)
