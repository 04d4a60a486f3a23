"""Which backups to keep: the newest of each of the last 48 hours and of the last 30 days.

The newest verified backup is always kept, however old, and so is the newest failed attempt
when it is newer than that (the administrator needs to see why it failed); every other failed
attempt goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

HOURLY_KEEP = 48
DAILY_KEEP = 30


@dataclass(frozen=True)
class Kept:
    name: str
    made_at: datetime  # aware
    verified: bool


def to_delete(
    backups: Sequence[Kept],
    now: datetime,
    *,
    hourly: int = HOURLY_KEEP,
    daily: int = DAILY_KEEP,
) -> list[Kept]:
    verified = sorted((b for b in backups if b.verified), key=lambda b: b.made_at, reverse=True)
    failed = sorted((b for b in backups if not b.verified), key=lambda b: b.made_at, reverse=True)
    keep: set[str] = set()
    if verified:
        keep.add(verified[0].name)
    hours: set[datetime] = set()
    days: set[datetime] = set()
    for b in verified:  # newest first: the first seen in a bucket is its newest
        hour = b.made_at.replace(minute=0, second=0, microsecond=0)
        day = hour.replace(hour=0)
        if now - hour < timedelta(hours=hourly) and hour not in hours:
            hours.add(hour)
            keep.add(b.name)
        if now - day < timedelta(days=daily) and day not in days:
            days.add(day)
            keep.add(b.name)
    if failed and (not verified or failed[0].made_at > verified[0].made_at):
        keep.add(failed[0].name)
    return [b for b in backups if b.name not in keep]
