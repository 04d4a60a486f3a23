"""Reading and checking the audit trail, and every signed record against it.

`AuditService.verify` is the whole check: every event's seal against the key, the chain against
the anchor outside the database, and every signed session's and addendum's content hash
recomputed from the stored rows and compared with the hash sealed into the audit trail when it
was signed. It reads one consistent snapshot in its own database session and touches no Qt,
so a worker thread can run it; ``progress(done, total)`` is called every few thousand items.
`AuditService.verify_recent` is the start-up check: only what came after the last checkpoint.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.anchor import AnchorState
from acudesk.db.repositories import audit
from acudesk.domain.audit_chain import (
    AuditRecord,
    Break,
    BreakKind,
    ChainReport,
    ChainVerifier,
    Head,
    key_id,
)
from acudesk.domain.roles import Action
from acudesk.services import signed_records as sr
from acudesk.services.base import ServiceBase

QUERY_LIMIT = 2000
PROGRESS_EVERY = 2000
# A first start-up check on a workstation reads at most this many of the newest events.
RECENT_WINDOW = 5000
Progress = Callable[[int, int], None]
log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class _Sealed:
    """What the audit trail sealed when a record was signed."""

    event: int
    content_hash: str | None
    scheme: int
    session_id: int | None = None


class _Signatures:
    """The signing events met while walking the trail."""

    def __init__(self) -> None:
        self.sessions: dict[int, _Sealed] = {}
        self.addenda: dict[int, _Sealed] = {}

    def see(self, record: AuditRecord) -> None:
        if record.action == "sign" and record.entity == "session" and record.entity_id:
            facts = _facts(record.after)
            self.sessions[record.entity_id] = _Sealed(
                record.id, facts.get("content_hash"), int(facts.get("hash_scheme", 1))
            )
        elif record.action == "add addendum" and record.entity == "addendum" and record.entity_id:
            facts = _facts(record.after)
            self.addenda[record.entity_id] = _Sealed(
                record.id,
                facts.get("content_hash"),
                int(facts.get("hash_scheme", 1)),
                facts.get("session"),
            )


class AuditService(ServiceBase):
    # -- checking --------------------------------------------------------------------------

    def prepare(self) -> None:
        """At start-up, before the window opens: key a trail written before the audit key
        (checking its old chain once). Raises AuditKeyError if this workstation's key is not
        the trail's."""
        with self._db.unit_of_work() as s:
            before = audit.keying_point(s)
            audit.signing_key(
                s, self._db.trail, at=self._db.clock.now(), workstation=self._db.workstation
            )
            point = audit.keying_point(s)
            record = audit.record_at(s, point) if point is not None and point != before else None
        if record is not None and _facts(record.after).get("legacy_intact") is True:
            # The old chain was just checked whole: the start-up check can begin after it.
            self._db.trail.record_checkpoint(Head(record.id, record.hash))

    def verify(self, progress: Progress | None = None) -> ChainReport:
        """The whole trail and every signed record. Safe to call from a worker thread."""
        anchor = self._db.trail.read()  # before the snapshot: the anchor never runs ahead of it
        with self._db.snapshot() as s:
            total = audit.count(s) + _signed_count(s)
            keyed_from, breaks = self._keying(s, anchor)
            verifier = ChainVerifier(
                self._db.trail.key(), keyed_from=keyed_from, known=_known(anchor)
            )
            signatures = _Signatures()
            for record in audit.records(s):
                verifier.feed(record)
                signatures.see(record)
                if progress is not None and verifier.events % PROGRESS_EVERY == 0:
                    progress(verifier.events, total)
            breaks += verifier.finish()
            breaks += self._against_anchor(verifier, anchor)
            sessions = _check_signed(s, signatures, breaks, progress, verifier.events, total)
        return self._finish(verifier, breaks, sessions, since=0, progress=progress, total=total)

    def verify_as(self, user_id: int, progress: Progress | None = None) -> ChainReport:
        with self._db.reading() as s:
            self._actor(s, user_id, Action.VIEW_AUDIT)
        return self.verify(progress)

    def verify_recent(self) -> ChainReport:
        """The start-up check: only the events after the last verified checkpoint (kept in the
        anchor file), the anchored head, and the records signed since. Without a checkpoint
        (this workstation's first start) the newest RECENT_WINDOW events."""
        anchor = self._db.trail.read()
        notes: list[str] = []
        if anchor is not None and anchor.sealed and anchor.checked is not None:
            start = anchor.checked
        else:
            window = self._first_window()
            if window is None:
                return self.verify()
            start = window
            notes.append(
                f"No check had run on this workstation yet: the newest events after {start.seq} "
                "were checked. `acudesk audit verify` checks the whole trail."
            )
        return self.verify_from(start, anchor=anchor, notes=notes)

    def verify_from(
        self,
        start: Head,
        *,
        anchor: AnchorState | None = None,
        notes: list[str] | None = None,
        progress: Progress | None = None,
    ) -> ChainReport:
        """The events after ``start`` (a checkpoint a verification found intact: its event
        must still be there, unchanged), and the records signed after it. The start-up check
        and each backup's check; the whole check is `verify`."""
        with self._db.snapshot() as s:
            total = audit.count(s, after=start.seq)
            breaks: list[Break] = []
            verifier = ChainVerifier(self._db.trail.key(), start=start, known=_known(anchor))
            checked = audit.record_at(s, start.seq)
            if checked is None:
                breaks.append(_checkpoint_gone(s, start, anchor))
            found = verifier.check_anchored(checked, start)
            if found is not None:
                breaks.append(found)
            signatures = _Signatures()
            for record in audit.records(s, after=start.seq):
                verifier.feed(record)
                signatures.see(record)
                if progress is not None and verifier.events % PROGRESS_EVERY == 0:
                    progress(verifier.events, total)
            breaks += verifier.finish()
            breaks += self._against_anchor(verifier, anchor)
            sessions = _check_signed(s, signatures, breaks, None, 0, 0, only_sealed=True)
        report = self._finish(
            verifier,
            breaks,
            sessions,
            since=start.seq,
            notes=notes,
            progress=progress,
            total=total,
        )
        if report.head is None and checked is not None and report.intact:
            report = replace(report, head=start)  # nothing new: the checkpoint still holds
        return report

    def _first_window(self) -> Head | None:
        """Where a first start-up check begins: the newest RECENT_WINDOW events, never before
        the keying point; None when that is the whole trail anyway."""
        with self._db.reading() as s:
            last = int(s.scalar(select(func.max(m.AuditEvent.id))) or 0)
            floor = (audit.keying_point(s) or 1) - 1
            seq = max(last - RECENT_WINDOW, floor)
            record = audit.record_at(s, seq) if seq > 0 else None
        return Head(record.id, record.hash) if record is not None else None

    def _keying(self, s: Session, anchor: AnchorState | None) -> tuple[int | None, list[Break]]:
        """Where the keyed part of the trail starts, by the database and by the anchor."""
        point = audit.keying_point(s)
        remembered = anchor.keyed_from if anchor is not None and anchor.sealed else None
        if remembered is None or point == remembered:
            return point, []
        if point is None and remembered == 1:
            return 1, []  # keyed from its first event on: no event may carry a plain seal
        where = f"event {point}" if point is not None else "nowhere"
        return remembered, [
            Break(
                BreakKind.KEYING,
                f"The anchor outside the database has the trail keyed from event "
                f"{remembered}; the database has its keying point at {where}: the trail was "
                "rewritten around it.",
                remembered,
                remembered,
            )
        ]

    def _against_anchor(self, verifier: ChainVerifier, anchor: AnchorState | None) -> list[Break]:
        trail = self._db.trail
        key = trail.key()
        found: list[Break] = []
        keyed = (verifier.events > 0 and not verifier.legacy) or bool(anchor and anchor.key_id)
        if key is None and keyed:
            found.append(
                Break(
                    BreakKind.KEY,
                    f"The audit key ({trail.key_path}) is not on this workstation: no seal "
                    "could be checked. Restore the key file from its backup.",
                )
            )
        if anchor is None:
            return found
        found.extend(
            Break(
                BreakKind.ANCHOR,
                f"An earlier anchor file was found edited or damaged and was set aside as "
                f"{copy}: look into it, then delete it.",
            )
            for copy in anchor.set_aside
        )
        if not anchor.sealed:
            found.append(
                Break(
                    BreakKind.ANCHOR,
                    f"The anchor file {trail.anchor_path} was edited or is damaged: its own "
                    "seal does not hold.",
                )
            )
            return found
        if key is not None and anchor.key_id and anchor.key_id != key_id(key):
            found.append(
                Break(
                    BreakKind.KEY,
                    f"The anchor was written with audit key {anchor.key_id}; this workstation "
                    f"has key {key_id(key)}: the key file was replaced.",
                )
            )
        return found

    def _finish(
        self,
        verifier: ChainVerifier,
        breaks: list[Break],
        sessions: int,
        *,
        since: int,
        progress: Progress | None = None,
        total: int = 0,
        notes: list[str] | None = None,
    ) -> ChainReport:
        last = verifier.last
        head = Head(last.id, last.hash) if last is not None else None
        notes = list(notes or [])
        if verifier.legacy:
            notes.append(
                "This trail was written before AcuDesk sealed it with a key: it was checked "
                "with plain SHA-256 only. AcuDesk keys it at its next start."
            )
        if self._db.anchor_error:
            notes.append(self._db.anchor_error)
        unique = list(dict.fromkeys(breaks))
        unique.sort(key=lambda b: b.first if b.first is not None else 0)
        report = ChainReport(verifier.events, tuple(unique), head, sessions, tuple(notes), since)
        if progress is not None:
            progress(total, total)
        if report.intact and head is not None and not verifier.legacy:
            try:
                self._db.trail.record_checkpoint(head)
            except OSError as error:
                log.error("The audit checkpoint could not be written: %s", error)
        return report

    # -- reading ---------------------------------------------------------------------------

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


