"""The needle watch's rules through the services, on SQLite and PostgreSQL.

Each test tries to lose track of a needle that is in, or to go on needling when a rule says no.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.checklist import ChecklistStep, Position
from acudesk.domain.clock import FakeClock, local_date
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.errors import PermissionDenied, RuleViolation
from acudesk.domain.needles import Condition, Side
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.domain.session_flow import Stage
from acudesk.domain.session_record import AlarmKind
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from tests.unit.services.conftest import MARIA, Clinic, prepare, start


def _with_needles(clinic: Clinic, count: int = 2, **prepare_args: date) -> SessionView:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic), **prepare_args)
    for code, side in (("GB20", Side.LEFT), ("GB20", Side.RIGHT), ("GV14", Side.MIDLINE))[:count]:
        view = s.insert_needle(clinic.doctor, view.id, code, side, 6.0, view.packs[0].id)
    return view


def _remove(clinic: Clinic, view: SessionView, index: int = 0) -> SessionView:
    needle = [n for n in view.needles if n.is_open][index]
    return clinic.services.sessions.remove_needle(
        clinic.nurse, view.id, needle.id, Condition.INTACT, bleeding=False
    )


def test_a_needle_removed_before_the_timer_is_a_correction_that_ends_nothing(
    clinic: Clinic, clock: FakeClock
) -> None:
    s = clinic.services.sessions
    view = _with_needles(clinic, 1)
    view = _remove(clinic, view)  # taken out on the Needles step
    assert view.stage(clock.now()) is Stage.NEEDLING
    with pytest.raises(RuleViolation, match="No needle is in"):
        s.start_retention(clinic.doctor, view.id)
    view = s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 5.0, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    assert view.stage(clock.now()) is Stage.RETENTION
    assert view.needles_out_at is None and view.rest_started_at is None
    assert [e.kind for e in view.alarm_events()] == [AlarmKind.RETENTION_END, AlarmKind.OVERDUE]
    assert s.watched_sessions()[0].id == view.id
    clock.advance(minutes=5)
    assert [e.kind for e in s.view(view.id).alarms_due(clock.now())] == [AlarmKind.RETENTION_END]
    clock.advance(minutes=1)
    view = _remove(clinic, s.view(view.id))
    assert view.needles_out_at == clock.now()  # the last open needle, after the start
    assert view.stage(clock.now()) is Stage.REST


def test_every_open_session_is_watched_and_a_restart_finds_them_all(
    clinic: Clinic, clock: FakeClock, db_url: str
) -> None:
    services = clinic.services
    first = _with_needles(clinic, 2)
    services.sessions.start_retention(clinic.doctor, first.id)
    others = []
    for name in ("Anna Petrova", "Olga Lebedeva"):
        pid = services.patients.register(
            clinic.nurse, replace(MARIA, full_name=name, date_of_birth=date(1980, 1, 1))
        ).id
        view = prepare(clinic, start(clinic, pid))
        view = services.sessions.insert_needle(
            clinic.doctor, view.id, "BL23", Side.LEFT, 8.0, view.packs[0].id
        )
        others.append(view.id)
    restarted = Services.build(Database(make_engine(db_url), clock))
    try:
        watched = {v.id: v for v in restarted.sessions.watched_sessions()}
        assert set(watched) == {first.id, *others}
        assert {v.initials for v in watched.values()} == {"M. S.", "A. P.", "O. L."}
        assert len(watched[first.id].open_needles) == 2
    finally:
        restarted.close()


def test_a_contraindication_recorded_during_the_session_stops_needles_and_timer(
    clinic: Clinic,
) -> None:
    services, s = clinic.services, clinic.services.sessions
    view = _with_needles(clinic, 1)
    detail = services.patients.get(clinic.patient)
    services.patients.update(
        clinic.nurse, clinic.patient, replace(detail.data, pregnant=True), detail.version_id
    )
    for action in (
        lambda: s.insert_needle(clinic.doctor, view.id, "SP6", Side.LEFT, 5.0, view.packs[0].id),
        lambda: s.insert_needle(clinic.doctor, view.id, "LI4", Side.LEFT, 5.0, view.packs[0].id),
        lambda: s.start_retention(clinic.doctor, view.id),
    ):
        with pytest.raises(RuleViolation, match="Pregnancy") as refused:
            action()
        assert refused.value.rule == "contraindication_during_session"
        assert "Remove the needles" in str(refused.value)
    after = s.view(view.id)
    assert "Pregnancy" in after.refusal and len(after.needles) == 1
    _remove(clinic, after)  # taking the needles out is never refused


def test_clearing_a_contraindication_is_the_acupuncturists_with_a_reason(clinic: Clinic) -> None:
    patients = clinic.services.patients
    detail = patients.get(clinic.patient)
    flagged = patients.update(
        clinic.nurse, clinic.patient, replace(detail.data, exacerbation=True), detail.version_id
    )  # anyone clinical may add one
    cleared = replace(flagged.data, exacerbation=False)
    with pytest.raises(PermissionDenied, match="acupuncturist"):
        patients.update(clinic.nurse, clinic.patient, cleared, flagged.version_id)
    with pytest.raises(RuleViolation, match="Reason for clearing") as refused:
        patients.update(clinic.doctor, clinic.patient, cleared, flagged.version_id)
    assert refused.value.field == "clearing_reason"
    assert patients.get(clinic.patient).data.exacerbation  # nothing half-written
    patients.update(
        clinic.doctor,
        clinic.patient,
        cleared,
        flagged.version_id,
        clearing_reason="Stable remission on examination today",
    )
    assert not patients.get(clinic.patient).data.exacerbation
    event = clinic.services.audit.query(clinic.admin)[0]
    assert "Stable remission" in event.after and "exacerbation" in event.after


def test_a_pack_that_expires_today_is_usable_until_midnight_only(
    clinic: Clinic, clock: FakeClock
) -> None:
    s = clinic.services.sessions
    clock.set(clock.now().astimezone().replace(hour=23, minute=50).astimezone(clock.now().tzinfo))
    today = local_date(clock.now())
    view = _with_needles(clinic, 1, expiry=today)  # the expiry day itself is usable
    clock.advance(minutes=20)  # past midnight
    with pytest.raises(RuleViolation, match="expired") as refused:
        s.insert_needle(clinic.doctor, view.id, "GB20", Side.RIGHT, 5.0, view.packs[0].id)
    assert refused.value.rule == "pack_expired"
    assert len(s.view(view.id).needles) == 1


def test_an_expired_certificate_stops_needles_timer_and_signing_in_a_colleagues_session(
    clinic: Clinic, clock: FakeClock
) -> None:
    services, s = clinic.services, clinic.services.sessions
    colleague = services.users.create_user(
        "petrov",
        "Dr Ivan Petrov",
        [Role.ACUPUNCTURIST],
        pin="2222",
        password="password-2",
        created_by=clinic.admin,
    )
    lapsed = CredentialInput(
        CredentialKind.CERTIFICATE,
        "ACU-2019-7",
        "Medical Academy",
        date(2019, 3, 1),
        local_date(clock.now()) - timedelta(days=1),
        "Moscow",
    )
    services.users.add_credential(clinic.admin, colleague.id, lapsed)
    view = _with_needles(clinic, 1)  # started by Dr Ivanova, whose certificate is valid
    for action in (
        lambda: s.insert_needle(colleague.id, view.id, "GV14", Side.MIDLINE, 5.0, view.packs[0].id),
        lambda: s.start_retention(colleague.id, view.id),
    ):
        with pytest.raises(RuleViolation, match="certificate") as refused:
            action()
        assert refused.value.rule == "certificate"
    s.start_retention(clinic.doctor, view.id)
    clock.advance(minutes=6)
    view = s.remove_all(clinic.nurse, view.id, "1")
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=3)
    with pytest.raises(RuleViolation, match="certificate"):
        s.sign(colleague.id, view.id, "2222")
    assert s.view(view.id).signed_at is None


def test_todays_screening_step_is_the_acupuncturists(clinic: Clinic) -> None:
    s = clinic.services.sessions
    view = start(clinic)
    view = s.confirm_check(clinic.nurse, view.id, ChecklistStep.IDENTITY)
    with pytest.raises(PermissionDenied, match="acupuncturist"):
        s.confirm_check(clinic.nurse, view.id, ChecklistStep.SCREENING)
    view = s.confirm_check(clinic.doctor, view.id, ChecklistStep.SCREENING)
    assert view.checks[-1].confirmed_by == "Dr Elena Ivanova"
    s.confirm_check(clinic.nurse, view.id, ChecklistStep.JEWELLERY)
    s.confirm_check(clinic.nurse, view.id, ChecklistStep.CLOTHING)
    s.confirm_check(clinic.nurse, view.id, ChecklistStep.POSITION, position=Position.PRONE)


def test_a_removal_is_undone_only_by_who_made_it_and_only_for_a_few_seconds(
    clinic: Clinic, clock: FakeClock
) -> None:
    services, s = clinic.services, clinic.services.sessions
    view = _with_needles(clinic, 2)
    view = s.start_retention(clinic.doctor, view.id)
    first, second = view.needles
    view = s.remove_needle(clinic.nurse, view.id, first.id, Condition.BROKEN, bleeding=True)
    assert len(view.incidents) == 1
    clock.advance(3)
    with pytest.raises(RuleViolation, match="someone else"):
        s.undo_removal(clinic.doctor, view.id, first.id)
    view = s.undo_removal(clinic.nurse, view.id, first.id)
    assert len(view.open_needles) == 2 and view.incidents == ()
    actions = [e.action for e in services.audit.query(clinic.admin)]
    assert actions[0] == "undo removal"
    view = s.remove_needle(clinic.nurse, view.id, first.id, Condition.INTACT, bleeding=False)
    clock.advance(11)
    with pytest.raises(RuleViolation, match="no longer be undone"):
        s.undo_removal(clinic.nurse, view.id, first.id)
    view = s.remove_needle(clinic.nurse, view.id, second.id, Condition.INTACT, bleeding=False)
    assert view.needles_out_at == clock.now()
    view = s.undo_removal(clinic.nurse, view.id, second.id)
    assert view.needles_out_at is None and view.stage(clock.now()) is Stage.REMOVAL


def test_remove_all_is_a_blind_count(clinic: Clinic) -> None:
    s = clinic.services.sessions
    view = _with_needles(clinic, 3)
    view = s.start_retention(clinic.doctor, view.id)
    for typed in ("2", "4", "0"):
        with pytest.raises(RuleViolation) as refused:
            s.remove_all(clinic.nurse, view.id, typed)
        assert "3" not in str(refused.value) and "chart" in str(refused.value)
    assert len(s.view(view.id).open_needles) == 3
    assert not s.remove_all(clinic.nurse, view.id, "3").open_needles


def test_closing_with_needles_in_is_recorded(clinic: Clinic) -> None:
    view = _with_needles(clinic, 2)
    clinic.services.sessions.record_closed_with_needles(clinic.nurse, [view.id])
    event = clinic.services.audit.query(clinic.admin)[0]
    assert event.action == "close with needles in" and str(view.id) in event.after


def test_the_alarms_follow_the_records_and_the_clock(clinic: Clinic, clock: FakeClock) -> None:
    s = clinic.services.sessions
    view = s.start_retention(clinic.doctor, _with_needles(clinic, 1).id)
    started: datetime = view.retention_started_at  # type: ignore[assignment]
    kinds = [(e.kind, e.at - started) for e in view.alarm_events()]
    assert kinds == [
        (AlarmKind.RETENTION_END, timedelta(minutes=5)),
        (AlarmKind.OVERDUE, timedelta(minutes=7)),
    ]
    clock.advance(minutes=5, seconds=30)
    view = s.acknowledge_alarm(clinic.nurse, view.id)
    assert [e.kind for e in view.alarm_events()] == [AlarmKind.RETENTION_END]  # no repeat
    view = _remove(clinic, view)
    assert [e.kind for e in view.alarm_events()] == [
        AlarmKind.RETENTION_END,
        AlarmKind.REST_OVER,
    ]
    assert view.alarm_events()[-1].at == clock.now() + timedelta(minutes=20)
    assert view.watched  # resting
    clock.advance(minutes=20)
    view = s.end_rest(clinic.nurse, view.id)
    assert not view.watched and s.watched_sessions() == []


def test_age_is_judged_on_the_day_the_session_started(clinic: Clinic, clock: FakeClock) -> None:
    """A patient who turns 76 at midnight, in a session started at 23:40, may still be needled:
    the session's date decides, not the moment of each needle."""
    services, s = clinic.services, clinic.services.sessions
    clock.set(clock.now().astimezone().replace(hour=23, minute=40).astimezone(clock.now().tzinfo))
    start_day = local_date(clock.now())
    birthday = start_day + timedelta(days=1)
    patient = services.patients.register(
        clinic.nurse,
        PatientInput(
            full_name="Pavel Orlov",
            sex=Sex.MALE,
            date_of_birth=birthday.replace(year=birthday.year - 76),
            diagnosis_code="M42.12",
        ),
    )
    view = prepare(clinic, start(clinic, patient.id))
    clock.advance(minutes=30)  # 00:10: the patient is 76 now
    assert local_date(clock.now()) == birthday
    view = s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 5.0, view.packs[0].id)
    assert view.refusal == "" and len(view.open_needles) == 1
