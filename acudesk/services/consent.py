"""Recording the patient's informed consent to a course, and the clinic's consent template."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import retried
from acudesk.db.repositories import settings
from acudesk.db.repositories.locks import lock_patient
from acudesk.domain.clock import local_date
from acudesk.domain.consent import (
    ConsentDecision,
    ConsentForm,
    ConsentState,
    ConsentTemplate,
    Decision,
    consent_state,
    default_template,
    require_consent,
    validate_decision,
    validate_template,
)
from acudesk.domain.errors import NotFound
from acudesk.domain.roles import Action
from acudesk.i18n import _
from acudesk.services.base import ServiceBase

TEXT_KEY = "consent_text"
VERSION_KEY = "consent_text_version"


def load_template(s: Session) -> ConsentTemplate:
    """The clinic's consent text, or the default until the administrator has written one."""
    rows = {
        row.key: row.value
        for row in s.scalars(
            select(m.ClinicSetting).where(m.ClinicSetting.key.in_((TEXT_KEY, VERSION_KEY)))
        )
    }
    if rows.get(TEXT_KEY) and rows.get(VERSION_KEY):
        return ConsentTemplate(rows[TEXT_KEY], rows[VERSION_KEY])
    return default_template()


def _course(s: Session, course_id: int) -> m.Course:
    course = s.get(m.Course, course_id)
    if course is None:
        raise NotFound(_("Course {id} does not exist.").format(id=course_id))
    return course


def course_consent(s: Session, course_id: int, course_number: int | None = None) -> ConsentState:
    """The course's consent state, from its records."""
    if course_number is None:
        course_number = _course(s, course_id).number
    rows = s.execute(
        select(m.Consent, m.User.full_name)
        .join(m.User, m.User.id == m.Consent.taken_by)
        .where(m.Consent.course_id == course_id)
        .order_by(m.Consent.id)
    ).all()
    return consent_state(
        course_id,
        course_number,
        (
            ConsentDecision(
                id=c.id,
                decision=Decision(c.decision),
                decided_on=c.decided_on,
                taken_by=name,
                text_version=c.text_version,
                text_hash=c.text_hash,
                note=c.note,
                recorded_at=c.recorded_at,
            )
            for c, name in rows
        ),
    )


def require_course_consent(s: Session, course_id: int, course_number: int) -> ConsentState:
    """Starting a session: the course's latest decision must be a consent given."""
    state = course_consent(s, course_id, course_number)
    require_consent(state)
    return state


class ConsentService(ServiceBase):
    def template(self) -> ConsentTemplate:
        with self._db.reading() as s:
            return load_template(s)

    def state(self, course_id: int) -> ConsentState:
        with self._db.reading() as s:
            return course_consent(s, course_id)

    @retried
    def record(
        self,
        user_id: int,
        course_id: int,
        decision: Decision,
        decided_on: date,
        note: str = "",
    ) -> ConsentState:
        """Record the patient's decision about a course: consent given, or refused.

        A decision is never changed: a later one (a consent after a refusal, or a withdrawal)
        is a new record, and the latest counts.
        """
        now = self._db.clock.now()
        note = note.strip()
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.RECORD_CONSENT)
            course = _course(s, course_id)
            # Held as starting a session holds it: a withdrawal and a start next door take turns.
            lock_patient(s, course.patient_id)
            state = course_consent(s, course.id, course.number)
            validate_decision(state, decided_on, local_date(now), note)
            template = load_template(s)
            row = m.Consent(
                course_id=course.id,
                patient_id=course.patient_id,
                decision=decision.value,
                decided_on=decided_on,
                taken_by=user_id,
                text_version=template.version,
                text_hash=template.hash,
                note=note,
                recorded_at=now,
            )
            s.add(row)
            s.flush()
            latest = state.latest
            self._audit(
                s,
                user_id,
                "record consent",
                "consent",
                row.id,
                patient_id=course.patient_id,
                before={"course": course.number, "decision": latest.decision.value}
                if latest
                else None,
                after={
                    "course": course.number,
                    "decision": decision.value,
                    "decided_on": decided_on.isoformat(),
                    "text_version": template.version,
                    "text_hash": template.hash,
                    "note": note,
                },
            )
            return course_consent(s, course.id, course.number)

    @retried
    def change_template(self, user_id: int, text: str, version: str) -> ConsentTemplate:
        """The administrator's new consent text; its version label changes with the text."""
        now = self._db.clock.now()
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.CHANGE_SETTINGS)
            current = load_template(s)
            used = {
                v: h
                for v, h in s.execute(
                    select(m.Consent.text_version, m.Consent.text_hash).distinct()
                )
            }
            new = validate_template(text, version, current, used)
            if new.text == current.text and new.version == current.version:
                return current
            for key, value in ((TEXT_KEY, new.text), (VERSION_KEY, new.version)):
                settings.store(s, key, value, user_id, now)
            self._audit(
                s,
                user_id,
                "change consent text",
                "clinic_setting",
                None,
                before={VERSION_KEY: current.version, "text_hash": current.hash},
                after={VERSION_KEY: new.version, "text_hash": new.hash, TEXT_KEY: new.text},
            )
            return load_template(s)

    def form(self, user_id: int, course_id: int) -> ConsentForm:
        """The consent form of a course, to print; printing it is audited."""
        now = self._db.clock.now()
        with self._db.unit_of_work() as s:
            actor = self._actor(s, user_id, Action.PRINT_CONSENT_FORM)
            course = _course(s, course_id)
            patient = course.patient
            template = load_template(s)
            physician = s.get(m.User, course.created_by)
            form = ConsentForm(
                patient_name=patient.full_name,
                patient_dob=patient.date_of_birth,
                course_number=course.number,
                sessions_planned=course.sessions_planned,
                planned_on=course.planned_on,
                physician=physician.full_name if physician else actor.full_name,
                template=template,
                printed_on=local_date(now),
                state=course_consent(s, course.id, course.number),
            )
            self._audit(
                s,
                user_id,
                "print consent form",
                "course",
                course.id,
                patient_id=patient.id,
                after={"course": course.number, "text_version": template.version},
            )
            return form
