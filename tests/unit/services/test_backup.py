"""Backups, the restore drill, and the start-up checks that catch a lost or damaged file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import time
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, sqlite_path
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import RuleViolation
from acudesk.domain.needles import Side
from acudesk.domain.roles import Role
from acudesk.services.backup import BackupService, read_manifest, verify_backup
from acudesk.services.container import Services
from acudesk.services.restore import restore
from acudesk.services.session_view import SessionView
from acudesk.services.startup import MarkerKeeper, StorageGuard
from tests.unit.services.conftest import DOCTOR_PIN, Clinic, prepare, start
from tests.unit.services.tamper import guards_lifted

POINTS = ["GB20", "BL23", "BL25", "SI14", "SI15", "BL11", "BL13", "LI4", "ST36", "BL40", "GB34"]


@pytest.fixture
def sqlite_url(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("a SQLite file: backups of a server are pg_dump archives (tested below)")
    return db_url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _next_session(clinic: Clinic) -> SessionView:
    """The patient's next session: the course is planned the first time."""
    try:
        return clinic.services.sessions.start_session(clinic.doctor, clinic.patient)
    except RuleViolation:
        return start(clinic)


def _signed_session(clinic: Clinic, clock: FakeClock) -> int:
    s = clinic.services.sessions
    view = prepare(clinic, _next_session(clinic))
    for point in POINTS[:3]:
        view = s.insert_needle(clinic.doctor, view.id, point, Side.LEFT, 6.0, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    s.remove_all(clinic.nurse, view.id, "3")
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=2)
    s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    return view.id


def _needles(clinic: Clinic, session_id: int, count: int) -> set[int]:
    s = clinic.services.sessions
    view = s.view(session_id)
    pack = view.packs[0].id
    for point in POINTS[:count]:
        for side in (Side.LEFT, Side.RIGHT):
            view = s.insert_needle(clinic.doctor, session_id, point, side, 5.0, pack)
    return {n.id for n in view.needles}


def _held(url: str) -> dict[str, object]:
    """What the database holds, for before-and-after comparisons."""
    db = Database(make_engine(url))
    with db.reading() as s:
        held = {
            "sessions": sorted(s.scalars(select(m.TreatmentSession.id))),
            "signed": sorted(
                s.scalars(
                    select(m.TreatmentSession.id).where(m.TreatmentSession.signed_at.is_not(None))
                )
            ),
            "needles": sorted(s.scalars(select(m.NeedleInsertion.id))),
            "removals": sorted(s.scalars(select(m.NeedleRemoval.insertion_id))),
            "audit": s.scalar(select(func.max(m.AuditEvent.id))),
        }
    db.dispose()
    return held


