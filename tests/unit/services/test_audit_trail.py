"""Every kind of tampering shows in `AuditService.verify` and `acudesk audit verify`, on SQLite
and PostgreSQL; the database refuses what it can see; the key and the anchor stay outside it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from acudesk import cli
from acudesk.db.anchor import AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, sqlite_path
from acudesk.domain.audit_chain import BreakKind, ChainReport
from acudesk.domain.clock import FakeClock
from acudesk.domain.needles import Side
from acudesk.domain.roles import Role
from acudesk.services import audit as audit_service
from acudesk.services import signed_records
from acudesk.services.container import Services
from acudesk.settings import Settings
from tests.unit.services.conftest import DOCTOR_PIN, MARIA, Clinic, prepare, start
from tests.unit.services.tamper import append_forged, guards_lifted, reseal_plainly


def _signed_session(clinic: Clinic, clock: FakeClock) -> int:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 8.0, view.packs[0].id)
    s.insert_needle(clinic.doctor, view.id, "GB20", Side.RIGHT, 8.0, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    s.remove_all(clinic.nurse, view.id, "2")
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=2, notes="Well.")
    s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    clock.advance(minutes=3)
    s.add_addendum(clinic.doctor, view.id, "Pain after 3 on re-asking.", DOCTOR_PIN)
    return view.id


@pytest.fixture
def signed(clinic: Clinic, clock: FakeClock) -> int:
    sid = _signed_session(clinic, clock)
    report = clinic.services.audit.verify()
    assert report.intact, report.text
    assert report.sessions == 1
    return sid


OTHER = replace(MARIA, full_name="Anna Petrova", date_of_birth=date(1990, 5, 2))


def _kinds(report: ChainReport) -> set[BreakKind]:
    return {b.kind for b in report.breaks}


def _last_id(clinic: Clinic) -> int:
    with clinic.services.db.engine.connect() as c:
        return int(c.execute(text("SELECT max(id) FROM audit_events")).scalar_one())


# -- the database refuses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET after = '{}' WHERE id = 3",
        "DELETE FROM audit_events WHERE id = 3",
        "DELETE FROM audit_events",
    ],
)
def test_audit_events_are_append_only_in_the_database(
    clinic: Clinic, signed: int, sql: str
) -> None:
    before = len(clinic.services.audit.query(clinic.admin))
    with pytest.raises(DBAPIError, match="append-only"), clinic.services.db.engine.begin() as c:
        c.execute(text(sql))
    assert len(clinic.services.audit.query(clinic.admin)) == before


def test_postgresql_refuses_truncating_the_audit_trail_and_signed_records(
    clinic: Clinic, signed: int
) -> None:
    if clinic.services.db.dialect != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    for table, message in (("audit_events", "append-only"), ("needle_insertions", "signed")):
        with pytest.raises(DBAPIError, match=message), clinic.services.db.engine.begin() as c:
            c.execute(text(f"TRUNCATE {table} CASCADE"))
    assert clinic.services.audit.verify().intact


REPLACES = [
    # The signed session itself, by id and by its (course, number).
    "INSERT OR REPLACE INTO treatment_sessions (id, course_id, number, planned_minutes, "
    "practitioner_id, started_at, rest_end_reason, notes, version_id) SELECT id, course_id, "
    "number, planned_minutes, practitioner_id, started_at, '', '', 1 FROM treatment_sessions "
    "WHERE id = :sid",
    "INSERT OR REPLACE INTO treatment_sessions (course_id, number, planned_minutes, "
    "practitioner_id, started_at, rest_end_reason, notes, version_id) SELECT course_id, "
    "number, planned_minutes, practitioner_id, started_at, '', '', 1 FROM treatment_sessions "
    "WHERE id = :sid",
    # A signed needle replaced by one of the same id (a new depth).
    "INSERT OR REPLACE INTO needle_insertions (id, session_id, pack_id, point_code, side, "
    "depth_mm, material, diameter_mm, length_mm, deep_confirmed, inserted_by, inserted_at) "
    "SELECT id, session_id, pack_id, point_code, side, 3, material, diameter_mm, length_mm, "
    "deep_confirmed, inserted_by, inserted_at FROM needle_insertions WHERE session_id = :sid",
    "INSERT OR REPLACE INTO needle_removals (id, insertion_id, condition, bleeding, removed_by, "
    "removed_at) SELECT id, insertion_id, 'broken', bleeding, removed_by, removed_at "
    "FROM needle_removals",
    "INSERT OR REPLACE INTO checklist_confirmations (id, session_id, step, detail, "
    "confirmed_by, confirmed_at) SELECT id, session_id, step, 'x', confirmed_by, confirmed_at "
    "FROM checklist_confirmations WHERE session_id = :sid",
    "INSERT OR REPLACE INTO addenda (id, session_id, text, written_by, written_at, signed_at, "
    "content_hash) SELECT id, session_id, 'changed', written_by, written_at, signed_at, "
    "content_hash FROM addenda",
    "INSERT OR REPLACE INTO audit_events (id, at, user_id, workstation, action, entity, "
    "entity_id, patient_id, before, after, prev_hash, hash) SELECT id, at, user_id, "
    "workstation, action, entity, entity_id, patient_id, before, '{}', prev_hash, hash "
    "FROM audit_events WHERE id = 3",
]


@pytest.mark.parametrize("sql", REPLACES)
@pytest.mark.parametrize("recursive_triggers", [False, True])
def test_sqlite_replace_cannot_change_a_signed_record(
    request: pytest.FixtureRequest, db_url: str, sql: str, recursive_triggers: bool
) -> None:
    """A raw sqlite3 connection, as the sqlite3 shell opens it (recursive_triggers off), and
    one with it on, as AcuDesk's own connections have it."""
    path = sqlite_path(db_url)
    if path is None:
        pytest.skip("REPLACE is SQLite's; PostgreSQL's ON CONFLICT is tested below")
    clinic: Clinic = request.getfixturevalue("clinic")
    signed: int = request.getfixturevalue("signed")
    before = clinic.services.sessions.view(signed)
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA recursive_triggers={'ON' if recursive_triggers else 'OFF'}")
    with pytest.raises(sqlite3.DatabaseError, match=r"signed|append-only"):
        raw.execute(sql.replace(":sid", str(signed)))
    raw.rollback()
    raw.close()
    assert clinic.services.sessions.view(signed) == before
    assert clinic.services.audit.verify().intact


