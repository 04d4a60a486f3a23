"""People who use AcuDesk. Log-in and credentials arrive with the users issue."""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.domain.errors import RuleViolation
from acudesk.domain.roles import Role
from acudesk.services.base import ServiceBase
from acudesk.services.dto import UserRow

# OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, parallelism 1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def _row(user: m.User) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=frozenset(Role(r.role) for r in user.roles),
        active=user.active,
    )


class UserService(ServiceBase):
    def list_users(self, *, active_only: bool = True) -> list[UserRow]:
        with self._db.reading() as s:
            query = select(m.User).order_by(m.User.full_name)
            if active_only:
                query = query.where(m.User.active.is_(True))
            return [_row(u) for u in s.scalars(query)]

    def get(self, user_id: int) -> UserRow:
        with self._db.reading() as s:
            user = s.get(m.User, user_id)
            if user is None:
                raise RuleViolation("user_missing", "That user does not exist.")
            return _row(user)

    def count(self) -> int:
        with self._db.reading() as s:
            return s.scalar(select(func.count()).select_from(m.User)) or 0

    def create_user(
        self,
        username: str,
        full_name: str,
        roles: Iterable[Role],
        *,
        pin: str,
        password: str,
        created_by: int | None = None,
    ) -> UserRow:
        """Create an account. The first account of an empty database needs no creator."""
        roles = frozenset(roles)
        username = username.strip().lower()
        if not username or not full_name.strip():
            raise RuleViolation("user_name", "Log-in name and full name are both required.")
        if not roles:
            raise RuleViolation("user_role", "Choose at least one role.", field="roles")
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise RuleViolation("pin", "PIN: 4 to 8 digits.", field="pin")
        if len(password) < 8:
            raise RuleViolation("password", "Password: at least 8 characters.", field="password")
        with self._db.unit_of_work() as s:
            if s.scalar(select(m.User.id).where(m.User.username == username)) is not None:
                raise RuleViolation(
                    "username_taken", f"The log-in name '{username}' is already in use."
                )
            user = m.User(
                username=username,
                full_name=full_name.strip(),
                password_hash=HASHER.hash(password),
                pin_hash=HASHER.hash(pin),
                active=True,
                failed_attempts=0,
                created_at=self._db.clock.now(),
                roles=[m.UserRole(role=r.value) for r in sorted(roles)],
            )
            s.add(user)
            s.flush()
            self._audit(
                s,
                created_by,
                "create",
                "user",
                user.id,
                after={"username": username, "roles": sorted(r.value for r in roles)},
            )
            return _row(user)
