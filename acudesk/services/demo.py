"""A believable demo clinic, seeded through the same services the window uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from acudesk.domain.clock import local_date
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.services.container import Services


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[Role, ...]
    pin: str
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "Irina Morozova", (Role.ADMINISTRATOR,), "1000", "demo-admin"),
    DemoUser("ivanova", "Dr Elena Ivanova", (Role.ACUPUNCTURIST,), "1111", "demo-ivanova"),
    DemoUser("petrov", "Dr Sergei Petrov", (Role.ACUPUNCTURIST,), "2222", "demo-petrov"),
    DemoUser("smirnova", "Olga Smirnova", (Role.NURSE,), "3333", "demo-smirnova"),
    DemoUser("kozlova", "Anna Kozlova", (Role.NURSE,), "4444", "demo-kozlova"),
)


def years_ago(today: date, years: int, days_earlier: int) -> date:
    """A birth date giving exactly `years` full years today, `days_earlier` days past a birthday."""
    from datetime import timedelta

    anniversary = today.replace(year=today.year - years, day=min(today.day, 28))
    return anniversary - timedelta(days=days_earlier)


def demo_patients(today: date) -> list[PatientInput]:
    return [
        PatientInput(
            full_name="Maria Sokolova",
            sex=Sex.FEMALE,
            date_of_birth=years_ago(today, 39, 74),
            diagnosis_code="M42.13",
            contact="+7 912 555-01-23",
            complaints="Neck and upper back pain for two years, stiffness in the morning, "
            "headaches after work at the computer.",
            medications="",
            massage_days=frozenset({2, 4}),
            exercise_days=frozenset({1, 3, 5}),
        ),
        PatientInput(
            full_name="Andrei Volkov",
            sex=Sex.MALE,
            date_of_birth=years_ago(today, 47, 201),
            diagnosis_code="M42.17",
            contact="+7 912 555-44-10",
            complaints="Low-back pain radiating to the left leg, worse after driving; "
            "second course this year.",
            medications="Meloxicam 7.5 mg once daily",
            electrical_days=frozenset({2}),
        ),
        PatientInput(
            full_name="Tatiana Kuznetsova",
            sex=Sex.FEMALE,
            date_of_birth=years_ago(today, 56, 12),
            diagnosis_code="M42.12",
            contact="+7 912 555-72-08",
            complaints="Cervical pain, dizziness on turning the head, poor sleep.",
        ),
        PatientInput(
            full_name="Dmitry Popov",
            sex=Sex.MALE,
            date_of_birth=years_ago(today, 61, 150),
            diagnosis_code="M42.16",
            complaints="Lumbar pain during an exacerbation; treatment waits for remission.",
            exacerbation=True,
        ),
        PatientInput(
            full_name="Natalia Orlova",
            sex=Sex.FEMALE,
            date_of_birth=years_ago(today, 31, 40),
            diagnosis_code="M42.12",
            complaints="Neck pain; 14 weeks pregnant.",
            pregnant=True,
        ),
        PatientInput(
            full_name="Viktor Lebedev",
            sex=Sex.MALE,
            date_of_birth=years_ago(today, 77, 90),
            diagnosis_code="M42.14",
            complaints="Thoracic back pain for many years.",
        ),
        PatientInput(
            full_name="Svetlana Fedorova",
            sex=Sex.FEMALE,
            date_of_birth=years_ago(today, 44, 300),
            diagnosis_code="M42.15",
            complaints="Thoracolumbar pain; healing abrasion on the upper back.",
            skin_lesion_regions=frozenset({"upper_back"}),
        ),
    ]


def seed_demo(services: Services) -> None:
    """Fill an empty database with the demo clinic; a database with users is left alone."""
    if services.users.count() > 0:
        return
    created = [
        services.users.create_user(u.username, u.full_name, u.roles, pin=u.pin, password=u.password)
        for u in DEMO_USERS
    ]
    nurse = next(u for u in created if Role.NURSE in u.roles)
    today = local_date(services.clock.now())
    for data in demo_patients(today):
        services.patients.register(nurse.id, data)
