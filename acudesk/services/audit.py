"""Reading and checking the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from acudesk.db import models as m
from acudesk.db.repositories import audit
from acudesk.domain.audit_chain import ChainReport, verify
from acudesk.domain.roles import Action
from acudesk.services.base import ServiceBase

QUERY_LIMIT = 2000


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    user: str
    workstation: str
    action: str
    entity: str
    entity_id: int | None
    patient: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    patient_id: int | None = None
    since: date | None = None
    until: date | None = None


class AuditService(ServiceBase):
    def verify(self) -> ChainReport:
        with self._db.reading() as s:
            return verify(audit.records(s))

    def verify_as(self, user_id: int) -> ChainReport:
        with self._db.reading() as s:
            self._actor(s, user_id, Action.VIEW_AUDIT)
            return verify(audit.records(s))

    def query(self, user_id: int, where: AuditFilter = AuditFilter()) -> list[AuditRow]:
        """Newest first, by user, patient and local date range."""
        e = m.AuditEvent
        query = (
            select(e, m.User.full_name, m.Patient.full_name)
            .outerjoin(m.User, m.User.id == e.user_id)
            .outerjoin(m.Patient, m.Patient.id == e.patient_id)
            .order_by(e.id.desc())
            .limit(QUERY_LIMIT)
        )
        if where.user_id is not None:
            query = query.where(e.user_id == where.user_id)
        if where.patient_id is not None:
            query = query.where(e.patient_id == where.patient_id)
        if where.since is not None:
            query = query.where(e.at >= _local_midnight(where.since))
        if where.until is not None:
            query = query.where(e.at < _local_midnight(where.until + timedelta(days=1)))
        with self._db.reading() as s:
            self._actor(s, user_id, Action.VIEW_AUDIT)
            return [
                AuditRow(
                    ev.id,
                    ev.at,
                    user or "",
                    ev.workstation,
                    ev.action,
                    ev.entity,
                    ev.entity_id,
                    patient or "",
                    ev.before,
                    ev.after,
                )
                for ev, user, patient in s.execute(query)
            ]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()
