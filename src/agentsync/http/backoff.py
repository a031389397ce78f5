"""The package's one backoff: full jitter, uniform in
``[0, min(cap, base * 2**(failures - 1))]``. The HTTP retry policy (:mod:`.retry`) waits with
it; the service's job retries (scheduled in the database, not slept) and its database-outage
pauses ask it for a delay. Standard library only, so the service imports it without tenacity.
"""

from __future__ import annotations

import random


def backoff_delay(
    failures: int, base: float, cap: float, rng: random.Random, *, floor: float = 0.0
) -> float:
    """Seconds to wait after ``failures`` failures in a row: full jitter, uniform in
    ``[0, min(cap, base * 2**(failures - 1))]``, and at least ``floor``."""
    return max(floor, rng.uniform(0.0, min(cap, base * 2 ** max(failures - 1, 0))))
