"""The database's storage failing, in words: what happened, that nothing was saved, what to do.

A full disk, a read-only file or folder, a damaged file, a disk error and (PostgreSQL) a server
that is out of space or in recovery each become a StorageFault. The action's transaction was
rolled back, so nothing half-written is stored; the form the person typed into keeps its text.
"""

from __future__ import annotations

from typing import NamedTuple

from acudesk.domain.errors import StorageFault

KEPT = "Nothing of this action was saved; what you typed is kept."


class Words(NamedTuple):
    kind: str
    problem: str
    remedy: str

    def error(self) -> StorageFault:
        """A new exception each time: a raised one carries its own traceback and cause."""
        return StorageFault(self.kind, self.problem, self.remedy)


DISK_FULL = Words(
    "disk_full",
    f"The disk holding the database is full. {KEPT}",
    "Free space on that disk (empty the recycle bin, move old exports or downloads off it, or "
    "ask the clinic administrator), then save again.",
)
SERVER_DISK_FULL = Words(
    "disk_full",
    f"The clinic database server's disk is full. {KEPT}",
    "Tell the clinic administrator: the server needs free space before anything can be saved; "
    "then save again.",
)
READ_ONLY = Words(
    "read_only",
    f"The database is read-only: nothing can be saved. {KEPT}",
    "The database file, its folder or its disk cannot be written (a read-only file, disk or "
    "share). Ask the clinic administrator to make it writable, then restart AcuDesk.",
)
SERVER_READ_ONLY = Words(
    "read_only",
    f"The clinic database server accepts no changes at the moment (read-only). {KEPT}",
    "Tell the clinic administrator; the server may be in recovery or a standby.",
)
CORRUPT = Words(
    "corrupt",
    f"The database file is damaged (SQLite reports a malformed page). {KEPT}",
    "Do not record new sessions on this workstation. The clinic administrator should close "
    "AcuDesk and restore the latest verified backup (`acudesk restore FILE`; the "
    "Administration page names the newest one).",
)
SERVER_CORRUPT = Words(
    "corrupt",
    f"The clinic database server reports damaged data. {KEPT}",
    "Tell the clinic administrator at once: the server's data needs checking and may need "
    "restoring from its backup.",
)
IO_ERROR = Words(
    "io",
    f"The computer could not read or write the database file (a disk or network error). {KEPT}",
    "Check that the disk or network share holding it is connected, then save again. If it "
    "happens again, the clinic administrator should check the disk and restore the latest "
    "verified backup.",
)
SERVER_IO_ERROR = Words(
    "io",
    f"The clinic database server could not read or write its disk. {KEPT}",
    "Tell the clinic administrator: the server's disk needs checking.",
)

# SQLSTATEs: 53100 disk_full ("could not extend file"), 25006 read_only_sql_transaction,
# 58030 io_error, XX001 data_corrupted, XX002 index_corrupted.
_PG: dict[str, Words] = {
    "53100": SERVER_DISK_FULL,
    "25006": SERVER_READ_ONLY,
    "58030": SERVER_IO_ERROR,
    "XX001": SERVER_CORRUPT,
    "XX002": SERVER_CORRUPT,
}


def sqlite_fault(errorname: str, text: str) -> StorageFault | None:
    """The fault an SQLite error names (extended codes such as SQLITE_IOERR_WRITE included)."""
    words = _sqlite_words(errorname, text)
    return words.error() if words else None


def _sqlite_words(errorname: str, text: str) -> Words | None:
    if errorname.startswith("SQLITE_FULL") or "database or disk is full" in text:
        return DISK_FULL
    if errorname.startswith("SQLITE_READONLY") or "readonly database" in text:
        return READ_ONLY
    if errorname.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text:
        return CORRUPT
    if errorname.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")) or "disk I/O error" in text:
        return IO_ERROR
    return None


def postgresql_fault(sqlstate: str, text: str) -> StorageFault | None:
    if "could not extend file" in text:
        return SERVER_DISK_FULL.error()
    words = _PG.get(sqlstate)
    return words.error() if words else None
