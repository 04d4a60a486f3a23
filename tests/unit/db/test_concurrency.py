"""Bounded waits and typed errors where two connections meet, on SQLite and PostgreSQL.

A held lock never freezes the other workstation: it gets a typed "busy, try again" within the
engine's timeout. A deadlock is retried. The driver's words never reach the user, and what the
translation does not recognise (a defect) is not dressed up as a race.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import Index, PrimaryKeyConstraint, UniqueConstraint, text
from sqlalchemy.exc import IntegrityError

from acudesk.db import models as m
from acudesk.db.base import Base
from acudesk.db.conflicts import KNOWN_CONSTRAINTS
from acudesk.db.database import RETRY_ATTEMPTS, Database, retried
from acudesk.db.engine import (
    PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    PG_LOCK_TIMEOUT_MS,
    PG_STATEMENT_TIMEOUT_MS,
    make_engine,
    sqlite_path,
)
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import AcuDeskError, Busy, Conflict, StaleRecord
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from tests.unit.services.conftest import MARIA

# How long the holder of a lock keeps it at most (PostgreSQL ends its idle transaction): a
# victim that waited without a timeout of its own would get through then, and its test fails.
HOLDER_GIVES_UP_MS = 8000


def _nurse_and_patient(services: Services) -> tuple[int, int]:
    nurse = services.users.create_user(
        "nurse", "Olga Smirnova", [Role.NURSE], pin="3333", password="pw-12345"
    )
    return nurse.id, services.patients.register(nurse.id, MARIA).id


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _only(db: Database, dialect: str) -> None:
    if db.dialect != dialect:
        pytest.skip(f"concerns {_NAMES[dialect]} only")


# -- PostgreSQL: the session settings every connection starts with ------------------------------


def test_postgresql_connections_start_with_bounded_timeouts(db: Database) -> None:
    _only(db, "postgresql")
    with db.engine.connect() as c:
        shown = {
            name: c.exec_driver_sql(f"SHOW {name}").scalar()
            for name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
        }
    assert shown == {
        "lock_timeout": f"{PG_LOCK_TIMEOUT_MS}ms",
        "statement_timeout": f"{PG_STATEMENT_TIMEOUT_MS // 1000}s",
        "idle_in_transaction_session_timeout": f"{PG_IDLE_IN_TRANSACTION_TIMEOUT_MS // 1000}s",
    }
    assert PG_LOCK_TIMEOUT_MS < PG_STATEMENT_TIMEOUT_MS <= 2000


def test_a_gui_can_ask_its_engine_for_shorter_waits(db_url: str) -> None:
    engine = make_engine(db_url, lock_timeout_ms=300, statement_timeout_ms=700)
    try:
        if engine.dialect.name != "postgresql":
            pytest.skip("concerns PostgreSQL only")
        with engine.connect() as c:
            assert c.exec_driver_sql("SHOW lock_timeout").scalar() == "300ms"
            assert c.exec_driver_sql("SHOW statement_timeout").scalar() == "700ms"
    finally:
        engine.dispose()


def test_options_in_the_url_are_kept_beside_the_timeouts(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("concerns PostgreSQL only")
    engine = make_engine(db_url + "?options=-c%20application_name%3Dnurse-station")
    try:
        with engine.connect() as c:
            assert c.exec_driver_sql("SHOW application_name").scalar() == "nurse-station"
            assert c.exec_driver_sql("SHOW lock_timeout").scalar() == f"{PG_LOCK_TIMEOUT_MS}ms"
    finally:
        engine.dispose()


# -- PostgreSQL: a lock held elsewhere --------------------------------------------------------


@pytest.fixture
def holder(db: Database) -> Iterator[Database]:
    """Another workstation's connection, which would keep what it locks for a long time."""
    _only(db, "postgresql")
    other = Database(
        make_engine(
            db.engine.url.render_as_string(hide_password=False),
            idle_in_transaction_timeout_ms=HOLDER_GIVES_UP_MS,
        ),
        db.clock,
    )
    yield other
    other.dispose()


@pytest.mark.parametrize(
    "hold",
    [
        "SELECT 1 FROM patients WHERE id = :pid FOR UPDATE",
        "SELECT pg_advisory_xact_lock(7304211)",  # the audit trail's own lock
    ],
)
def test_a_held_lock_gives_a_typed_busy_error_within_two_seconds(
    services: Services, holder: Database, hold: str
) -> None:
    nurse, patient = _nurse_and_patient(services)
    opened = services.patients.get(patient)
    edit = replace(opened.data, contact="+7 900 000-00-00")
    with holder.engine.connect() as c:
        c.execute(text(hold), {"pid": patient})
        started = time.monotonic()
        with pytest.raises(Busy) as refusal:
            services.patients.update(nurse, patient, edit, opened.version_id)
        waited = time.monotonic() - started
        c.rollback()
    assert "busy" in str(refusal.value) and "Nothing of this action was saved" in str(refusal.value)
    assert not refusal.value.retryable
    assert waited < 5, f"waited {waited:.1f} s"  # lock_timeout is 1.5 s; never the holder's 8 s
    assert services.patients.get(patient).data.contact == ""
    # Once the other workstation lets go, the same action goes through.
    services.patients.update(nurse, patient, edit, opened.version_id)


