"""The retention timer and the rest countdown, computed from stored timestamps.

Nothing here counts in memory: given the stored moments (started, alarm acknowledged, needles
out) and the current time, the functions say where the session stands, so a restart, a crash or
a power cut resumes with the correct remaining time, or as overdue.

Retention phases, by time since the planned end ``end = started_at + planned_minutes``:

- ``NOT_STARTED``: the timer has not been started.
- ``RUNNING``: before ``end``; counts down.
- ``ALARM``: from ``end``, while the alarm is not acknowledged and for at most
  ``REPEAT_AFTER_S`` (2 minutes): "remove needles now". The first alarm is due at ``end``.
- ``OVERDUE``: after the alarm was acknowledged, or from ``end + 2 min`` if it never was; counts
  up. If the alarm was not acknowledged before ``end + 2 min``, the alarm is repeated once then.
- ``DONE``: the last needle is out (``stopped_at``); the figures freeze at that moment.

``alarm_count_due`` is how many alarms should have sounded by now: 0 before the end, 1 from the
end, 2 from the repeat if it was not acknowledged in time. It never decreases and never exceeds
2. The screen sounds one alarm each time it grows (one alarm per event, never a stream), so a
program restarted during the alarm period sounds it again only if the count it remembers is
lower. There is no third alarm; an overdue session is shown, not sounded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from acudesk.domain.clock import as_utc
from acudesk.domain.errors import RuleViolation
from acudesk.domain.schedule import MAX_SESSION_MIN, MIN_SESSION_MIN

REPEAT_AFTER_S = 120
REST_MINUTES = 20


def format_clock(seconds: float) -> str:
    """Whole seconds as "mm:ss", or "h:mm:ss" from one hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _countdown(seconds: float) -> str:
    # A countdown shows 00:01 until the last second has passed, and 05:00 at the start.
    return format_clock(math.ceil(seconds))


