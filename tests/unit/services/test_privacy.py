"""Privacy: the error log, failed log-ins, opening a record, exports."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from acudesk.db import models as m
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import PermissionDenied
from acudesk.services import auth as auth_module
from acudesk.services.auth import AuthService
from acudesk.services.incidents import explain, log_path, write_incident
from tests.unit.services.conftest import Clinic
from tests.unit.services.test_signed_records import _signed_session

COMPLAINT = "Pain since the fall at 12 Lenina Street, flat 4"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _failing_statement(clinic: Clinic) -> SQLAlchemyError:
    """A real driver error whose statement carries a patient's complaint as a parameter."""
    try:
        with clinic.services.db.engine.begin() as c:
            c.execute(
                text("INSERT INTO no_such_table (complaint, address) VALUES (:c, :a)"),
                {"c": COMPLAINT, "a": "12 Lenina Street"},
            )
    except SQLAlchemyError as error:
        assert COMPLAINT in str(error)  # what the old log wrote
        return error
    raise AssertionError("the statement did not fail")


def test_the_error_log_is_private_and_holds_no_parameters(clinic: Clinic, tmp_path: Path) -> None:
    error = _failing_statement(clinic)
    data_dir = tmp_path / "data"
    path = write_incident(data_dir, "AB12CD34", type(error), error, error.__traceback__)
    assert path == log_path(data_dir)
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    logged = path.read_text(encoding="utf-8")
    assert "incident AB12CD34" in logged
    assert "sqlalchemy.exc" in logged and "INSERT INTO no_such_table" in logged
    assert any(p in logged for p in (":c", "?", "%(c)s"))  # the shape, placeholders and all
    assert COMPLAINT not in logged and "Lenina" not in logged
    assert "at test_privacy.py:" in logged  # where it happened


def test_an_old_log_folder_others_could_enter_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "logs"
    folder.mkdir(parents=True, mode=0o755)
    os.chmod(folder, 0o755)
    try:
        raise ValueError(COMPLAINT)
    except ValueError as error:
        path = write_incident(tmp_path / "data", "X", ValueError, error, error.__traceback__)
    assert _mode(folder) == 0o700
    assert COMPLAINT not in path.read_text(encoding="utf-8")  # no exception message either


def test_the_dialog_says_what_happened_in_plain_words(clinic: Clinic) -> None:
    words = explain(_failing_statement(clinic))
    assert "database" in words.what and "nothing of that action was saved" in words.what
    assert "Something went wrong" not in words.what
    full = explain(OSError(28, "No space left on device"))
    assert "disk is full" in full.what and "Free space" in full.remedy


def test_a_failed_log_in_records_the_known_account_never_the_typed_name(clinic: Clinic) -> None:
    auth = AuthService(clinic.services.db)
    typed = "maria sokolova 1987"  # a patient's name typed into the wrong box
    with pytest.raises(PermissionDenied):
        auth.log_in(typed, "anything")
    with pytest.raises(PermissionDenied):
        auth.log_in("doc", "wrong-password")
    with clinic.services.db.reading() as s:
        events = [
            (e.user_id, e.entity_id, e.after)
            for e in s.scalars(select(m.AuditEvent).where(m.AuditEvent.action == "failed log-in"))
        ]
    unknown, known = events
    assert unknown[:2] == (None, None)
    assert "maria" not in unknown[2].lower() and "1987" not in unknown[2]
    assert '"account": "unknown"' in unknown[2]
    assert known[:2] == (clinic.doctor, clinic.doctor)


def test_an_unknown_name_costs_one_argon2_verification_like_a_known_one(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = AuthService(clinic.services.db)
    auth_module.dummy_hash()  # made once, before counting
    calls: list[str] = []
    real = auth_module.HASHER

    class Counting:
        def verify(self, stored: str, secret: str) -> Any:
            calls.append(stored)
            return real.verify(stored, secret)

    monkeypatch.setattr(auth_module, "HASHER", Counting())
    for name in ("doc", "nobody-at-all"):
        with pytest.raises(PermissionDenied):
            auth.log_in(name, "wrong-password")
    known, unknown = calls
    assert unknown == auth_module.dummy_hash()
    assert known.split("$")[:4] == unknown.split("$")[:4]  # same argon2 parameters


def test_opening_a_record_is_audited(clinic: Clinic, clock: FakeClock) -> None:
    detail = clinic.services.patients.open_record(clinic.nurse, clinic.patient)
    assert detail == clinic.services.patients.get(clinic.patient)
    (event,) = [r for r in clinic.services.audit.query(clinic.admin) if r.action == "open record"]
    assert event.user == "Olga Smirnova" and event.patient == "Maria Sokolova"
    assert event.at == clock.now()
    with pytest.raises(PermissionDenied):
        clinic.services.patients.open_record(999_999, clinic.patient)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_an_export_is_created_private_without_chmod(
    clinic: Clinic, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = _signed_session(clinic, clock)

    def no_chmod(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("an export must be created 0600, not chmod-ed afterwards")

    monkeypatch.setattr(os, "chmod", no_chmod)
    monkeypatch.setattr(Path, "chmod", no_chmod)
    old = os.umask(0)  # even a permissive umask gives others nothing
    try:
        path = clinic.services.sessions.export_record(clinic.nurse, sid, tmp_path / "exports")
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
