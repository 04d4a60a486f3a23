"""A believable demo clinic, seeded through the same services the window uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from acudesk.db.database import Database
from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.clock import FakeClock, local_date
from acudesk.domain.consent import Decision
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.needles import Material, NeedleSpec, PackInput, Side
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.domain.screening import Caution
from acudesk.services.container import Services
from acudesk.services.dto import UserRow


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


def demo_pin(services: Services, user_id: int) -> str:
    """The demo account's PIN: signing asks for it, as it asks every signer."""
    username = services.users.get(user_id).username
    return next(u.pin for u in DEMO_USERS if u.username == username)


def years_ago(today: date, years: int, days_earlier: int) -> date:
    """A birth date giving exactly `years` full years today, `days_earlier` days past a birthday."""
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


def seed_demo(services: Services, *, history: bool = True) -> None:
    """Fill an empty database with the demo clinic; a database with users is left alone.

    With history, Maria Sokolova is three sessions into her first course and Andrei Volkov has
    finished a 15-session course and started his second; their past sessions are given in full,
    on the days they happened, through the same services the window uses, each course after the
    patient's informed consent. Tatiana Kuznetsova's course is planned and she refused consent.
    """
    if services.users.count() > 0:
        return
    admin, *others = DEMO_USERS
    first = services.users.create_user(
        admin.username, admin.full_name, admin.roles, pin=admin.pin, password=admin.password
    )
    created = [first] + [
        services.users.create_user(
            u.username, u.full_name, u.roles, pin=u.pin, password=u.password, created_by=first.id
        )
        for u in others
    ]
    doctor = next(u for u in created if Role.ACUPUNCTURIST in u.roles)
    nurse = next(u for u in created if Role.NURSE in u.roles)
    now = services.clock.now()
    today = local_date(now)
    _credentials(services, first.id, [u for u in created if Role.ACUPUNCTURIST in u.roles], today)
    # The price of a session: 900 roubles a year ago, 1 100 from a month ago.
    services.prices.set_price(first.id, "900", "RUB", today - timedelta(days=365))
    services.prices.set_price(first.id, "1 100,00", "RUB", today - timedelta(days=30))
    ids = {
        data.full_name: services.patients.register(nurse.id, data).id
        for data in demo_patients(today)
    }
    if not history:
        return
    past = FakeClock(now - timedelta(days=200))
    then = Services.build(
        Database(services.db.engine, past, trail=services.db.trail), services.points
    )
    volkov = ids["Andrei Volkov"]
    reasons = {
        Caution.MEDICATIONS: "NSAID reviewed; no bleeding tendency",
        Caution.ELECTRICAL_PROCEDURE_SAME_DAY: "Electrotherapy moved to another day",
    }
    _consent(then, doctor.id, then.courses.plan_course(doctor.id, volkov, 15, reasons).id)
    for _ in range(15):
        _give_session(then, doctor.id, nurse.id, volkov, LUMBAR_POINTS, reasons)
        past.advance(minutes=60 * 24 * 2)
    past.set(now - timedelta(days=9))
    _consent(then, doctor.id, then.courses.plan_course(doctor.id, volkov, 15, reasons).id)
    for _ in range(4):
        _give_session(then, doctor.id, nurse.id, volkov, LUMBAR_POINTS, reasons)
        past.advance(minutes=60 * 24 * 2)
    past.set(now - timedelta(days=7))
    maria = ids["Maria Sokolova"]
    _consent(then, doctor.id, then.courses.plan_course(doctor.id, maria, 10).id)
    for _ in range(3):
        _give_session(then, doctor.id, nurse.id, maria, CERVICAL_POINTS, {}, hour=11)
        past.advance(minutes=60 * 24 * 2)
    # Tatiana Kuznetsova's course is planned, but she has refused consent: it cannot start.
    tatiana = services.courses.plan_course(doctor.id, ids["Tatiana Kuznetsova"], 10)
    services.consent.record(
        doctor.id,
        tatiana.id,
        Decision.REFUSED,
        today,
        "Wants to talk it over with her family first.",
    )


