"""Two workstations on one database, racing each other, on SQLite and PostgreSQL.

Each workstation is its own engine and Database (as two PCs would be), and each round starts
both actions at the same instant from two threads (a barrier). Nothing here depends on which
one wins or on how the two interleave: the assertions are what must hold either way. Every
refusal is one of AcuDesk's typed errors with words for a person, and the database keeps its
rules (one session started, one open course, one removal per needle, five failures and no
more, one point set per name in any capitals).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial

import pytest
from sqlalchemy import ColumnElement, func, select

from acudesk.db import models as m
from acudesk.db.base import Base
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import AcuDeskError, PermissionDenied, RuleViolation, StaleRecord
from acudesk.domain.needles import Condition, Side
from acudesk.domain.quick_entry import NeedleOrder
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.services.dto import PatientDetail
from tests.consenting import consent_to_course
from tests.unit.services.conftest import CERTIFICATE, MARIA, Clinic, prepare

INTACT = Condition.INTACT  # the condition both workstations record

ROUNDS = 12
SIGN_ROUNDS = 4
WRONG_PIN_TRIES_EACH = 6

# What a driver error looks like when it leaks through; a person must never see these.
LEAKS = (
    "IntegrityError",
    "OperationalError",
    "StaleDataError",
    "DBAPIError",
    "psycopg",
    "sqlite3",
    "sqlalchemy",
    "Background on this error",
    "Traceback",
    "Something went wrong",
)


@dataclass(frozen=True)
class Rooms:
    """One clinic seen from two workstations."""

    one: Services
    two: Services
    clinic: Clinic
    petrov: int  # a second acupuncturist, at Room 2
    kuznetsova: int  # a second nurse, at Room 2

    def patients(self, count: int, prefix: str) -> list[int]:
        register = self.one.patients.register
        return [
            register(self.clinic.nurse, replace(MARIA, full_name=f"{prefix} Patient {i}")).id
            for i in range(count)
        ]


@pytest.fixture
def rooms(clinic: Clinic, db_url: str, clock: FakeClock) -> Iterator[Rooms]:
    one = clinic.services
    one.db.workstation = "Room 1"
    second = Database(make_engine(db_url), clock)
    second.workstation = "Room 2"
    two = Services.build(second, one.points)
    users = one.users
    petrov = users.create_user(
        "petrov",
        "Dr Pavel Petrov",
        [Role.ACUPUNCTURIST],
        pin="2222",
        password="password-2",
        created_by=clinic.admin,
    )
    users.add_credential(clinic.admin, petrov.id, CERTIFICATE)
    kuznetsova = users.create_user(
        "kuznetsova",
        "Anna Kuznetsova",
        [Role.NURSE],
        pin="4444",
        password="pw-44444",
        created_by=clinic.admin,
    )
    yield Rooms(one, two, clinic, petrov.id, kuznetsova.id)
    second.dispose()


def race(*actions: Callable[[], object]) -> list[object]:
    """Run the actions at the same instant, one thread each; what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            results[index] = action()
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a workstation never came back"
    return results


def assert_typed(error: object) -> AcuDeskError:
    """A refusal a person can read: AcuDesk's own error, in words, no driver text."""
    assert isinstance(error, AcuDeskError), f"untyped error reached the user: {error!r}"
    text = str(error)
    assert len(text) > 20, text
    assert not any(leak in text for leak in LEAKS), text
    return error


def one_wins(results: list[object]) -> tuple[int, AcuDeskError]:
    """Exactly one action succeeded and the other was refused in words; (winner, refusal)."""
    errors = [r for r in results if isinstance(r, BaseException)]
    for error in errors:
        assert_typed(error)
    assert len(errors) == 1, f"expected one winner and one refusal, got {results!r}"
    winner = next(i for i, r in enumerate(results) if not isinstance(r, BaseException))
    assert isinstance(errors[0], AcuDeskError)
    return winner, errors[0]


def count(services: Services, model: type[Base], *where: ColumnElement[bool]) -> int:
    with services.db.reading() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


# -- start today's session --------------------------------------------------------------------


