"""Backup files and their manifests: what a backup is, where it is, what it says of itself.

Each backup has a manifest beside it (``NAME.json``): when, from where, why, the counts, the
verification and the sha256. Files are created 0600 (acudesk.services.local_files).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from acudesk.domain.errors import AcuDeskError
from acudesk.services.local_files import write_private_text

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
