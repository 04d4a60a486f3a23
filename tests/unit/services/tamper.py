"""What an intruder with the database owner's rights (but not the audit key) can do."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, select, text

from acudesk.db.database import Database
from acudesk.db.models import AuditEvent
from acudesk.domain.audit_chain import GENESIS_HASH, AuditRecord, seal


@contextmanager
def guards_lifted(db: Database) -> Iterator[Connection]:
    """The database's triggers out of the way for one transaction, then back as they were:
    dropped and re-created on SQLite, switched off for the session on PostgreSQL."""
    with db.engine.begin() as c:
        if db.dialect == "postgresql":
            c.execute(text("SET LOCAL session_replication_role = replica"))
            yield c
            return
        triggers = c.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        saved = list(triggers)
        for name, _sql in saved:
            c.exec_driver_sql(f"DROP TRIGGER {name}")
        yield c
        for _name, sql in saved:
            c.exec_driver_sql(sql)


def events(c: Connection) -> list[AuditRecord]:
    table = AuditEvent.__table__
    rows = c.execute(select(table).order_by(table.c.id)).mappings()
    return [AuditRecord(**row) for row in rows]


def reseal_plainly(c: Connection, from_id: int) -> None:
    """Recompute every seal from ``from_id`` on as a program without the key would."""
    prev = GENESIS_HASH
    for record in events(c):
        if record.id < from_id:
            prev = record.hash
            continue
        new_hash = seal(prev, record.content)
        c.execute(
            text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": prev, "h": new_hash, "i": record.id},
        )
        prev = new_hash


def append_forged(c: Connection, action: str = "sign") -> int:
    """A new event after the last, content copied from it, sealed with plain SHA-256."""
    last = events(c)[-1]
    forged = AuditRecord(
        id=last.id + 1,
        at=last.at,
        user_id=last.user_id,
        workstation=last.workstation,
        action=action,
        entity=last.entity,
        entity_id=last.entity_id,
        patient_id=last.patient_id,
        before="",
        after='{"note": "all fine"}',
        prev_hash=last.hash,
        hash="",
    )
    c.execute(
        text(
            "INSERT INTO audit_events (id, at, user_id, workstation, action, entity, entity_id, "
            "patient_id, before, after, prev_hash, hash) SELECT :id, at, user_id, workstation, "
            ":action, entity, entity_id, patient_id, '', :after, :prev, :hash FROM audit_events "
            "WHERE id = :last"
        ),
        {
            "id": forged.id,
            "action": action,
            "after": forged.after,
            "prev": last.hash,
            "hash": seal(last.hash, forged.content),
            "last": last.id,
        },
    )
    return forged.id