def test_sqlite_a_child_row_cannot_be_moved_into_a_signed_session(
    clinic: Clinic, signed: int, clock: FakeClock
) -> None:
    if clinic.services.db.dialect != "sqlite":
        pytest.skip("PostgreSQL's guard checks both sessions already (0002)")
    other = prepare(
        clinic, start(clinic, clinic.services.patients.register(clinic.nurse, OTHER).id)
    )
    with pytest.raises(DBAPIError, match="signed"), clinic.services.db.engine.begin() as c:
        c.execute(
            text("UPDATE checklist_confirmations SET session_id = :s WHERE session_id = :o"),
            {"s": signed, "o": other.id},
        )


def test_postgresql_on_conflict_cannot_change_a_signed_session(clinic: Clinic, signed: int) -> None:
    if clinic.services.db.dialect != "postgresql":
        pytest.skip("ON CONFLICT is PostgreSQL's")
    with pytest.raises(DBAPIError, match="signed"), clinic.services.db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO treatment_sessions (id, course_id, number, planned_minutes, "
                "practitioner_id, started_at, rest_end_reason, notes, version_id) SELECT id, "
                "course_id, number, planned_minutes, practitioner_id, started_at, '', '', 1 "
                "FROM treatment_sessions WHERE id = :sid ON CONFLICT (id) DO UPDATE SET "
                "signed_at = NULL, pain_after = 0"
            ),
            {"sid": signed},
        )