def test_a_statement_that_runs_too_long_is_a_typed_busy_error(
    db_url: str, clock: FakeClock
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("concerns PostgreSQL only")
    db = Database(make_engine(db_url, statement_timeout_ms=100), clock)
    try:
        with pytest.raises(Busy, match="took too long"), db.reading() as s:
            s.execute(text("SELECT pg_sleep(5)"))
    finally:
        db.dispose()


def _deadlock(db_url: str, clock: FakeClock, *, retry: bool) -> tuple[list[object], list[str]]:
    """Two workstations lock two rows in opposite orders, both holding their first."""
    setup = Database(make_engine(db_url), clock)
    with setup.unit_of_work() as s:
        for key in ("a", "b"):
            s.add(m.ClinicSetting(key=key, value="0", updated_at=clock.now()))
    setup.dispose()
    both_hold_one = threading.Barrier(2)
    tries: list[str] = []
    results: list[object] = [None, None]

    def work(index: int, first: str, second: str) -> None:
        db = Database(make_engine(db_url, lock_timeout_ms=10_000), clock)

        def action() -> None:
            tries.append(first)
            with db.unit_of_work() as s:
                lock = text("SELECT 1 FROM clinic_settings WHERE key = :k FOR UPDATE")
                s.execute(lock, {"k": first})
                if tries.count(first) == 1:
                    both_hold_one.wait(timeout=30)
                s.execute(lock, {"k": second})

        try:
            results[index] = (retried(action) if retry else action)()
        except BaseException as error:
            results[index] = error
        finally:
            db.dispose()

    threads = [
        threading.Thread(target=work, args=(0, "a", "b")),
        threading.Thread(target=work, args=(1, "b", "a")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, tries


def test_a_deadlock_is_a_typed_error_the_action_may_retry(db: Database, db_url: str) -> None:
    _only(db, "postgresql")
    results, _tries = _deadlock(db_url, FakeClock(), retry=False)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(errors) == 1, results  # PostgreSQL picks one to give way; the other goes on
    (error,) = errors
    assert isinstance(error, Busy) and error.retryable
    assert "at the same moment" in str(error)


def test_a_deadlocked_action_is_run_again_and_both_get_through(db: Database, db_url: str) -> None:
    _only(db, "postgresql")
    results, tries = _deadlock(db_url, FakeClock(), retry=True)
    assert results == [None, None]
    assert len(tries) == 3  # each once, and the one that gave way once more


def test_a_server_that_cannot_be_reached_is_a_typed_busy_error(clock: FakeClock) -> None:
    db = Database(make_engine("postgresql+psycopg://acudesk@127.0.0.1:1/clinic"), clock)
    try:
        with pytest.raises(Busy, match="could not be reached"), db.reading() as s:
            s.execute(text("SELECT 1"))
    finally:
        db.dispose()


# -- retried, without a database -------------------------------------------------------------


def test_retried_runs_again_only_for_a_retryable_busy() -> None:
    calls: list[int] = []

    @retried
    def gives_way_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise Busy("deadlock", retryable=True)
        return "done"

    assert gives_way_once() == "done" and len(calls) == 2

    calls.clear()

    @retried
    def always_busy() -> None:
        calls.append(1)
        raise Busy("lock timeout")

    with pytest.raises(Busy):
        always_busy()
    assert len(calls) == 1


def test_retried_gives_up_after_the_last_try_and_an_outer_action_does_not_retry_it() -> None:
    inner_calls: list[int] = []
    outer_calls: list[int] = []

    @retried
    def inner() -> None:
        inner_calls.append(1)
        raise Busy("deadlock", retryable=True)

    @retried
    def outer() -> None:
        outer_calls.append(1)
        inner()

    with pytest.raises(Busy) as refusal:
        outer()
    assert not refusal.value.retryable
    assert len(inner_calls) == RETRY_ATTEMPTS and len(outer_calls) == 1


# -- SQLite: the write lock --------------------------------------------------------------------


@pytest.fixture
def sqlite_writer(db: Database) -> Iterator[sqlite3.Connection]:
    """Another program writing to the same file, holding the write lock."""
    _only(db, "sqlite")
    path = sqlite_path(str(db.engine.url))
    assert path is not None
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("BEGIN IMMEDIATE")
    yield raw
    raw.rollback()
    raw.close()


def test_sqlite_write_waits_the_busy_timeout_then_gives_a_typed_busy_error(
    db_url: str, clock: FakeClock, services: Services
) -> None:
    if sqlite_path(db_url) is None:
        pytest.skip("concerns SQLite only")
    nurse, patient = _nurse_and_patient(services)
    db = Database(make_engine(db_url, busy_timeout_ms=100), clock)
    impatient = Services.build(db, services.points)
    opened = impatient.patients.get(patient)
    edit = replace(opened.data, contact="1")
    writer = sqlite3.connect(str(sqlite_path(db_url)), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        assert impatient.patients.get(patient) == opened  # reading needs no write lock
        with pytest.raises(Busy, match="did not finish in time"):
            impatient.patients.update(nurse, patient, edit, opened.version_id)
    finally:
        writer.rollback()
        writer.close()
    impatient.patients.update(nurse, patient, edit, opened.version_id)
    db.dispose()


def test_sqlite_reading_neither_takes_nor_waits_for_the_write_lock(
    services: Services, sqlite_writer: sqlite3.Connection
) -> None:
    # Had reading() begun IMMEDIATE, this would wait for the writer and fail as busy.
    assert services.users.count() == 0
    with services.db.reading() as s:
        assert s.connection().exec_driver_sql("SELECT count(*) FROM users").scalar() == 0
        # While this read is open, another connection can still take the write lock.
        sqlite_writer.rollback()
        sqlite_writer.execute("BEGIN IMMEDIATE")


def test_sqlite_units_of_work_still_begin_immediate(db: Database) -> None:
    _only(db, "sqlite")
    path = sqlite_path(str(db.engine.url))
    assert path is not None
    with db.unit_of_work() as s:
        s.connection().exec_driver_sql("SELECT 1")
        other = sqlite3.connect(path, isolation_level=None, timeout=0)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


# -- translation -----------------------------------------------------------------------------


def test_a_write_over_a_stale_version_is_a_typed_stale_record(services: Services) -> None:
    _nurse, patient = _nurse_and_patient(services)
    with pytest.raises(StaleRecord) as refusal, services.db.unit_of_work() as s:
        p = s.get(m.Patient, patient)
        assert p is not None
        # Another workstation's save, as the database sees it, after this one read the row.
        s.execute(
            text("UPDATE patients SET version_id = version_id + 1 WHERE id = :id"), {"id": p.id}
        )
        p.contact = "mine"
        s.flush()
    assert "changed at another workstation since you opened it" in str(refusal.value)
    assert "What you typed is still on your screen" in str(refusal.value)
    assert services.patients.get(patient).data.contact == ""


def test_a_known_unique_index_filled_first_elsewhere_is_a_typed_conflict(
    services: Services,
) -> None:
    admin = services.users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="pw-12345"
    )
    with pytest.raises(Conflict) as refusal, services.db.unit_of_work() as s:
        for name in ("Neck set", "NECK SET"):
            s.add(
                m.Protocol(
                    name=name,
                    name_key="neck set",
                    created_by=admin.id,
                    created_at=services.clock.now(),
                )
            )
            s.flush()
    assert refusal.value.rule == "protocol_name_taken"
    assert "another workstation" in str(refusal.value)


def test_an_unknown_constraint_failure_is_a_defect_and_stays_untyped(services: Services) -> None:
    with pytest.raises(IntegrityError), services.db.unit_of_work() as s:
        s.execute(
            text(
                "INSERT INTO users (username, full_name, active, failed_attempts, created_at) "
                "VALUES (NULL, 'x', true, 0, :t)"
            ),
            {"t": services.clock.now().replace(tzinfo=None)},
        )


def test_every_known_constraint_exists_and_is_named_as_sqlite_names_it() -> None:
    found: dict[str, str] = {}
    for table in Base.metadata.tables.values():
        candidates: list[UniqueConstraint | PrimaryKeyConstraint | Index] = [
            c for c in table.constraints if isinstance(c, UniqueConstraint | PrimaryKeyConstraint)
        ]
        candidates += [i for i in table.indexes if i.unique]
        for c in candidates:
            columns = ", ".join(f"{table.name}.{col.name}" for col in c.columns)
            found[str(c.name)] = columns
    for name, known in KNOWN_CONSTRAINTS.items():
        assert found.get(name) == known.sqlite, name


def test_typed_errors_are_acudesk_errors() -> None:
    for error in (Busy("x"), Conflict("x"), StaleRecord("x")):
        assert isinstance(error, AcuDeskError)
    assert StaleRecord("x").rule == "stale_record"