def _consent(s: Services, doctor: int, course_id: int) -> None:
    """The patient read the consent form and consented on the day the course was planned."""
    s.consent.record(doctor, course_id, Decision.GIVEN, local_date(s.clock.now()))


def _credentials(services: Services, admin: int, doctors: list[UserRow], today: date) -> None:
    """Dr Ivanova's certificate runs for years; Dr Petrov's expires within the month."""
    for doctor, years, expires in (
        (doctors[0], 3, today.replace(year=today.year + 3)),
        (doctors[1], 5, today + timedelta(days=20)),
    ):
        issued = today.replace(year=today.year - years, day=min(today.day, 28))
        services.users.add_credential(
            admin,
            doctor.id,
            CredentialInput(
                CredentialKind.DIPLOMA,
                f"MD-{doctor.id:04d}-{issued.year - 12}",
                "Pirogov Russian National Research Medical University",
                issued.replace(year=issued.year - 12),
            ),
        )
        services.users.add_credential(
            admin,
            doctor.id,
            CredentialInput(
                CredentialKind.CERTIFICATE,
                f"ACU-{issued.year}-{doctor.id:03d}",
                "Russian Medical Academy of Continuous Professional Education",
                issued,
                expires,
                "Department of reflexology, Moscow",
            ),
        )


CERVICAL_POINTS = (
    ("GB20", Side.LEFT, 8.0),
    ("GB20", Side.RIGHT, 8.0),
    ("GV14", Side.MIDLINE, 6.0),
    ("EX-B2-T1", Side.LEFT, 6.0),
    ("EX-B2-T1", Side.RIGHT, 6.0),
    ("LI4", Side.LEFT, 6.0),
)
LUMBAR_POINTS = (
    ("BL23", Side.LEFT, 10.0),
    ("BL23", Side.RIGHT, 10.0),
    ("BL25", Side.LEFT, 10.0),
    ("BL25", Side.RIGHT, 10.0),
    ("GV4", Side.MIDLINE, 6.0),
    ("BL40", Side.LEFT, 8.0),
    ("BL40", Side.RIGHT, 8.0),
    ("GB30", Side.LEFT, 10.0),
)


def _give_session(
    s: Services,
    doctor: int,
    nurse: int,
    patient_id: int,
    points: tuple[tuple[str, Side, float], ...],
    reasons: dict[Caution, str],
    hour: int = 9,
) -> None:
    clock = s.clock
    assert isinstance(clock, FakeClock)
    clock.set(clock.now().replace(hour=hour, minute=10))
    view = s.sessions.start_session(doctor, patient_id, reasons)
    expiry = local_date(clock.now()) + timedelta(days=700)
    for step in ORDER:
        if step is ChecklistStep.NEEDLES:
            view = s.sessions.register_pack(
                nurse,
                view.id,
                PackInput(f"{230000 + view.id}A", expiry, True),
                NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0),
            )
        clock.advance(20)
        view = s.sessions.confirm_check(
            doctor if step is ChecklistStep.SCREENING else nurse,
            view.id,
            step,
            position=Position.PRONE if step is ChecklistStep.POSITION else None,
            agent="Chlorhexidine 0.5% in 70% alcohol"
            if step is ChecklistStep.SKIN_DISINFECTED
            else None,
        )
    for code, side, depth in points:
        clock.advance(25)
        s.sessions.insert_needle(doctor, view.id, code, side, depth, view.packs[0].id)
    view = s.sessions.start_retention(doctor, view.id)
    clock.advance(minutes=view.planned_minutes)
    s.sessions.acknowledge_alarm(nurse, view.id)
    clock.advance(40)
    s.sessions.remove_all(nurse, view.id, str(len(points)))
    clock.advance(minutes=20)
    s.sessions.end_rest(nurse, view.id)
    s.sessions.record_outcome(
        doctor,
        view.id,
        pain_before=6 - min(view.number // 3, 4),
        pain_after=4 - min(view.number // 4, 3),
        notes="Tolerated well.",
    )
    s.sessions.sign(doctor, view.id, demo_pin(s, doctor))
