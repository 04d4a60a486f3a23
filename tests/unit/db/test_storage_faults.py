"""Storage faults reach the person as typed errors with a remedy, and nothing half-written stays.

Disk full: a tiny database limited with PRAGMA max_page_count. Read-only: SQLite's mode=ro
(the tests run as root, whom chmod does not stop), a file without its owner's write bit, and a
read-only bind mount where the machine allows one. Locked: a second connection holding the
write lock. Damaged: a truncated copy and a page of garbage.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from acudesk.db import models as m
from acudesk.db.conflicts import translate
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import Busy, StorageFault
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.services.startup import StorageGuard


def _patient(n: int, complaint: str = "") -> PatientInput:
    return PatientInput(
        full_name=f"Patient Number{n}",
        sex=Sex.FEMALE,
        date_of_birth=date(1980, 1, 1),
        diagnosis_code="M42.12",
        complaints=complaint,
    )


@pytest.fixture
def sqlite_file(tmp_path: Path, sqlite_template: Path) -> Path:
    path = tmp_path / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    return path


def _services(path: Path, **engine: Any) -> Services:
    return Services.build(Database(make_engine(f"sqlite:///{path}", **engine), FakeClock()))


def _nurse(services: Services) -> int:
    return services.users.create_user(
        "nurse", "Olga Smirnova", [Role.NURSE], pin="3333", password="pw-12345"
    ).id


def _counts(path: Path) -> tuple[int, int]:
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        patients = raw.execute("SELECT count(*) FROM patients").fetchone()[0]
        events = raw.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    finally:
        raw.close()
    return int(patients), int(events)


def test_a_full_disk_is_a_typed_error_and_nothing_is_half_written(sqlite_file: Path) -> None:
    services = _services(sqlite_file)
    nurse = _nurse(services)
    pages = services.db.engine.connect()
    used = int(pages.exec_driver_sql("PRAGMA page_count").scalar() or 0)
    pages.close()
    services.db.dispose()

    @event.listens_for(services.db.engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={used + 3}")

    with pytest.raises(StorageFault) as caught:
        for n in range(2000):
            services.patients.register(nurse, _patient(n, "neck pain " * 200))
    error = caught.value
    assert error.kind == "disk_full"
    assert str(error).startswith("The disk holding the database is full.")
    assert "Nothing of this action was saved; what you typed is kept." in str(error)
    assert "Free space on that disk" in error.remedy
    services.close()
    patients, events = _counts(sqlite_file)
    # Each registration is one patient and one audit event: none of the failed one is stored.
    assert events == patients + 1  # + the nurse's account
    raw = sqlite3.connect(sqlite_file)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()


def test_a_database_opened_read_only_refuses_writes_in_words(sqlite_file: Path) -> None:
    writable = _services(sqlite_file)
    nurse = _nurse(writable)
    writable.close()
    before = _counts(sqlite_file)
    services = Services.build(Database.open(f"sqlite:///{sqlite_file}", read_only=True))
    assert services.db.read_only
    assert [u.username for u in services.users.list_users()] == ["nurse"]  # reading works
    with pytest.raises(StorageFault) as caught:
        services.patients.register(nurse, _patient(1))
    assert caught.value.kind == "read_only"
    assert str(caught.value).startswith("The database is read-only: nothing can be saved.")
    services.close()
    assert _counts(sqlite_file) == before


def test_a_file_made_read_only_stays_so_and_opens_read_only(sqlite_file: Path) -> None:
    writable = _services(sqlite_file)
    nurse = _nurse(writable)
    writable.close()
    sqlite_file.chmod(0o444)
    services = Services.build(Database.open(f"sqlite:///{sqlite_file}"))
    assert stat.S_IMODE(sqlite_file.stat().st_mode) == 0o444  # never chmod-ed back
    assert services.db.read_only
    with pytest.raises(StorageFault, match="read-only"):
        services.patients.register(nurse, _patient(1))
    services.close()


def test_an_existing_file_others_can_read_is_named_not_changed(
    sqlite_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sqlite_file.chmod(0o644)
    engine = make_engine(f"sqlite:///{sqlite_file}")
    engine.dispose()
    assert stat.S_IMODE(sqlite_file.stat().st_mode) == 0o644
    assert f"chmod 600 '{sqlite_file}'" in caplog.text


@pytest.fixture
def read_only_mount(tmp_path: Path) -> Iterator[Path]:
    source, target = tmp_path / "rw", tmp_path / "ro"
    source.mkdir()
    target.mkdir()
    bind = subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"no read-only bind mount here ({bind.stderr.decode().strip()})")
    subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], check=True)
    try:
        yield source
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def test_a_database_on_a_read_only_disk_opens_read_only(
    read_only_mount: Path, sqlite_template: Path
) -> None:
    source = read_only_mount
    shutil.copy(sqlite_template, source / "clinic.sqlite3")
    writable = _services(source / "clinic.sqlite3")
    nurse = _nurse(writable)
    writable.close()
    path = source.parent / "ro" / "clinic.sqlite3"
    assert StorageGuard(f"sqlite:///{path}", source.parent / "data").check().ok
    services = Services.build(Database.open(f"sqlite:///{path}"))
    assert services.db.read_only
    assert len(services.users.list_users()) == 1
    with pytest.raises(StorageFault, match="read-only: nothing can be saved"):
        services.patients.register(nurse, _patient(1))
    services.close()


def test_a_lock_held_by_another_program_is_busy_in_words(sqlite_file: Path) -> None:
    services = _services(sqlite_file, busy_timeout_ms=100)
    nurse = _nurse(services)
    other = sqlite3.connect(sqlite_file, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(Busy, match="Another program on this computer is writing"):
            services.patients.register(nurse, _patient(1))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with services.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.Patient)) == 0
    services.close()


def test_a_damaged_page_is_a_typed_error(sqlite_file: Path) -> None:
    services = _services(sqlite_file)
    nurse = _nurse(services)
    for n in range(300):
        services.patients.register(nurse, _patient(n, "low back pain " * 30))
    services.close()
    raw = sqlite3.connect(sqlite_file)
    root = raw.execute("SELECT rootpage FROM sqlite_schema WHERE name = 'patients'").fetchone()[0]
    page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    raw.close()
    with sqlite_file.open("r+b") as f:  # garbage over the patients table's root page
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * page_size)
    services = _services(sqlite_file)
    with pytest.raises(StorageFault) as caught:
        services.patients.search("")
    assert caught.value.kind == "corrupt"
    assert "The database file is damaged" in str(caught.value)
    assert "acudesk restore" in caught.value.remedy
    services.close()


def test_a_truncated_copy_is_refused_at_start(sqlite_file: Path, tmp_path: Path) -> None:
    services = _services(sqlite_file)
    _nurse(services)
    services.close()
    os.truncate(sqlite_file, sqlite_file.stat().st_size - 100)
    report = StorageGuard(f"sqlite:///{sqlite_file}", tmp_path / "data").check()
    assert report.problem is not None
    assert "cut short" in report.problem.what
    assert "AcuDesk has not changed the file" in report.problem.remedy


class _PgError(Exception):
    def __init__(self, sqlstate: str, text: str) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "text", "kind", "words"),
    [
        ("53100", 'could not extend file "base/16384/2619": No space left', "disk_full", "full"),
        ("25006", "cannot execute INSERT in a read-only transaction", "read_only", "read-only"),
        ("XX001", "invalid page in block 4 of relation base/1/2", "corrupt", "damaged"),
        ("58030", "could not read block 3", "io", "could not read or write"),
    ],
)
def test_server_storage_faults_are_typed(sqlstate: str, text: str, kind: str, words: str) -> None:
    error = OperationalError("INSERT INTO patients ...", {}, _PgError(sqlstate, text))
    typed = translate(error)
    assert isinstance(typed, StorageFault)
    assert typed.kind == kind and words in typed.problem
    assert "Nothing of this action was saved" in typed.problem
