from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import RuleViolation
from acudesk.domain.timer import (
    REPEAT_AFTER_S,
    RestPhase,
    TimerPhase,
    format_clock,
    rest_state,
    retention_state,
    validate_acknowledge,
    validate_end_rest,
)

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def test_not_started_shows_the_planned_time() -> None:
    state = retention_state(START, None, 13)
    assert state.phase is TimerPhase.NOT_STARTED
    assert state.display == "13:00"
    assert state.alarm_count_due == 0


def test_counts_down_with_a_fake_clock() -> None:
    clock = FakeClock(START)
    started = clock.now()
    assert retention_state(clock.now(), started, 5).display == "05:00"
    clock.advance(0.4)
    assert retention_state(clock.now(), started, 5).display == "05:00"
    clock.advance(minutes=3)
    state = retention_state(clock.now(), started, 5)
    assert state.phase is TimerPhase.RUNNING
    assert state.display == "02:00"
    assert state.alarm_count_due == 0
    clock.advance(119.5)
    assert retention_state(clock.now(), started, 5).display == "00:01"


def test_alarm_at_the_end_then_one_repeat_then_overdue() -> None:
    end = 5 * 60
    first = retention_state(at(end), START, 5)
    assert first.phase is TimerPhase.ALARM
    assert first.alarm_count_due == 1
    assert first.needles_due_out
    assert first.display == "+00:00"
    assert retention_state(at(end + REPEAT_AFTER_S - 1), START, 5).phase is TimerPhase.ALARM
    repeated = retention_state(at(end + REPEAT_AFTER_S), START, 5)
    assert repeated.phase is TimerPhase.OVERDUE
    assert repeated.alarm_count_due == 2
    later = retention_state(at(end + 3600 + 62), START, 5)
    assert later.phase is TimerPhase.OVERDUE
    assert later.alarm_count_due == 2
    assert later.display == "+1:01:02"


def test_acknowledging_stops_further_alarms() -> None:
    end = 5 * 60
    ack = at(end + 30)
    before_ack = retention_state(at(end + 10), START, 5, acknowledged_at=ack)
    assert before_ack.phase is TimerPhase.ALARM
    state = retention_state(at(end + 30), START, 5, acknowledged_at=ack)
    assert state.phase is TimerPhase.OVERDUE and state.acknowledged
    for seconds in (end + 121, end + 600, end + 5000):
        later = retention_state(at(seconds), START, 5, acknowledged_at=ack)
        assert later.phase is TimerPhase.OVERDUE
        assert later.alarm_count_due == 1
    with pytest.raises(RuleViolation):
        validate_acknowledge(state)


def test_acknowledging_after_the_repeat_keeps_the_count_at_two() -> None:
    ack = at(300 + 200)
    state = retention_state(at(300 + 400), START, 5, acknowledged_at=ack)
    assert state.phase is TimerPhase.OVERDUE
    assert state.alarm_count_due == 2


def test_nothing_to_acknowledge_while_running() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_acknowledge(retention_state(at(60), START, 5))
    assert caught.value.rule == "no_alarm"
    validate_acknowledge(retention_state(at(300), START, 5))


def test_stopped_timer_freezes_at_the_last_needle_out() -> None:
    stopped = at(5 * 60 + 45)
    state = retention_state(at(9999), START, 5, stopped_at=stopped)
    assert state.phase is TimerPhase.DONE
    assert state.elapsed_s == 345
    assert state.overdue_s == 45
    assert state.display == "+00:45"
    early = retention_state(at(9999), START, 5, stopped_at=at(100))
    assert early.phase is TimerPhase.DONE
    assert early.alarm_count_due == 0
    assert early.display == "03:20"


def test_naive_timestamps_are_read_as_utc() -> None:
    naive_start = START.replace(tzinfo=None)
    assert retention_state(at(60), naive_start, 5).remaining_s == 240


def test_resumes_after_a_restart_from_stored_times_only() -> None:
    # Nothing is kept between calls: a "restarted program" at +7 min sees the overdue state.
    assert retention_state(at(7 * 60), START, 5).phase is TimerPhase.OVERDUE


def test_planned_minutes_outside_bounds_is_refused() -> None:
    with pytest.raises(RuleViolation):
        retention_state(START, START, 0)
    with pytest.raises(RuleViolation):
        retention_state(START, START, 46)


def test_clock_format() -> None:
    assert format_clock(0) == "00:00"
    assert format_clock(59.9) == "00:59"
    assert format_clock(3600) == "1:00:00"
    assert format_clock(3723) == "1:02:03"


minutes = st.integers(1, 45)
offsets = st.floats(-600, 4 * 3600, allow_nan=False)


@given(planned=minutes, offset=st.floats(0, 45 * 60, allow_nan=False))
def test_remaining_plus_elapsed_is_planned_while_running(planned: int, offset: float) -> None:
    state = retention_state(at(offset), START, planned)
    if state.phase is TimerPhase.RUNNING:
        assert state.remaining_s + state.elapsed_s == pytest.approx(planned * 60)
        assert state.overdue_s == 0
    assert state.remaining_s >= 0 and state.overdue_s >= 0


@given(
    planned=minutes,
    times=st.lists(offsets, min_size=2, max_size=20),
    ack=st.none() | offsets,
)
def test_alarm_count_never_decreases_and_never_exceeds_two(
    planned: int, times: list[float], ack: float | None
) -> None:
    acknowledged_at = None if ack is None else at(ack)
    counts = [
        retention_state(at(t), START, planned, acknowledged_at=acknowledged_at).alarm_count_due
        for t in sorted(times)
    ]
    assert counts == sorted(counts)
    assert all(0 <= c <= 2 for c in counts)


def test_rest_counts_down_twenty_minutes() -> None:
    assert rest_state(START, None).phase is RestPhase.NOT_STARTED
    running = rest_state(at(5 * 60), START)
    assert running.phase is RestPhase.RUNNING
    assert running.display == "15:00"
    assert not running.finished
    done = rest_state(at(20 * 60), START)
    assert done.complete and done.finished
    assert done.display == "00:00"


def test_rest_ended_early_is_finished_but_not_complete() -> None:
    state = rest_state(at(3000), START, ended_at=at(600))
    assert state.phase is RestPhase.ENDED_EARLY
    assert state.finished and not state.complete


def test_ending_rest_early_needs_a_reason() -> None:
    with pytest.raises(RuleViolation) as caught:
        validate_end_rest(at(10 * 60), START, 20, "  ")
    assert caught.value.field == "reason"
    assert "10:00 left of 20 min" in caught.value.message
    validate_end_rest(at(10 * 60), START, 20, "patient feels well, taxi waiting")
    validate_end_rest(at(20 * 60), START, 20, "")


def test_rest_cannot_be_shorter_than_twenty_minutes() -> None:
    with pytest.raises(RuleViolation):
        rest_state(START, START, minutes=15)
    with pytest.raises(RuleViolation) as caught:
        validate_end_rest(START, None, 20, "reason")
    assert caught.value.rule == "rest_not_started"
