"""One treatment session through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.checklist import ChecklistStep
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import PermissionDenied, RuleViolation
from acudesk.domain.needles import Condition, PackInput, Side
from acudesk.domain.screening import Caution
from acudesk.domain.session_flow import Stage
from acudesk.domain.timer import TimerPhase
from acudesk.services.container import Services
from acudesk.services.sessions import AdverseEventInput
from tests.consenting import consent_to_course
from tests.unit.services.conftest import (
    DOCTOR_PIN,
    MARIA,
    NURSE_PIN,
    SPEC,
    Clinic,
    prepare,
    start,
)

SPINE = [("GB20", Side.LEFT), ("GB20", Side.RIGHT), ("GV14", Side.MIDLINE)]


def _log_needles(clinic: Clinic, session_id: int, pack_id: int) -> None:
    for code, side in SPINE:
        clinic.services.sessions.insert_needle(clinic.doctor, session_id, code, side, 8.0, pack_id)


def test_a_whole_session_from_screening_to_signature(clinic: Clinic, clock: FakeClock) -> None:
    s = clinic.services.sessions
    view = start(clinic)
    assert view.place == "Session 1 of 10, 5 min"
    assert view.stage(clock.now()) is Stage.CHECKLIST
    view = prepare(clinic, view)
    assert view.stage(clock.now()) is Stage.NEEDLING
    _log_needles(clinic, view.id, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    assert view.timer(clock.now()).display == "05:00"
    clock.advance(minutes=3)
    assert s.view(view.id).timer(clock.now()).display == "02:00"
    clock.advance(minutes=2)
    state = s.view(view.id).timer(clock.now())
    assert state.phase is TimerPhase.ALARM and state.alarm_count_due == 1
    view = s.acknowledge_alarm(clinic.nurse, view.id)
    first = view.open_needles[0]
    view = s.remove_needle(clinic.nurse, view.id, first.id, Condition.INTACT, bleeding=True)
    assert len(view.open_needles) == 2
    view = s.remove_all(clinic.nurse, view.id, "2")
    assert view.open_needles == ()
    assert view.stage(clock.now()) is Stage.REST
    clock.advance(minutes=20)
    view = s.end_rest(clinic.nurse, view.id)
    view = s.record_outcome(
        clinic.doctor,
        view.id,
        pain_before=6,
        pain_after=3,
        notes="Tolerated well.",
        adverse_events=[AdverseEventInput("bleeding", "mild", "GB20 left", "Pressed 1 min")],
    )
    view = s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    assert view.signed_at == clock.now()
    assert view.signed_by == "Dr Elena Ivanova"
    assert view.content_hash and len(view.content_hash) == 64
    assert [n.removed_by for n in view.needles] == ["Olga Smirnova"] * 3
    assert clinic.services.audit.verify().intact
    history = clinic.services.courses.history(clinic.patient)
    assert history.courses[0].rows[0].status == "signed"
    assert history.courses[0].next_number == 2


def test_every_checklist_confirmation_stores_who_and_when(clinic: Clinic, clock: FakeClock) -> None:
    view = prepare(clinic, start(clinic))
    assert [c.step for c in view.checks] == [step.value for step in ChecklistStep]
    by = {c.step: c.confirmed_by for c in view.checks}
    assert by.pop("screening") == "Dr Elena Ivanova"  # today's screening is the acupuncturist's
    assert set(by.values()) == {"Olga Smirnova"}
    assert all(c.confirmed_at == clock.now() for c in view.checks)
    details = {c.step: c.detail for c in view.checks}
    assert details["position"] == "prone"
    assert details["skin_disinfected"].startswith("Chlorhexidine")
    assert details["needles"] == "lot LOT-2291"


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"pregnant": True}, "Pregnancy"),
        ({"acute_infection": True}, "Acute infectious disease"),
        ({"blood_disorder": True}, "Blood disorder"),
        ({"malignancy": True}, "Malignant disease"),
        ({"exacerbation": True}, "Exacerbation"),
        ({"date_of_birth": date(1950, 1, 1)}, "Age over 75"),
        ({"date_of_birth": date(2010, 1, 1)}, "minimum age"),
    ],
)
def test_contraindication_refuses_to_start(
    clinic: Clinic, change: dict[str, object], rule: str
) -> None:
    services = clinic.services
    services.courses.plan_course(clinic.doctor, clinic.patient, 10)
    detail = services.patients.get(clinic.patient)
    services.patients.update(
        clinic.nurse,
        clinic.patient,
        replace(MARIA, **change),
        detail.version_id,  # type: ignore[arg-type]
    )
    with pytest.raises(RuleViolation, match=rule) as error:
        services.sessions.start_session(clinic.doctor, clinic.patient)
    assert error.value.rule == "contraindication"
    assert services.courses.history(clinic.patient).open_session_id is None


def test_cautions_need_a_reason_to_go_ahead(clinic: Clinic) -> None:
    services = clinic.services
    data = replace(MARIA, medications="Warfarin 5 mg", electrical_days=frozenset(range(1, 8)))
    services.patients.update(clinic.nurse, clinic.patient, data, 1)
    reasons = {Caution.MEDICATIONS: "INR checked last week, within range"}
    with pytest.raises(RuleViolation, match="Electrical physiotherapy"):
        services.courses.plan_course(clinic.doctor, clinic.patient, 10, reasons)
    planning = {**reasons, Caution.ELECTRICAL_PROCEDURE_SAME_DAY: "No electrotherapy today"}
    services.courses.plan_course(clinic.doctor, clinic.patient, 10, planning)
    consent_to_course(services, clinic.doctor, clinic.patient)
    with pytest.raises(RuleViolation, match="Electrical physiotherapy"):
        services.sessions.start_session(clinic.doctor, clinic.patient, reasons)
    reasons[Caution.ELECTRICAL_PROCEDURE_SAME_DAY] = "Electrotherapy moved to the afternoon"
    view = services.sessions.start_session(clinic.doctor, clinic.patient, reasons)
    assert any("afternoon" in c for c in view.cautions)


def test_no_needle_before_the_checklist_is_complete(clinic: Clinic) -> None:
    s = clinic.services.sessions
    view = start(clinic)
    view = s.confirm_check(clinic.nurse, view.id, ChecklistStep.IDENTITY)
    view = s.register_pack(clinic.nurse, view.id, PackInput("L1", date(2028, 1, 1), True), SPEC)
    with pytest.raises(RuleViolation, match="checklist"):
        s.insert_needle(clinic.doctor, view.id, "GB20", Side.LEFT, 5.0, view.packs[0].id)
    assert s.view(view.id).needles == ()


def test_checklist_steps_go_in_order(clinic: Clinic) -> None:
    view = start(clinic)
    with pytest.raises(RuleViolation, match="1"):
        clinic.services.sessions.confirm_check(clinic.nurse, view.id, ChecklistStep.JEWELLERY)


def test_expired_pack_is_refused(clinic: Clinic, clock: FakeClock) -> None:
    view = start(clinic)
    yesterday = date(2026, 11, 23)
    with pytest.raises(RuleViolation, match="expired") as error:
        clinic.services.sessions.register_pack(
            clinic.nurse, view.id, PackInput("L9", yesterday, True), SPEC
        )
    assert error.value.field == "expiry"
    assert clinic.services.sessions.view(view.id).packs == ()


@pytest.mark.parametrize(
    ("code", "side", "depth", "deep", "rule"),
    [
        ("GB20", Side.LEFT, 0.0, False, "depth"),
        ("GB20", Side.LEFT, 25.0, True, "20 mm"),
        ("GB21", Side.LEFT, 14.0, True, "GB21"),
        ("GB20", Side.MIDLINE, 5.0, False, "side"),
        ("GB20", Side.LEFT, 12.0, False, "deep"),
        ("XX99", Side.LEFT, 5.0, False, "catalog"),
    ],
)
def test_needle_refusals(
    clinic: Clinic, code: str, side: Side, depth: float, deep: bool, rule: str
) -> None:
    view = prepare(clinic, start(clinic))
    with pytest.raises(RuleViolation, match=rule):
        clinic.services.sessions.insert_needle(
            clinic.doctor, view.id, code, side, depth, view.packs[0].id, deep_confirmed=deep
        )
    assert clinic.services.sessions.view(view.id).needles == ()


def test_depth_must_be_less_than_the_needle_length(clinic: Clinic) -> None:
    s = clinic.services.sessions
    view = start(clinic)
    short = replace(SPEC, length_mm=13.0)
    for step in ChecklistStep:
        if step is ChecklistStep.NEEDLES:
            view = s.register_pack(
                clinic.nurse, view.id, PackInput("S", date(2028, 1, 1), True), short
            )
        view = s.confirm_check(
            clinic.doctor if step is ChecklistStep.SCREENING else clinic.nurse,
            view.id,
            step,
            position=None
            if step is not ChecklistStep.POSITION
            else __import__("acudesk.domain.checklist", fromlist=["Position"]).Position.SUPINE,
            agent="Alcohol 70%" if step is ChecklistStep.SKIN_DISINFECTED else None,
        )
    with pytest.raises(RuleViolation, match="length"):
        s.insert_needle(
            clinic.doctor, view.id, "GB20", Side.LEFT, 13.0, view.packs[0].id, deep_confirmed=True
        )


def test_point_in_a_skin_lesion_region_is_refused(clinic: Clinic) -> None:
    services = clinic.services
    services.patients.update(
        clinic.nurse, clinic.patient, replace(MARIA, skin_lesion_regions=frozenset({"neck"})), 1
    )
    view = prepare(clinic, start(clinic))
    with pytest.raises(RuleViolation, match="skin"):
        services.sessions.insert_needle(
            clinic.doctor, view.id, "GB20", Side.LEFT, 5.0, view.packs[0].id
        )


def test_deep_needle_is_logged_once_confirmed(clinic: Clinic) -> None:
    view = prepare(clinic, start(clinic))
    view = clinic.services.sessions.insert_needle(
        clinic.doctor, view.id, "BL23", Side.LEFT, 15.0, view.packs[0].id, deep_confirmed=True
    )
    assert view.needles[0].deep_confirmed is True
    assert view.needles[0].depth_mm == 15.0


def test_a_needle_cannot_be_removed_twice(clinic: Clinic) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    needle = view.needles[0]
    s.remove_needle(clinic.nurse, view.id, needle.id, Condition.INTACT, bleeding=False)
    with pytest.raises(RuleViolation, match="already removed"):
        s.remove_needle(clinic.nurse, view.id, needle.id, Condition.INTACT, bleeding=False)
    with s._db.reading() as db:
        assert db.scalar(select(func.count()).select_from(m.NeedleRemoval)) == 1


def test_remove_all_needs_the_count_still_in(clinic: Clinic) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    for typed in ("2", "4"):
        with pytest.raises(RuleViolation) as refused:
            s.remove_all(clinic.nurse, view.id, typed)
        # A blind count: the refusal never names the number she should have counted.
        assert "3" not in str(refused.value)
        assert "chart" in str(refused.value)
    assert len(s.view(view.id).open_needles) == 3


def test_session_cannot_close_while_a_needle_is_in(clinic: Clinic, clock: FakeClock) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    s.remove_needle(clinic.nurse, view.id, view.needles[0].id, Condition.INTACT, bleeding=False)
    clock.advance(minutes=30)
    with pytest.raises(RuleViolation, match="2 needles"):
        s.end_rest(clinic.nurse, view.id, "reason")
    with pytest.raises(RuleViolation, match="needle"):
        s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    assert s.view(view.id).signed_at is None


def test_broken_needle_needs_an_incident_before_closing(clinic: Clinic, clock: FakeClock) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    view = s.remove_needle(
        clinic.nurse, view.id, view.needles[0].id, Condition.BROKEN, bleeding=False
    )
    view = s.remove_all(clinic.nurse, view.id, "2")
    assert len(view.incidents) == 1 and not view.incidents[0].documented
    clock.advance(minutes=21)
    with pytest.raises(RuleViolation, match="incident"):
        s.end_rest(clinic.nurse, view.id)
    with pytest.raises(RuleViolation) as error:
        s.document_incident(clinic.nurse, view.id, view.incidents[0].id, "Tip broke", " ")
    assert error.value.field == "action_taken"
    view = s.document_incident(
        clinic.nurse,
        view.id,
        view.incidents[0].id,
        "Tip broke at GB20 left",
        "Fragment removed with forceps; doctor informed",
    )
    view = s.end_rest(clinic.nurse, view.id)
    assert view.stage(clock.now()) is Stage.OUTCOME


def test_ending_rest_early_needs_a_reason(clinic: Clinic, clock: FakeClock) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    view = s.start_retention(clinic.doctor, view.id)
    view = s.remove_all(clinic.nurse, view.id, "3")
    clock.advance(minutes=5)
    with pytest.raises(RuleViolation) as error:
        s.end_rest(clinic.nurse, view.id, "")
    assert error.value.field == "reason"
    view = s.end_rest(clinic.nurse, view.id, "Patient feels well; taxi waiting")
    assert view.rest_end_reason == "Patient feels well; taxi waiting"


def test_signed_session_is_refused_by_the_service(clinic: Clinic, clock: FakeClock) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    s.remove_all(clinic.nurse, view.id, "3")
    clock.advance(minutes=20)
    s.end_rest(clinic.nurse, view.id)
    s.record_outcome(clinic.doctor, view.id, pain_before=5, pain_after=2)
    s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    with pytest.raises(RuleViolation, match="signed"):
        s.record_outcome(clinic.doctor, view.id, pain_before=0, pain_after=0)
    with pytest.raises(RuleViolation, match="signed"):
        s.sign(clinic.doctor, view.id, DOCTOR_PIN)
    assert s.view(view.id).pain_before == 5


def test_roles_nurse_prepares_and_removes_but_never_needles_or_signs(clinic: Clinic) -> None:
    s = clinic.services.sessions
    with pytest.raises(PermissionDenied, match="acupuncturist"):
        clinic.services.courses.plan_course(clinic.nurse, clinic.patient, 10)
    clinic.services.courses.plan_course(clinic.doctor, clinic.patient, 10)
    consent_to_course(clinic.services, clinic.doctor, clinic.patient)
    with pytest.raises(PermissionDenied):
        s.start_session(clinic.nurse, clinic.patient)
    view = prepare(clinic, s.start_session(clinic.doctor, clinic.patient))
    with pytest.raises(PermissionDenied):
        s.insert_needle(clinic.nurse, view.id, "GB20", Side.LEFT, 5.0, view.packs[0].id)
    with pytest.raises(PermissionDenied):
        s.confirm_check(clinic.admin, view.id, ChecklistStep.IDENTITY)
    with pytest.raises(PermissionDenied):
        s.sign(clinic.nurse, view.id, NURSE_PIN)


def test_course_plan_and_duration_override(clinic: Clinic) -> None:
    courses = clinic.services.courses
    assert courses.preview(10) == [5, 8, 11, 13, 16, 19, 22, 24, 27, 30]
    course = courses.plan_course(clinic.doctor, clinic.patient, 10)
    with pytest.raises(RuleViolation) as error:
        courses.override_duration(clinic.doctor, course.id, 4, 14, "   ")
    assert error.value.field == "reason"
    with pytest.raises(RuleViolation, match="45"):
        courses.override_duration(clinic.doctor, course.id, 4, 50, "longer")
    course = courses.override_duration(clinic.doctor, course.id, 4, 15, "Tolerates well")
    assert course.rows[3].minutes == 15 and course.rows[3].override_reason == "Tolerates well"
    with pytest.raises(RuleViolation, match="still has sessions"):
        courses.plan_course(clinic.doctor, clinic.patient, 15)


def test_timer_survives_a_restart(clinic: Clinic, clock: FakeClock, db_url: str) -> None:
    s = clinic.services.sessions
    view = prepare(clinic, start(clinic))
    _log_needles(clinic, view.id, view.packs[0].id)
    s.start_retention(clinic.doctor, view.id)
    clinic.services.close()
    clock.advance(minutes=2, seconds=15)
    reopened = Services.build(Database(make_engine(db_url), clock))
    (resumed,) = reopened.sessions.open_sessions()
    assert resumed.id == view.id
    assert resumed.timer(clock.now()).display == "02:45"
    clock.advance(minutes=10)
    state = reopened.sessions.view(view.id).timer(clock.now())
    assert state.phase is TimerPhase.OVERDUE and state.display.startswith("+")
    reopened.close()


def test_the_view_returned_after_a_needle_is_what_the_database_holds(clinic: Clinic) -> None:
    view = prepare(clinic, start(clinic))
    for code, side in SPINE:
        returned = clinic.services.sessions.insert_needle(
            clinic.doctor, view.id, code, side, 6.5, view.packs[0].id
        )
        assert returned == clinic.services.sessions.view(view.id)