# -- the check finds -------------------------------------------------------------------------


def test_an_edited_event_is_found(clinic: Clinic, signed: int) -> None:
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 3"))
    report = clinic.services.audit.verify()
    assert not report.intact
    (problem,) = report.breaks
    assert problem.kind is BreakKind.EDITED and problem.first == 3
    assert "Event 3 was edited" in report.text


def test_a_deleted_middle_event_is_found(clinic: Clinic, signed: int) -> None:
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("DELETE FROM audit_events WHERE id = 5"))
    (problem,) = clinic.services.audit.verify().breaks
    assert problem.kind is BreakKind.MISSING and (problem.first, problem.last) == (5, 5)


def test_a_deleted_tail_is_found_by_the_anchor(clinic: Clinic, signed: int) -> None:
    last = _last_id(clinic)
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("DELETE FROM audit_events WHERE id >= :i"), {"i": last - 1})
    report = clinic.services.audit.verify()
    kinds = _kinds(report)
    assert BreakKind.TAIL_DELETED in kinds, report.text
    tail = next(b for b in report.breaks if b.kind is BreakKind.TAIL_DELETED)
    assert (tail.first, tail.last) == (last - 1, last)
    # The addendum's signing event went with the tail: the signed addendum now has none.
    assert BreakKind.SIGNED_RECORD in kinds


def test_a_forged_event_with_a_correct_plain_hash_is_found(clinic: Clinic, signed: int) -> None:
    with guards_lifted(clinic.services.db) as c:
        forged = append_forged(c)
    (problem,) = clinic.services.audit.verify().breaks
    assert problem.kind is BreakKind.FORGED and problem.first == forged
    assert "plain SHA-256" in problem.text


def test_a_chain_recomputed_without_the_key_is_found(clinic: Clinic, signed: int) -> None:
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 4"))
        reseal_plainly(c, from_id=4)
    report = clinic.services.audit.verify()
    (problem,) = report.breaks
    assert problem.kind is BreakKind.RESEALED
    assert (problem.first, problem.last) == (4, _last_id(clinic))
    assert "recomputed without the audit key" in report.text


def test_a_chain_recomputed_without_the_key_from_the_first_event_is_found(
    clinic: Clinic, signed: int
) -> None:
    """Everything re-sealed as if written before the key: the anchor knows the trail was keyed."""
    with guards_lifted(clinic.services.db) as c:
        reseal_plainly(c, from_id=1)
    report = clinic.services.audit.verify()
    assert BreakKind.RESEALED in _kinds(report), report.text


def test_reordered_rows_are_found(clinic: Clinic, signed: int) -> None:
    with guards_lifted(clinic.services.db) as c:
        for sql in (
            "UPDATE audit_events SET id = -3 WHERE id = 3",
            "UPDATE audit_events SET id = 3 WHERE id = 4",
            "UPDATE audit_events SET id = 4 WHERE id = -3",
        ):
            c.execute(text(sql))
    (problem,) = clinic.services.audit.verify().breaks
    assert problem.kind is BreakKind.REORDERED and (problem.first, problem.last) == (3, 4)


def test_a_signed_needle_depth_changed_behind_the_programs_back_is_found(
    clinic: Clinic, signed: int
) -> None:
    with guards_lifted(clinic.services.db) as c:
        c.execute(
            text("UPDATE needle_insertions SET depth_mm = 12 WHERE session_id = :s AND id = 1"),
            {"s": signed},
        )
    report = clinic.services.audit.verify()
    (problem,) = report.breaks
    assert problem.kind is BreakKind.SIGNED_RECORD
    assert f"Signed session {signed} was changed after it was signed" in problem.text
    # And the triggers are back: the same change through the database is refused again.
    with pytest.raises(DBAPIError, match="signed"), clinic.services.db.engine.begin() as c:
        c.execute(
            text("UPDATE needle_insertions SET depth_mm = 8 WHERE session_id = :s"), {"s": signed}
        )


