"""Engines for the embedded SQLite file and the clinic's PostgreSQL server."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 5000
# A connection execution option: begin a read that takes no write lock (Database.snapshot).
DEFERRED_BEGIN = "acudesk_deferred_begin"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for memory or a server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def ensure_private_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600).

    An existing file is never opened here: closing any descriptor of a SQLite file drops the
    POSIX locks every connection of this process holds on it, which can lose committed data.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    os.chmod(path, 0o600)


def make_engine(url: str, **kwargs: Any) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        ensure_private_file(path)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 driver of Python 3.11 opens transactions lazily and on its own terms;
        # switch that off and issue BEGIN ourselves (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # REPLACE then fires the delete triggers of the rows it removes (signed records).
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock at the start, so a unit of work never fails halfway
        # because another connection wrote first. A snapshot read takes none.
        deferred = connection.get_execution_options().get(DEFERRED_BEGIN)
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")
