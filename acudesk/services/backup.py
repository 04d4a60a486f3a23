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

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from acudesk.db import models as m
from acudesk.db import storage
from acudesk.db.anchor import AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, open_read_only, sqlite_path
from acudesk.db.storage import CopyStopped
from acudesk.domain.backup_rotation import Kept, to_delete
from acudesk.domain.clock import Clock, SystemClock
from acudesk.domain.errors import AcuDeskError, RuleViolation
from acudesk.domain.roles import Action
from acudesk.services.audit import AuditService
from acudesk.services.base import ServiceBase
from acudesk.services.local_files import (
    MarkerEntry,
    StorageMarker,
    WorkstationSettings,
    write_private_text,
)
from acudesk.settings import describe_url

__all__ = ["BackupInfo", "BackupService", "CopyStopped", "verify_backup"]

MANIFEST_FORMAT = 1
# The main tables: counted in the source and in the copy, which must agree.
MAIN_TABLES = (
    "users",
    "patients",
    "courses",
    "treatment_sessions",
    "screenings",
    "checklist_confirmations",
    "needle_packs",
    "needle_insertions",
    "needle_removals",
    "incidents",
    "adverse_events",
    "addenda",
    "audit_events",
)
# At least this often while AcuDesk runs: a copy is safe only once verified (up to 6 min on a
# ten-year five-room file, BENCHMARKS.md), so the next starts 50 min after the last snapshot
# and the newest verified copy is never more than an hour old (RPO <= 1 h).
EVERY = timedelta(minutes=50)
STALE_AFTER = timedelta(hours=24)  # the banner on every page
RETRY_FAILED_AFTER = timedelta(minutes=10)
# Audit actions after which a backup is due at once: a record was signed.
SIGNING_ACTIONS = ("sign", "add addendum")

# Progress of a backup: (phase, done, total); phases "copy", "check", "audit", "sha256".
BackupProgress = Callable[[str, int, int], None]


class BackupError(AcuDeskError):
    """A backup or restore could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: list[str]
    counts: dict[str, int]
    audit: str
    audit_last_id: int


@dataclass(frozen=True)
class BackupInfo:
    """One backup as its manifest describes it."""

    file: str
    made_at: str  # UTC, ISO
    kind: str  # "sqlite" or "pg_dump"
    source: str  # the database as a person names it
    source_path: str  # the SQLite file (resolved), "" for a server
    reason: str
    size: int
    sha256: str
    verified: bool
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    source_counts: dict[str, int] = field(default_factory=dict)
    audit: str = ""
    audit_last_id: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    format: int = MANIFEST_FORMAT

    @property
    def made(self) -> datetime:
        return datetime.fromisoformat(self.made_at)

    @property
    def path(self) -> Path:
        return Path(self.file)

    def age_text(self, now: datetime) -> str:
        return age_words(now - self.made)

    def summary(self) -> str:
        when = f"{self.made.astimezone():%d.%m.%Y %H:%M}"
        if self.verified:
            return f"{when}: verified ({self.audit or 'counts and integrity match'})"
        return f"{when}: FAILED verification: {'; '.join(self.problems[:3])}"


def age_words(age: timedelta) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (24 * 60)} days"


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".json")


def read_manifest(backup: Path) -> BackupInfo | None:
    try:
        raw = json.loads(manifest_path(backup).read_text(encoding="utf-8"))
        names = BackupInfo.__dataclass_fields__
        return BackupInfo(**{k: v for k, v in raw.items() if k in names})
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(info: BackupInfo) -> None:
    write_private_text(manifest_path(info.path), json.dumps(asdict(info), indent=2))


def list_backups(folder: Path) -> list[BackupInfo]:
    """Every backup in ``folder`` with a manifest whose file is still there, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for manifest in folder.glob("*.json"):
        info = read_manifest(manifest.with_suffix(""))
        if info is not None and Path(info.file).exists():
            found.append(info)
    return sorted(found, key=lambda b: b.made_at)


def copy_trail(key_path: Path | None) -> AuditTrail:
    """The audit trail of a copy: the source's key (the seals are checked with it), and no
    anchor (the anchor belongs to the live database, which has moved on since the copy)."""
    return AuditTrail(key_path, None, label="backup copy", background=False)


def source_key(source_path: str | Path) -> Path | None:
    """Where the audit key of the database a backup came from lives (beside that file)."""
    if not str(source_path):
        return None
    trail = AuditTrail.for_url(f"sqlite:///{source_path}")
    return trail.key_path


def verify_sqlite_copy(
    path: Path,
    *,
    expected: dict[str, int] | None = None,
    progress: BackupProgress | None = None,
    key_path: Path | None = None,
) -> Verification:
    """integrity_check, the main tables' counts (against ``expected``), and the audit chain
    (its seals checked with the key at ``key_path``: the source database's)."""
    if progress:
        progress("check", 0, 1)
    problems = storage.check(path, full=True)
    if problems:
        return Verification(False, [f"integrity_check: {p}" for p in problems[:20]], {}, "", 0)
    if progress:
        progress("check", 1, 1)
    connection = open_read_only(path)
    try:
        present = storage.table_names(connection)
        counts = storage.count_rows(connection, [t for t in MAIN_TABLES if t in present])
        mark = storage.audit_mark(connection)
    finally:
        connection.close()
    if "audit_events" not in counts:
        problems.append("the copy holds no AcuDesk tables")
    if expected is not None and counts != expected:
        differ = sorted(t for t in set(expected) | set(counts) if expected.get(t) != counts.get(t))
        problems.extend(
            f"{t}: {counts.get(t, 0):,} in the copy, {expected.get(t, 0):,} in the source"
            for t in differ
        )
    if progress:
        progress("audit", 0, 1)
    db = Database(make_engine(f"sqlite:///{path}", read_only=True), trail=copy_trail(key_path))
    try:
        report = AuditService(db).verify()
    finally:
        db.dispose()
    if progress:
        progress("audit", 1, 1)
    if not report.intact:
        problems.append(f"audit trail: {report.text}")
    return Verification(not problems, problems, counts, report.text, mark.last_id if mark else 0)


