"""Any sequence of user actions against the real services and a real database: none reaches a
needle before the checklist, a closed session with a needle in, a needle removed twice, or a
signed session changed."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.checklist import ChecklistStep, Position
from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.needles import Condition, PackInput, Side
from acudesk.domain.roles import Role
from acudesk.domain.session_flow import Stage
from acudesk.domain.session_record import AlarmKind
from acudesk.services.container import Services
from tests.consenting import consent_to_course
from tests.unit.services.conftest import CERTIFICATE, MARIA, SPEC, Clinic

SIGNED_RUNS: list[bool] = []
POINTS = [("GB20", Side.LEFT), ("GB20", Side.RIGHT), ("GV14", Side.MIDLINE), ("BL23", Side.LEFT)]


@pytest.fixture(scope="module")
def clinic_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A database with a doctor, a nurse and a patient with a course, built once."""
    path = tmp_path_factory.mktemp("machine") / "clinic.sqlite3"
    shutil.copy(sqlite_template, path)
    services = Services.build(Database(make_engine(f"sqlite:///{path}"), FakeClock()))
    admin = services.users.create_user(
        "a", "Admin", [Role.ADMINISTRATOR], pin="1000", password="pw-12345"
    )
    doctor = services.users.create_user(
        "d", "Dr D", [Role.ACUPUNCTURIST], pin="1111", password="pw-12345", created_by=admin.id
    )
    services.users.create_user(
        "n", "Nurse N", [Role.NURSE], pin="2222", password="pw-12345", created_by=admin.id
    )
    services.users.add_credential(admin.id, doctor.id, CERTIFICATE)
    patient = services.patients.register(doctor.id, MARIA)
    services.courses.plan_course(doctor.id, patient.id, 10)
    consent_to_course(services, doctor.id, patient.id)
    services.close()
    return path


