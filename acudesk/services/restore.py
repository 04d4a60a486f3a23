"""Putting a verified backup back in place of a lost or damaged SQLite database.

The backup is checked first (sha256 against its manifest, integrity_check, the audit chain with
the database's key). The current file, its -wal and -shm and its audit anchor are moved aside,
never deleted (``NAME.before-restore-TIME``, ``…-wal``): the
-wal may hold the only copy of the newest records, and a stale one must not be replayed into the
restored file. The backup is copied in with sqlite3's backup API into a new 0600 file, renamed
into place, and checked with integrity_check; the storage marker then records the restored
file, so the next start accepts it.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from acudesk.db import storage
from acudesk.db.anchor import AuditTrail
from acudesk.db.engine import open_read_only, sqlite_path
from acudesk.services.backup import BackupError, BackupProgress, read_manifest, verify_backup
from acudesk.services.backup_check import source_key
from acudesk.services.backup_files import is_compressed
from acudesk.services.local_files import MarkerEntry, StorageMarker

# A WAL connection holds a shared lock on this byte of the -shm file while it is open.
_SHM_DMS_BYTE = 128


@dataclass(frozen=True)
class RestoreReport:
    database: Path
    backup: Path
    backup_made_at: str
    set_aside: list[Path]
    counts: dict[str, int]
    seconds: float

    @property
    def text(self) -> str:
        aside = ", ".join(str(p) for p in self.set_aside) or "nothing (there was no file)"
        counts = ", ".join(f"{k} {v:,}" for k, v in self.counts.items() if v)
        return (
            f"Restored {self.database} from {self.backup} (made {self.backup_made_at}); "
            f"integrity_check ok; {counts}. Set aside: {aside}. Records made after the backup "
            f"are not in the restored database. {self.seconds:.1f} s."
        )


def database_in_use(path: Path) -> bool:
    """Whether another process has the SQLite database open (its -shm is locked)."""
    shm = storage.shm_path(path)
    if sys.platform == "win32" or not shm.exists():
        return False
    import fcntl

    fd = os.open(shm, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError:
            return True
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


@dataclass(frozen=True)
class StagedRestore:
    """A verified backup copied beside the database, ready to take its place."""

    database: Path
    url: str
    backup: Path
    staged: Path
    made_at: str
    counts: dict[str, int]
    audit_checked: str
    borrowed_key: Path | None
    started: float

    def discard(self) -> None:
        self.staged.unlink(missing_ok=True)


def stage_restore(
    backup: Path,
    url: str,
    *,
    progress: BackupProgress | None = None,
    key_path: Path | None = None,
    full: bool = False,
) -> StagedRestore:
    """Verify ``backup`` and copy (or unpack) it into a new file beside the database, checked
    with integrity_check; the database itself is not touched, so the window can do this
    while it runs. `finish_restore` then puts the staged file in place."""
    started = time.perf_counter()
    path = sqlite_path(url)
    if path is None:
        raise BackupError(
            "`acudesk restore` puts back a SQLite file. A clinic server's archive is restored "
            "on the server: `pg_restore --clean --if-exists -d DATABASE FILE` (README, "
            "'A clinic server's backups')."
        )
    backup = backup.expanduser().resolve()
    trail = AuditTrail.for_url(url, key_file=key_path)
    info = read_manifest(backup)
    # The seals are checked with the key beside the database; restoring to a new place (a new
    # disk, another PC) uses the key beside the file the backup came from, and copies it over.
    key = trail.key_path
    borrowed: Path | None = None
    if key is None or not key.exists():
        beside_source = source_key(info.source_path) if info is not None else None
        if beside_source is not None and beside_source.exists():
            key = borrowed = beside_source
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.restoring")
    staged.unlink(missing_ok=True)
    packed = is_compressed(backup)
    try:
        check = verify_backup(
            backup,
            progress=progress,
            key_path=key,
            full=full,
            plain_to=staged if packed else None,
        )
        if not check.ok:
            raise BackupError(
                f"{backup} is not a good backup, so nothing was changed: "
                + "; ".join(check.problems[:3])
            )
        if not packed:  # a compressed copy was unpacked into ``staged`` and checked there
            source = open_read_only(backup)
            try:
                storage.online_copy(
                    source,
                    staged,
                    progress=(lambda d, t: progress("copy", d, t)) if progress else None,
                )
            finally:
                source.close()
            if progress:
                progress("final check", 0, 1)
            problems = storage.check(staged, full=True)
            if progress:
                progress("final check", 1, 1)
            if problems:
                raise BackupError(
                    f"The copy of {backup} made beside {path} fails integrity_check "
                    f"({'; '.join(problems[:2])}): the disk may be failing. Nothing was changed."
                )
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return StagedRestore(
        database=path,
        url=url,
        backup=backup,
        staged=staged,
        made_at=info.made_at if info else "",
        counts=check.counts,
        audit_checked=check.audit,
        borrowed_key=borrowed,
        started=started,
    )


def finish_restore(
    staged: StagedRestore,
    data_dir: Path | None,
    *,
    now: datetime | None = None,
    key_path: Path | None = None,
) -> RestoreReport:
    """Put a staged backup in place of the database (AcuDesk closed on it): the current file,
    its -wal, -shm and audit anchor are moved aside first, never deleted."""
    path = staged.database
    if not staged.staged.exists():
        raise BackupError(f"The staged copy {staged.staged} is gone: restore again.")
    if database_in_use(path):
        raise BackupError(
            f"AcuDesk (or another program) has {path} open. Close AcuDesk on every "
            "workstation using this file, then restore again. Nothing was changed."
        )
    trail = AuditTrail.for_url(staged.url, key_file=key_path)
    when = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = f"{when:%Y%m%dT%H%M%SZ}"
    aside: list[Path] = []
    base = path.with_name(f"{path.name}.before-restore-{stamp}")
    for current, target in (
        (path, base),
        (storage.wal_path(path), Path(f"{base}-wal")),
        (storage.shm_path(path), Path(f"{base}-shm")),
        *(
            [(trail.anchor_path, Path(f"{base}.audit-anchor"))]
            if trail.anchor_path is not None
            else []
        ),
    ):
        if current.exists():
            os.replace(current, target)
            aside.append(target)
    os.replace(staged.staged, path)
    borrowed = staged.borrowed_key
    if borrowed is not None and trail.key_path is not None and not trail.key_path.exists():
        fd = os.open(trail.key_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(borrowed.read_bytes())
        aside.append(borrowed)  # named in the report: where the key came from
    storage.fsync_folder(path.parent)
    connection = open_read_only(path)
    try:
        mark = storage.audit_mark(connection)
    except sqlite3.Error:
        mark = None
    finally:
        connection.close()
    made_at = staged.made_at
    if data_dir is not None:
        StorageMarker(data_dir).put(
            MarkerEntry(
                path=StorageMarker.key(path),
                size=path.stat().st_size,
                audit_last_id=mark.last_id if mark else 0,
                audit_last_at=mark.last_at if mark else "",
                written_at=when.isoformat(),
                latest_backup=str(staged.backup),
                latest_backup_at=made_at,
            ),
            lower=True,
        )
    shown = f"{datetime.fromisoformat(made_at).astimezone():%d.%m.%Y %H:%M}" if made_at else "?"
    return RestoreReport(
        path,
        staged.backup,
        shown,
        aside,
        staged.counts,
        time.perf_counter() - staged.started,
    )


def restore(
    backup: Path,
    url: str,
    data_dir: Path | None,
    *,
    progress: BackupProgress | None = None,
    now: datetime | None = None,
    key_path: Path | None = None,
    full: bool = False,
) -> RestoreReport:
    """Put ``backup`` in place of the SQLite database ``url`` (AcuDesk closed on it).

    The audit key beside the database stays (the backup's seals are checked with it, or with
    ``key_path``); the audit anchor beside it is set aside with the file: it remembers the
    newest event of the database being replaced, which the restored one, older, lacks."""
    path = sqlite_path(url)
    if path is not None and database_in_use(path):
        raise BackupError(
            f"AcuDesk (or another program) has {path} open. Close AcuDesk on every "
            "workstation using this file, then restore again. Nothing was changed."
        )
    staged = stage_restore(backup, url, progress=progress, key_path=key_path, full=full)
    try:
        return finish_restore(staged, data_dir, now=now, key_path=key_path)
    except BaseException:
        staged.discard()
        raise
