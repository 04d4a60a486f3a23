"""Bring a database to the current schema; copy an existing SQLite file aside first.

Alembic is imported only when a migration is due: an up-to-date database opens without it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from acudesk.db.engine import ensure_private_file, sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest migration; a test checks it against Alembic's own view of the scripts.
SCHEMA_HEAD = "0007"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    head: str | None = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        value = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(value) if value is not None else None


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
    if current == SCHEMA_HEAD:
        return None
    from alembic import command

    backup = backup_before_migration(engine, current)
    command.upgrade(alembic_config(engine), "head")
    return backup
