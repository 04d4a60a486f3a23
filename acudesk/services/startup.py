"""Start-up checks of a SQLite database file, before anything opens it for writing.

Up front, in milliseconds whatever the size: the file against the storage marker
(acudesk.services.local_files): missing, emptied, shorter than it was, not an SQLite file, cut
short of what its header says, or holding fewer audit events than the marker saw (a lost -wal:
acknowledged records gone). PRAGMA quick_check too when the file is small; on a big file it runs
after start on a worker thread (``quick_check_deferred``), since it reads every page (seconds on
a ten-year database, BENCHMARKS.md "Start-up checks").

A problem stops the start with a message naming what is wrong, what may be lost since when, and
how to restore the newest verified backup; nothing is written to the file. A new, empty clinic
is never made over one that existed unless the administrator asks (`acudesk db init
--new-clinic`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from acudesk.db import storage
from acudesk.db.database import Database
from acudesk.db.engine import open_read_only, sqlite_path
from acudesk.domain.clock import Clock
from acudesk.services.backup import BackupInfo, list_backups
from acudesk.services.local_files import MarkerEntry, StorageMarker, WorkstationSettings

log = logging.getLogger(__name__)

# quick_check runs before the window opens up to this size (about 0.15 s at 270 MB/s).
QUICK_CHECK_UP_FRONT_BYTES = 48 * 1024 * 1024

# The banner on every page over a database that cannot be written (Database.read_only).
READ_ONLY_BANNER = (
    "This database is read-only: nothing can be saved. Records can be read, but no session, "
    "needle or change is stored. The clinic administrator should make the database file and "
    "its folder writable, then restart AcuDesk."
)


@dataclass(frozen=True)
class StartupProblem:
    what: str
    lost: str
    remedy: str

    @property
    def text(self) -> str:
        return f"{self.what}\n\n{self.lost}\n\n{self.remedy}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class StartupReport:
    problem: StartupProblem | None
    quick_check_deferred: bool = False
    database: Path | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _when(iso: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso).astimezone():%d.%m.%Y %H:%M}"
    except ValueError:
        return iso or "an unknown time"


class StorageGuard:
    """The checks for one database URL, with the marker and backups of one data directory."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.url = url
        self.data_dir = data_dir
        self.path = sqlite_path(url)
        self.marker = StorageMarker(data_dir)

    # -- what we knew ------------------------------------------------------------------

    def known(self) -> MarkerEntry | None:
        return self.marker.get(self.path) if self.path is not None else None

    def backups(self) -> list[BackupInfo]:
        if self.path is None:
            return []
        key = StorageMarker.key(self.path)
        folders = {WorkstationSettings(self.data_dir).backup_folder.expanduser().resolve()}
        known = self.known()
        if known is not None and known.latest_backup:
            folders.add(Path(known.latest_backup).parent)
        found = [b for f in folders for b in list_backups(f) if b.source_path == key]
        return sorted(found, key=lambda b: b.made_at)

    def newest_verified(self) -> BackupInfo | None:
        verified = [b for b in self.backups() if b.verified]
        return verified[-1] if verified else None

    # -- the check -----------------------------------------------------------------------

    def check(self) -> StartupReport:
        if self.path is None:
            return StartupReport(None)
        path = self.path
        known = self.known()
        existed = known is not None or bool(self.backups())
        problem = storage.file_problem(path)
        if problem in ("the database file is missing", "the database file is empty (0 bytes)"):
            if not existed:
                return StartupReport(None, database=path)  # a first start: a new clinic
            return self._stop(f"{problem.capitalize()}: {path}.", known)
        if problem is not None:
            return self._stop(f"The database file {path} is damaged: {problem}.", known)
        size = path.stat().st_size
        if known is not None and size < known.size:
            return self._stop(
                f"The database file {path} is shorter than it was: {size:,} bytes now, "
                f"{known.size:,} bytes at {_when(known.written_at)}. A file that only grows "
                "has lost part of its records.",
                known,
            )
        try:
            connection = open_read_only(path)
        except sqlite3.Error as error:
            return self._stop(f"SQLite cannot open the database file {path}: {error}.", known)
        try:
            mark = storage.audit_mark(connection)
            deferred = size > QUICK_CHECK_UP_FRONT_BYTES
            problems = [] if deferred else _quick_check(connection)
        except sqlite3.Error as error:
            return self._stop(f"SQLite cannot read the database file {path}: {error}.", known)
        finally:
            connection.close()
        if problems:
            return self._stop(
                f"The database file {path} is damaged: PRAGMA quick_check reports "
                + "; ".join(problems[:3]),
                known,
            )
        if known is not None and (mark is None or mark.last_id < known.audit_last_id):
            now_id = mark.last_id if mark else 0
            now_at = f" (the newest from {_when(mark.last_at)})" if mark and mark.last_at else ""
            return self._stop(
                f"The database file {path} holds fewer records than it did: its audit trail "
                f"ends at event {now_id:,}{now_at}, but at {_when(known.written_at)} it reached "
                f"event {known.audit_last_id:,} (made {_when(known.audit_last_at)}). "
                "Acknowledged records are missing: most likely the file's -wal companion, "
                "which holds the newest changes until they are folded in, was deleted or "
                "damaged after a crash.",
                known,
            )
        return StartupReport(None, quick_check_deferred=deferred, database=path)

    def _stop(self, what: str, known: MarkerEntry | None) -> StartupReport:
        newest = self.newest_verified()
        if known is not None:
            lost = (
                f"What may be lost: everything recorded since {_when(known.audit_last_at)} "
                f"at the latest (the last record this workstation saw, at "
                f"{_when(known.written_at)})"
            )
        else:
            lost = "What may be lost: records since the newest backup"
        if newest is not None:
            lost += (
                f"; the newest verified backup is from {_when(newest.made_at)}, so records "
                "made after that are not in it."
            )
            remedy = (
                "AcuDesk has not changed the file. To restore the newest verified backup, "
                "close AcuDesk on this database and run:\n\n"
                f"    acudesk restore '{newest.file}'\n\n"
                "The damaged file is kept aside (…before-restore-TIME). Then re-enter what "
                "was recorded after the backup from the paper notes."
            )
        else:
            lost += "; no verified backup of it was found."
            remedy = (
                "AcuDesk has not changed the file. Do not start AcuDesk on it: copy the whole "
                f"folder {self.path.parent if self.path else ''} (with any -wal file) somewhere "
                "safe and ask for help recovering it."
            )
        remedy += (
            "\n\nOnly if this clinic's records are to be abandoned, a new, empty clinic is "
            "started with `acudesk db init --new-clinic` (the old file is kept aside)."
        )
        return StartupReport(StartupProblem(what, lost, remedy), database=self.path)

    # -- after a good start --------------------------------------------------------------

    def remember(self, db: Database, *, now: datetime) -> None:
        """Record the file's size and newest audit event: after each good start."""
        if self.path is None or not self.path.exists() or db.read_only:
            return
        with db.reading() as s:
            row = (
                s.connection()
                .exec_driver_sql("SELECT id, at FROM audit_events ORDER BY id DESC LIMIT 1")
                .first()
            )
        last_id, last_at = (int(row[0]), str(row[1])) if row else (0, "")
        known = self.known()
        if known is not None and last_id < known.audit_last_id:
            return  # never lower the mark: that is the check's job to report
        self.marker.put(  # put keeps the larger of the two sizes and marks
            MarkerEntry(
                path=StorageMarker.key(self.path),
                size=self.path.stat().st_size,
                audit_last_id=last_id,
                audit_last_at=last_at,
                written_at=now.isoformat(),
                latest_backup=known.latest_backup if known else "",
                latest_backup_at=known.latest_backup_at if known else "",
            )
        )


