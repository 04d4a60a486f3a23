"""Log-in by name and password, quick switch by PIN, and waits after repeated failures."""

from __future__ import annotations

import functools
import secrets
from datetime import datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import retried
from acudesk.db.repositories.locks import lock_user, lock_user_named
from acudesk.domain.auth import lockout_seconds
from acudesk.domain.errors import PermissionDenied
from acudesk.domain.roles import Role
from acudesk.services.base import ServiceBase
from acudesk.services.dto import UserRow
from acudesk.services.users import HASHER, UserService, user_row

WRONG = "The log-in name or the password is not correct."
WRONG_SIGNATURE = "The PIN or password is not correct: nothing was signed."


class AuthService(ServiceBase):
    def needs_first_administrator(self) -> bool:
        with self._db.reading() as s:
            return not s.scalar(select(func.count()).select_from(m.User))

    def create_first_administrator(
        self, username: str, full_name: str, *, pin: str, password: str
    ) -> UserRow:
        return UserService(self._db).create_user(
            username, full_name, [Role.ADMINISTRATOR], pin=pin, password=password
        )

    def log_in(self, username: str, password: str) -> UserRow:
        return self._check(username.strip().lower(), None, password, "password")

    def switch_user(self, user_id: int, pin: str) -> UserRow:
        return self._check(None, user_id, pin, "PIN")

    def record_lock(self, user_id: int | None) -> None:
        with self._db.unit_of_work() as s:
            self._audit(s, user_id, "lock", "workstation", None)

    @retried
    def _check(self, username: str | None, user_id: int | None, secret: str, what: str) -> UserRow:
        if self._db.read_only:
            return self._check_without_saving(username, user_id, secret, what)
        now = self._db.clock.now()
        # The failure is committed even though the caller gets an error: a refused attempt
        # must count, so the work happens in its own unit and the error is raised after.
        refusal: str | None = None
        with self._db.unit_of_work() as s:
            # The account's row is held from the lock-out check to the new failure count, so
            # attempts from several workstations are counted one after another: the fifth
            # wrong one locks the account, whichever workstation typed it.
            user = _find(s, username, user_id)
            if user is None or not user.active:
                # As long as a wrong password of a known account, so the time taken does not
                # tell whether a name exists; and what was typed as the name is not recorded
                # (it may be a password typed in the wrong box, or someone else's name).
                _verify(None, secret)
                self._audit(
                    s,
                    user.id if user else None,
                    "failed log-in",
                    "user",
                    user.id if user else None,
                    after={"by": what, "account": "disabled" if user else "unknown"},
                )
                refusal = WRONG if what == "password" else "That account cannot log in."
            elif user.locked_until is not None and user.locked_until > now:
                _verify(None, secret)  # the same time as any other try
                wait = int((user.locked_until - now).total_seconds()) + 1
                refusal = (
                    f"Too many wrong attempts: {user.full_name} can try again in {_duration(wait)}."
                )
            else:
                stored = user.password_hash if what == "password" else user.pin_hash
                if _verify(stored, secret):
                    user.failed_attempts = 0
                    user.locked_until = None
                    self._audit(s, user.id, "log-in", "user", user.id, after={"by": what})
                    return user_row(user)
                wait = _count_failure(user, now)
                self._audit(
                    s,
                    user.id,
                    "failed log-in",
                    "user",
                    user.id,
                    after={"by": what, "failures": user.failed_attempts},
                )
                refusal = (WRONG if what == "password" else f"The {what} is not correct.") + (
                    f" The account now waits {_duration(wait)} before the next try." if wait else ""
                )
        raise PermissionDenied(refusal)

    def _check_without_saving(
        self, username: str | None, user_id: int | None, secret: str, what: str
    ) -> UserRow:
        """On a read-only database nothing can be recorded, not even a log-in or a failed one
        (the banner on every page says so); reading the records still needs the account."""
        with self._db.reading() as s:
            user = (
                s.get(m.User, user_id)
                if user_id is not None
                else s.scalar(select(m.User).where(m.User.username == (username or "")))
            )
            stored = None
            if user is not None and user.active:
                stored = user.password_hash if what == "password" else user.pin_hash
            if user is not None and _verify(stored, secret):
                return user_row(user)
        raise PermissionDenied(WRONG if what == "password" else f"The {what} is not correct.")

    def confirm_signer(
        self, s: Session, user: m.User, secret: str, entity: str, entity_id: int | None
    ) -> str | None:
        """An electronic signature: the signer types their PIN or password again (21 CFR
        11.200), checked as at log-in, in the caller's unit of work. Returns None when it
        holds, else the refusal, to raise after the commit that keeps the failure counted."""
        now = self._db.clock.now()
        if user.locked_until is not None and user.locked_until > now:
            wait = int((user.locked_until - now).total_seconds()) + 1
            return f"Too many wrong attempts: {user.full_name} can sign again in {_duration(wait)}."
        if _verify(user.pin_hash, secret) or _verify(user.password_hash, secret):
            user.failed_attempts = 0
            user.locked_until = None
            return None
        wait = _count_failure(user, now)
        self._audit(
            s,
            user.id,
            "failed signature",
            entity,
            entity_id,
            after={"failures": user.failed_attempts},
        )
        return WRONG_SIGNATURE + (
            f" The account now waits {_duration(wait)} before the next try." if wait else ""
        )


def _count_failure(user: m.User, now: datetime) -> int:
    """One more wrong secret in a row; returns how long the account now waits."""
    user.failed_attempts += 1
    wait = lockout_seconds(user.failed_attempts)
    user.locked_until = now + timedelta(seconds=wait) if wait else None
    return wait


def _find(s: Session, username: str | None, user_id: int | None) -> m.User | None:
    if user_id is not None:
        return lock_user(s, user_id)
    return lock_user_named(s, username or "")


@functools.cache
def dummy_hash() -> str:
    """An argon2 hash with the accounts' parameters, of a secret no one can type."""
    return HASHER.hash(secrets.token_hex(16))


def _verify(stored: str | None, secret: str) -> bool:
    """Always one argon2 verification (against the dummy when nothing is stored)."""
    try:
        return HASHER.verify(stored or dummy_hash(), secret) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def _duration(seconds: int) -> str:
    return f"{seconds} seconds" if seconds < 120 else f"{(seconds + 59) // 60} minutes"