class SessionActions(RuleBasedStateMachine):
    clinic_file: Path
    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        path = self.workdir / "run.sqlite3"
        shutil.copy(self.clinic_file, path)
        # The copy's audit trail is sealed with the original's key, which lives beside it.
        key = self.clinic_file.with_name(self.clinic_file.name + ".audit-key")
        shutil.copy(key, path.with_name(path.name + ".audit-key"))
        self.clock = FakeClock()
        self.services = Services.build(Database(make_engine(f"sqlite:///{path}"), self.clock))
        users = {u.username: u.id for u in self.services.users.list_users()}
        self.c = Clinic(self.services, users["d"], users["n"], users["a"], 1)
        self.session_id = self.services.sessions.start_session(self.c.doctor, 1).id
        self.signed_snapshot: object | None = None
        self.removals_seen: dict[int, object] = {}

    def teardown(self) -> None:
        self.services.close()

    def _try(self, action: object) -> None:
        try:
            assert callable(action)
            action()
        except AcuDeskError:
            pass  # a refusal is a fine outcome; the invariants say what must never happen

    @rule(step=st.sampled_from(list(ChecklistStep)))
    def confirm(self, step: ChecklistStep) -> None:
        s = self.services.sessions
        self._try(
            lambda: s.confirm_check(
                self.c.doctor if step is ChecklistStep.SCREENING else self.c.nurse,
                self.session_id,
                step,
                position=Position.SUPINE,
                agent="Ethanol 70%",
            )
        )

    @rule(expired=st.booleans())
    def record_pack(self, expired: bool) -> None:
        expiry = date(2026, 1, 1) if expired else date(2028, 1, 1)
        self._try(
            lambda: self.services.sessions.register_pack(
                self.c.nurse, self.session_id, PackInput("L", expiry, True), SPEC
            )
        )

    @rule(point=st.sampled_from(POINTS), depth=st.sampled_from([-1.0, 4.0, 8.0, 15.0, 25.0]))
    def insert(self, point: tuple[str, Side], depth: float) -> None:
        view = self.services.sessions.view(self.session_id)
        pack = view.packs[0].id if view.packs else 0
        self._try(
            lambda: self.services.sessions.insert_needle(
                self.c.doctor,
                self.session_id,
                point[0],
                point[1],
                depth,
                pack,
                deep_confirmed=depth > 10,
            )
        )

    @rule()
    def start_timer(self) -> None:
        self._try(lambda: self.services.sessions.start_retention(self.c.doctor, self.session_id))

    @rule(minutes=st.integers(0, 25))
    def wait(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @rule(pick=st.integers(0, 10), condition=st.sampled_from(list(Condition)))
    def remove(self, pick: int, condition: Condition) -> None:
        needles = self.services.sessions.view(self.session_id).needles
        if needles:
            needle = needles[pick % len(needles)]
            self._try(
                lambda: self.services.sessions.remove_needle(
                    self.c.nurse, self.session_id, needle.id, condition, bleeding=False
                )
            )

    @rule(pick=st.integers(0, 10), seconds=st.sampled_from([0, 5, 30]))
    def undo(self, pick: int, seconds: int) -> None:
        """A removal taken back: allowed only just after it, by whoever made it."""
        self.clock.advance(seconds)
        removed = [n for n in self.services.sessions.view(self.session_id).needles if n.removed_at]
        if removed:
            needle = removed[pick % len(removed)]
            try:
                self.services.sessions.undo_removal(self.c.nurse, self.session_id, needle.id)
            except AcuDeskError:
                return
            self.removals_seen.pop(needle.id, None)

    @rule(off_by=st.sampled_from([0, 0, 1, -1]))
    def remove_all(self, off_by: int) -> None:
        count = len(self.services.sessions.view(self.session_id).open_needles) + off_by
        self._try(
            lambda: self.services.sessions.remove_all(self.c.nurse, self.session_id, str(count))
        )

    @rule()
    def document_incidents(self) -> None:
        for incident in self.services.sessions.view(self.session_id).incidents:
            self._try(
                lambda i=incident: self.services.sessions.document_incident(
                    self.c.nurse, self.session_id, i.id, "Broke", "Removed with forceps"
                )
            )

    @rule(reason=st.sampled_from(["", "Patient must leave"]))
    def end_rest(self, reason: str) -> None:
        self._try(lambda: self.services.sessions.end_rest(self.c.nurse, self.session_id, reason))

    @rule()
    def outcome(self) -> None:
        self._try(
            lambda: self.services.sessions.record_outcome(
                self.c.doctor, self.session_id, pain_before=5, pain_after=3
            )
        )

    @rule()
    def sign(self) -> None:
        self._try(lambda: self.services.sessions.sign(self.c.doctor, self.session_id, "1111"))

    @rule(steps=st.integers(1, 12))
    def next_steps_as_a_careful_team_would(self, steps: int) -> None:
        """Random actions alone rarely get past the checklist; this walks the usual order."""
        for _ in range(steps):
            self._next_step()

    def _next_step(self) -> None:
        view = self.services.sessions.view(self.session_id)
        done = view.done_steps
        pending = [step for step in ChecklistStep if step not in done]
        if pending and pending[0] is ChecklistStep.NEEDLES and not view.packs:
            self.record_pack(False)
        elif pending:
            self.confirm(pending[0])
        elif len(view.needles) < 2 and view.retention_started_at is None:
            self.insert(POINTS[len(view.needles)], 6.0)
        elif view.retention_started_at is None:
            self.start_timer()
        elif view.open_needles:
            self.remove_all(0)
        elif any(not i.documented for i in view.incidents):
            self.document_incidents()
        elif view.rest_ended_at is None:
            self.clock.advance(minutes=20)
            self.end_rest("")
        elif view.outcome_recorded_at is None:
            self.outcome()
        else:
            self.sign()
        SIGNED_RUNS.append(self.services.sessions.view(self.session_id).signed_at is not None)

    @invariant()
    def no_needle_before_the_checklist_is_complete(self) -> None:
        view = self.services.sessions.view(self.session_id)
        confirmed = {c.step: c.confirmed_at for c in view.checks}
        for needle in view.needles:
            assert len(confirmed) == len(ChecklistStep)
            assert all(at <= needle.inserted_at for at in confirmed.values())

    @invariant()
    def never_closed_with_a_needle_in(self) -> None:
        view = self.services.sessions.view(self.session_id)
        if view.rest_ended_at is not None or view.signed_at is not None:
            assert not view.open_needles
            assert all(i.documented for i in view.incidents)

    @invariant()
    def no_needle_removed_twice(self) -> None:
        with self.services.db.reading() as s:
            removals = s.scalar(select(func.count()).select_from(m.NeedleRemoval)) or 0
            distinct = s.scalar(select(func.count(func.distinct(m.NeedleRemoval.insertion_id))))
        assert removals == distinct
        for needle in self.services.sessions.view(self.session_id).needles:
            if needle.removed_at is not None:
                seen = self.removals_seen.setdefault(needle.id, needle.removed_at)
                assert seen == needle.removed_at  # a removal once recorded never changes

    @invariant()
    def open_needles_are_insertions_less_removals(self) -> None:
        with self.services.db.reading() as s:
            inserted = s.scalar(select(func.count()).select_from(m.NeedleInsertion)) or 0
            removed = s.scalar(select(func.count()).select_from(m.NeedleRemoval)) or 0
        assert len(self.services.sessions.view(self.session_id).open_needles) == inserted - removed

    @invariant()
    def no_needles_out_rest_or_sign_off_while_a_needle_is_in(self) -> None:
        view = self.services.sessions.view(self.session_id)
        if view.open_needles:
            assert view.needles_out_at is None and view.rest_started_at is None
            assert view.stage(self.clock.now()) not in (Stage.REST, Stage.OUTCOME, Stage.SIGNED)

    @invariant()
    def every_session_whose_time_is_up_is_alarming_or_acknowledged(self) -> None:
        view = self.services.sessions.view(self.session_id)
        now = self.clock.now()
        watched = {v.id for v in self.services.sessions.watched_sessions()}
        if view.open_needles and view.signed_at is None:
            assert view.id in watched  # the watch follows every session with a needle in
        state = view.timer(now)
        if view.open_needles and state.needles_due_out:
            due = {e.kind for e in view.alarms_due(now)}
            assert AlarmKind.RETENTION_END in due or state.acknowledged

    @invariant()
    def a_signed_session_never_changes(self) -> None:
        view = self.services.sessions.view(self.session_id)
        if view.signed_at is None:
            return
        if self.signed_snapshot is None:
            self.signed_snapshot = view
        assert view == self.signed_snapshot


@pytest.fixture(autouse=True)
def _machine_files(clinic_file: Path, tmp_path: Path) -> None:
    SessionActions.clinic_file = clinic_file
    SessionActions.workdir = tmp_path


def test_no_sequence_of_actions_breaks_the_absolute_rules() -> None:
    run_state_machine_as_test(
        SessionActions,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert any(SIGNED_RUNS), "the walk never reached a signed session: the test proves little"