def test_both_start_todays_session_for_one_patient(rooms: Rooms) -> None:
    doctor = rooms.clinic.doctor
    names = {0: ("Dr Elena Ivanova", "Room 1"), 1: ("Dr Pavel Petrov", "Room 2")}
    for patient in rooms.patients(ROUNDS, "Start"):
        rooms.one.courses.plan_course(doctor, patient, 10)
        consent_to_course(rooms.one, doctor, patient)
        results = race(
            partial(rooms.one.sessions.start_session, doctor, patient),
            partial(rooms.two.sessions.start_session, rooms.petrov, patient),
        )
        winner, refusal = one_wins(results)
        assert isinstance(refusal, RuleViolation) and refusal.rule == "session_open"
        name, room = names[winner]
        assert f"{name} started session 1 of this patient at " in str(refusal)
        assert f"on workstation {room}" in str(refusal)
        sessions = (
            m.TreatmentSession.course_id == m.Course.id,
            m.Course.patient_id == patient,
        )
        assert count(rooms.one, m.TreatmentSession, *sessions) == 1


# -- plan a course --------------------------------------------------------------------------


def test_both_plan_a_course_for_one_patient(rooms: Rooms) -> None:
    names = {0: "Dr Elena Ivanova", 1: "Dr Pavel Petrov"}
    for patient in rooms.patients(ROUNDS, "Plan"):
        results = race(
            partial(rooms.one.courses.plan_course, rooms.clinic.doctor, patient, 10),
            partial(rooms.two.courses.plan_course, rooms.petrov, patient, 15),
        )
        winner, refusal = one_wins(results)
        assert isinstance(refusal, RuleViolation) and refusal.rule == "course_open"
        assert f"planned by {names[winner]} at " in str(refusal)
        assert count(rooms.one, m.Course, m.Course.patient_id == patient) == 1
        history = rooms.one.courses.history(patient)
        assert [c.sessions_planned for c in history.courses] == [15 if winner else 10]


# -- edit one patient -----------------------------------------------------------------------


def test_both_edit_one_patient_opened_at_the_same_version(rooms: Rooms) -> None:
    patient = rooms.patients(1, "Edit")[0]
    nurse, other = rooms.clinic.nurse, rooms.kuznetsova
    for round_ in range(ROUNDS):
        opened: PatientDetail = rooms.one.patients.get(patient)
        mine = replace(opened.data, contact=f"Room 1, round {round_}")
        theirs = replace(opened.data, contact=f"Room 2, round {round_}")
        results = race(
            partial(rooms.one.patients.update, nurse, patient, mine, opened.version_id),
            partial(rooms.two.patients.update, other, patient, theirs, opened.version_id),
        )
        winner, refusal = one_wins(results)
        assert isinstance(refusal, StaleRecord)
        assert "changed at another workstation" in str(refusal)
        assert ("Olga Smirnova", "Anna Kuznetsova")[winner] in str(refusal)
        stored = rooms.one.patients.get(patient)
        assert stored.data.contact == (mine, theirs)[winner].contact
        assert stored.version_id == opened.version_id + 1


# -- wrong PINs from two workstations ---------------------------------------------------------


def test_wrong_pins_from_two_workstations_lock_the_account_after_exactly_five(
    rooms: Rooms,
) -> None:
    nurse = rooms.clinic.nurse

    def wrong_pins(services: Services) -> list[AcuDeskError]:
        refusals = []
        for _ in range(WRONG_PIN_TRIES_EACH):
            try:
                services.auth.switch_user(nurse, "9999")
            except AcuDeskError as error:
                refusals.append(error)
        return refusals

    results = race(lambda: wrong_pins(rooms.one), lambda: wrong_pins(rooms.two))
    refusals = [e for r in results for e in r]  # type: ignore[attr-defined]
    assert len(refusals) == 2 * WRONG_PIN_TRIES_EACH
    for refusal in refusals:
        assert isinstance(assert_typed(refusal), PermissionDenied)
    counted = [r for r in refusals if "PIN is not correct" in str(r)]
    assert len(counted) == 5
    assert sum("now waits 30 seconds" in str(r) for r in counted) == 1
    assert all("Too many wrong attempts" in str(r) for r in refusals if r not in counted)
    with rooms.one.db.reading() as s:
        user = s.get(m.User, nurse)
        assert user is not None and user.failed_attempts == 5
    failures = (m.AuditEvent.action == "failed log-in", m.AuditEvent.entity_id == nurse)
    assert count(rooms.one, m.AuditEvent, *failures) == 5
    with pytest.raises(PermissionDenied, match="Too many wrong attempts"):
        rooms.two.auth.switch_user(nurse, "3333")  # even the right PIN waits now