def _quick_check(connection: sqlite3.Connection) -> list[str]:
    rows = [str(r[0]) for r in connection.execute("PRAGMA quick_check")]
    return [] if rows == ["ok"] else rows


def deferred_quick_check(path: Path) -> str:
    """quick_check of a big file after start (worker thread): "" or what is wrong, in words."""
    problems = storage.check(path)
    if not problems:
        return ""
    return (
        f"The database file is damaged (PRAGMA quick_check: {'; '.join(problems[:2])}). "
        "Record nothing new here: the administrator should close AcuDesk and restore the "
        "newest verified backup (Administration, Backups names it; `acudesk restore FILE`)."
    )


class MarkerKeeper:
    """Keeps the storage marker up to date after every commit, on a thread of its own.

    A lost -wal takes every record since the last checkpoint with it, so the start-up check
    sees the loss whenever the marker was written after the first lost record: here that is
    a fraction of a second after each saved action. Commits only wake the thread; writes are
    coalesced (at most one per ``delay_s``) and never hold up the action.
    """

    def __init__(
        self, guard: StorageGuard, db: Database, clock: Clock, *, delay_s: float = 0.5
    ) -> None:
        self._guard = guard
        self._db = db
        self._clock = clock
        self._delay_s = delay_s
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="acudesk-marker", daemon=True)

    def start(self) -> MarkerKeeper:
        if self._guard.path is not None and not self._db.read_only:
            self._db.after_commit.append(self._wake.set)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._wake.wait()
            if self._stopped.wait(self._delay_s):
                break
            self._wake.clear()
            self._write()

    def _write(self) -> None:
        try:
            self._guard.remember(self._db, now=self._clock.now())
        except Exception:  # the disk is full, the data folder gone: the next commit tries again
            log.warning("the storage marker could not be written", exc_info=True)

    def stop(self) -> None:
        """Write once more (what the last actions saved), then end the thread."""
        if self._wake.is_set() and self._thread.is_alive():
            self._write()
        self._stopped.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(5)
        if self._wake.set in self._db.after_commit:
            self._db.after_commit.remove(self._wake.set)