def child_command() -> list[str]:
    """This program as a command: the frozen bundle's executable, or ``python -m acudesk``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "acudesk"]


def _lower_priority() -> None:  # pragma: no cover - runs in the child, before it starts
    os.nice(10)


def verify_in_child(
    path: Path, *, key_path: Path | None = None, timeout_s: float = 6 * 3600
) -> Verification:
    """verify_backup in a separate process at a lower priority: checking the audit chain is
    pure Python, and in a thread of the window's process it would hold the interpreter lock
    against the window (BENCHMARKS.md: a needle logged during a backup waited up to 0.4 s)."""
    kwargs: dict[str, object] = {}
    if sys.platform == "win32":
        kwargs["creationflags"] = getattr(subprocess, "BELOW_NORMAL_PRIORITY_CLASS", 0)
    else:
        kwargs["preexec_fn"] = _lower_priority
    result = subprocess.run(
        [
            *child_command(),
            "backup",
            "verify",
            str(path),
            "--json",
            *(["--audit-key-file", str(key_path)] if key_path else []),
        ],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        **kwargs,  # type: ignore[call-overload]
    )
    lines = result.stdout.strip().splitlines()
    try:
        data = json.loads(lines[-1]) if lines else {}
        return Verification(**data)
    except (ValueError, TypeError) as error:
        raise BackupError(
            "The backup could not be verified: the checking process ended without an "
            f"answer (exit {result.returncode}; {result.stderr.strip()[-300:]})."
        ) from error


class BackupService(ServiceBase):
    """Backups of one database, into this workstation's backup folder.

    ``verify_elsewhere``: check each new copy in a separate process (the window sets it, so
    the check never competes with the window for Python's interpreter lock)."""

    verify_elsewhere = False

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
    ) -> BackupInfo:
        """Make, verify and record one backup, then apply the rotation. A backup that fails
        verification is kept (with its manifest saying why) until a good one replaces it."""
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
            info = self._sqlite_backup(self.database_path, target_folder, reason, progress, stop)
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
    ) -> BackupInfo:
        made = self._clock.now().astimezone(UTC)
        name = _free_name(folder, f"{source_path.stem}-{made:%Y%m%dT%H%M%SZ}", ".sqlite3")
        final = folder / name
        partial = folder / f".{name}.partial"
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
        try:
            if self.verify_elsewhere:
                if progress:
                    progress("check", 0, 1)
                check = _against(
                    verify_in_child(partial, key_path=self._db.trail.key_path), snapshot.counts
                )
                if progress:
                    progress("check", 1, 1)
            else:
                check = verify_sqlite_copy(
                    partial,
                    expected=snapshot.counts,
                    progress=progress,
                    key_path=self._db.trail.key_path,
                )
            verified = time.perf_counter()
            digest = storage.sha256_of(
                partial, progress=(lambda d, t: progress("sha256", d, t)) if progress else None
            )
            os.replace(partial, final)
            storage.fsync_folder(folder)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
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
            audit_last_id=snapshot.audit.last_id if snapshot.audit else 0,
            seconds={
                "copy": round(copied - started, 3),
                "verify": round(verified - copied, 3),
                "total": round(time.perf_counter() - started, 3),
            },
        )
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


def _against(check: Verification, expected: dict[str, int]) -> Verification:
    """The child's verification with the copy's counts compared to the source's snapshot."""
    if check.counts == expected or not check.counts:
        return check
    differ = sorted(
        t for t in set(expected) | set(check.counts) if expected.get(t) != check.counts.get(t)
    )
    problems = check.problems + [
        f"{t}: {check.counts.get(t, 0):,} in the copy, {expected.get(t, 0):,} in the source"
        for t in differ
    ]
    return Verification(False, problems, check.counts, check.audit, check.audit_last_id)


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


def verify_backup(
    path: Path, *, progress: BackupProgress | None = None, key_path: Path | None = None
) -> Verification:
    """Check a backup file again, as `acudesk backup verify FILE` does: its sha256 against its
    manifest, then (SQLite) integrity, counts against the manifest and the audit chain, or
    (pg_dump) that pg_restore can read the archive's table of contents."""
    if not path.is_file():
        return Verification(False, [f"there is no file {path}"], {}, "", 0)
    info = read_manifest(path)
    problems: list[str] = []
    if info is not None and info.sha256:
        digest = storage.sha256_of(
            path, progress=(lambda d, t: progress("sha256", d, t)) if progress else None
        )
        if digest != info.sha256:
            problems.append(
                "the file is not the one that was made: its sha256 differs from its manifest's"
            )
    if info is not None and info.kind == "pg_dump":
        from acudesk.services.pg_backup import verify_archive

        problems.extend(verify_archive(path))
        return Verification(not problems, problems, info.source_counts, "", info.audit_last_id)
    key = key_path or (source_key(info.source_path) if info is not None else None)
    check = verify_sqlite_copy(
        path, expected=info.counts if info else None, progress=progress, key_path=key
    )
    problems.extend(check.problems)
    return Verification(not problems, problems, check.counts, check.audit, check.audit_last_id)
