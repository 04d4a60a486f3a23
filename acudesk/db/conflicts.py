"""What the database says when two workstations meet, or its storage fails, in the words of
the person at the screen.

One place turns driver errors into AcuDesk's typed errors, so that no service has to know
them: a unique index another workstation filled first, a record changed since it was read, a
lock or statement timeout, a deadlock or serialization failure, a locked SQLite file; and the
storage faults (acudesk.db.storage_faults): a full disk, a read-only or damaged file, a disk
error, a server gone. Anything not recognised here is a defect and is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from acudesk.db.storage_faults import postgresql_fault, sqlite_fault
from acudesk.domain.errors import AcuDeskError, Busy, Conflict, StaleRecord

NOTHING_SAVED = "Nothing of this action was saved."


@dataclass(frozen=True)
class _Known:
    rule: str
    message: str
    remedy: str | None
    sqlite: str  # what SQLite names after "UNIQUE constraint failed: "


# Unique constraints and indexes two workstations can both try to fill, by their names
# (acudesk.db.base.NAMING_CONVENTION; the migrations use the same names).
KNOWN_CONSTRAINTS: dict[str, _Known] = {
    "uq_courses_patient_number": _Known(
        "course_open",
        "Another workstation planned a course for this patient at the same moment; "
        "theirs is stored.",
        "Reopen the patient to see it.",
        "courses.patient_id, courses.number",
    ),
    "uq_treatment_sessions_course_number": _Known(
        "session_open",
        "Another workstation started this patient's session at the same moment; theirs is stored.",
        "Open it from the patient page.",
        "treatment_sessions.course_id, treatment_sessions.number",
    ),
    "uq_needle_removals_insertion_id": _Known(
        "already_removed",
        "This needle was removed at another workstation at the same moment.",
        "Reopen the session to see who removed it.",
        "needle_removals.insertion_id",
    ),
    "uq_checklist_confirmations_session_step": _Known(
        "step_confirmed",
        "This step was confirmed at another workstation at the same moment.",
        "Reopen the session to see who confirmed it.",
        "checklist_confirmations.session_id, checklist_confirmations.step",
    ),
    "uq_protocols_name": _Known(
        "protocol_name_taken",
        "A point set with this name was saved at another workstation a moment ago.",
        "Choose another name.",
        "protocols.name",
    ),
    "uq_protocols_name_key": _Known(
        "protocol_name_taken",
        "A point set with this name (in any capitals) was saved at another workstation "
        "a moment ago.",
        "Choose another name.",
        "protocols.name_key",
    ),
    "uq_users_username": _Known(
        "username_taken",
        "This log-in name was taken at another workstation a moment ago.",
        "Choose another log-in name.",
        "users.username",
    ),
    "pk_user_roles": _Known(
        "roles_changed",
        "This person's roles were changed at another workstation at the same moment.",
        "Reopen the account to see them.",
        "user_roles.user_id, user_roles.role",
    ),
    "pk_clinic_settings": _Known(
        "setting_changed",
        "This setting was changed at another workstation at the same moment.",
        "Reopen the settings to see it.",
        "clinic_settings.key",
    ),
}

# The text of the signed-record triggers (migration 0002) on both databases.
SIGNED_TRIGGER_TEXT = "the session is signed and read-only"

STALE_MESSAGE = (
    "This record was changed at another workstation since you opened it, so your change was "
    "not saved. What you typed is still on your screen."
)
STALE_REMEDY = "Reopen the record to see their change, then make yours again."

_SERIALIZATION = ("40001", "40P01")  # serialization_failure, deadlock_detected
_LOCK_TIMEOUT = "55P03"  # lock_not_available
_STATEMENT_TIMEOUT = "57014"  # query_canceled (statement_timeout)
_GONE = ("25P03", "57P01", "57P02", "57P03")  # idle-in-transaction timeout, server shut down


def translate(error: BaseException) -> AcuDeskError | None:
    """The typed error a driver error means for the user, or None when it is not a race."""
    if isinstance(error, StaleDataError):
        return StaleRecord(STALE_MESSAGE, remedy=STALE_REMEDY)
    if not isinstance(error, DBAPIError):
        return None
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return _postgresql(error, sqlstate)
    if getattr(orig, "sqlite_errorname", None) is not None or type(orig).__module__ == "sqlite3":
        return _sqlite(orig)
    if error.connection_invalidated or isinstance(error, OperationalError | InterfaceError):
        # No SQLSTATE: the server never answered (down, unreachable, or the line dropped).
        return _lost()
    return None


def _postgresql(error: DBAPIError, sqlstate: str) -> AcuDeskError | None:
    if sqlstate in _SERIALIZATION:
        return Busy(
            "Another workstation changed the same records at the same moment. "
            f"{NOTHING_SAVED} Try again.",
            retryable=True,
        )
    if sqlstate == _LOCK_TIMEOUT:
        return Busy(
            "Another workstation is busy with this record and did not let go in time. "
            f"{NOTHING_SAVED} Try again in a moment."
        )
    if sqlstate == _STATEMENT_TIMEOUT:
        return Busy(
            "The database server took too long to answer; another workstation may be busy "
            f"with the same records. {NOTHING_SAVED} Try again in a moment."
        )
    if sqlstate in _GONE or error.connection_invalidated:
        return _lost()
    fault = postgresql_fault(sqlstate, str(error.orig))
    if fault is not None:
        return fault
    if sqlstate.startswith("23"):
        if SIGNED_TRIGGER_TEXT in str(error.orig):
            return _signed()
        diag = getattr(error.orig, "diag", None)
        known = KNOWN_CONSTRAINTS.get(str(getattr(diag, "constraint_name", "") or ""))
        if known is not None:
            return Conflict(known.message, rule=known.rule, remedy=known.remedy)
    return None


def _sqlite(orig: object) -> AcuDeskError | None:
    name = str(getattr(orig, "sqlite_errorname", ""))
    text = str(orig)
    fault = sqlite_fault(name, text)
    if fault is not None:
        return fault
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return Busy(
            "Another program on this computer is writing to the AcuDesk database and did not "
            f"finish in time. {NOTHING_SAVED} Try again in a moment."
        )
    if SIGNED_TRIGGER_TEXT in text:
        return _signed()
    prefix = "UNIQUE constraint failed: "
    if text.startswith(prefix):
        columns = text.removeprefix(prefix)
        for known in KNOWN_CONSTRAINTS.values():
            if known.sqlite == columns:
                return Conflict(known.message, rule=known.rule, remedy=known.remedy)
    return None


def _lost() -> Busy:
    return Busy(
        "The database server could not be reached, or the connection to it was lost. "
        f"{NOTHING_SAVED} Try again; if it keeps happening, tell the clinic administrator."
    )


def _signed() -> Conflict:
    return Conflict(
        "This session was signed a moment ago (perhaps at another workstation), so it is "
        f"read-only now. {NOTHING_SAVED}",
        rule="signed",
        remedy="Corrections are signed addenda.",
    )
