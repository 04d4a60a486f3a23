"""What a form needs while someone edits a record another workstation may change too.

A form keeps the *stamp* of the record it was filled from (a version, or the values that
matter to it). When the change channel says something changed, the form reads the stamp again:
the same stamp, nothing to do; another one, the record was changed elsewhere, and the form
either shows it (nothing typed yet) or says so and keeps what was typed. Saving over such a
change is refused with a typed ``StaleRecord`` naming who changed it; saving anyway is the
person's knowing choice, and the audit trail records it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.domain.errors import AcuDeskError, NotFound, StaleRecord
from acudesk.i18n import N_, _
from acudesk.services.base import ServiceBase
from acudesk.services.provenance import moment_text, user_name

# The records forms edit, by the entity names the audit trail and the change channel use.
PATIENT, SESSION, USER, COURSE, SETTINGS = "patient", "session", "user", "course", "clinic_setting"
_WHAT = {
    PATIENT: N_("This patient"),
    SESSION: N_("This session's outcome"),
    USER: N_("This account"),
    COURSE: N_("This course"),
    SETTINGS: N_("This setting"),
}


@dataclass(frozen=True)
class LastChange:
    """Who last changed a record, where and when (from the audit trail)."""

    workstation: str
    by: str
    at: datetime

    def banner(self) -> str:
        return _(
            "Changed at workstation {workstation} by {by} at {time} — your changes are kept; "
            "Save will ask."
        ).format(
            workstation=self.workstation or "?",
            by=self.by,
            time=f"{self.at.astimezone():%H:%M}",
        )


class EditsService(ServiceBase):
    def stamp(self, entity: str, entity_id: int | None) -> Any:
        """What a form compares to see whether the record changed since it was filled."""
        with self._db.reading() as s:
            return _stamp(s, entity, entity_id)

    def last_change(self, entity: str, entity_id: int | None) -> LastChange | None:
        with self._db.reading() as s:
            query = select(m.AuditEvent).where(m.AuditEvent.entity == entity)
            query = query.where(
                m.AuditEvent.entity_id.is_(None)
                if entity_id is None
                else m.AuditEvent.entity_id == entity_id
            )
            event = s.scalar(query.order_by(m.AuditEvent.id.desc()).limit(1))
            if event is None:
                return None
            return LastChange(event.workstation, user_name(s, event.user_id), event.at)

    def check(self, entity: str, entity_id: int | None, seen: Any) -> None:
        """Refuse, in words naming who changed it, when the record moved on since ``seen``."""
        with self._db.reading() as s:
            if _stamp(s, entity, entity_id) == seen:
                return
        raise self.stale(entity, entity_id)

    def stale(self, entity: str, entity_id: int | None) -> StaleRecord:
        last = self.last_change(entity, entity_id)
        what = _(_WHAT.get(entity, N_("This record")))
        if last is None:
            who = ""
        else:
            who = _(" (at workstation {workstation} by {by} {moment})").format(
                workstation=last.workstation or "?",
                by=last.by,
                moment=moment_text(last.at, self._db.clock.now()),
            )
        return StaleRecord(
            _(
                "{what} was changed elsewhere since you opened it{who}, so your change was not "
                "saved. What you typed is still here."
            ).format(what=what, who=who),
            remedy=_("Reload theirs, or keep yours and save over their change."),
        )

    def record_overwrite(
        self, user_id: int, entity: str, entity_id: int | None, *, patient_id: int | None = None
    ) -> None:
        """The person saw another workstation's change and chose to save over it."""
        last = self.last_change(entity, entity_id)
        before = None
        if last is not None:
            when = last.at.isoformat()
            before = {"changed_by": last.by, "workstation": last.workstation, "at": when}
        with self._db.unit_of_work() as s:
            if s.get(m.User, user_id) is None:
                raise NotFound(_("The acting user does not exist."))
            self._audit(
                s,
                user_id,
                "overwrite after conflict",
                entity,
                entity_id,
                patient_id=patient_id,
                before=before,
            )


def _stamp(s: Session, entity: str, entity_id: int | None) -> Any:
    if entity == SETTINGS:
        return tuple(s.execute(select(m.ClinicSetting.key, m.ClinicSetting.value).order_by(
            m.ClinicSetting.key)).tuples())  # fmt: skip
    if entity_id is None:
        raise AcuDeskError(_("Nothing to compare: the record has no id."))
    if entity == PATIENT:
        return s.scalar(select(m.Patient.version_id).where(m.Patient.id == entity_id))
    if entity == USER:
        user = s.get(m.User, entity_id)
        return None if user is None else (user.active, tuple(sorted(r.role for r in user.roles)))
    if entity == SESSION:
        t = s.get(m.TreatmentSession, entity_id)
        if t is None:
            return None
        events = s.scalar(
            select(func.count())
            .select_from(m.AdverseEvent)
            .where(m.AdverseEvent.session_id == entity_id)
        )
        return (t.outcome_recorded_at, t.pain_before, t.pain_after, t.notes, events, t.signed_at)
    if entity == COURSE:
        overrides = s.execute(
            select(m.DurationOverride.session_number, m.DurationOverride.minutes)
            .where(m.DurationOverride.course_id == entity_id)
            .order_by(m.DurationOverride.id)
        ).tuples()
        started = s.scalar(
            select(func.count())
            .select_from(m.TreatmentSession)
            .where(m.TreatmentSession.course_id == entity_id)
        )
        return (tuple(overrides), started)
    raise AcuDeskError(_("Unknown record kind: {entity}.").format(entity=entity))
