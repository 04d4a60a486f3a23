"""The audit trail's hash chain: each event seals the one before it.

Editing, deleting, inserting or reordering events breaks the chain at the first changed link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    user_id: int | None
    workstation: str
    action: str
    entity: str
    entity_id: int | None
    patient_id: int | None
    before: str
    after: str
    prev_hash: str
    hash: str


def canonical(
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
) -> str:
    return json.dumps(
        [
            at.isoformat(timespec="microseconds"),
            user_id,
            workstation,
            action,
            entity,
            entity_id,
            patient_id,
            before,
            after,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def seal(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    events: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def text(self) -> str:
        if self.intact:
            return f"The audit trail is intact: {self.events} events checked."
        return f"The audit trail is broken at event {self.broken_at}: {self.problem}"


def verify(records: Iterable[AuditRecord]) -> ChainReport:
    """Walk the events in id order and report the first link that does not hold."""
    prev = GENESIS_HASH
    count = 0
    last_id = 0
    for record in records:
        count += 1
        if record.id <= last_id:
            return ChainReport(False, count, record.id, "events are out of order.")
        if record.prev_hash != prev:
            return ChainReport(
                False,
                count,
                record.id,
                "it does not follow the event before it "
                "(an event was removed, inserted or reordered).",
            )
        content = canonical(
            at=record.at,
            user_id=record.user_id,
            workstation=record.workstation,
            action=record.action,
            entity=record.entity,
            entity_id=record.entity_id,
            patient_id=record.patient_id,
            before=record.before,
            after=record.after,
        )
        if seal(prev, content) != record.hash:
            return ChainReport(
                False, count, record.id, "its content was changed after it was written."
            )
        prev = record.hash
        last_id = record.id
    return ChainReport(True, count)