def test_a_signed_record_rewritten_with_its_hash_recomputed_is_found(
    clinic: Clinic, signed: int
) -> None:
    db = clinic.services.db
    with guards_lifted(db) as c:
        c.execute(text("UPDATE treatment_sessions SET pain_after = 0 WHERE id = :s"), {"s": signed})
    with db.reading() as s:
        rows = signed_records.load(s, [signed])[signed]
        forged = signed_records.session_hash(rows)
    with guards_lifted(db) as c:
        c.execute(
            text("UPDATE treatment_sessions SET content_hash = :h WHERE id = :s"),
            {"h": forged, "s": signed},
        )
    report = clinic.services.audit.verify()
    assert {b.kind for b in report.breaks} == {BreakKind.SIGNED_RECORD}
    assert f"Signed session {signed}: the content hash stored with it is not the one" in report.text
    # The addendum's hash covers the record it corrects: it no longer matches either.
    assert "addendum 1 of signed session" in report.text


def test_a_signed_session_unsigned_behind_the_programs_back_is_found(
    clinic: Clinic, signed: int
) -> None:
    with guards_lifted(clinic.services.db) as c:
        c.execute(
            text("UPDATE treatment_sessions SET signed_at = NULL WHERE id = :s"), {"s": signed}
        )
    report = clinic.services.audit.verify()
    assert any("no longer holds it as signed" in b.text for b in report.breaks), report.text


def test_an_edited_addendum_is_found(clinic: Clinic, signed: int) -> None:
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("UPDATE addenda SET text = 'Pain after 0.'"))
    (problem,) = clinic.services.audit.verify().breaks
    assert problem.kind is BreakKind.SIGNED_RECORD and "addendum" in problem.text


# -- the key and the anchor --------------------------------------------------------------------


