from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acudesk.domain.errors import RuleViolation
from acudesk.domain.schedule import (
    COURSE_LENGTH_BOUNDS,
    FIRST_BOUNDS,
    LAST_BOUNDS,
    MAX_SESSION_MIN,
    plan_durations,
    validate_override,
)


def test_ten_session_course_matches_the_domain_table() -> None:
    assert plan_durations(10) == [5, 8, 11, 13, 16, 19, 22, 24, 27, 30]


def test_fifteen_session_course() -> None:
    plan = plan_durations(15)
    assert plan == [5, 7, 9, 10, 12, 14, 16, 18, 19, 21, 23, 25, 26, 28, 30]
    assert plan[0] == 5 and plan[-1] == 30
    assert plan == sorted(plan)


def test_halves_round_up_not_to_even() -> None:
    # 1 + 11 * 1/2 = 6.5: Python's round() would give 6.
    assert plan_durations(3, 1, 12) == [1, 7, 12]


def test_single_session_course_gets_the_first_duration() -> None:
    assert plan_durations(1) == [5]


def test_custom_bounds_are_reached_exactly() -> None:
    assert plan_durations(2, 15, 45) == [15, 45]


@pytest.mark.parametrize(
    ("sessions", "first", "last", "field"),
    [
        (0, 5, 30, "sessions"),
        (31, 5, 30, "sessions"),
        (10, 0, 30, "first_min"),
        (10, 16, 30, "first_min"),
        (10, 5, 9, "last_min"),
        (10, 5, 46, "last_min"),
        (10, 15, 12, "first_min"),
    ],
)
def test_plan_outside_bounds_is_refused(sessions: int, first: int, last: int, field: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        plan_durations(sessions, first, last)
    assert caught.value.field == field
    assert caught.value.remedy


def test_refusal_names_the_value_and_the_limit() -> None:
    with pytest.raises(RuleViolation) as caught:
        plan_durations(10, 5, 50)
    assert "50 min" in caught.value.message
    assert "10-45 min" in caught.value.message


@given(
    sessions=st.integers(*COURSE_LENGTH_BOUNDS),
    first=st.integers(*FIRST_BOUNDS),
    last=st.integers(*LAST_BOUNDS),
)
def test_any_valid_plan_rises_from_first_to_last(sessions: int, first: int, last: int) -> None:
    if first > last:
        with pytest.raises(RuleViolation):
            plan_durations(sessions, first, last)
        return
    plan = plan_durations(sessions, first, last)
    assert len(plan) == sessions
    assert plan[0] == first
    if sessions > 1:
        assert plan[-1] == last
    assert plan == sorted(plan)
    assert all(1 <= m <= MAX_SESSION_MIN for m in plan)


def test_override_within_bounds_with_reason_is_accepted() -> None:
    validate_override(1, "first visit, anxious")
    validate_override(45, "long-standing case")


@pytest.mark.parametrize("minutes", [0, 46, -5])
def test_override_outside_bounds_is_refused(minutes: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_override(minutes, "reason")
    assert caught.value.field == "minutes"
    assert f"{minutes} min" in caught.value.message
    assert "1-45 min" in caught.value.message


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_override_needs_a_reason(reason: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_override(20, reason)
    assert caught.value.field == "reason"
