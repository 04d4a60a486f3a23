"""Registering, editing and finding patients, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from acudesk.domain.errors import PermissionDenied, RuleViolation, StaleRecord
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.services.dto import UserRow

MARIA = PatientInput(
    full_name="Maria  Sokolova",
    sex=Sex.FEMALE,
    date_of_birth=date(1987, 9, 11),
    diagnosis_code="M42.13",
    medications="Ibuprofen as needed",
    electrical_days=frozenset({2}),
    skin_lesion_regions=frozenset({"upper_back"}),
)


@pytest.fixture
def admin(services: Services) -> UserRow:
    return services.users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="password-1"
    )


@pytest.fixture
def nurse(services: Services, admin: UserRow) -> UserRow:
    return services.users.create_user(
        "nurse",
        "Olga Smirnova",
        [Role.NURSE],
        pin="3333",
        password="password-1",
        created_by=admin.id,
    )


def test_registered_patient_is_found_by_name_prefix_and_date_of_birth(
    services: Services, nurse: UserRow
) -> None:
    services.patients.register(nurse.id, MARIA)
    services.patients.register(
        nurse.id, replace(MARIA, full_name="Andrei Volkov", date_of_birth=date(1979, 5, 7))
    )
    assert [p.full_name for p in services.patients.search("soko")] == ["Maria Sokolova"]
    assert [p.full_name for p in services.patients.search("MAR")] == ["Maria Sokolova"]
    assert [p.full_name for p in services.patients.search("07.05.1979")] == ["Andrei Volkov"]
    assert [p.full_name for p in services.patients.search("1979-05-07")] == ["Andrei Volkov"]
    assert services.patients.search("zzz") == []
    assert len(services.patients.search("")) == 2


def test_patient_record_round_trips(services: Services, nurse: UserRow) -> None:
    created = services.patients.register(nurse.id, MARIA)
    loaded = services.patients.get(created.id)
    assert loaded.data == replace(MARIA, full_name="Maria Sokolova")


def test_bad_input_names_the_field_and_stores_nothing(services: Services, nurse: UserRow) -> None:
    with pytest.raises(RuleViolation) as error:
        services.patients.register(nurse.id, replace(MARIA, full_name="   "))
    assert error.value.field == "name"
    with pytest.raises(RuleViolation) as error:
        services.patients.register(nurse.id, replace(MARIA, date_of_birth=date(2030, 1, 1)))
    assert error.value.field == "date_of_birth"
    with pytest.raises(RuleViolation, match=r"M42\.10 to M42\.19"):
        services.patients.register(nurse.id, replace(MARIA, diagnosis_code="M54.5"))
    assert services.patients.search("") == []


def test_edit_from_a_stale_screen_is_refused(services: Services, nurse: UserRow) -> None:
    created = services.patients.register(nurse.id, MARIA)
    services.patients.update(nurse.id, created.id, replace(MARIA, contact="1"), created.version_id)
    with pytest.raises(StaleRecord):
        services.patients.update(
            nurse.id, created.id, replace(MARIA, contact="2"), created.version_id
        )
    assert services.patients.get(created.id).data.contact == "1"


def test_administrator_may_not_register_patients(services: Services, admin: UserRow) -> None:
    with pytest.raises(PermissionDenied, match="register patient"):
        services.patients.register(admin.id, MARIA)
