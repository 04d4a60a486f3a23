"""Small files AcuDesk keeps in the data directory, beside (never inside) the database.

- ``acudesk-storage.json``, the storage marker: for each database file this workstation has
  used, its size, the newest audit event and the newest verified backup, written after every
  good start and every backup. A start that finds the file missing, emptied, shorter, or
  holding fewer audit events than the marker says stops (acudesk.services.startup): what was
  acknowledged must never silently vanish, and a lost clinic must not silently become a new one.
- ``backup-settings.json``: this workstation's backup folder (a setting of the PC, not of the
  database: it must be found when the database is lost).

Both are written whole to a new 0600 file and renamed into place, so a crash leaves the old or
the new version, never half of one.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

MARKER_FILE = "acudesk-storage.json"
BACKUP_SETTINGS_FILE = "backup-settings.json"
DEFAULT_BACKUP_FOLDER = "backups"


def write_private_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a new 0600 file renamed into place (atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_new_private_file(path: Path, text: str) -> None:
    """Create ``path`` (it must not exist) readable by its owner only, and write ``text``."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError, OSError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class MarkerEntry:
    """What was true of one database file at ``written_at`` (UTC, ISO)."""

    path: str
    size: int
    audit_last_id: int
    audit_last_at: str
    written_at: str
    latest_backup: str = ""
    latest_backup_at: str = ""


_MARKER_LOCK = threading.Lock()  # the keeper's thread and a backup's both write it


class StorageMarker:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / MARKER_FILE

    @staticmethod
    def key(database: Path) -> str:
        return str(database.expanduser().resolve())

    def get(self, database: Path) -> MarkerEntry | None:
        raw = read_json(self.path).get("databases", {}).get(self.key(database))
        if not isinstance(raw, dict):
            return None
        try:
            return MarkerEntry(**{k: raw[k] for k in MarkerEntry.__dataclass_fields__ if k in raw})
        except TypeError:
            return None

    def put(self, entry: MarkerEntry, *, lower: bool = False) -> None:
        """Record ``entry``. The size and the newest audit event only ever go up (a backup's
        snapshot may be older than what the keeper wrote a moment ago), unless ``lower``: a
        restore or a new clinic, which the administrator asked for."""
        with _MARKER_LOCK:
            data = read_json(self.path)
            databases = data.get("databases")
            if not isinstance(databases, dict):
                databases = {}
            known = self.get(Path(entry.path))
            if known is not None and not lower:
                if known.audit_last_id > entry.audit_last_id:
                    entry = replace(
                        entry,
                        audit_last_id=known.audit_last_id,
                        audit_last_at=known.audit_last_at,
                    )
                entry = replace(entry, size=max(entry.size, known.size))
                if not entry.latest_backup:
                    entry = replace(
                        entry,
                        latest_backup=known.latest_backup,
                        latest_backup_at=known.latest_backup_at,
                    )
            databases[entry.path] = asdict(entry)
            data["databases"] = databases
            write_private_text(self.path, json.dumps(data, indent=2, sort_keys=True))

    def forget(self, database: Path) -> None:
        with _MARKER_LOCK:
            data = read_json(self.path)
            databases = data.get("databases")
            if isinstance(databases, dict) and databases.pop(self.key(database), None):
                write_private_text(self.path, json.dumps(data, indent=2, sort_keys=True))


class WorkstationSettings:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / BACKUP_SETTINGS_FILE

    @property
    def backup_folder(self) -> Path:
        value = read_json(self.path).get("backup_folder")
        if isinstance(value, str) and value.strip():
            return Path(value).expanduser()
        return self.data_dir / DEFAULT_BACKUP_FOLDER

    def set_backup_folder(self, folder: Path) -> None:
        data = read_json(self.path)
        data["backup_folder"] = str(folder.expanduser().resolve())
        write_private_text(self.path, json.dumps(data, indent=2, sort_keys=True))
