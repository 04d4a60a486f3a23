"""The SQLite file itself: its header, its checks, its online copy. No ORM here.

Everything that only reads opens the file with ``open_read_only`` (SQLite's mode=ro), so a check
never writes to a file it may find damaged. Files this module creates are created 0600 with
``os.open`` (never chmod-ed afterwards).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from acudesk.db.engine import open_read_only

SQLITE_MAGIC = b"SQLite format 3\x00"
# Pages copied per step of an online backup: the progress bar moves and a stop is noticed.
BACKUP_STEP_PAGES = 4096

# Progress of a long copy or check: (done, total) in pages or bytes.
Progress = Callable[[int, int], None]


class CopyStopped(Exception):
    """An online backup was asked to stop (the program is closing); the copy was deleted."""


@dataclass(frozen=True)
class Header:
    page_size: int
    page_count: int  # as the header says (valid when ``count_valid``)
    count_valid: bool


def read_header(path: Path) -> Header | None:
    """The first 100 bytes of a SQLite file, or None when it is not one (too short, wrong magic).

    Only before this process opens the file with SQLite: closing any descriptor of a file
    drops every POSIX lock the process holds on it, its SQLite connections' included.
    """
    with path.open("rb") as f:
        head = f.read(100)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return None
    (raw_size,) = struct.unpack(">H", head[16:18])
    page_size = 65536 if raw_size == 1 else raw_size
    change_counter, page_count = struct.unpack(">II", head[24:32])
    (valid_for,) = struct.unpack(">I", head[92:96])
    return Header(page_size, page_count, page_count > 0 and valid_for == change_counter)


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_path(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def file_problem(path: Path) -> str | None:
    """What is wrong with the file as a file, before SQLite reads it; None when nothing is.

    A file shorter than its header says (cut short) is only judged when no -wal is waiting:
    after a crash in the middle of a checkpoint the -wal still holds the missing pages.
    """
    if not path.exists():
        return "the database file is missing"
    size = path.stat().st_size
    if size == 0:
        return "the database file is empty (0 bytes)"
    header = read_header(path)
    if header is None:
        return f"the file is not an SQLite database (its first bytes are wrong; {size:,} bytes)"
    wal = wal_path(path)
    wal_waiting = wal.exists() and wal.stat().st_size > 0
    if not wal_waiting:
        if size % header.page_size:
            return (
                f"the file was cut short: {size:,} bytes is not a whole number of "
                f"{header.page_size:,}-byte pages"
            )
        if header.count_valid and size < header.page_count * header.page_size:
            return (
                f"the file was cut short: {size:,} bytes, its header says "
                f"{header.page_count * header.page_size:,}"
            )
    return None


def check(path: Path, *, full: bool = False) -> list[str]:
    """PRAGMA quick_check (or integrity_check when ``full``) over a read-only connection: the
    problems SQLite finds, [] for none. A file SQLite cannot read at all is one problem."""
    try:
        connection = open_read_only(path)
    except sqlite3.Error as error:
        return [f"SQLite cannot open it: {error}"]
    try:
        pragma = "integrity_check" if full else "quick_check"
        rows = [str(r[0]) for r in connection.execute(f"PRAGMA {pragma}")]
    except sqlite3.Error as error:
        return [f"SQLite cannot read it: {error}"]
    finally:
        connection.close()
    return [] if rows == ["ok"] else rows


def count_rows(connection: sqlite3.Connection, tables: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for table in tables:
        if not table.isidentifier():
            raise ValueError(f"not a table name: {table!r}")
        counts[table] = int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    return counts


@dataclass(frozen=True)
class AuditMark:
    last_id: int  # 0 when the trail is empty
    last_at: str  # as stored, "" when empty


def audit_mark(connection: sqlite3.Connection) -> AuditMark | None:
    """The newest audit event, read over the primary key: a few page reads on any size.
    None when the file holds no audit table (a new or foreign database)."""
    has = connection.execute(
        "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'audit_events'"
    ).fetchone()
    if has is None:
        return None
    row = connection.execute("SELECT id, at FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
    return AuditMark(int(row[0]), str(row[1])) if row else AuditMark(0, "")


def create_private(path: Path) -> None:
    """Create an empty file readable and writable by its owner only; refuse an existing one."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows): the rename is durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Snapshot:
    """What the source held at the moment it was copied: the same read transaction."""

    counts: dict[str, int]
    audit: AuditMark | None


def table_names(connection: sqlite3.Connection) -> set[str]:
    return {
        str(r[0]) for r in connection.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
    }


def online_copy(
    source: sqlite3.Connection,
    target: Path,
    *,
    tables: Iterable[str] = (),
    progress: Progress | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Snapshot:
    """Copy a live database into a new file ``target`` (created 0600), page by page, and
    count ``tables`` (those that exist) in the source at the moment copied.

    The source connection holds one read transaction for the whole copy, so the copy is one
    consistent moment even while other connections write (WAL: writers are not held up) and
    the backup never restarts. The copy is then switched to a rollback journal, so it is one
    self-contained file, and flushed to disk. On any failure, or a stop, it is deleted.
    """
    create_private(target)
    # One descriptor for the whole copy, closed only after the copy's connection: each step is
    # flushed to disk as it is written, so gigabytes of dirty pages never pile up to stall the
    # room's own commits (synchronous=FULL) behind one huge flush at the end.
    flusher = os.open(target, os.O_RDONLY)
    copy = sqlite3.connect(target, isolation_level=None)
    try:
        source.execute("BEGIN")
        present = table_names(source)
        snapshot = Snapshot(
            count_rows(source, [t for t in tables if t in present]), audit_mark(source)
        )

        def step(_status: int, remaining: int, total: int) -> None:
            os.fdatasync(flusher) if hasattr(os, "fdatasync") else os.fsync(flusher)
            if progress is not None:
                progress(total - remaining, total)
            if stop():
                raise CopyStopped("the copy was stopped")

        try:
            source.backup(copy, pages=BACKUP_STEP_PAGES, progress=step)
        finally:
            source.execute("ROLLBACK")
        copy.execute("PRAGMA journal_mode=DELETE")
        copy.close()
        os.fsync(flusher)
    except BaseException:
        copy.close()
        target.unlink(missing_ok=True)
        raise
    finally:
        os.close(flusher)
    return snapshot


def sha256_of(path: Path, *, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()
