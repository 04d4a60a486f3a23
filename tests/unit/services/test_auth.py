"""Log-in, PIN switch, waits after failures, first administrator; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from acudesk.domain.auth import lockout_seconds
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import PermissionDenied
from acudesk.domain.roles import Role
from acudesk.services.auth import AuthService
from acudesk.services.container import Services
from acudesk.services.users import HASHER
from tests.unit.services.conftest import MARIA, Clinic


def test_first_start_asks_for_the_administrator_and_ships_no_accounts(services: Services) -> None:
    auth = AuthService(services.db)
    assert auth.needs_first_administrator()
    admin = auth.create_first_administrator(
        "boss", "Irina Morozova", pin="1000", password="pw-12345"
    )
    assert admin.roles == frozenset({Role.ADMINISTRATOR})
    assert not auth.needs_first_administrator()
    with pytest.raises(PermissionDenied):
        auth.create_first_administrator("other", "Someone Else", pin="2000", password="pw-12345")


def test_password_and_pin_log_in(clinic: Clinic) -> None:
    auth = AuthService(clinic.services.db)
    assert auth.log_in("DOC", "password-1").id == clinic.doctor
    assert auth.switch_user(clinic.nurse, "3333").id == clinic.nurse
    with pytest.raises(PermissionDenied, match="not correct"):
        auth.log_in("doc", "wrong-password")
    with pytest.raises(PermissionDenied, match="not correct"):
        auth.log_in("nobody", "password-1")


def test_secrets_are_argon2id_at_owasp_parameters() -> None:
    params = HASHER.hash("x").split("$")
    assert params[1] == "argon2id"
    cost = dict(p.split("=") for p in params[3].split(","))
    assert int(cost["m"]) >= 19 * 1024 and int(cost["t"]) >= 2 and int(cost["p"]) == 1
    assert isinstance(HASHER, PasswordHasher)


def test_after_five_failures_the_account_waits_longer_each_time(
    clinic: Clinic, clock: FakeClock
) -> None:
    auth = AuthService(clinic.services.db)
    for _ in range(4):
        with pytest.raises(PermissionDenied, match="not correct"):
            auth.switch_user(clinic.doctor, "0000")
    with pytest.raises(PermissionDenied, match="waits 30 seconds"):
        auth.switch_user(clinic.doctor, "0000")
    with pytest.raises(PermissionDenied, match="try again"):
        auth.switch_user(clinic.doctor, "1111")  # even the right PIN must wait
    clock.advance(31)
    with pytest.raises(PermissionDenied, match="waits 60 seconds"):
        auth.switch_user(clinic.doctor, "0000")
    clock.advance(61)
    assert auth.switch_user(clinic.doctor, "1111").id == clinic.doctor
    with pytest.raises(PermissionDenied, match="not correct"):
        auth.switch_user(clinic.doctor, "0000")  # the count started again


def test_waits_grow_but_are_bounded() -> None:
    assert [lockout_seconds(n) for n in range(4, 9)] == [0, 30, 60, 120, 240]
    assert lockout_seconds(10_000) == 15 * 60


def test_disabled_account_cannot_log_in_or_act(clinic: Clinic) -> None:
    users = clinic.services.users
    users.set_active(clinic.admin, clinic.nurse, False)
    with pytest.raises(PermissionDenied):
        AuthService(clinic.services.db).log_in("nurse", "pw-12345")
    with pytest.raises(PermissionDenied, match="disabled"):
        clinic.services.patients.register(clinic.nurse, MARIA)
    assert clinic.nurse not in {u.id for u in users.list_users()}
    assert clinic.nurse in {u.id for u in users.list_users(active_only=False)}


def test_log_ins_and_failures_are_audited(clinic: Clinic) -> None:
    auth = AuthService(clinic.services.db)
    auth.log_in("doc", "password-1")
    with pytest.raises(PermissionDenied):
        auth.log_in("doc", "bad-password")
    actions = [r.action for r in clinic.services.audit.query(clinic.admin)]
    assert actions[:2] == ["failed log-in", "log-in"]
    assert clinic.services.audit.verify().intact
