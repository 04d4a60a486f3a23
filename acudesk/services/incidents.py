"""An unexpected error: a private log entry without patient data, and words for the screen.

The log holds the exception's type, where in the code it happened (file, line, function), the
driver's error code, and for a database error the statement's shape: its SQL text with the
placeholders, never the parameters. No exception message is written: messages carry values
(a constraint's key, a parameter list, the text typed). Each entry has an id the screen shows,
so the administrator can find it. The log is created 0600 inside a 0700 folder.
"""

from __future__ import annotations

import errno
import os
import stat
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from acudesk.db.conflicts import translate
from acudesk.domain.errors import AcuDeskError

LOG_FOLDER = "logs"
LOG_NAME = "acudesk-errors.log"
_MAX_STATEMENT = 400


@dataclass(frozen=True)
class Explanation:
    what: str
    remedy: str


def new_incident_id() -> str:
    return uuid.uuid4().hex[:8].upper()


def log_path(data_dir: Path) -> Path:
    return data_dir / LOG_FOLDER / LOG_NAME


def _private_folder(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        if stat.S_IMODE(folder.stat().st_mode) & 0o077:
            # AcuDesk's own log folder, made by an older version with the default mode.
            os.chmod(folder, 0o700)


def _shape(error: BaseException) -> list[str]:
    lines = [f"type: {type(error).__module__}.{type(error).__qualname__}"]
    if isinstance(error, StatementError) and error.statement:
        statement = " ".join(str(error.statement).split())[:_MAX_STATEMENT]
        lines.append(f"statement (no parameters): {statement}")
    orig = getattr(error, "orig", None)
    if orig is not None:
        lines.append(f"driver error: {type(orig).__module__}.{type(orig).__qualname__}")
        for attribute in ("sqlite_errorname", "sqlstate"):
            value = getattr(orig, attribute, None)
            if value:
                lines.append(f"{attribute}: {value}")
    if isinstance(error, OSError) and error.errno is not None:
        lines.append(f"errno: {errno.errorcode.get(error.errno, error.errno)}")
    return lines


def incident_text(
    incident: str, kind: type[BaseException], error: BaseException, tb: TracebackType | None
) -> str:
    """The log entry: shapes and code locations only."""
    out = [f"--- {datetime.now(UTC).isoformat()} incident {incident}"]
    chain: list[tuple[BaseException, TracebackType | None]] = [(error, tb)]
    seen = {id(error)}
    current: BaseException | None = error
    while current is not None:
        nxt = current.__cause__ or current.__context__
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        chain.append((nxt, nxt.__traceback__))
        current = nxt
    for depth, (exc, exc_tb) in enumerate(chain):
        if depth:
            out.append("caused by:")
        out.extend(f"  {line}" for line in _shape(exc))
        for frame in traceback.extract_tb(exc_tb):
            out.append(f"    at {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
    return "\n".join(out) + "\n"


def write_incident(
    data_dir: Path,
    incident: str,
    kind: type[BaseException],
    error: BaseException,
    tb: TracebackType | None,
) -> Path:
    path = log_path(data_dir)
    _private_folder(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(incident_text(incident, kind, error, tb))
    return path


def explain(error: BaseException) -> Explanation:
    """What happened, in plain words, and what to do: for the dialog of an unexpected error."""
    typed = error if isinstance(error, AcuDeskError) else translate(error)
    if typed is not None:
        return Explanation(str(typed), "Check the screen before going on.")
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return Explanation(
            "The disk is full, so AcuDesk could not write a file; the last action may not have "
            "been saved.",
            "Free space on the disk, then check the screen: what it shows is what is stored.",
        )
    if isinstance(error, OSError) and error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return Explanation(
            "AcuDesk was not allowed to write a file (a read-only disk or folder, or missing "
            "permissions); the last action may not have been saved.",
            "Ask the clinic administrator to check the folder's permissions.",
        )
    if isinstance(error, MemoryError):
        return Explanation(
            "The computer ran out of memory during the last action, which may not have been saved.",
            "Close other programs, then check the screen: what it shows is what is stored.",
        )
    if isinstance(error, DBAPIError | SQLAlchemyError):
        return Explanation(
            "The database refused the last action for a reason AcuDesk does not know; nothing "
            "of that action was saved.",
            "Check the screen, then try again. If it happens again, tell the clinic administrator.",
        )
    return Explanation(
        f"AcuDesk met a fault in its own program ({type(error).__name__}) during the last "
        "action, which may not have been saved.",
        "Check the screen before going on: what it shows is what is stored. If it happens "
        "again, tell the clinic administrator.",
    )
