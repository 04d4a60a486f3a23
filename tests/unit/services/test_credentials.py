"""Certificates gate the start of a session; AcuDesk warns 30 days ahead."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from acudesk.domain.credentials import CertificateStatus
from acudesk.domain.errors import RuleViolation
from acudesk.domain.roles import Role
from tests.consenting import consent_to_course
from tests.unit.services.conftest import CERTIFICATE, Clinic


def test_acupuncturist_without_certificate_cannot_start(clinic: Clinic) -> None:
    users = clinic.services.users
    new = users.create_user(
        "newdoc",
        "Dr Pavel Orlov",
        [Role.ACUPUNCTURIST],
        pin="5555",
        password="pw-12345",
        created_by=clinic.admin,
    )
    clinic.services.courses.plan_course(new.id, clinic.patient, 10)
    consent_to_course(clinic.services, new.id, clinic.patient)
    with pytest.raises(RuleViolation, match="no acupuncture certificate"):
        clinic.services.sessions.start_session(new.id, clinic.patient)
    users.add_credential(clinic.admin, new.id, replace(CERTIFICATE, expires_on=date(2026, 11, 23)))
    with pytest.raises(RuleViolation, match=r"expired on 23\.11\.2026"):
        clinic.services.sessions.start_session(new.id, clinic.patient)
    users.add_credential(
        clinic.admin, new.id, replace(CERTIFICATE, number="ACU-2", expires_on=date(2026, 12, 10))
    )
    assert users.certificate(new.id).status is CertificateStatus.EXPIRING
    assert any("Dr Pavel Orlov" in w and "10.12.2026" in w for w in users.certificate_warnings())
    view = clinic.services.sessions.start_session(new.id, clinic.patient)
    assert view.practitioner == "Dr Pavel Orlov"


def test_credentials_are_recorded_with_training_place(clinic: Clinic) -> None:
    (cert,) = clinic.services.users.credentials(clinic.doctor)
    assert cert.training_place == "Moscow" and cert.expires_on == date(2029, 3, 1)
    with pytest.raises(RuleViolation) as error:
        clinic.services.users.add_credential(
            clinic.admin, clinic.doctor, replace(CERTIFICATE, expires_on=None)
        )
    assert error.value.field == "expires_on"
