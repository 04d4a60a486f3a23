"""The course timer plan: how long the needles stay in at each session of a course.

The first sessions are short and the last one lasts half an hour; the sessions in between rise
linearly and are rounded to whole minutes, halves rounded up (5, 8, 11, 13, 16, 19, 22, 24, 27, 30
for a 10-session course). The acupuncturist may change one session's duration within the bounds,
with a reason.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

from acudesk.domain.errors import RuleViolation

DEFAULT_FIRST_MIN = 5
DEFAULT_LAST_MIN = 30
FIRST_BOUNDS = (1, 15)
LAST_BOUNDS = (10, 45)
MIN_SESSION_MIN = 1
MAX_SESSION_MIN = 45
DEFAULT_COURSE_LENGTH = 10
COURSE_LENGTHS_OFFERED = (10, 15)
COURSE_LENGTH_BOUNDS = (1, 30)


def _round_half_up(value: Fraction) -> int:
    return floor(value + Fraction(1, 2))


def validate_plan(sessions: int, first_min: int, last_min: int) -> None:
    """Refuse a course plan outside the clinic's bounds."""
    low, high = COURSE_LENGTH_BOUNDS
    if not low <= sessions <= high:
        raise RuleViolation(
            "course_length",
            f"A course of {sessions} sessions is outside the allowed range of "
            f"{low}-{high} sessions.",
            field="sessions",
            remedy=f"Choose between {low} and {high} sessions (usually 10, or 15 for "
            "long-standing cases).",
        )
    low, high = FIRST_BOUNDS
    if not low <= first_min <= high:
        raise RuleViolation(
            "first_duration",
            f"A first session of {first_min} min is outside the allowed range of {low}-{high} min.",
            field="first_min",
            remedy=f"Choose between {low} and {high} minutes for the first session.",
        )
    low, high = LAST_BOUNDS
    if not low <= last_min <= high:
        raise RuleViolation(
            "last_duration",
            f"A last session of {last_min} min is outside the allowed range of {low}-{high} min.",
            field="last_min",
            remedy=f"Choose between {low} and {high} minutes for the last session.",
        )
    if first_min > last_min:
        raise RuleViolation(
            "first_after_last",
            f"The first session ({first_min} min) is longer than the last session "
            f"({last_min} min).",
            field="first_min",
            remedy="Sessions get longer during a course: make the first session no longer "
            "than the last.",
        )


def plan_durations(
    sessions: int,
    first_min: int = DEFAULT_FIRST_MIN,
    last_min: int = DEFAULT_LAST_MIN,
) -> list[int]:
    """Retention minutes for each session of a course, session 1 first.

    A single-session course gets the first-session duration: a patient's first needling is short.
    """
    validate_plan(sessions, first_min, last_min)
    if sessions == 1:
        return [first_min]
    step = Fraction(last_min - first_min, sessions - 1)
    return [_round_half_up(first_min + step * i) for i in range(sessions)]


def validate_override(minutes: int, reason: str) -> None:
    """Refuse a changed session duration outside the bounds or without a reason."""
    if not MIN_SESSION_MIN <= minutes <= MAX_SESSION_MIN:
        raise RuleViolation(
            "duration_bounds",
            f"A session of {minutes} min is outside the allowed range of "
            f"{MIN_SESSION_MIN}-{MAX_SESSION_MIN} min.",
            field="minutes",
            remedy=f"Choose between {MIN_SESSION_MIN} and {MAX_SESSION_MIN} minutes.",
        )
    if not reason.strip():
        raise RuleViolation(
            "duration_reason",
            "Changing a session's duration needs a reason.",
            field="reason",
            remedy="Enter why this session's duration differs from the course plan.",
        )
