"""Backups of the clinic's database: made, verified, kept in rotation, found again.

SQLite: an online copy with sqlite3's backup API (readers and writers keep working), verified
as it is made: PRAGMA integrity_check on the copy, the main tables counted in the copy against
the source at the same moment, the audit trail's chain checked on the copy. Each backup has a
manifest beside it (``NAME.json``: when, from where, counts, the verification, sha256). Files
are created 0600. PostgreSQL: a ``pg_dump -Fc`` archive (acudesk.services.pg_backup).

No Qt here: the CLI calls it directly, the window through acudesk.ui.backup_scheduler on a
worker thread. Restoring is in acudesk.services.restore.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from acudesk.db import models as m
from acudesk.db import storage
from acudesk.db.database import Database
from acudesk.db.engine import open_read_only, sqlite_path
from acudesk.db.storage import CopyStopped
from acudesk.domain.audit_chain import Head, key_id
from acudesk.domain.backup_rotation import Kept, to_delete
from acudesk.domain.clock import Clock, SystemClock
from acudesk.domain.errors import RuleViolation, SignatureRefused
from acudesk.domain.roles import Action
from acudesk.i18n import _
from acudesk.services.backup_check import (
    Verification,
    against_snapshot,
    verify_backup,
    verify_in_child,
    verify_sqlite_copy,
)
from acudesk.services.backup_files import (
    GZIP,
    GZIP_SUFFIX,
    MAIN_TABLES,
    BackupError,
    BackupInfo,
    BackupProgress,
    compress,
    list_backups,
    manifest_path,
    manifest_seal,
    read_manifest,
    write_manifest,
)
from acudesk.services.base import ServiceBase
from acudesk.services.local_files import MarkerEntry, StorageMarker, WorkstationSettings
from acudesk.settings import describe_url

__all__ = [
    "MAIN_TABLES",
    "BackupError",
    "BackupInfo",
    "BackupProgress",
    "BackupService",
    "CopyStopped",
    "Verification",
    "list_backups",
    "read_manifest",
    "verify_backup",
    "verify_sqlite_copy",
]

# At least this often while AcuDesk runs: a copy is safe only once verified (up to 6 min on a
# ten-year five-room file, BENCHMARKS.md), so the next starts 50 min after the last snapshot
# and the newest verified copy is never more than an hour old (RPO <= 1 h).
EVERY = timedelta(minutes=50)
STALE_AFTER = timedelta(hours=24)  # the banner on every page
RETRY_FAILED_AFTER = timedelta(minutes=10)
# Audit actions after which a backup is due at once: a record was signed.
SIGNING_ACTIONS = ("sign", "add addendum")
# Each backup checks the audit trail from the checkpoint the previous verified backup reached;
# the whole trail again at least this often (an edit of an old event is found within a week),
# and whenever asked (`acudesk backup --full`, `acudesk backup verify --full`).
FULL_CHECK_EVERY = timedelta(days=7)
# A copy made beside the database before a schema migration is removed once it is older than
# this and a verified backup made after it exists: by then the daily backups cover the weeks
# since the upgrade, and the copy would otherwise stay beside the database for ever.
MIGRATION_COPY_KEEP = timedelta(days=30)
MIGRATION_COPY = re.compile(r"\.before-[0-9A-Za-z]+-(\d{8}T\d{6}Z)\.bak$")


class BackupService(ServiceBase):
    """Backups of one database, into this workstation's backup folder.

    ``verify_elsewhere``: check each new copy in a separate process (the window sets it, so
    the check never competes with the window for Python's interpreter lock)."""

    verify_elsewhere = False
    compress = True  # gzip each SQLite copy once it is verified (BENCHMARKS.md: size, time)

    def __init__(self, db: Database, data_dir: Path, clock: Clock | None = None) -> None:
        super().__init__(db)
        self.data_dir = data_dir
        self.workstation_settings = WorkstationSettings(data_dir)
        self.marker = StorageMarker(data_dir)
        self._clock = clock or db.clock or SystemClock()
        url = db.engine.url.render_as_string(hide_password=False)
        self.url = url
        self.database_path = sqlite_path(url)
        self.source = describe_url(db.engine.url.render_as_string(hide_password=True))
        self.key_path = db.trail.key_path  # the audit key the restored copy's seals need

    # -- restoring from the window -----------------------------------------------------

    def authorize_restore(self, user_id: int, secret: str, backup: Path) -> None:
        """The administrator asks to put ``backup`` in place of this database, typing their
        password or PIN again; recorded in the audit trail of the database being replaced
        (which is kept aside by the restore). Raises SignatureRefused on a wrong secret."""
        from acudesk.services.auth import AuthService

        if self.database_path is None:
            raise BackupError(
                _(
                    "A clinic server's database is restored on the server (README, 'A clinic "
                    "server's backups'), not from a workstation."
                )
            )
        refusal: str | None
        with self._db.unit_of_work() as s:
            user = self._actor(s, user_id, Action.CHANGE_SETTINGS)
            refusal = AuthService(self._db).confirm_signer(s, user, secret, "backup", None)
            if refusal is None:
                self._audit(
                    s, user_id, "restore requested", "backup", None, after={"file": str(backup)}
                )
        if refusal is not None:
            raise SignatureRefused(refusal)

    def record_restored(self, facts: dict[str, object]) -> None:
        """The first thing the restored database records: where it came from and who asked.
        The person may have no account in the older copy, so the event names them in its facts."""
        with self._db.unit_of_work() as s:
            self._audit(s, None, "restore database", "backup", None, after=facts)

    # -- where ---------------------------------------------------------------------------

    @property
    def folder(self) -> Path:
        return self.workstation_settings.backup_folder

    def set_folder(self, user_id: int, folder: Path) -> Path:
        """The administrator chooses this workstation's backup folder; it must be writable."""
        target = folder.expanduser().resolve()
        try:
            _writable_folder(target)
        except OSError as error:
            raise RuleViolation(
                "backup_folder",
                f"AcuDesk cannot write backups into {target}: {error.strerror or error}.",
                field="folder",
                remedy="Choose a folder on a disk this account may write to.",
            ) from error
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.CHANGE_SETTINGS)
            self._audit(
                s,
                user_id,
                "change setting",
                "workstation_setting",
                None,
                before={"backup_folder": str(self.folder)},
                after={"backup_folder": str(target)},
            )
        self.workstation_settings.set_backup_folder(target)
        return target

    # -- what there is -------------------------------------------------------------------

    def backups(self, folder: Path | None = None) -> list[BackupInfo]:
        """This database's backups in the folder, oldest first."""
        key = str(self.database_path.resolve()) if self.database_path else ""
        return [
            b
            for b in list_backups(folder or self.folder)
            if (b.source_path == key if key else b.source == self.source)
        ]

    def latest_verified(self) -> BackupInfo | None:
        verified = [b for b in self.backups() if b.verified]
        return verified[-1] if verified else None

    def warning(self, now: datetime | None = None) -> str:
        """The banner for every page: "" while a verified backup from the last 24 h exists.

        Only for a SQLite file; a clinic server's backups are the server's (README)."""
        if self.database_path is None:
            return ""
        now = now or self._clock.now()
        latest = self.latest_verified()
        attempts = self.backups()
        failed = attempts[-1] if attempts and not attempts[-1].verified else None
        why = f" The last attempt failed: {'; '.join(failed.problems[:2])}." if failed else ""
        if latest is None:
            return (
                "No verified backup of this database exists yet." + why + " AcuDesk makes one "
                f"by itself while it runs, into {self.folder}; the administrator can check it "
                "under Administration, Backups."
            )
        if now - latest.made > STALE_AFTER:
            return (
                f"The newest verified backup is {latest.age_text(now)} old "
                f"({latest.made.astimezone():%d.%m.%Y %H:%M})." + why + " Records made since "
                "then exist only in the database: the administrator should check the backup "
                f"folder {self.folder} (Administration, Backups)."
            )
        return ""

    def due(self, now: datetime | None = None) -> str | None:
        """Why a backup should be made now ("first", "hourly", "signed session"), or None."""
        if self.database_path is None:
            return None
        now = now or self._clock.now()
        attempts = self.backups()
        if not attempts:
            return "first"
        last = attempts[-1]
        if not last.verified and now - last.made < RETRY_FAILED_AFTER:
            return None
        latest = self.latest_verified()
        if latest is None or now - latest.made >= EVERY:
            return "hourly"
        with self._db.reading() as s:
            signed = s.scalar(
                select(m.AuditEvent.id)
                .where(m.AuditEvent.id > last.audit_last_id)
                .where(m.AuditEvent.action.in_(SIGNING_ACTIONS))
                .limit(1)
            )
        return "signed session" if signed is not None else None

    # -- making one ----------------------------------------------------------------------

    def back_up(
        self,
        *,
        reason: str = "by hand",
        folder: Path | None = None,
        progress: BackupProgress | None = None,
        stop: Callable[[], bool] = lambda: False,
        full: bool = False,
    ) -> BackupInfo:
        """Make, verify and record one backup, then apply the rotation. A backup that fails
        verification is kept (with its manifest saying why) until a good one replaces it.
        The audit trail is checked from the previous verified backup's checkpoint, or whole
        (``full``, the first backup in a folder, or none whole for FULL_CHECK_EVERY)."""
        target_folder = (folder or self.folder).expanduser().resolve()
        try:
            _writable_folder(target_folder)
        except OSError as error:
            raise BackupError(
                f"AcuDesk cannot write into the backup folder {target_folder}: "
                f"{error.strerror or error}. Choose another folder (Administration, Backups, "
                "or `acudesk backup --to FOLDER`)."
            ) from error
        if self.database_path is None:
            from acudesk.services.pg_backup import dump

            info = dump(self._db, self.url, self.source, target_folder, reason, self._clock)
        else:
            info = self._sqlite_backup(
                self.database_path, target_folder, reason, progress, stop, full=full
            )
        if info.verified and self.database_path is not None:
            info = replace(info, removed=self._prune_migration_copies(self.database_path, info))
        write_manifest(info)
        if folder is None or target_folder == self.folder.expanduser().resolve():
            self._rotate(target_folder)
        return info

    def _sqlite_backup(
        self,
        source_path: Path,
        folder: Path,
        reason: str,
        progress: BackupProgress | None,
        stop: Callable[[], bool],
        *,
        full: bool = False,
    ) -> BackupInfo:
        made = self._clock.now().astimezone(UTC)
        squeeze = self.compress
        suffix = ".sqlite3" + (GZIP_SUFFIX if squeeze else "")
        name = _free_name(folder, f"{source_path.stem}-{made:%Y%m%dT%H%M%SZ}", suffix)
        final = folder / name
        partial = folder / f".{name.removesuffix(GZIP_SUFFIX)}.partial"
        packed = folder / f".{name}.partial"
        started = time.perf_counter()
        source = open_read_only(source_path)
        try:
            snapshot = storage.online_copy(
                source,
                partial,
                tables=MAIN_TABLES,
                progress=(lambda d, t: progress("copy", d, t)) if progress else None,
                stop=stop,
            )
        finally:
            source.close()
        copied = time.perf_counter()
        last_id = snapshot.audit.last_id if snapshot.audit else 0
        start = None if full else self._audit_start(folder, last_id, made)
        content_size = partial.stat().st_size
        content_sha256 = ""
        compressed_at = None
        try:
            if self.verify_elsewhere:
                if progress:
                    progress("check", 0, 1)
                check = against_snapshot(
                    verify_in_child(partial, key_path=self._db.trail.key_path, start=start),
                    snapshot.counts,
                )
                if progress:
                    progress("check", 1, 1)
            else:
                check = verify_sqlite_copy(
                    partial,
                    expected=snapshot.counts,
                    progress=progress,
                    key_path=self._db.trail.key_path,
                    start=start,
                )
            verified = time.perf_counter()
            if squeeze:
                content_sha256 = compress(partial, packed, progress=progress)
                partial.unlink()
                compressed_at = time.perf_counter()
                stored = packed
            else:
                stored = partial
            digest = storage.sha256_of(
                stored, progress=(lambda d, t: progress("sha256", d, t)) if progress else None
            )
            os.replace(stored, final)
            storage.fsync_folder(folder)
        except BaseException:
            partial.unlink(missing_ok=True)
            packed.unlink(missing_ok=True)
            raise
        seconds = {
            "copy": round(copied - started, 3),
            "verify": round(verified - copied, 3),
        }
        if compressed_at is not None:
            seconds["compress"] = round(compressed_at - verified, 3)
        seconds["total"] = round(time.perf_counter() - started, 3)
        key = self._db.trail.key()
        info = BackupInfo(
            file=str(final),
            made_at=made.isoformat(),
            kind="sqlite",
            source=self.source,
            source_path=str(source_path.resolve()),
            reason=reason,
            size=final.stat().st_size,
            sha256=digest,
            verified=check.ok,
            problems=check.problems,
            counts=check.counts,
            source_counts=snapshot.counts,
            audit=check.audit,
            audit_last_id=last_id,
            seconds=seconds,
            audit_from=check.audit_from,
            audit_from_mac=check.audit_from_mac,
            checkpoint_seq=check.checkpoint_seq if check.ok else 0,
            checkpoint_mac=check.checkpoint_mac if check.ok else "",
            key_id=key_id(key) if key is not None else "",
            compression=GZIP if squeeze else "",
            content_size=content_size,
            content_sha256=content_sha256,
        )
        if key is not None:
            info = replace(info, seal=manifest_seal(key, info))
        if check.ok and snapshot.audit is not None:
            self.marker.put(
                MarkerEntry(
                    path=StorageMarker.key(source_path),
                    size=source_path.stat().st_size,
                    audit_last_id=snapshot.audit.last_id,
                    audit_last_at=snapshot.audit.last_at,
                    written_at=made.isoformat(),
                    latest_backup=str(final),
                    latest_backup_at=made.isoformat(),
                )
            )
        return info

    def _audit_start(self, folder: Path, last_id: int, now: datetime) -> Head | None:
        """Where a new copy's audit check begins: the newest checkpoint of a verified backup
        in ``folder`` whose manifest is sealed with this key; None (the whole trail) when
        there is none, or when no backup of the last FULL_CHECK_EVERY checked it whole."""
        key = self._db.trail.key()
        if key is None:
            return None
        sealed = [
            b
            for b in self.backups(folder)
            if b.verified and b.checkpoint is not None and b.sealed_with(key)
        ]
        if not any(b.audit_from == 0 and now - b.made < FULL_CHECK_EVERY for b in sealed):
            return None
        usable = [b.checkpoint for b in sealed if b.checkpoint and b.checkpoint.seq <= last_id]
        return max(usable, key=lambda h: h.seq) if usable else None

    def _prune_migration_copies(self, database: Path, backup: BackupInfo) -> list[str]:
        """The pre-migration copies beside ``database`` that the verified ``backup`` (made
        after them) and MIGRATION_COPY_KEEP make redundant are deleted; their names returned."""
        removed: list[str] = []
        for copy in sorted(database.parent.glob(f"{database.name}.before-*.bak")):
            found = MIGRATION_COPY.search(copy.name)
            if found is None:
                continue
            made = datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if made >= backup.made or backup.made - made < MIGRATION_COPY_KEEP:
                continue
            try:
                copy.unlink()
            except OSError:
                continue  # kept: the next backup tries again
            removed.append(str(copy))
        return removed

    def _rotate(self, folder: Path) -> None:
        now = self._clock.now()
        mine = {b.file: b for b in self.backups(folder)}
        kept = [Kept(b.file, b.made.astimezone(), b.verified) for b in mine.values()]
        for gone in to_delete(kept, now.astimezone()):
            path = Path(gone.name)
            path.unlink(missing_ok=True)
            manifest_path(path).unlink(missing_ok=True)
        day_ago = time.time() - 24 * 3600
        for stray in folder.glob(".*.partial"):  # a copy a crash interrupted
            if stray.stat().st_mtime < day_ago:
                stray.unlink(missing_ok=True)


def _writable_folder(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    probe = folder / f".acudesk-write-test-{os.getpid()}"
    fd = os.open(probe, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    probe.unlink()


def _free_name(folder: Path, stem: str, suffix: str) -> str:
    name = f"{stem}{suffix}"
    n = 1
    while (folder / name).exists() or (folder / f".{name}.partial").exists():
        n += 1
        name = f"{stem}-{n}{suffix}"
    return name