def _facts(after: str) -> dict[str, Any]:
    try:
        value = json.loads(after) if after else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _known(anchor: AnchorState | None) -> tuple[Head, ...]:
    """The events this workstation anchored or checked: genuine when it saw them."""
    if anchor is None or not anchor.sealed:
        return ()
    return tuple(h for h in (anchor.head, anchor.checked) if h is not None)


def _checkpoint_gone(s: Session, start: Head, anchor: AnchorState | None) -> Break:
    """The event the last check ended at is no longer there."""
    last = int(s.scalar(select(func.max(m.AuditEvent.id))) or 0)
    head = max(start.seq, anchor.head.seq if anchor is not None and anchor.head else 0)
    if last < start.seq:
        return Break(
            BreakKind.TAIL_DELETED,
            f"Events {last + 1}..{head} are missing at the end of the trail: the last check "
            f"ended at event {start.seq}, the database now ends at {last or 'no event'} (the "
            "newest events were deleted, or an older copy was restored).",
            last + 1,
            head,
        )
    return Break(
        BreakKind.MISSING,
        f"Event {start.seq}, where the last check ended, is missing: deleted from the database.",
        start.seq,
        start.seq,
    )


def _signed_count(s: Session) -> int:
    query = select(func.count()).where(m.TreatmentSession.signed_at.is_not(None))
    return int(s.scalar(query) or 0)


