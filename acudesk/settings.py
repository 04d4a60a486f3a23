"""Where AcuDesk keeps its data and which options the clinic has chosen."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "AcuDesk"
DATABASE_URL_ENV = "ACUDESK_DATABASE_URL"
DEFAULT_DB_FILENAME = "acudesk.sqlite3"


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_url(data_dir: Path | None = None) -> str:
    return f"sqlite:///{(data_dir or default_data_dir()) / DEFAULT_DB_FILENAME}"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path = field(default_factory=default_data_dir)
    demo: bool = False
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


def describe_url(url: str) -> str:
    """The database as a person would name it: a file path or a server, never a password."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1] if "///" in url else "in memory"
        return f"Local database file: {path}"
    rest = url.split("://", 1)[-1]
    host_db = rest.rsplit("@", 1)[-1]
    return f"Clinic server: {host_db}"
