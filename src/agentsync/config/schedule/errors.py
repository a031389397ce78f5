"""ScheduleError: what is wrong with a schedule, how to fix it, and where it starts."""

from __future__ import annotations


class ScheduleError(ValueError):
    """An invalid schedule.

    ``message`` says what is wrong and names the bad field ("minute 61 is out of range 0-59");
    ``hint`` says how to fix it, or is None; ``offset`` is the 0-based character offset inside
    the schedule string where the bad part starts, or None.
    """

    def __init__(self, message: str, *, hint: str | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.offset = offset

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} ({self.hint})"
