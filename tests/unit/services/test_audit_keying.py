"""A database from before the audit key: its old SHA-256 chain is checked once, a keying point
seals its end, and the keyed MAC goes on from there; its old signatures keep verifying."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from acudesk.db.anchor import AuditKeyError, AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.db.repositories.audit import to_json
from acudesk.domain.audit_chain import KEYING_ACTION, BreakKind
from acudesk.domain.clock import FakeClock
from acudesk.domain.needles import Side
from acudesk.domain.roles import Role
from acudesk.services import signed_records
from acudesk.services.container import Services
from tests.unit.services.conftest import DOCTOR_PIN, Clinic, prepare, start
from tests.unit.services.tamper import guards_lifted, reseal_plainly


def _make_legacy(clinic: Clinic, clock: FakeClock) -> int:
    """A signed session with an addendum, then everything as AcuDesk 0.1 stored it: a plain
    SHA-256 chain, scheme-1 hashes, and no key or anchor anywhere."""
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 8.0, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    s.remove_all(clinic.nurse, view.id, "1")
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=2)
    view = s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    view = s.add_addendum(clinic.doctor, view.id, "Pain after was 3.", DOCTOR_PIN)
    old_hash = signed_records.legacy_view_hash(view)
    (addendum,) = view.addenda
    old_addendum = signed_records.legacy_addendum_hash(
        view.id, old_hash, addendum.text, addendum.written_at
    )
    db = clinic.services.db
    with guards_lifted(db) as c:
        c.execute(
            text("UPDATE treatment_sessions SET content_hash = :h WHERE id = :s"),
            {"h": old_hash, "s": view.id},
        )
        c.execute(text("UPDATE addenda SET content_hash = :h"), {"h": old_addendum})
        c.execute(
            text("UPDATE audit_events SET after = :a WHERE action = 'sign'"),
            {"a": to_json({"content_hash": old_hash})},
        )
        c.execute(
            text("UPDATE audit_events SET after = :a WHERE action = 'add addendum'"),
            {"a": to_json({"session": view.id, "text": addendum.text})},
        )
        reseal_plainly(c, from_id=1)
    db.trail.flush()  # the old trail's anchor writer is done before its files are taken away
    for path in (db.trail.key_path, db.trail.anchor_path):
        assert path is not None
        path.unlink()
    return view.id


@pytest.fixture
def reopen(db_url: str, clinic: Clinic, clock: FakeClock) -> Iterator[Services]:
    """The same database opened by this version, as after an upgrade."""
    trail = clinic.services.db.trail
    fresh = AuditTrail(trail.key_path, trail.anchor_path)
    services = Services.build(Database(make_engine(db_url), clock, trail=fresh))
    yield services
    services.close()


def _legacy_count(clinic: Clinic) -> int:
    with clinic.services.db.engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM audit_events")).scalar_one())


def test_an_old_trail_is_checked_once_then_keyed_and_goes_on_keyed(
    clinic: Clinic, clock: FakeClock, reopen: Services
) -> None:
    sid = _make_legacy(clinic, clock)
    legacy = _legacy_count(clinic)
    before = reopen.audit.verify()
    assert before.intact and "before AcuDesk sealed it with a key" in before.text
    reopen.audit.prepare()
    trail = reopen.db.trail
    assert trail.key_path is not None and trail.key_path.exists()
    assert stat.S_IMODE(os.stat(trail.key_path).st_mode) == 0o600
    point = reopen.audit.query(clinic.admin)[0]
    assert point.action == KEYING_ACTION and point.id == legacy + 1
    facts = json.loads(point.after)
    assert facts["legacy_events"] == legacy and facts["legacy_intact"] is True
    anchor = trail.read()
    assert anchor is not None and anchor.checked is not None
    assert anchor.checked.seq == point.id  # the start-up check begins after the old chain
    reopen.audit.prepare()  # keyed once only
    reopen.patients.register(clinic.nurse, clinic.services.patients.get(clinic.patient).data)
    report = reopen.audit.verify()
    assert report.intact, report.text
    assert report.events == legacy + 2 and report.sessions == 1
    assert reopen.sessions.view(sid).content_hash is not None


def test_after_keying_the_old_part_is_still_checked(
    clinic: Clinic, clock: FakeClock, reopen: Services
) -> None:
    _make_legacy(clinic, clock)
    reopen.audit.prepare()
    with guards_lifted(reopen.db) as c:
        c.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 2"))
    (problem,) = reopen.audit.verify().breaks
    assert problem.kind is BreakKind.EDITED and problem.first == 2
    assert "before the audit key" in problem.text
    with guards_lifted(reopen.db) as c:
        reseal_plainly(c, from_id=2)  # and recomputed: the keying point no longer fits
    report = reopen.audit.verify()
    kinds = {b.kind for b in report.breaks}
    assert BreakKind.KEYING in kinds or BreakKind.RESEALED in kinds, report.text


def test_an_old_trail_broken_before_keying_stays_reported(
    clinic: Clinic, clock: FakeClock, reopen: Services
) -> None:
    _make_legacy(clinic, clock)
    with guards_lifted(reopen.db) as c:
        c.execute(text("DELETE FROM audit_events WHERE id = 3"))
    reopen.audit.prepare()
    facts = json.loads(reopen.audit.query(clinic.admin)[0].after)
    assert facts["legacy_intact"] is False and "Event 4" in facts["legacy_problems"][0]
    report = reopen.audit.verify()
    assert [b.kind for b in report.breaks] == [BreakKind.BROKEN_LINK]


def test_a_workstation_without_the_key_is_refused_once_the_trail_is_keyed(
    clinic: Clinic, db_url: str, tmp_path: Path
) -> None:
    elsewhere = AuditTrail(tmp_path / "none" / "audit.key", tmp_path / "none" / "anchor.json")
    services = Services.build(Database(make_engine(db_url), trail=elsewhere))
    with pytest.raises(Exception, match="does not have"):
        services.audit.prepare()
    with pytest.raises(Exception, match="does not have"):
        services.patients.register(clinic.nurse, clinic.services.patients.get(clinic.patient).data)
    services.close()


def test_two_workstations_starting_on_an_empty_trail_with_different_keys(
    db_url: str, tmp_path: Path
) -> None:
    """The second key is refused at its first append, not mixed into the chain."""
    first, second = (
        Services.build(Database(make_engine(db_url), trail=AuditTrail(tmp_path / f"{n}.key", None)))
        for n in ("first", "second")
    )
    first.audit.prepare()
    second.audit.prepare()
    first.users.create_user(
        "admin", "Admin", [Role.ADMINISTRATOR], pin="1000", password="pw-123456"
    )
    with pytest.raises(AuditKeyError, match="not the one that sealed"):
        second.auth.log_in("admin", "pw-123456")
    assert first.audit.verify().intact
    first.close()
    second.close()
