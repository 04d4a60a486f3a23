"""What a signature covers, computed from the stored rows, at signing and at every verification.

Scheme 2 (this version): the whole session record by ids and stored values (every clinical
row of the session, who did what and when, the signer and the signing time), so a rename of
a user changes nothing and any change to a stored value changes the hash. Scheme 1 is what
AcuDesk signed before: the clinical content as the session screen showed it, without signer or
time; it is recomputed for sessions signed back then. The scheme of each signature is sealed
into its audit event (``hash_scheme``; none means 1), so nobody can pick the weaker one later.

Rows are read in batches of sessions, table by table, so checking 150,000 signed sessions takes
a few queries per batch, not a few per session.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from acudesk.db.base import Base
from acudesk.domain.clock import as_utc

HASH_SCHEME = 2
BATCH = 400

# Scheme 2's columns, fixed: a column added later joins a scheme 3, never changes scheme 2.
SESSION_COLUMNS = (
    "id",
    "course_id",
    "number",
    "planned_minutes",
    "practitioner_id",
    "started_at",
    "retention_started_at",
    "retention_started_by",
    "alarm_acknowledged_at",
    "alarm_acknowledged_by",
    "needles_out_at",
    "rest_started_at",
    "rest_ended_at",
    "rest_end_reason",
    "rest_ended_by",
    "pain_before",
    "pain_after",
    "notes",
    "outcome_recorded_at",
    "outcome_recorded_by",
    "signed_at",
    "signed_by",
)
CHILD_COLUMNS: dict[str, tuple[str, ...]] = {
    "screenings": (
        "id",
        "course_id",
        "screened_on",
        "may_start",
        "findings",
        "caution_reasons",
        "performed_by",
        "performed_at",
    ),
    "checklist_confirmations": ("id", "step", "detail", "confirmed_by", "confirmed_at"),
    "needle_packs": (
        "id",
        "gtin",
        "lot",
        "expiry",
        "material",
        "diameter_mm",
        "length_mm",
        "recorded_by",
        "recorded_at",
    ),
    "needle_insertions": (
        "id",
        "pack_id",
        "point_code",
        "side",
        "depth_mm",
        "material",
        "diameter_mm",
        "length_mm",
        "deep_confirmed",
        "inserted_by",
        "inserted_at",
    ),
    "incidents": (
        "id",
        "insertion_id",
        "what_happened",
        "action_taken",
        "documented_at",
        "documented_by",
        "opened_at",
        "opened_by",
    ),
    "adverse_events": (
        "id",
        "kind",
        "severity",
        "description",
        "action_taken",
        "recorded_by",
        "recorded_at",
    ),
}
REMOVAL_COLUMNS = ("id", "insertion_id", "condition", "bleeding", "removed_by", "removed_at")
ADDENDUM_COLUMNS = ("id", "session_id", "text", "written_by", "written_at", "signed_at")
_TABLES: dict[str, Table] = {t.name: t for t in Base.metadata.sorted_tables}


@dataclass
class SessionRows:
    """One session's stored rows, each a dict of column values, oldest first."""

    session: dict[str, Any]
    patient_id: int
    course_number: int
    content_hash: str | None
    children: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    removals: dict[int, dict[str, Any]] = field(default_factory=dict)
    addenda: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.session["id"])


def load(s: Session, session_ids: Sequence[int]) -> dict[int, SessionRows]:
    """The rows of these sessions, in a handful of queries."""
    if not session_ids:
        return {}
    ts, courses = _TABLES["treatment_sessions"], _TABLES["courses"]
    query = (
        select(
            *(ts.c[c] for c in SESSION_COLUMNS),
            ts.c.content_hash,
            courses.c.patient_id,
            courses.c.number.label("course_number"),
        )
        .join(courses, courses.c.id == ts.c.course_id)
        .where(ts.c.id.in_(session_ids))
    )
    found: dict[int, SessionRows] = {}
    for row in s.execute(query).mappings():
        values = {c: row[c] for c in SESSION_COLUMNS}
        found[int(row["id"])] = SessionRows(
            values, int(row["patient_id"]), int(row["course_number"]), row["content_hash"]
        )
    for name, columns in CHILD_COLUMNS.items():
        table = _TABLES[name]
        query = (
            select(table.c.session_id, *(table.c[c] for c in columns))
            .where(table.c.session_id.in_(session_ids))
            .order_by(table.c.id)
        )
        for row in s.execute(query).mappings():
            if row["session_id"] in found:
                found[row["session_id"]].children[name].append({c: row[c] for c in columns})
    removals, insertions = _TABLES["needle_removals"], _TABLES["needle_insertions"]
    query = (
        select(insertions.c.session_id, *(removals.c[c] for c in REMOVAL_COLUMNS))
        .join(insertions, insertions.c.id == removals.c.insertion_id)
        .where(insertions.c.session_id.in_(session_ids))
    )
    for row in s.execute(query).mappings():
        found[row["session_id"]].removals[row["insertion_id"]] = {
            c: row[c] for c in REMOVAL_COLUMNS
        }
    addenda = _TABLES["addenda"]
    query = (
        select(*(addenda.c[c] for c in ADDENDUM_COLUMNS), addenda.c.content_hash)
        .where(addenda.c.session_id.in_(session_ids))
        .order_by(addenda.c.id)
    )
    for row in s.execute(query).mappings():
        found[row["session_id"]].addenda.append(dict(row))
    return found


