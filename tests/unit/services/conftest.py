"""People and patients most session tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.needles import Material, NeedleSpec, PackInput
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from tests.consenting import consent_to_course


@dataclass(frozen=True)
class Clinic:
    services: Services
    doctor: int
    nurse: int
    admin: int
    patient: int

    def pin(self, user_id: int) -> str:
        """What the person types to sign: their PIN."""
        return {self.admin: ADMIN_PIN, self.doctor: DOCTOR_PIN, self.nurse: NURSE_PIN}[user_id]


ADMIN_PIN, DOCTOR_PIN, NURSE_PIN = "1000", "1111", "3333"


MARIA = PatientInput(
    full_name="Maria Sokolova",
    sex=Sex.FEMALE,
    date_of_birth=date(1987, 9, 11),
    diagnosis_code="M42.13",
)

SPEC = NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0)

CERTIFICATE = CredentialInput(
    CredentialKind.CERTIFICATE,
    "ACU-2024-118",
    "Russian Medical Academy of Continuous Professional Education",
    date(2024, 3, 1),
    date(2029, 3, 1),
    "Moscow",
)


@pytest.fixture
def clinic(services: Services) -> Clinic:
    users = services.users
    admin = users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin=ADMIN_PIN, password="pw-12345"
    )
    doctor = users.create_user(
        "doc",
        "Dr Elena Ivanova",
        [Role.ACUPUNCTURIST],
        pin=DOCTOR_PIN,
        password="password-1",
        created_by=admin.id,
    )
    nurse = users.create_user(
        "nurse",
        "Olga Smirnova",
        [Role.NURSE],
        pin=NURSE_PIN,
        password="pw-12345",
        created_by=admin.id,
    )
    users.add_credential(admin.id, doctor.id, CERTIFICATE)
    patient = services.patients.register(nurse.id, MARIA)
    return Clinic(services, doctor.id, nurse.id, admin.id, patient.id)


def start(clinic: Clinic, patient_id: int | None = None, sessions: int = 10) -> SessionView:
    pid = patient_id or clinic.patient
    clinic.services.courses.plan_course(clinic.doctor, pid, sessions)
    consent_to_course(clinic.services, clinic.doctor, pid)
    return clinic.services.sessions.start_session(clinic.doctor, pid)


def prepare(clinic: Clinic, view: SessionView, *, expiry: date = date(2028, 1, 31)) -> SessionView:
    """Confirm the whole checklist, recording one pack of 0.25 x 40 mm steel needles."""
    sessions = clinic.services.sessions
    for step in ORDER:
        if step is ChecklistStep.NEEDLES:
            view = sessions.register_pack(
                clinic.nurse, view.id, PackInput("LOT-2291", expiry, True), SPEC
            )
        view = sessions.confirm_check(
            clinic.doctor if step is ChecklistStep.SCREENING else clinic.nurse,
            view.id,
            step,
            position=Position.PRONE if step is ChecklistStep.POSITION else None,
            agent="Chlorhexidine 0.5% in 70% alcohol"
            if step is ChecklistStep.SKIN_DISINFECTED
            else None,
        )
    return view
