"""Bring a database to the current schema; copy an existing SQLite file aside first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from acudesk.db.engine import ensure_private_file, sqlite_path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def backup_before_migration(engine: Engine, revision: str | None) -> Path | None:
    """Copy a SQLite file that holds data before its schema is changed."""
    path = sqlite_path(str(engine.url))
    if path is None or revision is None or not path.exists() or path.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    ensure_private_file(target)
    # SQLite's online backup copies a consistent image, WAL included.
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    return target


def upgrade(engine: Engine) -> Path | None:
    """Migrate to head; returns the backup made, if any."""
    current = current_revision(engine)
    if current == head_revision(engine):
        return None
    backup = backup_before_migration(engine, current)
    command.upgrade(alembic_config(engine), "head")
    return backup