# -- point-set names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mine", "theirs"), [("Neck set", "NECK SET"), ("Шейный набор", "ШЕЙНЫЙ  НАБОР")]
)
def test_both_save_one_point_set_name_in_different_capitals(
    rooms: Rooms, mine: str, theirs: str
) -> None:
    orders = [NeedleOrder("GB20", Side.LEFT, 8.0)]
    doctor = rooms.clinic.doctor
    for round_ in range(ROUNDS):
        results = race(
            partial(rooms.one.protocols.save_protocol, doctor, f"{mine} {round_}", orders),
            partial(rooms.two.protocols.save_protocol, rooms.petrov, f"{theirs} {round_}", orders),
        )
        _winner, refusal = one_wins(results)
        assert isinstance(refusal, RuleViolation) and refusal.rule == "protocol_name_taken"
        assert refusal.field == "name"
    names = [p.name for p in rooms.one.protocols.list_protocols()]
    assert len(names) == ROUNDS
    assert len({" ".join(n.split()).casefold() for n in names}) == ROUNDS


# -- needle removal -------------------------------------------------------------------------


def _session_with_needles(rooms: Rooms, needles: int) -> tuple[int, list[int]]:
    clinic = rooms.clinic
    patient = rooms.patients(1, "Needles")[0]
    rooms.one.courses.plan_course(clinic.doctor, patient, 10)
    consent_to_course(rooms.one, clinic.doctor, patient)
    view = prepare(clinic, rooms.one.sessions.start_session(clinic.doctor, patient))
    levels = ("T1", "T2", "T3", "T4", "T5", "T6", "T7")
    orders = [
        NeedleOrder(f"EX-B2-{level}", side, 6.0)
        for level in levels
        for side in (Side.LEFT, Side.RIGHT)
    ][:needles]
    view = rooms.one.sessions.insert_needles(clinic.doctor, view.id, orders, view.packs[0].id)
    rooms.one.sessions.start_retention(clinic.doctor, view.id)
    return view.id, [n.id for n in view.needles]


def test_both_remove_the_same_needle(rooms: Rooms) -> None:
    session, needles = _session_with_needles(rooms, ROUNDS)
    nurse, other = rooms.clinic.nurse, rooms.kuznetsova
    for needle in needles:
        results = race(
            partial(
                rooms.one.sessions.remove_needle,
                nurse,
                session,
                needle,
                Condition.INTACT,
                bleeding=False,
            ),
            partial(
                rooms.two.sessions.remove_needle,
                other,
                session,
                needle,
                Condition.INTACT,
                bleeding=False,
            ),
        )
        _winner, refusal = one_wins(results)
        assert isinstance(refusal, RuleViolation)
        assert refusal.rule in {"already_removed", "no_open_needles"}
        assert count(rooms.one, m.NeedleRemoval, m.NeedleRemoval.insertion_id == needle) == 1
    view = rooms.one.sessions.view(session)
    assert view.open_needles == () and view.needles_out_at is not None
    assert count(rooms.one, m.NeedleRemoval) == ROUNDS


def test_both_remove_all_with_the_right_count(rooms: Rooms) -> None:
    session, needles = _session_with_needles(rooms, 6)
    results = race(
        lambda: rooms.one.sessions.remove_all(rooms.clinic.nurse, session, "6"),
        lambda: rooms.two.sessions.remove_all(rooms.kuznetsova, session, "6"),
    )
    one_wins(results)
    assert count(rooms.one, m.NeedleRemoval) == len(needles)
    removed = select(m.NeedleRemoval.insertion_id)
    with rooms.one.db.reading() as s:
        assert sorted(s.scalars(removed)) == sorted(needles)


