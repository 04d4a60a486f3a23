"""Appending to and reading the audit trail. Never commits: the caller's unit of work does.

Events are numbered here, one after the other (id = sequence number, sealed into the MAC), so a
gap means a deleted event; two writers take turns through SQLite's write lock or a PostgreSQL
advisory lock. The unit of work anchors the new head outside the database after its commit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from acudesk.db.anchor import HEAD_INFO, KEYED_INFO, AuditKeyError, AuditTrail
from acudesk.db.models import AuditEvent
from acudesk.domain.audit_chain import (
    GENESIS_HASH,
    KEYING_ACTION,
    KEYING_ENTITY,
    AuditRecord,
    ChainVerifier,
    Head,
    canonical,
    key_id,
    keyed_seal,
    seal,
    seal_holds,
)

_PG_AUDIT_LOCK = 7_304_211
_EVENTS = AuditEvent.__table__
_COLUMNS = (
    _EVENTS.c.id,
    _EVENTS.c.at,
    _EVENTS.c.user_id,
    _EVENTS.c.workstation,
    _EVENTS.c.action,
    _EVENTS.c.entity,
    _EVENTS.c.entity_id,
    _EVENTS.c.patient_id,
    _EVENTS.c.before,
    _EVENTS.c.after,
    _EVENTS.c.prev_hash,
    _EVENTS.c.hash,
)


def to_json(values: Mapping[str, Any] | None) -> str:
    if not values:
        return ""
    return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str)


def append(
    session: Session,
    trail: AuditTrail,
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
    _take_turn(session)
    key = signing_key(session, trail, at=at, workstation=workstation)
    return _seal_and_add(
        session,
        key,
        at=at,
        user_id=user_id,
        workstation=workstation,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        before=to_json(before),
        after=to_json(after),
    )


def signing_key(session: Session, trail: AuditTrail, *, at: datetime, workstation: str) -> bytes:
    """The key new events are sealed with; keys the trail first if it has never been keyed.

    A trail written before the key gets a keying point: its old chain is checked once, and the
    keying point, sealed with the key, seals the end of it and records what the check found.
    Raises AuditKeyError when the trail was sealed with a key this workstation does not hold.
    What it learns is remembered only once the unit of work has committed (KEYED_INFO).
    """
    key = trail.key()
    if trail.keyed_from is not None and key is not None:
        return key
    _take_turn(session)
    point = session.execute(
        select(*_COLUMNS)
        .where(_EVENTS.c.entity == KEYING_ENTITY, _EVENTS.c.action == KEYING_ACTION)
        .order_by(_EVENTS.c.id)
        .limit(1)
    ).first()
    first = session.execute(select(*_COLUMNS).order_by(_EVENTS.c.id).limit(1)).first()
    keyed: AuditRecord | None = None
    if point is not None:
        keyed = _record(point)
    elif first is not None and not _plainly_sealed(_record(first)):
        keyed = _record(first)
    if keyed is not None:
        if key is None:
            raise AuditKeyError(
                f"This database's audit trail is sealed with a key this workstation does not "
                f"have ({trail.key_path}). Copy the clinic's audit key file there, or name it "
                "in ACUDESK_AUDIT_KEY_FILE; see the README on backing up the key."
            )
        if not seal_holds(key, keyed):
            raise AuditKeyError(
                f"The audit key of this workstation ({trail.key_path}, key {key_id(key)}) is "
                f"not the one that sealed this database's audit trail (event {keyed.id} does "
                "not verify). Install the clinic's key file, or run `acudesk audit verify` to "
                "see whether the trail was tampered with."
            )
        session.info[KEYED_INFO] = keyed.id if point is not None else 1
        return key
    key = trail.key(create=True)
    assert key is not None
    if first is None:
        # Not remembered yet: until this trail's first event exists, another workstation with
        # another key could write it first; the next append checks again.
        return key
    session.info[KEYED_INFO] = _key_legacy_trail(session, key, at=at, workstation=workstation).id
    return key


def _plainly_sealed(record: AuditRecord) -> bool:
    """Sealed with plain SHA-256: an event written before the audit key existed."""
    return seal(record.prev_hash, record.content) == record.hash


def _key_legacy_trail(
    session: Session, key: bytes, *, at: datetime, workstation: str
) -> AuditEvent:
    verifier = ChainVerifier(None)
    for record in records(session):
        verifier.feed(record)
    problems = verifier.finish()
    facts = {
        "key_id": key_id(key),
        "legacy_events": verifier.events,
        "legacy_head": verifier.last.hash if verifier.last else GENESIS_HASH,
        "legacy_intact": not problems,
        "legacy_problems": [p.text for p in problems[:20]],
    }
    return _seal_and_add(
        session,
        key,
        at=at,
        user_id=None,
        workstation=workstation,
        action=KEYING_ACTION,
        entity=KEYING_ENTITY,
        entity_id=None,
        patient_id=None,
        before="",
        after=to_json(facts),
    )


def _seal_and_add(
    session: Session,
    key: bytes,
    *,
    at: datetime,
    user_id: int | None,
    workstation: str,
    action: str,
    entity: str,
    entity_id: int | None,
    patient_id: int | None,
    before: str,
    after: str,
) -> AuditEvent:
    last = session.execute(
        select(_EVENTS.c.id, _EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last is not None else (1, GENESIS_HASH)
    content = canonical(
        at=at,
        user_id=user_id,
        workstation=workstation,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        before=before,
        after=after,
    )
    event = AuditEvent(
        id=seq,
        at=at,
        user_id=user_id,
        workstation=workstation,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        before=before,
        after=after,
        prev_hash=prev_hash,
        hash=keyed_seal(key, seq, prev_hash, content),
    )
    session.add(event)
    session.flush()
    session.info[HEAD_INFO] = Head(seq, event.hash)
    return event


def _take_turn(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Two workstations appending at once must not both chain onto the same event.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})


def records(session: Session, *, after: int = 0) -> Iterator[AuditRecord]:
    """Every event after sequence number ``after``, oldest first, streamed."""
    query = select(*_COLUMNS).where(_EVENTS.c.id > after).order_by(_EVENTS.c.id)
    for row in session.execute(query.execution_options(yield_per=5000)):
        yield _record(row)


def record_at(session: Session, seq: int) -> AuditRecord | None:
    row = session.execute(select(*_COLUMNS).where(_EVENTS.c.id == seq)).first()
    return _record(row) if row is not None else None


def keying_point(session: Session) -> int | None:
    value: int | None = session.scalar(
        select(func.min(_EVENTS.c.id)).where(
            _EVENTS.c.entity == KEYING_ENTITY, _EVENTS.c.action == KEYING_ACTION
        )
    )
    return value


def _record(row: Any) -> AuditRecord:
    return AuditRecord(*row)  # the columns of _COLUMNS, in the order of AuditRecord's fields


def count(session: Session, *, after: int = 0) -> int:
    query = select(func.count()).select_from(_EVENTS).where(_EVENTS.c.id > after)
    return int(session.scalar(query) or 0)
