"""Time as the rest of the program sees it: injected, so tests never sleep."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC wall time; what is stored."""

    def monotonic(self) -> float:
        """Seconds that never go backwards; for measuring intervals within one run."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FakeClock:
    """A clock a test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        self._mono = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0) -> None:
        total = seconds + minutes * 60
        self._now += timedelta(seconds=total)
        self._mono += total

    def set(self, when: datetime) -> None:
        self._mono += (when - self._now).total_seconds()
        self._now = when


def local_date(moment: datetime) -> date:
    """The calendar date of a stored UTC moment, in this workstation's local time."""
    return moment.astimezone().date()


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps may come back naive (SQLite); they are always UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
