"""One treatment session as stored, and everything that follows from it and the clock.

The stage, the timer phase, the needles still in, when the needles came out, when the rest ends
and which alarm is due are computed here from the insertion and removal records and the stored
moments, every time. No stored "needles out" flag decides anything: a needle taken out before
the timer starts is a correction and ends nothing; retention ends only when the last open needle
comes out after the timer started. The session screen, the needle watch, the lock screen, the
board and the tests all read these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum

from acudesk.domain.checklist import ChecklistStep
from acudesk.domain.clock import as_utc
from acudesk.domain.consent import ConsentDecision
from acudesk.domain.session_flow import SessionFacts, Stage, current_stage
from acudesk.domain.timer import (
    REPEAT_AFTER_S,
    RestState,
    TimerPhase,
    TimerState,
    rest_state,
    retention_state,
)
from acudesk.i18n import _, ngettext


@dataclass(frozen=True)
class CheckRow:
    step: str
    detail: str
    confirmed_by: str
    confirmed_at: datetime


@dataclass(frozen=True)
class PackRow:
    id: int
    lot: str
    expiry: date
    material: str
    diameter_mm: float
    length_mm: float


@dataclass(frozen=True)
class NeedleRow:
    id: int
    point_code: str
    side: str
    depth_mm: float
    material: str
    diameter_mm: float
    length_mm: float
    pack_lot: str
    deep_confirmed: bool
    inserted_by: str
    inserted_at: datetime
    removed_by: str | None
    removed_at: datetime | None
    condition: str | None
    bleeding: bool
    removed_by_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.removed_at is None

    @property
    def label(self) -> str:
        return self.point_code if self.side == "midline" else f"{self.point_code} {self.side}"


@dataclass(frozen=True)
class IncidentRow:
    id: int
    needle: str
    condition: str
    what_happened: str
    action_taken: str
    documented: bool


@dataclass(frozen=True)
class AdverseEventRow:
    kind: str
    severity: str
    description: str
    action_taken: str


@dataclass(frozen=True)
class AddendumRow:
    text: str
    written_by: str
    written_at: datetime
    content_hash: str


# In a clinic network an alarm unacknowledged this long sounds at every other workstation too.
ESCALATE_AFTER_S = 60


class AlarmPriority(IntEnum):
    """As IEC 60601-1-8 orders them: a higher number needs a faster response."""

    LOW = 1  # the rest period is over
    MEDIUM = 2  # the retention time is up: remove the needles now
    HIGH = 3  # needles overdue: the end passed and nobody acknowledged it


class AlarmKind(StrEnum):
    RETENTION_END = "retention_end"
    OVERDUE = "overdue"
    REST_OVER = "rest_over"

    @property
    def priority(self) -> AlarmPriority:
        return _PRIORITY[self]


_PRIORITY = {
    AlarmKind.RETENTION_END: AlarmPriority.MEDIUM,
    AlarmKind.OVERDUE: AlarmPriority.HIGH,
    AlarmKind.REST_OVER: AlarmPriority.LOW,
}


@dataclass(frozen=True, order=True)
class AlarmEvent:
    """One moment an alarm is due for one session; each sounds once."""

    at: datetime
    session_id: int
    kind: AlarmKind

    @property
    def priority(self) -> AlarmPriority:
        return self.kind.priority


@dataclass(frozen=True)
class SessionRecord:
    id: int
    patient_id: int
    patient_name: str
    patient_dob: date
    course_id: int
    course_number: int
    number: int
    sessions_planned: int
    planned_minutes: int
    practitioner: str
    started_at: datetime
    cautions: tuple[str, ...]
    checks: tuple[CheckRow, ...]
    packs: tuple[PackRow, ...]
    needles: tuple[NeedleRow, ...]
    incidents: tuple[IncidentRow, ...]
    adverse_events: tuple[AdverseEventRow, ...]
    lesion_regions: frozenset[str]
    retention_started_at: datetime | None
    alarm_acknowledged_at: datetime | None
    rest_ended_at: datetime | None
    rest_end_reason: str
    rest_minutes: int
    deep_threshold_mm: float
    pain_before: int | None
    pain_after: int | None
    notes: str
    outcome_recorded_at: datetime | None
    signed_at: datetime | None
    signed_by: str | None
    content_hash: str | None
    version_id: int
    addenda: tuple[AddendumRow, ...] = ()
    signer_credentials: tuple[str, ...] = ()
    room: str = ""
    workstation: str = ""  # where the session was started
    # Why the patient may no longer be needled in this session (a contraindication recorded
    # after it started), or "" when nothing stands in the way.
    refusal: str = ""
    # The course's informed consent in effect when the session started, and the course's latest
    # decision when a later one (a withdrawal) followed it.
    consent: ConsentDecision | None = None
    consent_later: ConsentDecision | None = None

    # -- the needles ---------------------------------------------------------------------

    @property
    def open_needles(self) -> tuple[NeedleRow, ...]:
        return tuple(n for n in self.needles if n.is_open)

    @property
    def needles_out_at(self) -> datetime | None:
        """When the last open needle came out after the timer started; None while any is in.

        Removals before the timer started are corrections: if every needle logged so far had
        been taken out before the start, the timer could not have started (it needs a needle
        in), so the moment is never before the start.
        """
        if self.retention_started_at is None or not self.needles or self.open_needles:
            return None
        last = max(as_utc(n.removed_at) for n in self.needles if n.removed_at is not None)
        return max(last, as_utc(self.retention_started_at))

    @property
    def rest_started_at(self) -> datetime | None:
        """The rest starts the moment the last needle is out."""
        return self.needles_out_at

    @property
    def initials(self) -> str:
        """What a lock screen or a wall screen may show of the patient: "M. S."."""
        return " ".join(f"{part[0]}." for part in self.patient_name.split() if part)

    @property
    def place(self) -> str:
        return f"Session {self.number} of {self.sessions_planned}, {self.planned_minutes} min"

    @property
    def done_steps(self) -> frozenset[ChecklistStep]:
        return frozenset(ChecklistStep(c.step) for c in self.checks)

    # -- where it stands -----------------------------------------------------------------

    def timer(self, now: datetime) -> TimerState:
        return retention_state(
            now,
            self.retention_started_at,
            self.planned_minutes,
            acknowledged_at=self.alarm_acknowledged_at,
            stopped_at=self.needles_out_at,
        )

    def rest(self, now: datetime) -> RestState:
        return rest_state(
            now, self.rest_started_at, minutes=self.rest_minutes, ended_at=self.rest_ended_at
        )

    def facts(self, now: datetime) -> SessionFacts:
        out = self.needles_out_at
        return SessionFacts(
            screened=True,
            checklist_done=self.done_steps,
            insertion_count=len(self.needles),
            open_count=len(self.open_needles),
            retention_started=self.retention_started_at is not None,
            rest_started=out is not None,
            rest_finished=out is not None and self.rest_ended_at is not None,
            outcome_recorded=self.outcome_recorded_at is not None,
            signed=self.signed_at is not None,
            unresolved_incidents=sum(1 for i in self.incidents if not i.documented),
            removed_since_timer=self._removed_since_timer(),
        )

    def _removed_since_timer(self) -> int:
        if self.retention_started_at is None:
            return 0
        start = as_utc(self.retention_started_at)
        return sum(1 for n in self.needles if n.removed_at and as_utc(n.removed_at) > start)

    def stage(self, now: datetime) -> Stage:
        return current_stage(self.facts(now))

    @property
    def watched(self) -> bool:
        """Whether the needle watch follows this session: needles in, or the rest running."""
        if self.signed_at is not None:
            return False
        if self.open_needles:
            return True
        return self.needles_out_at is not None and self.rest_ended_at is None

    # -- alarms ----------------------------------------------------------------------------

    def alarm_events(self, escalate_after_s: int | None = None) -> tuple[AlarmEvent, ...]:
        """Every alarm this session calls for, given its records, in time order.

        The end of the retention time (medium) while a needle is still in; once more after
        two minutes if it was not acknowledged by then (high: the needles are overdue); the end
        of the rest period (low) unless the patient was let go earlier. Nothing else sounds:
        an overdue session is shown, not sounded again.

        ``escalate_after_s``: as heard at another workstation of the clinic, where an alarm
        sounds only once it has gone unacknowledged that long (the rest's end not at all).
        """
        events = self._own_alarm_events()
        if escalate_after_s is None:
            return events
        ack = as_utc(self.alarm_acknowledged_at) if self.alarm_acknowledged_at else None
        later = timedelta(seconds=escalate_after_s)
        return tuple(
            AlarmEvent(e.at + later, e.session_id, e.kind)
            for e in events
            if e.kind is not AlarmKind.REST_OVER and (ack is None or ack >= e.at + later)
        )

    def _own_alarm_events(self) -> tuple[AlarmEvent, ...]:
        if self.signed_at is None and self.retention_started_at is not None:
            start = as_utc(self.retention_started_at)
            end = start + timedelta(minutes=self.planned_minutes)
            repeat = end + timedelta(seconds=REPEAT_AFTER_S)
            out = self.needles_out_at
            ack = as_utc(self.alarm_acknowledged_at) if self.alarm_acknowledged_at else None
            events: list[AlarmEvent] = []
            if out is None or out > end:
                events.append(AlarmEvent(end, self.id, AlarmKind.RETENTION_END))
                if (out is None or out > repeat) and (ack is None or ack >= repeat):
                    events.append(AlarmEvent(repeat, self.id, AlarmKind.OVERDUE))
            if out is not None:
                rest_end = out + timedelta(minutes=self.rest_minutes)
                ended = as_utc(self.rest_ended_at) if self.rest_ended_at else None
                if ended is None or ended >= rest_end:
                    events.append(AlarmEvent(rest_end, self.id, AlarmKind.REST_OVER))
            return tuple(sorted(events))
        return ()

    def alarms_due(
        self, now: datetime, escalate_after_s: int | None = None
    ) -> tuple[AlarmEvent, ...]:
        moment = as_utc(now)
        return tuple(e for e in self.alarm_events(escalate_after_s) if e.at <= moment)

    def next_alarm(self, now: datetime, escalate_after_s: int | None = None) -> AlarmEvent | None:
        moment = as_utc(now)
        return next((e for e in self.alarm_events(escalate_after_s) if e.at > moment), None)

    def summary(self, now: datetime) -> WatchLine:
        """What the strip, the lock screen and the board show of this session now."""
        state = self.timer(now)
        still_in = len(self.open_needles)
        if still_in and state.phase is TimerPhase.NOT_STARTED:
            status, urgency = "Timer not started", Urgency.WAITING
            clock = ""
        elif still_in and state.phase is TimerPhase.RUNNING:
            status, urgency, clock = "", Urgency.RUNNING, f"{state.display} left"
        elif still_in and state.phase is TimerPhase.ALARM:
            status, urgency, clock = "REMOVE NEEDLES NOW", Urgency.DUE, state.display
        elif still_in:
            status, urgency, clock = "OVERDUE", Urgency.OVERDUE, state.display
        else:
            rest = self.rest(now)
            if rest.complete:
                status, urgency, clock = "Rest over", Urgency.DUE, "00:00"
            else:
                status, urgency, clock = "Resting", Urgency.RESTING, rest.display
        return WatchLine(
            practitioner=self.practitioner,
            session_id=self.id,
            patient_id=self.patient_id,
            patient_name=self.patient_name,
            initials=self.initials,
            room=self.room,
            needles_in=still_in,
            status=status,
            clock=clock,
            urgency=urgency,
            acknowledged=state.acknowledged,
        )


class Urgency(IntEnum):
    """How a watched session is drawn: green running, amber due, red overdue (with words)."""

    RESTING = 0
    WAITING = 1
    RUNNING = 2
    DUE = 3
    OVERDUE = 4


@dataclass(frozen=True)
class WatchLine:
    practitioner: str
    session_id: int
    patient_id: int
    patient_name: str
    initials: str
    room: str
    needles_in: int
    status: str
    clock: str
    urgency: Urgency
    acknowledged: bool

    def text(self, *, private: bool) -> str:
        """One line for a tile; ``private`` (lock screen, log-in gate) shows initials only."""
        who = self.initials if private else self.patient_name
        where = f"{self.room} · " if self.room else ""
        n = self.needles_in
        needles = ngettext("{n} needle in", "{n} needles in", n).format(n=n) if n else None
        parts = [f"{where}{who}", needles or _("needles out")]
        parts += [part for part in (self.status, self.clock) if part]
        return " · ".join(parts)
