"""Planning courses, changing one session's duration, and a patient's history."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import retried
from acudesk.db.repositories.locks import lock_patient
from acudesk.domain.clock import local_date
from acudesk.domain.errors import NotFound, RuleViolation
from acudesk.domain.roles import Action
from acudesk.domain.schedule import plan_durations, validate_override
from acudesk.domain.screening import (
    Caution,
    ScreeningResult,
)
from acudesk.services.base import ServiceBase
from acudesk.services.clinic import load_options
from acudesk.services.dto import CourseView, PatientHistory, PlannedSessionRow
from acudesk.services.provenance import done_by
from acudesk.services.screening import (
    load_patient,
    reasons_text,
    screen_and_acknowledge,
    screen_patient,
    screening_row,
)


def course_view(s: Session, course: m.Course) -> CourseView:
    plan = plan_durations(course.sessions_planned, course.first_minutes, course.last_minutes)
    overrides = {o.session_number: o for o in course.overrides}
    sessions = {t.number: t for t in course.sessions}
    rows = []
    for number, minutes in enumerate(plan, start=1):
        session = sessions.get(number)
        override = overrides.get(number)
        if session is not None:
            minutes = session.planned_minutes
        elif override is not None:
            minutes = override.minutes
        status = "planned"
        if session is not None:
            status = "signed" if session.signed_at else "in progress"
        rows.append(
            PlannedSessionRow(
                number=number,
                minutes=minutes,
                override_reason=override.reason if override else "",
                session_id=session.id if session else None,
                status=status,
                session_date=local_date(session.started_at) if session else None,
            )
        )
    return CourseView(
        course.id, course.number, course.sessions_planned, course.planned_on, tuple(rows)
    )


class CourseService(ServiceBase):
    def preview(self, sessions: int) -> list[int]:
        """The plan a new course of this length would get from the clinic's settings."""
        with self._db.reading() as s:
            options = load_options(s)
        return plan_durations(sessions, options.first_session_minutes, options.last_session_minutes)

    def screen_for_course(self, patient_id: int) -> ScreeningResult:
        with self._db.reading() as s:
            return screen_patient(s, patient_id, local_date(self._db.clock.now()))

    @retried
    def plan_course(
        self,
        user_id: int,
        patient_id: int,
        sessions: int,
        caution_reasons: Mapping[Caution, str] | None = None,
    ) -> CourseView:
        now = self._db.clock.now()
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.PLAN_COURSE)
            # Two workstations planning for one patient take turns: the second sees the first's.
            lock_patient(s, patient_id)
            options = load_options(s)
            plan_durations(sessions, options.first_session_minutes, options.last_session_minutes)
            result, reasons = screen_and_acknowledge(
                s, patient_id, local_date(now), caution_reasons
            )
            open_course = self._history(s, patient_id).current_course
            if open_course is not None:
                by = done_by(s, "course", open_course.id, ["plan course"], now)
                raise RuleViolation(
                    "course_open",
                    f"Course {open_course.number}"
                    + (f", planned by {by}," if by else "")
                    + f" still has sessions to give ({open_course.sessions_done} of "
                    f"{open_course.sessions_planned} signed).",
                    remedy="Finish it before planning the next course.",
                )
            number = (
                s.scalar(select(func.max(m.Course.number)).where(m.Course.patient_id == patient_id))
                or 0
            ) + 1
            course = m.Course(
                patient_id=patient_id,
                number=number,
                sessions_planned=sessions,
                first_minutes=options.first_session_minutes,
                last_minutes=options.last_session_minutes,
                planned_on=local_date(now),
                created_by=user_id,
                created_at=now,
            )
            s.add(course)
            s.flush()
            s.add(
                screening_row(
                    result,
                    reasons,
                    course_id=course.id,
                    session_id=None,
                    user_id=user_id,
                    now=now,
                )
            )
            self._audit(
                s,
                user_id,
                "plan course",
                "course",
                course.id,
                patient_id=patient_id,
                after={"number": number, "sessions": sessions, "cautions": reasons_text(reasons)},
            )
            s.flush()
            s.refresh(course)
            return course_view(s, course)

    @retried
    def override_duration(
        self, user_id: int, course_id: int, session_number: int, minutes: int, reason: str
    ) -> CourseView:
        validate_override(minutes, reason)
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.OVERRIDE_DURATION)
            course = s.get(m.Course, course_id)
            if course is None:
                raise NotFound("That course does not exist.")
            # Held like starting a session holds it: a session cannot start between the check
            # below and the new duration, with the old duration.
            lock_patient(s, course.patient_id)
            if not 1 <= session_number <= course.sessions_planned:
                raise RuleViolation(
                    "session_number",
                    f"Course {course.number} has sessions 1 to {course.sessions_planned}.",
                    field="session",
                )
            if any(t.number == session_number for t in course.sessions):
                raise RuleViolation(
                    "session_started",
                    f"Session {session_number} has already started; its duration is fixed.",
                )
            before = course_view(s, course).minutes_for(session_number)
            s.add(
                m.DurationOverride(
                    course_id=course_id,
                    session_number=session_number,
                    minutes=minutes,
                    reason=reason.strip(),
                    created_by=user_id,
                    created_at=self._db.clock.now(),
                )
            )
            s.flush()
            self._audit(
                s,
                user_id,
                "change duration",
                "course",
                course_id,
                patient_id=course.patient_id,
                before={"session": session_number, "minutes": before},
                after={"session": session_number, "minutes": minutes, "reason": reason.strip()},
            )
            s.refresh(course)
            return course_view(s, course)

    def history(self, patient_id: int) -> PatientHistory:
        with self._db.reading() as s:
            load_patient(s, patient_id)
            return self._history(s, patient_id)

    @staticmethod
    def _history(s: Session, patient_id: int) -> PatientHistory:
        courses = s.scalars(
            select(m.Course).where(m.Course.patient_id == patient_id).order_by(m.Course.number)
        ).all()
        views = tuple(course_view(s, c) for c in courses)
        open_id = next(
            (r.session_id for c in views for r in c.rows if r.status == "in progress"), None
        )
        return PatientHistory(patient_id, views, open_id)
