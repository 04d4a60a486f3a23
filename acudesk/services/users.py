"""People who use AcuDesk: accounts, roles and practitioners' credentials."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.repositories.locks import lock_accounts, lock_user
from acudesk.domain.auth import validate_password, validate_pin, validate_username
from acudesk.domain.clock import local_date
from acudesk.domain.credentials import (
    CertificateCheck,
    CredentialInput,
    CredentialKind,
    certificate_check,
    validate_credential,
)
from acudesk.domain.errors import NotFound, PermissionDenied, RuleViolation
from acudesk.domain.roles import Action, Role
from acudesk.services.base import ServiceBase
from acudesk.services.dto import UserRow

# OWASP's minimum for Argon2id: 19 MiB of memory, 2 iterations, parallelism 1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True)
class CredentialRow:
    id: int
    user_id: int
    kind: CredentialKind
    number: str
    issuer: str
    issued_on: date
    expires_on: date | None
    training_place: str


def user_row(user: m.User) -> UserRow:
    return UserRow(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=frozenset(Role(r.role) for r in user.roles),
        active=user.active,
    )


def certificate_of(s: Session, user_id: int, today: date) -> CertificateCheck:
    dates = s.scalars(
        select(m.Credential.expires_on).where(
            m.Credential.user_id == user_id, m.Credential.kind == CredentialKind.CERTIFICATE.value
        )
    ).all()
    return certificate_check(dates, today)


class UserService(ServiceBase):
    def list_users(self, *, active_only: bool = True) -> list[UserRow]:
        with self._db.reading() as s:
            query = select(m.User).order_by(m.User.full_name)
            if active_only:
                query = query.where(m.User.active.is_(True))
            return [user_row(u) for u in s.scalars(query)]

    def get(self, user_id: int) -> UserRow:
        with self._db.reading() as s:
            user = s.get(m.User, user_id)
            if user is None:
                raise NotFound("That user does not exist.")
            return user_row(user)

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
        """Add an account. Only the very first account, the administrator, needs no creator."""
        roles = frozenset(roles)
        username = validate_username(username)
        if not full_name.strip():
            raise RuleViolation(
                "full_name", "Full name: enter the person's name.", field="full_name"
            )
        if not roles:
            raise RuleViolation("user_role", "Roles: choose at least one.", field="roles")
        validate_pin(pin)
        validate_password(password)
        with self._db.unit_of_work() as s:
            if created_by is None:
                lock_accounts(s)
                if s.scalar(select(func.count()).select_from(m.User)):
                    raise PermissionDenied("Only an administrator may add users.")
            else:
                self._actor(s, created_by, Action.MANAGE_USERS)
            if s.scalar(select(m.User.id).where(m.User.username == username)) is not None:
                raise RuleViolation(
                    "username_taken",
                    f"The log-in name '{username}' is already in use.",
                    field="username",
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
                created_by if created_by is not None else user.id,
                "create",
                "user",
                user.id,
                after={"username": username, "roles": sorted(r.value for r in roles)},
            )
            return user_row(user)

    def set_active(self, admin_id: int, user_id: int, active: bool) -> UserRow:
        """Disable or re-enable an account; accounts are never deleted."""
        with self._db.unit_of_work() as s:
            self._actor(s, admin_id, Action.MANAGE_USERS)
            user = self._load(s, user_id, lock=True)
            if not active and user_id == admin_id:
                raise RuleViolation("self_disable", "You cannot disable your own account.")
            before = user.active
            user.active = active
            self._audit(
                s,
                admin_id,
                "enable" if active else "disable",
                "user",
                user_id,
                before={"active": before},
                after={"active": active},
            )
            return user_row(user)

    def set_roles(self, admin_id: int, user_id: int, roles: Iterable[Role]) -> UserRow:
        roles = frozenset(roles)
        if not roles:
            raise RuleViolation("user_role", "Roles: choose at least one.", field="roles")
        with self._db.unit_of_work() as s:
            self._actor(s, admin_id, Action.MANAGE_USERS)
            user = self._load(s, user_id, lock=True)
            before = sorted(r.role for r in user.roles)
            if user_id == admin_id and Role.ADMINISTRATOR not in roles:
                raise RuleViolation(
                    "self_demote", "You cannot take the administrator role from yourself."
                )
            user.roles = [m.UserRole(role=r.value) for r in sorted(roles)]
            self._audit(
                s,
                admin_id,
                "change roles",
                "user",
                user_id,
                before={"roles": before},
                after={"roles": sorted(r.value for r in roles)},
            )
            s.flush()
            return user_row(user)

    def reset_secrets(
        self, admin_id: int, user_id: int, *, pin: str | None = None, password: str | None = None
    ) -> None:
        if pin is not None:
            validate_pin(pin)
        if password is not None:
            validate_password(password)
        with self._db.unit_of_work() as s:
            self._actor(s, admin_id, Action.MANAGE_USERS)
            user = self._load(s, user_id, lock=True)
            if pin is not None:
                user.pin_hash = HASHER.hash(pin)
            if password is not None:
                user.password_hash = HASHER.hash(password)
            user.failed_attempts = 0
            user.locked_until = None
            self._audit(
                s,
                admin_id,
                "reset secrets",
                "user",
                user_id,
                after={"pin": pin is not None, "password": password is not None},
            )

    # -- credentials --------------------------------------------------------------------

    def add_credential(self, admin_id: int, user_id: int, data: CredentialInput) -> CredentialRow:
        validate_credential(data, local_date(self._db.clock.now()))
        with self._db.unit_of_work() as s:
            self._actor(s, admin_id, Action.MANAGE_CREDENTIALS)
            self._load(s, user_id)
            row = m.Credential(
                user_id=user_id,
                kind=data.kind.value,
                number=data.number.strip(),
                issuer=data.issuer.strip(),
                issued_on=data.issued_on,
                expires_on=data.expires_on,
                training_place=data.training_place.strip(),
            )
            s.add(row)
            s.flush()
            self._audit(
                s,
                admin_id,
                "add credential",
                "credential",
                row.id,
                after={
                    "user": user_id,
                    "kind": row.kind,
                    "number": row.number,
                    "issuer": row.issuer,
                    "issued_on": str(row.issued_on),
                    "expires_on": str(row.expires_on),
                    "training_place": row.training_place,
                },
            )
            return _credential_row(row)

    def credentials(self, user_id: int) -> list[CredentialRow]:
        with self._db.reading() as s:
            rows = s.scalars(
                select(m.Credential)
                .where(m.Credential.user_id == user_id)
                .order_by(m.Credential.kind, m.Credential.issued_on)
            )
            return [_credential_row(r) for r in rows]

    def certificate(self, user_id: int) -> CertificateCheck:
        with self._db.reading() as s:
            return certificate_of(s, user_id, local_date(self._db.clock.now()))

    def certificate_warnings(self) -> list[str]:
        """Acupuncturists whose certificate has expired, is missing, or expires within 30 days."""
        today = local_date(self._db.clock.now())
        warnings = []
        with self._db.reading() as s:
            for user in s.scalars(select(m.User).where(m.User.active.is_(True))):
                if Role.ACUPUNCTURIST.value not in {r.role for r in user.roles}:
                    continue
                check = certificate_of(s, user.id, today)
                if check.status.value != "valid":
                    warnings.append(check.message(user.full_name))
        return warnings

    @staticmethod
    def _load(s: Session, user_id: int, *, lock: bool = False) -> m.User:
        # An account being changed is held like a log-in holds it (row first, audit after),
        # so the two take turns and never wait for each other in a circle.
        user = lock_user(s, user_id) if lock else s.get(m.User, user_id)
        if user is None:
            raise NotFound("That user does not exist.")
        return user


def _credential_row(r: m.Credential) -> CredentialRow:
    return CredentialRow(
        r.id,
        r.user_id,
        CredentialKind(r.kind),
        r.number,
        r.issuer,
        r.issued_on,
        r.expires_on,
        r.training_place,
    )
