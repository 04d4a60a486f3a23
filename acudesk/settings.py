"""Where AcuDesk keeps its data and which options the clinic has chosen."""

from __future__ import annotations

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

    @classmethod
    def resolve(cls, cli_url: str | None = None, *, demo: bool = False) -> Settings:
        """The URL from the command line wins, then the environment, then the default file."""
        data_dir = default_data_dir()
        url = cli_url or os.environ.get(DATABASE_URL_ENV) or default_database_url(data_dir)
        return cls(database_url=url, data_dir=data_dir, demo=demo)


def describe_url(url: str) -> str:
    """The database as a person would name it: a file path or a server, never a password."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else "in memory"
        return f"Local database file: {path}"
    rest = url.split("://", 1)[-1]
    host_db = rest.rsplit("@", 1)[-1]
    return f"Clinic server: {host_db}"
