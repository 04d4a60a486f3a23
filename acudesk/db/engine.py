"""Engines for the embedded SQLite file and the clinic's PostgreSQL server.

Every wait on the database is bounded, so a workstation that holds a record (or hangs halfway
through a transaction) costs another workstation at most a couple of seconds and a "busy, try
again" message, never a frozen window. A caller that can wait less (a GUI thread) or must wait
longer (a backup, a migration) passes its own figures to make_engine.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

# SQLite: how long a write waits for another connection's write to finish.
SQLITE_BUSY_TIMEOUT_MS = 2000
# PostgreSQL: how long a statement waits for a row (or the audit chain) another workstation holds.
PG_LOCK_TIMEOUT_MS = 1500
# PostgreSQL: the longest any one statement may run; a user action is a few short statements.
PG_STATEMENT_TIMEOUT_MS = 2000
# PostgreSQL: a workstation that stops halfway through a transaction (hung, asleep, unplugged)
# loses it after this long, and with it every lock it held.
PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000

# Execution option of an engine whose transactions only read: on SQLite they begin deferred,
# so a reader neither takes nor waits for the write lock.
READ_ONLY = "acudesk_read_only"
# A connection execution option: begin a read that takes no write lock (Database.snapshot).
DEFERRED_BEGIN = "acudesk_deferred_begin"
# Execution option of an engine over a database file that cannot be written (a read-only file,
# folder or disk, or a URL asking for mode=ro): it is opened with SQLite's mode=ro and every
# write is refused by SQLite itself, never half done. Database.read_only reads it.
STORAGE_READ_ONLY = "acudesk_storage_read_only"

log = logging.getLogger(__name__)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for memory or a server."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    database = parsed.database
    if database.startswith("file:"):  # a URI filename (`?uri=true`)
        database = database.removeprefix("file:").split("?", 1)[0]
    return Path(database)


def ensure_private_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600).

    An existing file is never opened here: closing any descriptor of a SQLite file drops the
    POSIX locks every connection of this process holds on it, which can lose committed data.
    Nor are an existing file's permissions changed: a file made read-only on purpose stays so
    (it opens read-only), and one that others may read is named in the log with the command
    that makes it private, for the administrator to decide (a silent chmod would hide who set
    them and why, and may fail on a share anyway).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning(
                "the database file %s can be read by other accounts of this computer "
                "(permissions %o); make it private with: chmod 600 '%s'",
                path,
                mode,
                path,
            )
    else:
        os.close(fd)


def cannot_write(path: Path) -> bool:
    """Whether an existing database file is not to be written: the file has no write bit for
    its owner (made read-only on purpose; honoured even for root, who could write it anyway),
    or this account may not write the file or its folder (SQLite in WAL mode needs the folder
    for its -wal and -shm files), or the disk is mounted read-only."""
    if not path.exists():
        return False
    mode = path.stat().st_mode
    if not mode & stat.S_IWUSR:
        return True
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK))


def open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write the file: SQLite's mode=ro, or immutable=1 where the
    folder cannot hold the -shm file a WAL database needs and no -wal is waiting to be read."""
    uri = path.resolve().as_uri()
    try:
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        connection.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        return connection
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    lock_timeout_ms: int = PG_LOCK_TIMEOUT_MS,
    statement_timeout_ms: int = PG_STATEMENT_TIMEOUT_MS,
    idle_in_transaction_timeout_ms: int = PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    read_only: bool | None = None,
    **kwargs: Any,
) -> Engine:
    """An engine with bounded waits; 0 switches a PostgreSQL timeout off (migrations, backups).

    A SQLite file that cannot be written (``cannot_write``, or ``read_only=True``, or a URL
    with ``mode=ro``) is opened read-only and the engine carries STORAGE_READ_ONLY."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if read_only is None:
            read_only = "mode=ro" in url or (path is not None and cannot_write(path))
        if path is not None and read_only:
            ro_path = path
            # The URL stays the file's (its name is shown, backups find the file by it); the
            # connections come from open_read_only.
            engine = create_engine(
                f"sqlite:///{path}", creator=lambda: open_read_only(ro_path), **kwargs
            )
            _configure_sqlite(engine, busy_timeout_ms, read_only=True)
            return engine.execution_options(**{STORAGE_READ_ONLY: True})
        if path is not None:
            ensure_private_file(path)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, busy_timeout_ms)
        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = _with_timeouts(
            dict(kwargs.get("connect_args", {})),
            parsed.query.get("options"),
            lock_timeout_ms=lock_timeout_ms,
            statement_timeout_ms=statement_timeout_ms,
            idle_in_transaction_timeout_ms=idle_in_transaction_timeout_ms,
        )
        kwargs["connect_args"] = with_tls_default(url, kwargs["connect_args"])
    return create_engine(url, pool_pre_ping=True, **kwargs)


def with_tls_default(url: str, connect_args: dict[str, Any]) -> dict[str, Any]:
    """Health data crosses the clinic's network only encrypted, unless the URL says otherwise
    (``?sslmode=...``); a server that offers no TLS is then refused with the driver's reason."""
    parsed = make_url(url)
    if needs_tls(parsed.host) and "sslmode" not in parsed.query:
        return {**connect_args, "sslmode": "require"}
    return connect_args


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def needs_tls(host: str | None) -> bool:
    """Any server that is not this machine is reached over TLS by default."""
    return (host or "") not in LOCAL_HOSTS and not (host or "").startswith("/")


def _with_timeouts(
    connect_args: dict[str, Any],
    url_options: str | tuple[str, ...] | None,
    *,
    lock_timeout_ms: int,
    statement_timeout_ms: int,
    idle_in_transaction_timeout_ms: int,
) -> dict[str, Any]:
    """Set the timeouts in the connection's start-up packet: no extra round trip per connection.

    Options the URL or the caller already give are kept (the driver takes one options string).
    """
    for name, value in (
        ("lock_timeout", lock_timeout_ms),
        ("statement_timeout", statement_timeout_ms),
        ("idle_in_transaction_session_timeout", idle_in_transaction_timeout_ms),
    ):
        if value < 0:
            raise ValueError(f"{name} must be 0 (off) or a number of milliseconds, not {value}")
    ours = (
        f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms} "
        f"-c idle_in_transaction_session_timeout={idle_in_transaction_timeout_ms}"
    )
    given = url_options if isinstance(url_options, str) else " ".join(url_options or ())
    connect_args["options"] = " ".join(
        part for part in (given, str(connect_args.get("options", "")), ours) if part
    )
    return connect_args


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 driver of Python 3.11 opens transactions lazily and on its own terms;
        # switch that off and issue BEGIN ourselves (SQLAlchemy's documented recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if read_only:
            cursor.execute("PRAGMA query_only=ON")  # journal_mode would write the header
        else:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        # REPLACE then fires the delete triggers of the rows it removes (signed records).
        cursor.execute("PRAGMA recursive_triggers=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if read_only or options.get(READ_ONLY) or options.get(DEFERRED_BEGIN):
            # A reader sees one snapshot (WAL) and never stands in a writer's way. On a file
            # that cannot be written, the first write statement is refused, typed, instead.
            connection.exec_driver_sql("BEGIN")
            return
        # IMMEDIATE takes the write lock at the start, so a unit of work never fails halfway
        # because another connection wrote first, and two writers take turns.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