class TimerPhase(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    ALARM = "alarm"
    OVERDUE = "overdue"
    DONE = "done"


@dataclass(frozen=True)
class TimerState:
    phase: TimerPhase
    remaining_s: float
    overdue_s: float
    alarm_count_due: int
    elapsed_s: float = 0.0
    acknowledged: bool = False

    @property
    def needles_due_out(self) -> bool:
        """The "remove needles now" state for the nurse."""
        return self.phase in (TimerPhase.ALARM, TimerPhase.OVERDUE)

    @property
    def display(self) -> str:
        if self.overdue_s > 0 or self.needles_due_out:
            return "+" + format_clock(self.overdue_s)
        return _countdown(self.remaining_s)


def validate_planned_minutes(planned_minutes: int) -> None:
    if not MIN_SESSION_MIN <= planned_minutes <= MAX_SESSION_MIN:
        raise RuleViolation(
            "duration_bounds",
            f"A retention time of {planned_minutes} min is outside the allowed range of "
            f"{MIN_SESSION_MIN}-{MAX_SESSION_MIN} min.",
            field="minutes",
            remedy=f"Choose between {MIN_SESSION_MIN} and {MAX_SESSION_MIN} minutes.",
        )


def retention_state(
    now: datetime,
    started_at: datetime | None,
    planned_minutes: int,
    *,
    acknowledged_at: datetime | None = None,
    stopped_at: datetime | None = None,
) -> TimerState:
    """Where the needle timer stands at ``now`` (or, once stopped, at ``stopped_at``)."""
    validate_planned_minutes(planned_minutes)
    planned_s = float(planned_minutes * 60)
    if started_at is None:
        return TimerState(TimerPhase.NOT_STARTED, planned_s, 0.0, 0)
    start = as_utc(started_at)
    moment = as_utc(stopped_at) if stopped_at is not None else as_utc(now)
    # Clocks of two workstations may disagree slightly: never before the start.
    moment = max(moment, start)
    elapsed = (moment - start).total_seconds()
    end = start + timedelta(seconds=planned_s)
    repeat_at = end + timedelta(seconds=REPEAT_AFTER_S)
    ack = as_utc(acknowledged_at) if acknowledged_at is not None else None

    past_end = moment >= end
    acknowledged = past_end and ack is not None and ack <= moment
    alarms = 0
    if past_end:
        alarms = 1
        if moment >= repeat_at and (ack is None or ack >= repeat_at):
            alarms = 2

    if stopped_at is not None:
        phase = TimerPhase.DONE
    elif not past_end:
        phase = TimerPhase.RUNNING
    elif acknowledged or moment >= repeat_at:
        phase = TimerPhase.OVERDUE
    else:
        phase = TimerPhase.ALARM
    return TimerState(
        phase=phase,
        remaining_s=max(0.0, planned_s - elapsed),
        overdue_s=max(0.0, elapsed - planned_s),
        alarm_count_due=alarms,
        elapsed_s=elapsed,
        acknowledged=acknowledged,
    )


def validate_acknowledge(state: TimerState) -> None:
    """An alarm can be acknowledged once it is due, and only once."""
    if not state.needles_due_out:
        raise RuleViolation(
            "no_alarm",
            "There is no alarm to acknowledge: the retention time is not over.",
        )
    if state.acknowledged:
        raise RuleViolation("alarm_acknowledged", "The alarm is already acknowledged.")


class RestPhase(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    COMPLETE = "complete"
    ENDED_EARLY = "ended_early"


@dataclass(frozen=True)
class RestState:
    phase: RestPhase
    remaining_s: float
    elapsed_s: float

    @property
    def complete(self) -> bool:
        """The full rest period has passed."""
        return self.phase is RestPhase.COMPLETE

    @property
    def finished(self) -> bool:
        """The rest is over: complete, or ended early (with a reason)."""
        return self.phase in (RestPhase.COMPLETE, RestPhase.ENDED_EARLY)

    @property
    def display(self) -> str:
        return _countdown(self.remaining_s)


def validate_rest_minutes(minutes: int) -> None:
    if minutes < REST_MINUTES:
        raise RuleViolation(
            "rest_minutes",
            f"A rest period of {minutes} min is shorter than the minimum of {REST_MINUTES} min.",
            field="rest_minutes",
            remedy=f"Choose at least {REST_MINUTES} minutes.",
        )


def rest_state(
    now: datetime,
    rest_started_at: datetime | None,
    *,
    minutes: int = REST_MINUTES,
    ended_at: datetime | None = None,
) -> RestState:
    """Where the rest countdown stands at ``now`` (or at ``ended_at`` once ended)."""
    validate_rest_minutes(minutes)
    total_s = float(minutes * 60)
    if rest_started_at is None:
        return RestState(RestPhase.NOT_STARTED, total_s, 0.0)
    start = as_utc(rest_started_at)
    moment = max(start, as_utc(ended_at) if ended_at is not None else as_utc(now))
    elapsed = (moment - start).total_seconds()
    remaining = max(0.0, total_s - elapsed)
    if remaining == 0:
        phase = RestPhase.COMPLETE
    elif ended_at is not None:
        phase = RestPhase.ENDED_EARLY
    else:
        phase = RestPhase.RUNNING
    return RestState(phase, remaining, elapsed)


def validate_end_rest(
    now: datetime, rest_started_at: datetime | None, minutes: int, reason: str
) -> None:
    """Letting the patient go before the rest period is over needs a reason."""
    if rest_started_at is None:
        raise RuleViolation(
            "rest_not_started",
            "The rest period has not started.",
            remedy="Start the rest period once the last needle is out.",
        )
    state = rest_state(now, rest_started_at, minutes=minutes)
    if not state.complete and not reason.strip():
        raise RuleViolation(
            "rest_early",
            f"The rest period has {state.display} left of {minutes} min; letting the patient "
            "go earlier needs a reason.",
            field="reason",
            remedy="Enter the reason, or wait until the rest period is over.",
        )