# -- signing --------------------------------------------------------------------------------


def test_both_sign_one_session(rooms: Rooms, clock: FakeClock) -> None:
    doctor = rooms.clinic.doctor
    for _ in range(SIGN_ROUNDS):
        session, _needles = _session_with_needles(rooms, 2)
        s = rooms.one.sessions
        s.remove_all(rooms.clinic.nurse, session, "2")
        clock.advance(minutes=20)
        s.end_rest(rooms.clinic.nurse, session)
        s.record_outcome(doctor, session, pain_before=5, pain_after=2)
        results = race(
            partial(rooms.one.sessions.sign, doctor, session, "1111"),
            partial(rooms.two.sessions.sign, rooms.petrov, session, "2222"),
        )
        winner, refusal = one_wins(results)
        assert isinstance(refusal, RuleViolation) and refusal.rule == "signed"
        view = rooms.one.sessions.view(session)
        assert view.signed_by == ("Dr Elena Ivanova", "Dr Pavel Petrov")[winner]
        signs = (m.AuditEvent.action == "sign", m.AuditEvent.entity_id == session)
        assert count(rooms.one, m.AuditEvent, *signs) == 1


# -- clinic settings ------------------------------------------------------------------------


def test_both_change_one_clinic_setting(rooms: Rooms) -> None:
    admin = rooms.clinic.admin
    for round_ in range(ROUNDS):
        mine, theirs = 20 + round_ % 5, 30 + round_ % 5
        results = race(
            partial(rooms.one.clinic.change, admin, "rest_minutes", mine),
            partial(rooms.two.clinic.change, admin, "rest_minutes", theirs),
        )
        for result in results:
            if isinstance(result, BaseException):
                assert_typed(result)
        assert not all(isinstance(r, BaseException) for r in results)
        assert rooms.one.clinic.options().rest_minutes in {mine, theirs}
        assert count(rooms.one, m.ClinicSetting, m.ClinicSetting.key == "rest_minutes") == 1


def test_the_race_helper_itself_reports_untyped_errors() -> None:
    def boom() -> None:
        raise ValueError("raw driver text")

    results = race(lambda: 1, boom)
    with pytest.raises(AssertionError, match="untyped error"):
        one_wins(results)


# -- a duration changed while the session starts ----------------------------------------------


def test_a_duration_change_and_the_session_start_take_turns(rooms: Rooms) -> None:
    doctor = rooms.clinic.doctor
    for patient in rooms.patients(ROUNDS, "Duration"):
        course = rooms.one.courses.plan_course(doctor, patient, 10)
        consent_to_course(rooms.one, doctor, patient)
        results = race(
            partial(rooms.one.sessions.start_session, doctor, patient),
            partial(rooms.two.courses.override_duration, rooms.petrov, course.id, 1, 12, "Frail"),
        )
        for result in results:
            if isinstance(result, BaseException):
                assert isinstance(assert_typed(result), RuleViolation)
        assert not isinstance(results[0], BaseException)  # the start never has to give way
        started = rooms.one.sessions.view(results[0].id)  # type: ignore[attr-defined]
        changed = count(rooms.one, m.DurationOverride, m.DurationOverride.course_id == course.id)
        # Either the change came first and the session runs 12 minutes, or the session came
        # first with the planned 5 and the change was refused: never a change the session missed.
        assert (changed, started.planned_minutes) in {(1, 12), (0, 5)}


# -- the very first account ------------------------------------------------------------------


def test_two_workstations_starting_on_an_empty_database_make_one_administrator(
    services: Services, db_url: str, clock: FakeClock
) -> None:
    other = Database(make_engine(db_url), clock)
    try:
        results = race(
            partial(
                services.auth.create_first_administrator,
                "boss",
                "Irina Morozova",
                pin="1000",
                password="pw-12345",
            ),
            partial(
                Services.build(other, services.points).auth.create_first_administrator,
                "chief",
                "Oleg Sidorov",
                pin="2000",
                password="pw-67890",
            ),
        )
    finally:
        other.dispose()
    _winner, refusal = one_wins(results)
    assert isinstance(refusal, PermissionDenied)
    assert count(services, m.User) == 1