def _check_signed(
    s: Session,
    signatures: _Signatures,
    breaks: list[Break],
    progress: Progress | None,
    done: int,
    total: int,
    *,
    only_sealed: bool = False,
) -> int:
    """Recompute every signed session's and addendum's hash from the stored rows; compare it
    with the one stored and the one the audit trail sealed. Returns the sessions checked."""
    ts = m.TreatmentSession
    if only_sealed:
        ids = sorted(signatures.sessions) + sorted(
            {a.session_id for a in signatures.addenda.values() if a.session_id}
        )
        ids = sorted(set(ids))
    else:
        ids = list(s.scalars(select(ts.id).where(ts.signed_at.is_not(None)).order_by(ts.id)))
    checked = 0
    for batch in sr.in_batches(ids):
        rows = sr.load(s, batch)
        for sid in batch:
            record = rows.get(sid)
            sealed = signatures.sessions.pop(sid, None)
            if record is None or record.session["signed_at"] is None:
                if sealed is not None:
                    breaks.append(_unsigned(sid, sealed))
                continue
            checked += 1
            problem = _session_problem(record, sealed, only_sealed=only_sealed)
            if problem is not None:
                breaks.append(problem)
            for addendum in record.addenda:
                problem = _addendum_problem(record, addendum, signatures, only_sealed)
                if problem is not None:
                    breaks.append(problem)
        if progress is not None:
            progress(min(done + checked, total), total)
    for sid, sealed in sorted(signatures.sessions.items()):
        breaks.append(_unsigned(sid, sealed))
    for aid, sealed in sorted(signatures.addenda.items()):
        breaks.append(
            Break(
                BreakKind.SIGNED_RECORD,
                f"Addendum {aid} of session {sealed.session_id} was signed (event "
                f"{sealed.event}) but is no longer in the database.",
                sealed.event,
                sealed.event,
            )
        )
    return checked


