"""A signed session is refused by the database itself, and the audit trail shows tampering."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import Side
from tests.unit.services.conftest import DOCTOR_PIN, Clinic, prepare, start


def _signed_session(clinic: Clinic, clock: FakeClock) -> int:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 8.0, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    s.remove_all(clinic.nurse, view.id, "1")
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=2)
    s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    return view.id


RAW_EDITS = [
    "UPDATE treatment_sessions SET pain_after = 0 WHERE id = :sid",
    "UPDATE treatment_sessions SET signed_at = NULL WHERE id = :sid",
    "DELETE FROM treatment_sessions WHERE id = :sid",
    "UPDATE needle_insertions SET depth_mm = 3 WHERE session_id = :sid",
    "DELETE FROM needle_removals WHERE insertion_id IN "
    "(SELECT id FROM needle_insertions WHERE session_id = :sid)",
    "UPDATE needle_removals SET condition = 'broken' WHERE insertion_id IN "
    "(SELECT id FROM needle_insertions WHERE session_id = :sid)",
    "DELETE FROM checklist_confirmations WHERE session_id = :sid",
    "INSERT INTO adverse_events (session_id, kind, severity, description, action_taken, "
    "recorded_by, recorded_at) SELECT id, 'other', 'mild', 'x', 'y', signed_by, signed_at "
    "FROM treatment_sessions WHERE id = :sid",
]


@pytest.mark.parametrize("sql", RAW_EDITS)
def test_database_refuses_raw_changes_to_a_signed_session(
    clinic: Clinic, clock: FakeClock, sql: str
) -> None:
    sid = _signed_session(clinic, clock)
    before = clinic.services.sessions.view(sid)
    with pytest.raises(DBAPIError, match="signed"), clinic.services.db.engine.begin() as c:
        c.execute(text(sql), {"sid": sid})
    assert clinic.services.sessions.view(sid) == before


def test_an_unsigned_session_can_still_be_corrected_in_the_database(
    clinic: Clinic, clock: FakeClock
) -> None:
    view = prepare(clinic, start(clinic))
    with clinic.services.db.engine.begin() as c:
        c.execute(
            text("UPDATE treatment_sessions SET notes = 'x' WHERE id = :sid"), {"sid": view.id}
        )
    assert clinic.services.sessions.view(view.id).notes == "x"


def test_addendum_keeps_the_original_visible(clinic: Clinic, clock: FakeClock) -> None:
    sid = _signed_session(clinic, clock)
    original = clinic.services.sessions.view(sid)
    clock.advance(minutes=5)
    view = clinic.services.sessions.add_addendum(
        clinic.doctor, sid, "Pain after was 3, not 2 (patient re-asked).", DOCTOR_PIN
    )
    assert view.pain_after == original.pain_after == 2
    assert view.content_hash == original.content_hash
    (addendum,) = view.addenda
    assert addendum.written_by == "Dr Elena Ivanova"
    assert addendum.written_at == original.signed_at + timedelta(minutes=5)  # type: ignore[operator]
    with pytest.raises(DBAPIError, match="signed"), clinic.services.db.engine.begin() as c:
        c.execute(text("UPDATE addenda SET text = 'changed'"))


def test_export_writes_the_signed_record_and_is_audited(
    clinic: Clinic, clock: FakeClock, tmp_path: Path
) -> None:
    sid = _signed_session(clinic, clock)
    path = clinic.services.sessions.export_record(clinic.nurse, sid, tmp_path / "exports")
    text = path.read_text(encoding="utf-8")
    assert "Maria Sokolova" in text and "GB20 left" in text and "Signed</b> by Dr Elena" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    (event,) = [r for r in clinic.services.audit.query(clinic.admin) if r.action == "export"]
    assert event.user == "Olga Smirnova" and str(path) in event.after


def test_an_unsigned_record_is_not_exported(clinic: Clinic, tmp_path: Path) -> None:
    view = start(clinic)
    folder = tmp_path / "exports"
    with pytest.raises(RuleViolation, match="signed"):
        clinic.services.sessions.export_record(clinic.doctor, view.id, folder)
    assert not folder.exists()