def test_key_and_anchor_are_private_files_beside_a_sqlite_database(
    clinic: Clinic, signed: int
) -> None:
    trail = clinic.services.db.trail
    if clinic.services.db.dialect != "sqlite":
        assert trail.key_path is not None and "servers" in trail.key_path.parts
    assert trail.key_path is not None and trail.anchor_path is not None
    for path in (trail.key_path, trail.anchor_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    anchor = json.loads(trail.anchor_path.read_text())["body"]
    assert anchor["head"]["seq"] == _last_id(clinic)
    assert anchor["checked"]["seq"] == _last_id(clinic)  # the intact verify left a checkpoint
    assert anchor["keyed_from"] == 1


def test_a_rolled_back_action_does_not_move_the_anchor(clinic: Clinic, signed: int) -> None:
    trail = clinic.services.db.trail
    head = trail.read()
    with pytest.raises(Exception, match="already in use"):
        clinic.services.users.create_user(
            "doc",
            "Dr Again",
            [Role.NURSE],
            pin="1234",
            password="pw-123456",
            created_by=clinic.admin,
        )
    assert trail.read() == head


def test_verify_without_the_key_says_so(clinic: Clinic, signed: int, db_url: str) -> None:
    trail = clinic.services.db.trail
    assert trail.key_path is not None
    trail.key_path.rename(trail.key_path.with_name("moved-away.key"))
    fresh = AuditTrail(trail.key_path, trail.anchor_path)
    report = Services.build(Database(make_engine(db_url), trail=fresh)).audit.verify()
    assert BreakKind.KEY in _kinds(report)
    assert "not on this workstation" in report.text


def test_another_key_is_refused_at_start_up_and_flagged_by_verify(
    clinic: Clinic, signed: int, db_url: str, tmp_path: Path
) -> None:
    other = AuditTrail(tmp_path / "other.key", tmp_path / "other-anchor.json")
    other.key(create=True)
    services = Services.build(Database(make_engine(db_url), trail=other))
    with pytest.raises(Exception, match="not the one that sealed"):
        services.audit.prepare()
    report = services.audit.verify()
    assert BreakKind.EDITED in _kinds(report) or BreakKind.RESEALED in _kinds(report)
    services.close()


def test_an_edited_anchor_file_is_flagged(clinic: Clinic, signed: int) -> None:
    trail = clinic.services.db.trail
    assert trail.anchor_path is not None
    data = json.loads(trail.anchor_path.read_text())
    data["body"]["head"]["seq"] = 3
    trail.anchor_path.write_text(json.dumps(data))
    report = clinic.services.audit.verify()
    assert BreakKind.ANCHOR in _kinds(report), report.text
    clinic.services.patients.register(clinic.nurse, OTHER)  # the next commit sets it aside
    trail.flush()
    (copy,) = trail.anchor_path.parent.glob(trail.anchor_path.name + ".damaged-*")
    report = clinic.services.audit.verify()
    assert [b.kind for b in report.breaks] == [BreakKind.ANCHOR]
    assert str(copy) in report.text


# -- the start-up check, the CLI and a worker thread -------------------------------------------


def test_start_up_check_reads_only_what_came_after_the_checkpoint(
    clinic: Clinic, signed: int, clock: FakeClock
) -> None:
    audit = clinic.services.audit
    clinic.services.patients.register(clinic.nurse, OTHER)
    report = audit.verify_recent()
    assert report.intact and report.events == 1 and report.since == _last_id(clinic) - 1
    assert audit.verify_recent().events == 0  # the checkpoint moved on
    with guards_lifted(clinic.services.db) as c:
        forged = append_forged(c)
    report = audit.verify_recent()
    assert [b.kind for b in report.breaks] == [BreakKind.FORGED]
    assert report.breaks[0].first == forged


def test_start_up_check_sees_a_deleted_tail_and_a_rewritten_checkpoint(
    clinic: Clinic, signed: int
) -> None:
    last = _last_id(clinic)
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": last})
    assert BreakKind.TAIL_DELETED in _kinds(clinic.services.audit.verify_recent())


def test_cli_verify_reports_each_break_and_exits_non_zero(
    clinic: Clinic,
    signed: int,
    db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings(database_url=db_url)
    assert cli.verify_audit(settings) == 0
    assert "intact" in capsys.readouterr().out
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 3"))
        c.execute(text("DELETE FROM audit_events WHERE id = 6"))
        c.execute(
            text("UPDATE needle_insertions SET depth_mm = 12 WHERE session_id = :s"), {"s": signed}
        )
    assert cli.verify_audit(settings) == 1
    captured = capsys.readouterr()
    assert "Event 3 was edited" in captured.out
    assert "Events 6 are missing" in captured.out or "Events 6..6" in captured.out
    assert f"Signed session {signed} was changed" in captured.out
    assert captured.err.startswith("Checked ")  # the final line; the bar only on a terminal


def test_verify_runs_in_a_worker_thread_with_progress(clinic: Clinic, signed: int) -> None:
    seen: list[tuple[int, int]] = []
    result: list[ChainReport] = []
    worker = threading.Thread(
        target=lambda: result.append(clinic.services.audit.verify(lambda d, t: seen.append((d, t))))
    )
    worker.start()
    worker.join(60)
    (report,) = result
    assert report.intact
    total = report.events + report.sessions
    assert seen[-1] == (total, total)


def test_a_first_start_up_check_reads_only_the_newest_events(
    clinic: Clinic, signed: int, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workstation with the key but no anchor yet (a new PC in the clinic network)."""
    monkeypatch.setattr(audit_service, "RECENT_WINDOW", 5)
    key_path = clinic.services.db.trail.key_path
    newcomer = AuditTrail(key_path, tmp_path / "new-anchor.json")
    services = Services.build(Database(make_engine(db_url), trail=newcomer))
    report = services.audit.verify_recent()
    assert report.intact and report.events == 5 and report.since == _last_id(clinic) - 5
    assert "No check had run on this workstation yet" in report.text
    assert services.audit.verify_recent().events == 0  # from now on, from its checkpoint
    services.close()
