"""Where AcuDesk keeps its data and which options the clinic has chosen."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "AcuDesk"
DATABASE_URL_ENV = "ACUDESK_DATABASE_URL"
# Where the database, the backups and the storage marker live (default: the platform's user
# data directory, e.g. ~/.local/share/AcuDesk).
DATA_DIR_ENV = "ACUDESK_DATA_DIR"
DEFAULT_DB_FILENAME = "acudesk.sqlite3"


def default_data_dir() -> Path:
    chosen = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    return f"sqlite:///{(data_dir or default_data_dir()) / DEFAULT_DB_FILENAME}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path = field(default_factory=default_data_dir)
    demo: bool = False
    board: bool = False  # a wall screen: the nurse-station board, initials only
    # The audit key file the clinic administrator gave this workstation; None: the key's
    # default place (ACUDESK_AUDIT_KEY_FILE, else next to the SQLite file or under the server's
    # name in the data directory; see acudesk.db.anchor).
    audit_key_file: Path | None = None

    @classmethod
    def resolve(
        cls, cli_url: str | None = None, *, demo: bool = False, audit_key_file: str | None = None
    ) -> Settings:
        """The URL from the command line wins, then the environment, then the default file."""
        data_dir = default_data_dir()
        url = cli_url or os.environ.get(DATABASE_URL_ENV) or default_database_url(data_dir)
        key_file = Path(audit_key_file).expanduser() if audit_key_file else None
        return cls(database_url=url, data_dir=data_dir, demo=demo, audit_key_file=key_file)


WORKSTATION_FILE = "workstation.json"
NAME_MAX_CHARS = 100


@dataclass(frozen=True)
class Workstation:
    """This PC's name and the room or couch it serves; kept on the PC, not in the database."""

    name: str
    room: str = ""

    @classmethod
    def load(cls, data_dir: Path) -> Workstation | None:
        """None when this PC has not been named yet (the first start asks)."""
        path = data_dir / WORKSTATION_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        name = str(raw.get("name", "")).strip()
        return (
            cls(name[:NAME_MAX_CHARS], str(raw.get("room", "")).strip()[:NAME_MAX_CHARS])
            if name
            else None
        )

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / WORKSTATION_FILE
        fresh = path.with_suffix(".tmp")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"name": self.name, "room": self.room}, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(fresh, path)


def describe_url(url: str) -> str:
    """The database as a person would name it: a file path or a server, never a password."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else "in memory"
        return f"Local database file: {path}"
    rest = url.split("://", 1)[-1]
    host_db = rest.rsplit("@", 1)[-1]
    return f"Clinic server: {host_db}"
