"""The migrated schema matches the models, and the database itself refuses what must never be."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from acudesk.db.base import Base
from acudesk.db.database import Database
from acudesk.db.engine import SQLITE_BUSY_TIMEOUT_MS, make_engine
from acudesk.db.migrate import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert current_revision(db.engine) == head_revision(db.engine)


SIGNED_CHILDREN = (
    "checklist_confirmations",
    "needle_packs",
    "needle_insertions",
    "incidents",
    "adverse_events",
    "screenings",
    "needle_removals",
)


def test_every_guard_trigger_is_in_place_at_head(db: Database) -> None:
    """A migration that rebuilds a table (Alembic's batch mode on SQLite) drops its triggers
    without a word: this names every guard the schema must still have."""
    with db.engine.connect() as c:
        if db.dialect == "sqlite":
            found = set(
                c.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars()
            )
            wanted = {
                "audit_events_no_update",
                "audit_events_no_delete",
                "audit_events_no_replace",
                "signed_session_update",
                "signed_session_delete",
                "signed_session_replace",
                "signed_addenda_update",
                "signed_addenda_delete",
                "signed_addenda_replace",
                "signed_needle_removals_update_new",
            }
            for table in SIGNED_CHILDREN:
                wanted |= {f"signed_{table}_{e}" for e in ("insert", "update", "delete", "replace")}
                if table != "needle_removals":
                    wanted.add(f"signed_{table}_update_new")
        else:
            found = set(
                c.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars()
            )
            wanted = {"audit_events_append_only", "audit_events_no_truncate"}
            for table in ("treatment_sessions", "addenda", *SIGNED_CHILDREN):
                wanted |= {f"signed_{table}_guard", f"signed_{table}_no_truncate"}
    assert wanted <= found, sorted(wanted - found)


def _seed_session(db: Database) -> dict[str, int]:
    """The smallest chain of rows a needle insertion hangs from, written with raw SQL."""
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    ids: dict[str, int] = {}
    with db.engine.begin() as c:
        stamp = now.replace(tzinfo=None) if db.dialect == "sqlite" else now

        def insert(sql: str, **params: object) -> int:
            value = c.execute(text(sql + " RETURNING id"), params).scalar_one()
            return int(value)

        ids["user"] = insert(
            "INSERT INTO users (username, full_name, active, failed_attempts, created_at) "
            "VALUES ('doc', 'Dr Doc', true, 0, :t)",
            t=stamp,
        )
        ids["patient"] = insert(
            "INSERT INTO patients (full_name, search_name, sex, date_of_birth, contact, "
            "diagnosis_code, complaints, medications, massage_days, exercise_days, "
            "electrical_days, pregnant, acute_infection, blood_disorder, malignancy, "
            "exacerbation, skin_lesion_regions, created_at, created_by, updated_at, version_id) "
            "VALUES ('P', 'p', 'female', :dob, '', 'M42.12', '', '', '', '', '', false, false, "
            "false, false, false, '', :t, :u, :t, 1)",
            dob=date(1980, 1, 1),
            t=stamp,
            u=ids["user"],
        )
        ids["course"] = insert(
            "INSERT INTO courses (patient_id, number, sessions_planned, first_minutes, "
            "last_minutes, planned_on, created_by, created_at) "
            "VALUES (:p, 1, 10, 5, 30, :d, :u, :t)",
            p=ids["patient"],
            d=date(2026, 11, 24),
            u=ids["user"],
            t=stamp,
        )
        ids["session"] = insert(
            "INSERT INTO treatment_sessions (course_id, number, planned_minutes, "
            "practitioner_id, started_at, rest_end_reason, notes, version_id) "
            "VALUES (:c, 1, 5, :u, :t, '', '', 1)",
            c=ids["course"],
            u=ids["user"],
            t=stamp,
        )
        ids["pack"] = insert(
            "INSERT INTO needle_packs (session_id, gtin, lot, expiry, material, diameter_mm, "
            "length_mm, recorded_by, recorded_at) "
            "VALUES (:s, '', 'L1', :e, 'stainless_steel', 0.25, 40, :u, :t)",
            s=ids["session"],
            e=date(2028, 1, 1),
            u=ids["user"],
            t=stamp,
        )
    ids["stamp_is_naive"] = int(db.dialect == "sqlite")
    return ids


def _insert_needle(db: Database, ids: dict[str, int], depth: float) -> None:
    now = datetime(2026, 11, 24, 9, 5, tzinfo=UTC)
    stamp = now.replace(tzinfo=None) if ids["stamp_is_naive"] else now
    with db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO needle_insertions (session_id, pack_id, point_code, side, depth_mm, "
                "material, diameter_mm, length_mm, deep_confirmed, inserted_by, inserted_at) "
                "VALUES (:s, :p, 'GB20', 'left', :d, 'stainless_steel', 0.25, 40, false, :u, :t)"
            ),
            {"s": ids["session"], "p": ids["pack"], "d": depth, "u": ids["user"], "t": stamp},
        )


@pytest.mark.parametrize("depth", [25.0, 20.01, 0.0, -1.0])
def test_database_refuses_needle_depth_outside_the_absolute_cap(db: Database, depth: float) -> None:
    ids = _seed_session(db)
    with pytest.raises(IntegrityError):
        _insert_needle(db, ids, depth)


def test_database_accepts_needle_at_exactly_20_mm(db: Database) -> None:
    ids = _seed_session(db)
    _insert_needle(db, ids, 20.0)
    with db.engine.connect() as c:
        assert c.execute(text("SELECT depth_mm FROM needle_insertions")).scalar_one() == 20.0


def test_database_refuses_second_removal_of_one_needle(db: Database) -> None:
    ids = _seed_session(db)
    _insert_needle(db, ids, 8.0)
    stamp = datetime(2026, 11, 24, 9, 20, tzinfo=UTC)
    value = stamp.replace(tzinfo=None) if ids["stamp_is_naive"] else stamp
    removal = (
        "INSERT INTO needle_removals (insertion_id, condition, bleeding, removed_by, removed_at) "
        "VALUES (1, 'intact', false, :u, :t)"
    )
    with db.engine.begin() as c:
        c.execute(text(removal), {"u": ids["user"], "t": value})
    with pytest.raises(IntegrityError), db.engine.begin() as c:
        c.execute(text(removal), {"u": ids["user"], "t": value})


def test_database_refuses_clinical_record_without_who(db: Database) -> None:
    ids = _seed_session(db)
    with pytest.raises(IntegrityError), db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO checklist_confirmations (session_id, step, detail, confirmed_at) "
                "VALUES (:s, 'identity', '', :t)"
            ),
            {"s": ids["session"], "t": datetime(2026, 11, 24, tzinfo=UTC).replace(tzinfo=None)},
        )


def test_database_refuses_row_pointing_at_missing_parent(db: Database) -> None:
    ids = _seed_session(db)
    with pytest.raises(IntegrityError), db.engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO checklist_confirmations (session_id, step, detail, confirmed_by, "
                "confirmed_at) VALUES (9999, 'identity', '', :u, :t)"
            ),
            {"u": ids["user"], "t": datetime(2026, 11, 24, tzinfo=UTC).replace(tzinfo=None)},
        )


def test_new_sqlite_file_is_private_and_uses_safe_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "clinic.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == SQLITE_BUSY_TIMEOUT_MS
    engine.dispose()


def test_an_existing_file_is_copied_aside_before_migrating(tmp_path: Path) -> None:
    path = tmp_path / "clinic.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0001")  # a clinic still on the first schema
    with engine.begin() as c:
        c.exec_driver_sql(
            "INSERT INTO clinic_settings VALUES ('currency', 'RUB', NULL, '2026-01-01')"
        )
    backup = upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()
    assert backup is not None and backup.name.startswith("clinic.sqlite3.before-0001-")
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    copy = make_engine(f"sqlite:///{backup}")
    assert current_revision(copy) == "0001"
    with copy.connect() as c:
        assert c.exec_driver_sql("SELECT value FROM clinic_settings").scalar() == "RUB"
    copy.dispose()


def test_fresh_file_is_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    assert upgrade(engine) is None
    assert list(tmp_path.glob("*.bak")) == []
    engine.dispose()


def test_the_schema_head_known_at_start_up_is_alembics_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    assert head_revision(engine) == SCHEMA_HEAD
    engine.dispose()
