"""Every data-changing action as every role: allowed exactly where the table says, refused
elsewhere with a clear message; on SQLite and PostgreSQL."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from acudesk.domain.checklist import ChecklistStep
from acudesk.domain.clock import FakeClock, local_date
from acudesk.domain.consent import Decision
from acudesk.domain.errors import PermissionDenied
from acudesk.domain.exports import Period
from acudesk.domain.needles import Condition, PackInput, Side
from acudesk.domain.quick_entry import NeedleOrder
from acudesk.domain.roles import PERMISSIONS, Action, Role
from acudesk.services.audit import AuditFilter
from acudesk.services.session_view import SessionView
from tests.consenting import plan_with_consent
from tests.unit.services.conftest import CERTIFICATE, MARIA, SPEC, Clinic, prepare, start

Perform = Callable[[Clinic, int, FakeClock], object]


def _needled(c: Clinic) -> SessionView:
    view = prepare(c, start(c))
    return c.services.sessions.insert_needle(
        c.doctor, view.id, "GB20", Side.LEFT, 8, view.packs[0].id
    )


def _timed(c: Clinic) -> SessionView:
    return c.services.sessions.start_retention(c.doctor, _needled(c).id)


def _out(c: Clinic, clock: FakeClock, condition: Condition = Condition.INTACT) -> SessionView:
    view = _timed(c)
    return c.services.sessions.remove_needle(
        c.nurse, view.id, view.needles[0].id, condition, bleeding=False
    )


def _rested(c: Clinic, clock: FakeClock) -> SessionView:
    view = _out(c, clock)
    clock.advance(minutes=20)
    return c.services.sessions.end_rest(c.nurse, view.id)


def _outcome(c: Clinic, clock: FakeClock) -> SessionView:
    view = _rested(c, clock)
    return c.services.sessions.record_outcome(c.doctor, view.id, pain_before=5, pain_after=2)


def _signed(c: Clinic, clock: FakeClock) -> SessionView:
    return c.services.sessions.sign(c.doctor, _outcome(c, clock).id, c.pin(c.doctor))


def _alarm(c: Clinic, clock: FakeClock) -> SessionView:
    view = _timed(c)
    clock.advance(minutes=6)
    return view


def _incident(c: Clinic, u: int, clock: FakeClock) -> object:
    view = _out(c, clock, Condition.BROKEN)
    return c.services.sessions.document_incident(
        u, view.id, view.incidents[0].id, "Tip broke", "Removed"
    )


def _undo(c: Clinic, u: int) -> SessionView:
    """Undo is for whoever made the removal: the actor removes it first where allowed."""
    v = _timed(c)
    needle = v.needles[0].id
    try:
        c.services.sessions.remove_needle(u, v.id, needle, Condition.INTACT, bleeding=False)
    except PermissionDenied:
        c.services.sessions.remove_needle(c.nurse, v.id, needle, Condition.INTACT, bleeding=False)
    return c.services.sessions.undo_removal(u, v.id, needle)


ACTOR_PIN = "4321"  # the PIN of the user each row of the table acts as

PERFORMERS: dict[Action, Perform] = {
    Action.REGISTER_PATIENT: lambda c, u, k: c.services.patients.register(u, MARIA),
    Action.EDIT_PATIENT: lambda c, u, k: c.services.patients.update(
        u, c.patient, replace(MARIA, contact="+7 900"), 1
    ),
    Action.PLAN_COURSE: lambda c, u, k: c.services.courses.plan_course(u, c.patient, 10),
    Action.OVERRIDE_DURATION: lambda c, u, k: c.services.courses.override_duration(
        u, c.services.courses.plan_course(c.doctor, c.patient, 10).id, 3, 12, "tolerates well"
    ),
    Action.SCREEN: lambda c, u, k: (
        plan_with_consent(c.services, c.doctor, c.patient),
        c.services.sessions.start_session(u, c.patient),
    ),
    Action.START_SESSION: lambda c, u, k: (
        plan_with_consent(c.services, c.doctor, c.patient),
        c.services.sessions.start_session(u, c.patient),
    ),
    Action.RECORD_CONSENT: lambda c, u, k: c.services.consent.record(
        u,
        c.services.courses.plan_course(c.doctor, c.patient, 10).id,
        Decision.GIVEN,
        local_date(k.now()),
    ),
    Action.PRINT_CONSENT_FORM: lambda c, u, k: c.services.consent.form(
        u, c.services.courses.plan_course(c.doctor, c.patient, 10).id
    ),
    Action.CONFIRM_CHECK: lambda c, u, k: c.services.sessions.confirm_check(
        u, start(c).id, ChecklistStep.IDENTITY
    ),
    Action.REGISTER_PACK: lambda c, u, k: c.services.sessions.register_pack(
        u, start(c).id, PackInput("L1", date(2028, 1, 1), True), SPEC
    ),
    Action.INSERT_NEEDLE: lambda c, u, k: (
        v := prepare(c, start(c)),
        c.services.sessions.insert_needle(u, v.id, "GB20", Side.LEFT, 8, v.packs[0].id),
    ),
    Action.START_RETENTION: lambda c, u, k: c.services.sessions.start_retention(u, _needled(c).id),
    Action.ACKNOWLEDGE_ALARM: lambda c, u, k: c.services.sessions.acknowledge_alarm(
        u, _alarm(c, k).id
    ),
    Action.REMOVE_NEEDLE: lambda c, u, k: (
        v := _timed(c),
        c.services.sessions.remove_needle(
            u, v.id, v.needles[0].id, Condition.INTACT, bleeding=False
        ),
    ),
    Action.UNDO_REMOVAL: lambda c, u, k: _undo(c, u),
    Action.CLEAR_CONTRAINDICATION: lambda c, u, k: (
        d := c.services.patients.get(c.patient),
        f := c.services.patients.update(
            c.nurse, c.patient, replace(d.data, exacerbation=True), d.version_id
        ),
        c.services.patients.update(
            u,
            c.patient,
            replace(f.data, exacerbation=False),
            f.version_id,
            clearing_reason="Stable remission",
        ),
    ),
    Action.RECORD_INCIDENT: _incident,
    Action.RUN_REST: lambda c, u, k: (
        v := _out(c, k),
        k.advance(minutes=20),
        c.services.sessions.end_rest(u, v.id),
    ),
    Action.RECORD_OUTCOME: lambda c, u, k: c.services.sessions.record_outcome(
        u, _rested(c, k).id, pain_before=4, pain_after=1
    ),
    Action.SIGN_SESSION: lambda c, u, k: c.services.sessions.sign(u, _outcome(c, k).id, ACTOR_PIN),
    Action.ADD_ADDENDUM: lambda c, u, k: c.services.sessions.add_addendum(
        u, _signed(c, k).id, "Correction", ACTOR_PIN
    ),
    Action.EXPORT_RECORD: lambda c, u, k: c.services.sessions.export_record(
        u, _signed(c, k).id, Path(tempfile.mkdtemp(prefix="acudesk-export-"))
    ),
    Action.EXPORT_DATA: lambda c, u, k: c.services.exports.stricta(
        u, period=Period(date(2026, 11, 1), date(2026, 11, 30))
    ),
    Action.MANAGE_USERS: lambda c, u, k: c.services.users.set_active(u, c.nurse, False),
    Action.MANAGE_CREDENTIALS: lambda c, u, k: c.services.users.add_credential(
        u, c.doctor, replace(CERTIFICATE, number="X-2")
    ),
    Action.VIEW_AUDIT: lambda c, u, k: c.services.audit.query(u, AuditFilter()),
    Action.CHANGE_SETTINGS: lambda c, u, k: (
        c.services.clinic.change(u, "deep_threshold_mm", 8),
        c.services.consent.change_template(u, "The clinic's own consent text.", "Clinic-1"),
    ),
    Action.SET_PRICE: lambda c, u, k: c.services.prices.set_price(
        u, "1 200,50", "RUB", date(2027, 1, 1)
    ),
    Action.MANAGE_PROTOCOLS: lambda c, u, k: c.services.protocols.save_protocol(
        u, "Cervical osteochondrosis, basic", [NeedleOrder("GB20", Side.LEFT, 8.0)]
    ),
}


def test_every_action_in_the_table_is_exercised() -> None:
    assert set(PERFORMERS) == set(Action)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", list(Action))
def test_action_as_role(clinic: Clinic, clock: FakeClock, action: Action, role: Role) -> None:
    if action not in PERFORMERS:
        pytest.fail(f"no test performs '{action.value}'")
    actor = clinic.services.users.create_user(
        f"only-{role.value}",
        f"Test {role.label}",
        [role],
        pin=ACTOR_PIN,
        password="pw-12345",
        created_by=clinic.admin,
    )
    if role is Role.ACUPUNCTURIST:
        clinic.services.users.add_credential(clinic.admin, actor.id, CERTIFICATE)
    perform = PERFORMERS[action]
    if role in PERMISSIONS[action]:
        perform(clinic, actor.id, clock)
    else:
        with pytest.raises(PermissionDenied) as refusal:
            perform(clinic, actor.id, clock)
        # Starting a session is screening and starting in one step: either refusal names it.
        same_step = {Action.SCREEN, Action.START_SESSION}
        names = same_step if action in same_step else {action}
        if action is Action.CLEAR_CONTRAINDICATION:  # clearing is editing the patient first
            names = {action, Action.EDIT_PATIENT}
        assert any(a.value in str(refusal.value) for a in names)
        assert "This needs the role" in str(refusal.value)