def in_batches(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    batch: list[int] = []
    for value in ids:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- scheme 2 --------------------------------------------------------------------------------


def session_hash(
    rows: SessionRows, *, signed_by: int | None = None, signed_at: datetime | None = None
) -> str:
    """Scheme 2. ``signed_by``/``signed_at`` stand in for the values being written at signing."""
    session = dict(rows.session)
    if signed_by is not None:
        session["signed_by"] = signed_by
    if signed_at is not None:
        session["signed_at"] = signed_at
    removals = rows.removals
    payload = {
        "scheme": 2,
        "session": _values(session),
        "patient": rows.patient_id,
        "course_number": rows.course_number,
        **{name: [_values(r) for r in rows.children[name]] for name in CHILD_COLUMNS},
        "removals": [
            _values(removals[n["id"]])
            for n in rows.children["needle_insertions"]
            if n["id"] in removals
        ],
    }
    return _digest(payload)


def addendum_hash(
    *,
    session_id: int,
    session_hash: str | None,
    text: str,
    written_by: int,
    written_at: datetime,
    signed_at: datetime | None,
) -> str:
    """Scheme 2 for an addendum: it, its author and time, and the signed record it corrects."""
    return _digest(
        {
            "scheme": 2,
            "addendum_of": session_id,
            "session_hash": session_hash,
            "text": text,
            "written_by": written_by,
            "written_at": _value(written_at),
            "signed_at": _value(signed_at),
        }
    )


# -- scheme 1, as signed before --------------------------------------------------------------


def legacy_session_hash(rows: SessionRows) -> str:
    """Scheme 1 recomputed from the rows: the payload acudesk 0.1 built from its session view."""
    session, children = rows.session, rows.children
    needles = children["needle_insertions"]
    by_id = {n["id"]: n for n in needles}

    def iso(value: datetime | None) -> str | None:
        return as_utc(value).isoformat() if value is not None else None

    def label(insertion_id: int | None) -> str:
        needle = by_id.get(insertion_id) if insertion_id else None
        if needle is None:
            return "needle"
        return f"{needle['point_code']} {needle['side']}".replace(" midline", "")

    payload = {
        "session": session["id"],
        "patient": rows.patient_id,
        "course": rows.course_number,
        "number": session["number"],
        "planned_minutes": session["planned_minutes"],
        "checks": [
            (c["step"], c["detail"], iso(c["confirmed_at"]))
            for c in children["checklist_confirmations"]
        ],
        "packs": [(p["lot"], p["expiry"].isoformat()) for p in children["needle_packs"]],
        "needles": [
            (
                n["point_code"],
                n["side"],
                n["depth_mm"],
                n["material"],
                n["diameter_mm"],
                n["length_mm"],
                iso(n["inserted_at"]),
                iso(rows.removals[n["id"]]["removed_at"]) if n["id"] in rows.removals else None,
                rows.removals[n["id"]]["condition"] if n["id"] in rows.removals else None,
                rows.removals[n["id"]]["bleeding"] if n["id"] in rows.removals else False,
            )
            for n in needles
        ],
        "retention": [iso(session["retention_started_at"]), iso(session["needles_out_at"])],
        "rest": [iso(session["rest_ended_at"]), session["rest_end_reason"]],
        "pain": [session["pain_before"], session["pain_after"]],
        "notes": session["notes"],
        "incidents": [
            (label(i["insertion_id"]), i["what_happened"], i["action_taken"])
            for i in children["incidents"]
        ],
        "adverse_events": [
            (e["kind"], e["severity"], e["description"], e["action_taken"])
            for e in children["adverse_events"]
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def legacy_view_hash(view: Any) -> str:
    """Scheme 1 exactly as acudesk 0.1 computed it from the session view at signing (kept for
    the benchmark's generator and to prove `legacy_session_hash` computes the same)."""
    payload = {
        "session": view.id,
        "patient": view.patient_id,
        "course": view.course_number,
        "number": view.number,
        "planned_minutes": view.planned_minutes,
        "checks": [(c.step, c.detail, c.confirmed_at.isoformat()) for c in view.checks],
        "packs": [(p.lot, p.expiry.isoformat()) for p in view.packs],
        "needles": [
            (
                n.point_code,
                n.side,
                n.depth_mm,
                n.material,
                n.diameter_mm,
                n.length_mm,
                n.inserted_at.isoformat(),
                n.removed_at.isoformat() if n.removed_at else None,
                n.condition,
                n.bleeding,
            )
            for n in view.needles
        ],
        "retention": [
            view.retention_started_at.isoformat() if view.retention_started_at else None,
            view.needles_out_at.isoformat() if view.needles_out_at else None,
        ],
        "rest": [
            view.rest_ended_at.isoformat() if view.rest_ended_at else None,
            view.rest_end_reason,
        ],
        "pain": [view.pain_before, view.pain_after],
        "notes": view.notes,
        "incidents": [(i.needle, i.what_happened, i.action_taken) for i in view.incidents],
        "adverse_events": [
            (e.kind, e.severity, e.description, e.action_taken) for e in view.adverse_events
        ],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def legacy_addendum_hash(
    session_id: int, session_hash: str | None, text: str, written_at: datetime
) -> str:
    return hashlib.sha256(
        json.dumps([session_id, session_hash, text, as_utc(written_at).isoformat()]).encode()
    ).hexdigest()


# -- plumbing --------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _values(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _value(v) for k, v in row.items()}


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