def test_a_backup_is_verified_private_and_described_by_its_manifest(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    _signed_session(clinic, clock)
    service = BackupService(clinic.services.db, data_dir)
    info = service.back_up(reason="test")
    assert info.verified, info.problems
    backup = Path(info.file)
    assert backup.parent == data_dir / "backups"
    assert _mode(backup) == 0o600 and _mode(backup.with_name(backup.name + ".json")) == 0o600
    assert _mode(backup.parent) == 0o700
    manifest = read_manifest(backup)
    assert manifest == info
    assert info.counts == info.source_counts
    assert info.counts["needle_insertions"] == 3 and info.counts["treatment_sessions"] == 1
    assert "intact" in info.audit
    assert info.audit_last_id > 0
    assert len(info.sha256) == 64
    assert verify_backup(backup).ok
    assert service.latest_verified() == info
    assert service.warning() == ""


def test_a_changed_backup_fails_verification(
    clinic: Clinic, sqlite_url: str, data_dir: Path
) -> None:
    info = BackupService(clinic.services.db, data_dir).back_up()
    backup = Path(info.file)
    with backup.open("r+b") as f:
        f.seek(backup.stat().st_size - 10)
        f.write(b"tampered!!")
    result = verify_backup(backup)
    assert not result.ok
    assert any("sha256" in p for p in result.problems)


def test_backups_are_due_first_hourly_and_after_every_signed_session(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    service = BackupService(clinic.services.db, data_dir)
    assert service.due() == "first"
    assert "No verified backup" in service.warning()
    service.back_up(reason="first")
    assert service.due() is None
    _signed_session(clinic, clock)
    assert service.due() == "signed session"
    service.back_up(reason="signed session")
    assert service.due() is None
    clock.advance(minutes=61)
    assert service.due() == "hourly"
    clock.advance(minutes=24 * 60)
    warning = service.warning()
    assert "The newest verified backup is 25 h 01 min old" in warning
    assert str(service.folder) in warning


def test_the_rotation_keeps_48_hourly_and_30_daily(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    service = BackupService(clinic.services.db, data_dir)
    for _ in range(3 * 24 + 2):  # three days of backups, one every hour, plus two in one hour
        service.back_up(reason="hourly")
        clock.advance(minutes=60)
    service.back_up(reason="again")
    clock.advance(minutes=10)
    service.back_up(reason="again")
    kept = service.backups()
    hours = {b.made.replace(minute=0, second=0, microsecond=0) for b in kept}
    assert len(hours) == len(kept)  # one per hour at most
    newest = kept[-1].made
    recent = [b for b in kept if newest - b.made < timedelta(hours=48)]
    assert len(recent) == 48
    older = [b for b in kept if newest - b.made >= timedelta(hours=48)]
    assert older and len({b.made.astimezone().date() for b in older}) == len(older)
    files = {p.name for p in (data_dir / "backups").iterdir()}
    assert len(files) == 2 * len(kept)  # each with its manifest, nothing else left


def test_copies_made_before_a_migration_go_once_a_month_old_and_backed_up(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    service = BackupService(clinic.services.db, data_dir)
    database = service.database_path
    assert database is not None

    def copy_made(days_ago: int, revision: str) -> Path:
        stamp = (clock.now() - timedelta(days=days_ago)).astimezone(UTC)
        path = database.with_name(f"{database.name}.before-{revision}-{stamp:%Y%m%dT%H%M%SZ}.bak")
        path.write_bytes(b"an old copy")
        return path

    old, recent = copy_made(40, "0004"), copy_made(5, "0006")
    info = service.back_up(reason="test")
    assert info.verified, info.problems
    assert not old.exists() and recent.exists()
    assert info.removed == [str(old)] and read_manifest(Path(info.file)).removed == [str(old)]
    clock.advance(minutes=26 * 24 * 60)  # the later copy is a month old now
    assert service.back_up(reason="test").removed == [str(recent)] and not recent.exists()


def test_a_failed_backup_removes_no_copy_made_before_a_migration(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    service = BackupService(clinic.services.db, data_dir)
    database = service.database_path
    assert database is not None
    stamp = (clock.now() - timedelta(days=90)).astimezone(UTC)
    old = database.with_name(f"{database.name}.before-0004-{stamp:%Y%m%dT%H%M%SZ}.bak")
    old.write_bytes(b"an old copy")
    with guards_lifted(clinic.services.db) as c:
        c.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 1"))
    info = service.back_up(reason="test", full=True)
    assert not info.verified and info.removed == [] and old.exists()


def test_restore_drill_brings_back_everything_acknowledged(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    _signed_session(clinic, clock)
    _signed_session(clinic, clock)
    open_view = prepare(clinic, _next_session(clinic))
    needles = _needles(clinic, open_view.id, 6)  # 12 needles in, acknowledged
    assert len(needles) == 12
    service = BackupService(clinic.services.db, data_dir)
    info = service.back_up(reason="signed session")
    assert info.verified
    before = _held(sqlite_url)
    clinic.services.db.dispose()

    path = sqlite_path(sqlite_url)
    assert path is not None
    with path.open("r+b") as f:  # damage: garbage over the middle of the file
        f.seek(path.stat().st_size // 2)
        f.write(os.urandom(8192))
    guard = StorageGuard(sqlite_url, data_dir)
    report = guard.check()
    assert report.problem is not None
    assert f"acudesk restore '{info.file}'" in report.problem.text

    result = restore(Path(info.file), sqlite_url, data_dir)
    assert result.set_aside and result.set_aside[0].name.startswith(f"{path.name}.before-restore-")
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    assert _held(sqlite_url) == before
    assert guard.check().ok
    restored = Services.build(Database(make_engine(sqlite_url), clock))
    view = restored.sessions.view(open_view.id)
    assert {n.id for n in view.needles} == needles
    assert all(n.removed_at is None for n in view.needles)  # still in: the watch shows them
    assert restored.audit.verify().intact
    restored.close()


def test_a_lost_wal_after_a_crash_stops_the_start(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path, tmp_path: Path
) -> None:
    """The issue: 12 acknowledged needles were in the -wal; it was deleted after a crash;
    integrity_check said ok and the program started normally."""
    db = clinic.services.db
    guard = StorageGuard(sqlite_url, data_dir)
    guard.remember(db, now=clock.now())
    keeper = MarkerKeeper(guard, db, clock, delay_s=0.01).start()
    view = prepare(clinic, _next_session(clinic))
    _needles(clinic, view.id, 6)
    with db.reading() as s:
        newest = s.scalar(select(func.max(m.AuditEvent.id)))
    deadline = time.monotonic() + 10
    while (known := guard.known()) is None or known.audit_last_id < (newest or 0):
        assert time.monotonic() < deadline, "the marker was not brought up to date"
        time.sleep(0.02)
    keeper.stop()

    path = sqlite_path(sqlite_url)
    assert path is not None
    crash = tmp_path / "crash"
    crash.mkdir()
    for suffix in ("", "-wal", "-shm"):  # the files as a power cut leaves them
        shutil.copy(f"{path}{suffix}", crash / f"db{suffix}")
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(crash / "db", path)  # ... and the -wal deleted
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"  # as in the issue
    raw.close()
    Path(f"{path}-wal").unlink(missing_ok=True)
    Path(f"{path}-shm").unlink(missing_ok=True)

    report = guard.check()
    assert report.problem is not None
    assert "fewer records" in report.problem.what and "-wal" in report.problem.what
    assert "no verified backup" in report.problem.lost


@pytest.mark.parametrize("damage", ["emptied", "missing", "cut short", "shorter"])
def test_a_file_that_existed_is_never_silently_a_new_clinic(
    clinic: Clinic, sqlite_url: str, data_dir: Path, damage: str
) -> None:
    info = BackupService(clinic.services.db, data_dir).back_up()
    clinic.services.db.dispose()
    path = sqlite_path(sqlite_url)
    assert path is not None
    guard = StorageGuard(sqlite_url, data_dir)
    assert guard.check().ok
    size = path.stat().st_size
    if damage == "emptied":
        path.write_bytes(b"")
    elif damage == "missing":
        path.unlink()
    elif damage == "cut short":
        os.truncate(path, size - 100)
    else:  # whole pages gone: the marker knows the size it had
        os.truncate(path, size - 4096)
    report = guard.check()
    assert report.problem is not None, damage
    text = report.problem.text
    assert f"acudesk restore '{info.file}'" in text
    assert "acudesk db init --new-clinic" in text
    if damage == "shorter":
        assert "shorter than it was" in text or "cut short" in text


def test_a_first_start_is_not_a_problem(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    assert StorageGuard(url, tmp_path / "data").check().ok


def test_a_cut_short_file_is_found_without_a_marker(sqlite_url: str, tmp_path: Path) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None
    os.truncate(path, path.stat().st_size - 100)
    report = StorageGuard(sqlite_url, tmp_path / "no-marker").check()
    assert report.problem is not None and "cut short" in report.problem.what


def test_a_clinic_server_is_archived_with_pg_dump(
    services: Services, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("pg_dump archives a server")
    services.users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="pw-12345"
    )
    info = BackupService(services.db, tmp_path).back_up(folder=tmp_path / "dumps")
    assert info.kind == "pg_dump" and info.verified, info.problems
    assert _mode(Path(info.file)) == 0o600
    assert info.source_counts["users"] == 1
    # Checked again: restored into a throwaway database on the server, its chain verified.
    check = verify_backup(Path(info.file), server_url=db_url)
    assert check.ok, check.problems
    assert "intact" in check.audit and check.counts["users"] == 1
    scratch = _scratch_databases(db_url)
    assert scratch == [], "the throwaway database is dropped"
    # Without a server to restore into, it says what was and was not checked.
    alone = verify_backup(Path(info.file))
    assert not alone.ok
    assert "audit trail was not checked" in alone.problems[0]
    assert "--database-url" in alone.problems[0]


def _scratch_databases(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as c:
        names = c.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE 'acudesk_verify_%'")
        ).scalars()
        found = list(names)
    engine.dispose()
    return found


def test_a_tampered_archive_fails_its_audit_check(
    services: Services, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("pg_dump archives a server")
    services.users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="pw-12345"
    )
    with guards_lifted(services.db) as c:  # an event edited behind the program's back
        c.execute(text("UPDATE audit_events SET after = '{}' WHERE id = 1"))
    info = BackupService(services.db, tmp_path).back_up(folder=tmp_path / "dumps")
    check = verify_backup(Path(info.file), server_url=db_url)
    assert not check.ok
    assert any("Event 1 was edited" in p for p in check.problems), check.problems


def test_a_read_only_database_is_backed_up_all_the_same(
    clinic: Clinic, sqlite_url: str, data_dir: Path
) -> None:
    clinic.services.db.dispose()
    db = Database(make_engine(sqlite_url, read_only=True))
    assert db.read_only
    info = BackupService(db, data_dir).back_up()
    db.dispose()
    assert info.kind == "sqlite" and info.verified, info.problems
    assert info.counts["users"] == 3


def test_a_backup_never_lowers_the_mark_the_keeper_wrote(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    guard = StorageGuard(sqlite_url, data_dir)
    service = BackupService(clinic.services.db, data_dir)
    guard.remember(clinic.services.db, now=clock.now())
    known = guard.known()
    assert known is not None
    forged = replace(known, audit_last_id=known.audit_last_id + 50)
    guard.marker.put(forged)  # as if the keeper had seen later events than the snapshot
    service.back_up()
    after = guard.known()
    assert after is not None and after.audit_last_id == forged.audit_last_id
    assert after.latest_backup.endswith(".sqlite3.gz")


def test_the_window_checks_a_new_copy_in_another_process(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    _signed_session(clinic, clock)
    service = BackupService(clinic.services.db, data_dir)
    service.verify_elsewhere = True
    info = service.back_up(reason="signed session")
    assert info.verified, info.problems
    assert info.counts == info.source_counts and "intact" in info.audit


def test_a_restore_to_a_new_place_takes_the_audit_key_along(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path, tmp_path: Path
) -> None:
    _signed_session(clinic, clock)
    info = BackupService(clinic.services.db, data_dir).back_up()
    target = tmp_path / "new-disk" / "clinic.sqlite3"
    url = f"sqlite:///{target}"
    restore(Path(info.file), url, data_dir)
    key = target.with_name(target.name + ".audit-key")
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600
    restored = Services.build(Database(make_engine(url), clock))
    assert restored.audit.verify().intact
    restored.close()


def test_each_backup_checks_the_audit_trail_from_the_last_checkpoint(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    service = BackupService(clinic.services.db, data_dir)
    first = service.back_up(reason="first")
    assert first.verified and first.audit_from == 0  # the first in a folder: the whole trail
    assert first.checkpoint is not None and first.sealed_with(clinic.services.db.trail.key())
    _signed_session(clinic, clock)
    second = service.back_up(reason="signed session")
    assert second.verified, second.problems
    assert second.audit_from == first.checkpoint_seq  # only what came after
    assert f"after event {first.checkpoint_seq}" in second.audit
    full = service.back_up(reason="by hand", full=True)
    assert full.verified and full.audit_from == 0 and "whole trail" in full.audit
    # Re-verified: the same span when the sealed manifest and the sha256 hold; --full: all.
    again = verify_backup(Path(second.file))
    assert again.ok and again.audit_from == first.checkpoint_seq
    assert verify_backup(Path(second.file), full=True).audit_from == 0


def test_an_edited_manifest_costs_a_whole_check(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    service = BackupService(clinic.services.db, data_dir)
    service.back_up(reason="first")
    _signed_session(clinic, clock)
    second = service.back_up(reason="signed session")
    manifest = Path(second.file + ".json")
    manifest.write_text(manifest.read_text().replace('"audit_from": ', '"audit_from": 1'))
    again = verify_backup(Path(second.file))
    assert again.ok and again.audit_from == 0  # the seal no longer holds


def test_compressed_and_old_plain_backups_verify_and_restore(
    clinic: Clinic, clock: FakeClock, sqlite_url: str, data_dir: Path
) -> None:
    _signed_session(clinic, clock)
    service = BackupService(clinic.services.db, data_dir)
    packed = service.back_up(reason="compressed")
    assert packed.compressed and packed.file.endswith(".sqlite3.gz")
    assert packed.size < packed.content_size
    assert _mode(Path(packed.file)) == 0o600
    service.compress = False
    clock.advance(minutes=61)  # the rotation keeps one an hour
    plain = service.back_up(reason="plain")
    assert not plain.compressed and plain.file.endswith(".sqlite3")
    assert verify_backup(Path(packed.file)).ok and verify_backup(Path(plain.file)).ok
    before = _held(sqlite_url)
    clinic.services.db.dispose()
    for backup in (packed, plain):
        result = restore(Path(backup.file), sqlite_url, data_dir)
        assert result.counts == backup.counts
        assert _held(sqlite_url) == before
    restored = Services.build(Database(make_engine(sqlite_url), clock))
    assert restored.audit.verify().intact
    restored.close()


def test_a_damaged_compressed_backup_is_refused(
    clinic: Clinic, sqlite_url: str, data_dir: Path
) -> None:
    info = BackupService(clinic.services.db, data_dir).back_up()
    backup = Path(info.file)
    os.truncate(backup, backup.stat().st_size // 2)
    Path(info.file + ".json").unlink()  # no manifest to compare the sha256 with
    result = verify_backup(backup)
    assert not result.ok and "cannot be unpacked" in result.problems[0]
