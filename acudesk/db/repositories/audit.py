"""Appending to and reading the audit trail. Never commits: the caller's unit of work does."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from acudesk.db.models import AuditEvent
from acudesk.domain.audit_chain import GENESIS_HASH, AuditRecord, canonical, seal

_PG_AUDIT_LOCK = 7_304_211


def to_json(values: Mapping[str, Any] | None) -> str:
    if not values:
        return ""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def append(
    session: Session,
    *,
    at: datetime,
    user_id: int | None,
    workstation: str,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    if session.get_bind().dialect.name == "postgresql":
        # Two workstations appending at once must not both chain onto the same event.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    prev = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev_hash = prev or GENESIS_HASH
    before_s, after_s = to_json(before), to_json(after)
    content = canonical(
        at=at,
        user_id=user_id,
        workstation=workstation,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        before=before_s,
        after=after_s,
    )
    event = AuditEvent(
        at=at,
        user_id=user_id,
        workstation=workstation,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        before=before_s,
        after=after_s,
        prev_hash=prev_hash,
        hash=seal(prev_hash, content),
    )
    session.add(event)
    session.flush()
    return event


def records(session: Session) -> Iterator[AuditRecord]:
    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(2000):
        yield AuditRecord(
            id=e.id,
            at=e.at,
            user_id=e.user_id,
            workstation=e.workstation,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            patient_id=e.patient_id,
            before=e.before,
            after=e.after,
            prev_hash=e.prev_hash,
            hash=e.hash,
        )
