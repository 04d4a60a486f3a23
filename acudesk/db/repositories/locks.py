"""Row locks that make two workstations take turns on one patient or one account.

A check and the write it guards ("no open course, so plan one"; "four failures, so this is the
fifth") are separate statements: without a lock, two workstations can both pass the check.
Holding the row until the transaction ends makes the second wait (at most the engine's lock
timeout) and then check what the first stored. PostgreSQL's FOR NO KEY UPDATE still lets other
transactions insert rows that point at the locked one; SQLite needs no lock here, because a
writing unit of work holds the whole database (BEGIN IMMEDIATE).

Lock in this order, and before appending to the audit trail (which takes its own lock last):
patient or user, then a session.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from acudesk.db import models as m

_ROW = {"key_share": True}  # FOR NO KEY UPDATE


def lock_patient(s: Session, patient_id: int) -> m.Patient | None:
    return s.get(m.Patient, patient_id, with_for_update=_ROW, populate_existing=True)


def lock_user(s: Session, user_id: int) -> m.User | None:
    return s.get(m.User, user_id, with_for_update=_ROW, populate_existing=True)


def lock_user_named(s: Session, username: str) -> m.User | None:
    return s.scalar(
        select(m.User)
        .where(m.User.username == username)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def lock_accounts(s: Session) -> None:
    """Hold the accounts table against new accounts: the very first one (the administrator,
    created without a creator) is decided once, even when two workstations start at once."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"))
