"""The demo clinic is believable and reachable through the services."""

from __future__ import annotations

from acudesk.domain.clock import local_date
from acudesk.domain.roles import Role
from acudesk.domain.screening import age_on
from acudesk.services.container import Services
from acudesk.services.demo import seed_demo


def test_demo_clinic_has_the_promised_people(services: Services) -> None:
    seed_demo(services)
    users = services.users.list_users()
    roles = [r for u in users for r in u.roles]
    assert roles.count(Role.ADMINISTRATOR) == 1
    assert roles.count(Role.ACUPUNCTURIST) == 2
    assert roles.count(Role.NURSE) == 2
    today = local_date(services.clock.now())
    by_name = {p.full_name: p for p in services.patients.search("")}
    maria = by_name["Maria Sokolova"]
    assert (maria.sex, maria.diagnosis_code, age_on(maria.date_of_birth, today)) == (
        "female",
        "M42.13",
        39,
    )
    andrei = by_name["Andrei Volkov"]
    assert (andrei.sex, andrei.diagnosis_code, age_on(andrei.date_of_birth, today)) == (
        "male",
        "M42.17",
        47,
    )
    assert services.audit.verify().intact


def test_seeding_twice_adds_nothing(services: Services) -> None:
    seed_demo(services)
    seed_demo(services)
    assert len(services.users.list_users()) == 5
