"""Backup files and their manifests: what a backup is, where it is, what it says of itself.

Each backup has a manifest beside it (``NAME.json``): when, from where, why, the counts, the
verification and the sha256. Files are created 0600 (acudesk.services.local_files).
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from acudesk.db import storage
from acudesk.domain.audit_chain import Head
from acudesk.domain.errors import AcuDeskError
from acudesk.services.local_files import write_private_text

# 2: the audit checkpoint and the manifest's seal; compressed copies (".sqlite3.gz").
MANIFEST_FORMAT = 2
GZIP = "gzip"
GZIP_SUFFIX = ".gz"
# zlib level 1: on the ten-year file about as small as level 6 and several times faster
# (BENCHMARKS.md, "Compressed backups").
GZIP_LEVEL = 1
_CHUNK = 4 * 1024 * 1024
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
# Progress of a backup: (phase, done, total); phases "copy", "check", "audit", "sha256".
BackupProgress = Callable[[str, int, int], None]


class BackupError(AcuDeskError):
    """A backup or restore could not be done; the message says why and what to do."""


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
    # Where the audit chain was checked: from the event after ``audit_from`` (0: the whole
    # trail) to the checkpoint, the newest event in the copy. The next backup's check starts
    # at this checkpoint; ``seal`` (HMAC with the audit key) proves the manifest says what
    # AcuDesk wrote, so an edited manifest only costs a whole check.
    audit_from: int = 0
    audit_from_mac: str = ""
    checkpoint_seq: int = 0
    checkpoint_mac: str = ""
    key_id: str = ""
    compression: str = ""  # "" (a plain SQLite file) or "gzip"
    content_size: int = 0  # the SQLite file's size inside a compressed copy
    content_sha256: str = ""
    removed: list[str] = field(default_factory=list)  # pre-migration copies this made redundant
    seal: str = ""

    @property
    def made(self) -> datetime:
        return datetime.fromisoformat(self.made_at)

    @property
    def path(self) -> Path:
        return Path(self.file)

    @property
    def checkpoint(self) -> Head | None:
        return Head(self.checkpoint_seq, self.checkpoint_mac) if self.checkpoint_seq else None

    @property
    def start(self) -> Head | None:
        """Where this backup's audit check began (None: the whole trail)."""
        return Head(self.audit_from, self.audit_from_mac) if self.audit_from else None

    @property
    def compressed(self) -> bool:
        return self.compression == GZIP

    def sealed_with(self, key: bytes | None) -> bool:
        """Whether the manifest is the one AcuDesk wrote under this audit key."""
        if key is None or not self.seal:
            return False
        return hmac.compare_digest(self.seal, manifest_seal(key, self))

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


def manifest_seal(key: bytes, info: BackupInfo) -> str:
    """HMAC over what the manifest vouches for: the file (by name and sha256), where it came
    from and when, whether it verified and the span of the audit trail that was checked."""
    body = json.dumps(
        [
            Path(info.file).name,
            info.sha256,
            info.content_sha256,
            info.made_at,
            info.source_path,
            info.source,
            info.verified,
            info.audit_from,
            info.audit_from_mac,
            info.checkpoint_seq,
            info.checkpoint_mac,
        ],
        separators=(",", ":"),
    )
    message = b"acudesk-backup-manifest-v2\n" + body.encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def is_compressed(path: Path) -> bool:
    """A gzip copy, by its first two bytes (the name can be changed, the content cannot)."""
    try:
        with path.open("rb") as f:
            return f.read(2) == b"\x1f\x8b"
    except OSError:
        return False


def compress(source: Path, target: Path, *, progress: BackupProgress | None = None) -> str:
    """gzip ``source`` into a new 0600 ``target``, flushed to disk step by step (so the room's
    own commits never wait behind one huge flush); returns the sha256 of the SQLite file."""
    total = source.stat().st_size
    plain = hashlib.sha256()
    storage.create_private(target)
    done = unflushed = 0
    with source.open("rb") as src, target.open("r+b") as raw:
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0
        ) as out:
            while chunk := src.read(_CHUNK):
                plain.update(chunk)
                out.write(chunk)
                done += len(chunk)
                unflushed += len(chunk)
                if unflushed >= 16 * _CHUNK:
                    raw.flush()
                    os.fsync(raw.fileno())
                    unflushed = 0
                if progress:
                    progress("compress", done, total)
        raw.flush()
        os.fsync(raw.fileno())
    return plain.hexdigest()


def decompress(
    source: Path, target: Path, *, progress: BackupProgress | None = None, size: int = 0
) -> None:
    """A compressed copy unpacked into a new 0600 file (flushed to disk)."""
    storage.create_private(target)
    done = 0
    try:
        with gzip.open(source, "rb") as src, target.open("r+b") as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress("decompress", done, max(size, done))
            out.flush()
            os.fsync(out.fileno())
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        target.unlink(missing_ok=True)
        raise BackupError(
            f"The compressed backup {source} cannot be unpacked ({error}): it is damaged or "
            "cut short. Choose another backup."
        ) from error


def disk_room(folder: Path, needed: int) -> str | None:
    """What to say when ``folder``'s disk has less than ``needed`` bytes free."""
    free = shutil.disk_usage(folder).free
    if free >= needed:
        return None
    return (
        f"The disk holding {folder} has {free / 1_048_576:,.0f} MB free; unpacking the backup "
        f"needs {needed / 1_048_576:,.0f} MB. Free space there and try again."
    )


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
