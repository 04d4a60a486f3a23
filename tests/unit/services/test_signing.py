"""A signature means something: the signer types their PIN or password again (21 CFR 11.200),
a wrong one counts like a failed log-in, and the hash covers the whole record, signer and time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from acudesk.db import models as m
from acudesk.domain.audit_chain import BreakKind
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import PermissionDenied, SignatureRefused
from acudesk.domain.needles import Condition, Side
from acudesk.services import signed_records
from acudesk.services.sessions import AdverseEventInput
from tests.unit.services.conftest import DOCTOR_PIN, NURSE_PIN, Clinic, prepare, start
from tests.unit.services.tamper import guards_lifted


def _ready_to_sign(clinic: Clinic, clock: FakeClock) -> int:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 8.0, view.packs[0].id)
    s.insert_needle(clinic.doctor, view.id, "GB20", Side.RIGHT, 8.0, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    view = s.view(view.id)
    s.remove_needle(clinic.nurse, view.id, view.needles[0].id, Condition.BROKEN, bleeding=False)
    view = s.view(view.id)
    s.document_incident(
        clinic.nurse, view.id, view.incidents[0].id, "Tip broke", "Fragment removed"
    )
    s.remove_needle(clinic.nurse, view.id, view.needles[1].id, Condition.INTACT, bleeding=True)
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(
        clinic.doctor,
        view.id,
        pain_before=6,
        pain_after=3,
        notes="Tolerated well.",
        adverse_events=[AdverseEventInput("bleeding", "mild", "Small bleed", "Pressed 1 min")],
    )
    return view.id


def _failures(clinic: Clinic, user_id: int) -> int:
    with clinic.services.db.reading() as s:
        user = s.get(m.User, user_id)
        assert user is not None
        return user.failed_attempts


def test_signing_needs_the_signers_pin_or_password(clinic: Clinic, clock: FakeClock) -> None:
    sid = _ready_to_sign(clinic, clock)
    s = clinic.services.sessions
    with pytest.raises(SignatureRefused, match="PIN or password is not correct"):
        s.sign(clinic.doctor, sid, "0000")
    assert s.view(sid).signed_at is None
    assert _failures(clinic, clinic.doctor) == 1
    events = clinic.services.audit.query(clinic.admin)
    assert events[0].action == "failed signature" and events[0].entity_id == sid
    view = s.sign(clinic.doctor, sid, "password-1")  # the password works as well as the PIN
    assert view.signed_at == clock.now() and view.signed_by == "Dr Elena Ivanova"
    assert _failures(clinic, clinic.doctor) == 0
    assert clinic.services.audit.verify().intact


def test_wrong_signing_pins_lock_the_account_like_wrong_log_ins(
    clinic: Clinic, clock: FakeClock
) -> None:
    sid = _ready_to_sign(clinic, clock)
    s = clinic.services.sessions
    for _attempt in range(5):
        with pytest.raises(SignatureRefused) as refused:
            s.sign(clinic.doctor, sid, "9999")
    assert "waits 30 seconds" in str(refused.value)
    with pytest.raises(SignatureRefused, match="can sign again in"):
        s.sign(clinic.doctor, sid, DOCTOR_PIN)  # even the right PIN waits
    with pytest.raises(PermissionDenied, match="Too many wrong attempts"):
        clinic.services.auth.switch_user(clinic.doctor, DOCTOR_PIN)  # and so does log-in
    assert s.view(sid).signed_at is None
    clock.advance(seconds=31)
    assert s.sign(clinic.doctor, sid, DOCTOR_PIN).signed_at is not None


def test_a_role_or_stage_refusal_comes_before_the_pin_and_counts_nothing(
    clinic: Clinic, clock: FakeClock
) -> None:
    sid = _ready_to_sign(clinic, clock)
    with pytest.raises(PermissionDenied, match="acupuncturist"):
        clinic.services.sessions.sign(clinic.nurse, sid, NURSE_PIN)
    assert _failures(clinic, clinic.nurse) == 0


def test_an_addendum_is_signed_with_the_pin_too(clinic: Clinic, clock: FakeClock) -> None:
    sid = _ready_to_sign(clinic, clock)
    s = clinic.services.sessions
    s.sign(clinic.doctor, sid, DOCTOR_PIN)
    with pytest.raises(SignatureRefused):
        s.add_addendum(clinic.doctor, sid, "Pain after was 4.", "1234")
    assert s.view(sid).addenda == ()
    assert _failures(clinic, clinic.doctor) == 1
    clock.advance(minutes=2)
    (addendum,) = s.add_addendum(clinic.doctor, sid, "Pain after was 4.", DOCTOR_PIN).addenda
    assert addendum.written_at == clock.now()
    assert clinic.services.audit.verify().intact


def test_the_content_hash_covers_the_whole_record_the_signer_and_the_time(
    clinic: Clinic, clock: FakeClock
) -> None:
    sid = _ready_to_sign(clinic, clock)
    view = clinic.services.sessions.sign(clinic.doctor, sid, DOCTOR_PIN)
    with clinic.services.db.reading() as s:
        rows = signed_records.load(s, [sid])[sid]
    assert signed_records.session_hash(rows) == view.content_hash
    assert signed_records.session_hash(rows, signed_by=clinic.nurse) != view.content_hash
    later = clock.now() + timedelta(seconds=1)
    assert signed_records.session_hash(rows, signed_at=later) != view.content_hash
    for table, column, value in (
        ("treatment_sessions", "signed_by", clinic.admin),
        ("treatment_sessions", "alarm_acknowledged_by", clinic.nurse),
        ("needle_removals", "removed_by", clinic.doctor),
        ("checklist_confirmations", "confirmed_by", clinic.doctor),
        ("incidents", "action_taken", "Nothing"),
        ("screenings", "findings", "none"),
    ):
        with guards_lifted(clinic.services.db) as c:
            saved = c.execute(text(f"SELECT id, {column} FROM {table}")).all()
            c.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": value})
        report = clinic.services.audit.verify()
        assert [b.kind for b in report.breaks] == [BreakKind.SIGNED_RECORD], (table, report.text)
        with guards_lifted(clinic.services.db) as c:
            for row_id, old in saved:
                c.execute(
                    text(f"UPDATE {table} SET {column} = :v WHERE id = :i"), {"v": old, "i": row_id}
                )
        assert clinic.services.audit.verify().intact, table


def test_scheme_1_recomputed_from_the_rows_is_what_the_old_view_based_hash_gave(
    clinic: Clinic, clock: FakeClock
) -> None:
    """Sessions signed by AcuDesk 0.1 keep verifying: their hash is recomputed the old way."""
    sid = _ready_to_sign(clinic, clock)
    view = clinic.services.sessions.sign(clinic.doctor, sid, DOCTOR_PIN)
    assert view.incidents and view.adverse_events and any(n.bleeding for n in view.needles)
    with clinic.services.db.reading() as s:
        rows = signed_records.load(s, [sid])[sid]
        addendum = s.scalars(select(m.Addendum)).first()
    assert addendum is None
    assert signed_records.legacy_session_hash(rows) == signed_records.legacy_view_hash(view)
