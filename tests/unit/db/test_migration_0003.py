"""Migration 0003 on a clinic's existing data: no point set is lost to the new unique name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from acudesk.db.engine import make_engine
from acudesk.db.migrate import alembic_config, current_revision, head_revision, upgrade

# Oldest first, as two workstations saved them before names were compared in any capitals.
SAVED = [
    "Neck set",
    "NECK SET",
    "Neck set (2)",
    "neck  set",
    "Шея",
    "ШЕЯ",
    "L" * 200,
    "l" * 200,
    "Lumbar, basic",
]
EXPECTED = [
    "Neck set",
    "NECK SET (3)",  # " (2)" is taken by the set saved under that very name
    "Neck set (2)",
    "neck  set (4)",
    "Шея",
    "ШЕЯ (2)",
    "L" * 200,
    "l" * 196 + " (2)",  # still within the 200 characters a name may have
    "Lumbar, basic",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def at_0002(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database still on schema 0002, holding point sets whose names now collide."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'clinic.sqlite3'}")
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        with engine.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(engine), "0002")
    stamp = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    at = stamp.replace(tzinfo=None) if engine.dialect.name == "sqlite" else stamp
    with engine.begin() as c:
        user = c.execute(
            text(
                "INSERT INTO users (username, full_name, active, failed_attempts, created_at) "
                "VALUES ('doc', 'Dr Doc', true, 0, :t) RETURNING id"
            ),
            {"t": at},
        ).scalar_one()
        for name in SAVED:
            pid = c.execute(
                text(
                    "INSERT INTO protocols (name, created_by, created_at) "
                    "VALUES (:n, :u, :t) RETURNING id"
                ),
                {"n": name, "u": user, "t": at},
            ).scalar_one()
            c.execute(
                text(
                    "INSERT INTO protocol_points (protocol_id, position, point_code, side, "
                    "depth_mm) VALUES (:p, 1, 'GB20', 'left', 8)"
                ),
                {"p": pid},
            )
    yield engine
    if engine.dialect.name == "postgresql" and current_revision(engine) != head_revision(engine):
        upgrade(engine)  # leave the shared server's schema as the other tests expect it
    engine.dispose()


def _protocols(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as c:
        rows = c.execute(text("SELECT name, name_key FROM protocols ORDER BY id")).all()
    return [(str(name), str(key)) for name, key in rows]


def test_clashing_names_are_kept_and_the_later_ones_renamed(at_0002: Engine) -> None:
    upgrade(at_0002)
    assert current_revision(at_0002) == head_revision(at_0002)
    stored = _protocols(at_0002)
    assert [name for name, _key in stored] == EXPECTED
    keys = [key for _name, key in stored]
    assert keys == [" ".join(n.split()).casefold() for n in EXPECTED]
    assert len(set(keys)) == len(keys)
    with at_0002.connect() as c:
        assert c.execute(text("SELECT count(*) FROM protocol_points")).scalar() == len(SAVED)
        users = c.execute(text("SELECT version_id FROM users")).scalars().all()
    assert users == [1]


def test_the_new_unique_name_is_enforced_by_the_database(at_0002: Engine) -> None:
    upgrade(at_0002)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"), at_0002.begin() as c:
        c.execute(
            text(
                "INSERT INTO protocols (name, name_key, created_by, created_at) "
                "SELECT 'LUMBAR, BASIC', 'lumbar, basic', created_by, created_at "
                "FROM protocols LIMIT 1"
            )
        )


def test_0003_downgrades_and_upgrades_again(at_0002: Engine) -> None:
    upgrade(at_0002)
    command.downgrade(alembic_config(at_0002), "0002")
    assert current_revision(at_0002) == "0002"
    with at_0002.connect() as c:
        names = c.execute(text("SELECT name FROM protocols ORDER BY id")).scalars().all()
    assert names == EXPECTED  # the renames stay: nothing to undo
    upgrade(at_0002)
    assert [name for name, _key in _protocols(at_0002)] == EXPECTED