def _unsigned(session_id: int, sealed: _Sealed) -> Break:
    return Break(
        BreakKind.SIGNED_RECORD,
        f"Session {session_id} was signed (event {sealed.event}) but the database no longer "
        "holds it as signed: it was unsigned or deleted behind the program's back.",
        sealed.event,
        sealed.event,
    )


def _session_problem(
    record: sr.SessionRows, sealed: _Sealed | None, *, only_sealed: bool
) -> Break | None:
    sid, stored = record.id, record.content_hash
    if sealed is None:
        recomputed = {sr.session_hash(record), sr.legacy_session_hash(record)}
    elif sealed.scheme >= 2:
        recomputed = {sr.session_hash(record)}
    else:
        recomputed = {sr.legacy_session_hash(record)}
    at = sealed.event if sealed is not None else None
    if stored not in recomputed:
        return Break(
            BreakKind.SIGNED_RECORD,
            f"Signed session {sid} was changed after it was signed: its stored record no "
            "longer matches the content hash written at signing.",
            at,
            at,
        )
    if sealed is None:
        if only_sealed:
            return None
        return Break(
            BreakKind.SIGNED_RECORD,
            f"Signed session {sid} has no signing event in the audit trail: it was signed "
            "outside AcuDesk.",
        )
    if sealed.content_hash != stored:
        return Break(
            BreakKind.SIGNED_RECORD,
            f"Signed session {sid}: the content hash stored with it is not the one the audit "
            f"trail sealed when it was signed (event {sealed.event}): the record and its hash "
            "were rewritten.",
            at,
            at,
        )
    return None


def _addendum_problem(
    record: sr.SessionRows,
    addendum: dict[str, Any],
    signatures: _Signatures,
    only_sealed: bool,
) -> Break | None:
    aid = int(addendum["id"])
    sealed = signatures.addenda.pop(aid, None)
    if sealed is None and only_sealed:
        return None
    stored = addendum["content_hash"]
    legacy = sr.legacy_addendum_hash(
        record.id, record.content_hash, addendum["text"], addendum["written_at"]
    )
    current = sr.addendum_hash(
        session_id=record.id,
        session_hash=record.content_hash,
        text=addendum["text"],
        written_by=addendum["written_by"],
        written_at=addendum["written_at"],
        signed_at=addendum["signed_at"],
    )
    if sealed is None:
        recomputed = {current, legacy}
    else:
        recomputed = {current} if sealed.scheme >= 2 else {legacy}
    where = f"addendum {aid} of signed session {record.id}"
    at = sealed.event if sealed is not None else None
    if stored not in recomputed:
        return Break(
            BreakKind.SIGNED_RECORD,
            f"The {where} was changed after it was signed.",
            at,
            at,
        )
    if sealed is None:
        return Break(
            BreakKind.SIGNED_RECORD, f"The {where} has no signing event in the audit trail."
        )
    if sealed.content_hash is not None and sealed.content_hash != stored:
        return Break(
            BreakKind.SIGNED_RECORD,
            f"The {where}: its stored hash is not the one the audit trail sealed (event "
            f"{sealed.event}).",
            at,
            at,
        )
    return None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone()
