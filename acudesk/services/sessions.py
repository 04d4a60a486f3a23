"""One treatment session, from today's screening to the signature.

Each public method is one user action and one transaction: it checks the acting user's role,
the session's stage and the clinical rules, writes, appends the audit event, commits, and only
then returns the fresh view the screen shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import Database, retried
from acudesk.db.repositories.locks import lock_patient
from acudesk.domain.checklist import ChecklistStep, Position, validate_confirmation
from acudesk.domain.clinic_options import ClinicOptions
from acudesk.domain.clock import local_date
from acudesk.domain.credentials import require_certificate
from acudesk.domain.errors import NotFound, RuleViolation, SignatureRefused
from acudesk.domain.needles import (
    Condition,
    Material,
    NeedleSpec,
    PackInput,
    PointLike,
    Side,
    needs_incident,
    validate_insertion,
    validate_pack,
    validate_pack_in_date,
    validate_remove_all,
    validate_spec,
    validate_undo,
)
from acudesk.domain.quick_entry import NeedleOrder
from acudesk.domain.roles import Action
from acudesk.domain.screening import (
    Caution,
    ScreeningResult,
)
from acudesk.domain.session_flow import can
from acudesk.domain.timer import validate_end_rest
from acudesk.services import signed_records
from acudesk.services.auth import AuthService
from acudesk.services.base import ServiceBase
from acudesk.services.clinic import load_options
from acudesk.services.consent import require_course_consent
from acudesk.services.courses import CourseService
from acudesk.services.dto import NeedleRow
from acudesk.services.local_files import write_new_private_file
from acudesk.services.provenance import session_in_progress
from acudesk.services.record_export import record_document
from acudesk.services.screening import (
    reasons_text,
    screen_and_acknowledge,
    screen_patient,
    screening_row,
)
from acudesk.services.session_view import SessionView, load_view
from acudesk.services.signed_records import HASH_SCHEME, addendum_hash
from acudesk.services.users import certificate_of
from acudesk.settings import default_data_dir

ADVERSE_KINDS = ("bleeding", "pain", "dizziness", "nausea", "broken_needle", "other")
SEVERITIES = ("mild", "moderate", "severe")


class PointLookup(Protocol):
    def get(self, code: str) -> PointLike | None: ...


@dataclass(frozen=True)
class AdverseEventInput:
    kind: str
    severity: str
    description: str = ""
    action_taken: str = ""


@dataclass
class _Work:
    s: Session
    t: m.TreatmentSession
    view: SessionView
    options: ClinicOptions
    user: m.User
    after: SessionView | None = None

    @property
    def result(self) -> SessionView:
        assert self.after is not None
        return self.after


class SessionService(ServiceBase):
    def __init__(self, db: Database, points: PointLookup) -> None:
        super().__init__(db)
        self._points = points

    # -- reading -------------------------------------------------------------------------

    def view(self, session_id: int) -> SessionView:
        with self._db.reading() as s:
            return load_view(s, _session(s, session_id), load_options(s))

    def open_sessions(self) -> list[SessionView]:
        """Sessions not yet signed: what a restarted program resumes."""
        with self._db.reading() as s:
            options = load_options(s)
            rows = s.scalars(
                select(m.TreatmentSession)
                .where(m.TreatmentSession.signed_at.is_(None))
                .order_by(m.TreatmentSession.started_at)
            ).all()
            return [load_view(s, t, options) for t in rows]

    def watched_sessions(self) -> list[SessionView]:
        """Every session on this database the needle watch follows: needles in or resting.

        Safe to call from a worker thread: it opens its own database session.
        """
        with self._db.reading() as s:
            options = load_options(s)
            with_needles = select(m.NeedleInsertion.session_id).distinct()
            rows = s.scalars(
                select(m.TreatmentSession)
                .where(
                    m.TreatmentSession.signed_at.is_(None),
                    m.TreatmentSession.id.in_(with_needles),
                )
                .order_by(m.TreatmentSession.started_at)
            ).all()
            views = [load_view(s, t, options) for t in rows]
        return [v for v in views if v.watched]

    def record_closed_with_needles(self, user_id: int | None, sessions: Sequence[int]) -> None:
        """The program was closed while needles were in: say so in the audit trail."""
        with self._db.unit_of_work() as s:
            self._audit(
                s,
                user_id,
                "close with needles in",
                "workstation",
                None,
                after={"sessions": list(sessions)},
            )

    def screen_today(self, patient_id: int) -> ScreeningResult:
        with self._db.reading() as s:
            return screen_patient(s, patient_id, local_date(self._db.clock.now()))

    # -- screening and start ------------------------------------------------------------

    @retried
    def start_session(
        self,
        user_id: int,
        patient_id: int,
        caution_reasons: Mapping[Caution, str] | None = None,
    ) -> SessionView:
        now = self._db.clock.now()
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.SCREEN)
            doctor = self._actor(s, user_id, Action.START_SESSION)
            require_certificate(
                certificate_of(s, user_id, local_date(now)), doctor.full_name, "start a session"
            )
            # Two workstations starting one patient's session take turns: the second sees
            # the first's session in progress and is told whose it is.
            lock_patient(s, patient_id)
            options = load_options(s)
            result, reasons = screen_and_acknowledge(
                s, patient_id, local_date(now), caution_reasons
            )
            history = CourseService._history(s, patient_id)
            if history.open_session_id is not None:
                raise RuleViolation(
                    "session_open",
                    session_in_progress(s, history.open_session_id, now),
                    remedy="Open it from the patient page and finish it first.",
                )
            course = history.current_course
            if course is None:
                raise RuleViolation(
                    "no_course",
                    "This patient has no course with sessions left.",
                    remedy="Plan a course first.",
                )
            # Informed consent (323-FZ art. 20): the course's latest decision must be "given".
            require_course_consent(s, course.id, course.number)
            number = course.next_number
            assert number is not None
            t = m.TreatmentSession(
                course_id=course.id,
                number=number,
                planned_minutes=course.minutes_for(number),
                practitioner_id=user_id,
                started_at=now,
                workstation=self._db.workstation,
                room=self._db.room,
            )
            s.add(t)
            s.flush()
            s.add(
                screening_row(
                    result,
                    reasons,
                    course_id=course.id,
                    session_id=t.id,
                    user_id=user_id,
                    now=now,
                )
            )
            self._audit(
                s,
                user_id,
                "start session",
                "session",
                t.id,
                patient_id=patient_id,
                after={
                    "course": course.number,
                    "number": number,
                    "planned_minutes": t.planned_minutes,
                    "cautions": reasons_text(reasons),
                },
            )
            s.flush()
            return load_view(s, t, options)

    # -- preparation --------------------------------------------------------------------

    def confirm_check(
        self,
        user_id: int,
        session_id: int,
        step: ChecklistStep,
        *,
        position: Position | None = None,
        agent: str | None = None,
    ) -> SessionView:
        with self._work(user_id, session_id, Action.CONFIRM_CHECK) as w:
            if step is ChecklistStep.SCREENING:
                # Today's screening is a clinical judgement: only an acupuncturist confirms it.
                self._actor(w.s, user_id, Action.SCREEN)
            validate_confirmation(
                step,
                w.view.done_steps,
                position=position,
                agent=agent,
                pack_count=len(w.view.packs),
            )
            detail = position.value if step is ChecklistStep.POSITION and position else ""
            if step is ChecklistStep.SKIN_DISINFECTED and agent:
                detail = agent.strip()
            if step is ChecklistStep.NEEDLES:
                detail = ", ".join(f"lot {p.lot}" for p in w.view.packs)
            w.s.add(
                m.ChecklistConfirmation(
                    session_id=session_id,
                    step=step.value,
                    detail=detail[:200],
                    confirmed_by=user_id,
                    confirmed_at=self._db.clock.now(),
                )
            )
            self._audit_session(w, "confirm step", after={"step": step.value, "detail": detail})
        return w.result

    def register_pack(
        self,
        user_id: int,
        session_id: int,
        pack: PackInput,
        spec: NeedleSpec,
        *,
        gtin: str = "",
    ) -> SessionView:
        now = self._db.clock.now()
        validate_pack(pack, local_date(now))
        validate_spec(spec)
        with self._work(user_id, session_id, Action.REGISTER_PACK) as w:
            if ChecklistStep.NEEDLES in w.view.done_steps:
                raise RuleViolation(
                    "needles_confirmed",
                    "The needle check is already confirmed; packs were recorded with it.",
                )
            row = m.NeedlePack(
                session_id=session_id,
                gtin=gtin,
                lot=pack.lot.strip(),
                expiry=pack.expiry,
                material=spec.material.value,
                diameter_mm=spec.diameter_mm,
                length_mm=spec.length_mm,
                recorded_by=user_id,
                recorded_at=now,
            )
            w.s.add(row)
            w.s.flush()
            self._audit_session(
                w,
                "record pack",
                after={
                    "lot": row.lot,
                    "expiry": pack.expiry.isoformat(),
                    "material": row.material,
                    "diameter_mm": row.diameter_mm,
                    "length_mm": row.length_mm,
                },
            )
        return w.result

    # -- needling -----------------------------------------------------------------------

    def insert_needle(
        self,
        user_id: int,
        session_id: int,
        point_code: str,
        side: Side,
        depth_mm: float,
        pack_id: int,
        *,
        deep_confirmed: bool = False,
    ) -> SessionView:
        with self._work(user_id, session_id, Action.INSERT_NEEDLE) as w:
            row = self._insert(
                w, point_code, side, depth_mm, pack_id, deep_confirmed=deep_confirmed
            )
            # The one change is this needle: no need to read the whole session back.
            w.after = replace(w.view, needles=(*w.view.needles, row))
        return w.result

    def insert_needles(
        self,
        user_id: int,
        session_id: int,
        orders: Sequence[NeedleOrder],
        pack_id: int,
        *,
        deep_confirmed: bool = False,
    ) -> SessionView:
        """Several needles in one action (side B, a point set, last session's points).

        All are logged or none: a refused needle rolls back the others, and the refusal names it.
        """
        if not orders:
            raise RuleViolation("no_needles", "There are no needles to log.", field="entry")
        with self._work(user_id, session_id, Action.INSERT_NEEDLE) as w:
            for number, order in enumerate(orders, start=1):
                try:
                    self._insert(
                        w,
                        order.code,
                        order.side,
                        order.depth_mm,
                        pack_id,
                        deep_confirmed=deep_confirmed,
                    )
                except RuleViolation as error:
                    if len(orders) == 1:
                        raise
                    raise RuleViolation(
                        error.rule,
                        f"Needle {number} of {len(orders)} ({order.label}): {error.message}",
                        field=error.field,
                        remedy=error.remedy,
                    ) from error
        return w.result

    def _insert(
        self,
        w: _Work,
        point_code: str,
        side: Side,
        depth_mm: float,
        pack_id: int,
        *,
        deep_confirmed: bool,
    ) -> NeedleRow:
        session_id, user_id = w.t.id, w.user.id
        self._still_may_needle(w, "log a needle")
        point = self._points.get(point_code)
        if point is None:
            raise RuleViolation(
                "unknown_point",
                f"Point: '{point_code.strip()}' is not in the point catalog."
                if point_code.strip()
                else "Point: enter the code of the point, e.g. GB20.",
                field="point",
            )
        pack = next((p for p in w.view.packs if p.id == pack_id), None)
        if pack is None:
            raise RuleViolation(
                "unknown_pack", "Choose a needle pack recorded for this session.", field="pack"
            )
        validate_pack_in_date(pack.lot, pack.expiry, local_date(self._db.clock.now()))
        spec = NeedleSpec(Material(pack.material), pack.diameter_mm, pack.length_mm)
        validate_insertion(
            point,
            side,
            depth_mm,
            spec,
            lesion_regions=w.view.lesion_regions,
            deep_threshold_mm=w.options.deep_threshold_mm,
            deep_confirmed=deep_confirmed,
        )
        row = m.NeedleInsertion(
            session_id=session_id,
            pack_id=pack_id,
            point_code=point.code,
            side=side.value,
            depth_mm=depth_mm,
            material=pack.material,
            diameter_mm=pack.diameter_mm,
            length_mm=pack.length_mm,
            deep_confirmed=deep_confirmed and depth_mm > w.options.deep_threshold_mm,
            inserted_by=user_id,
            inserted_at=self._db.clock.now(),
        )
        w.s.add(row)
        w.s.flush()
        self._audit_session(
            w,
            "insert needle",
            entity="needle",
            entity_id=row.id,
            after={
                "point": point.code,
                "side": side.value,
                "depth_mm": depth_mm,
                "pack": pack.lot,
                "deep_confirmed": row.deep_confirmed,
            },
        )
        return NeedleRow(
            id=row.id,
            point_code=row.point_code,
            side=row.side,
            depth_mm=row.depth_mm,
            material=row.material,
            diameter_mm=row.diameter_mm,
            length_mm=row.length_mm,
            pack_lot=pack.lot,
            deep_confirmed=row.deep_confirmed,
            inserted_by=w.user.full_name,
            inserted_at=row.inserted_at,
            removed_by=None,
            removed_at=None,
            condition=None,
            bleeding=False,
        )

    def start_retention(self, user_id: int, session_id: int) -> SessionView:
        with self._work(user_id, session_id, Action.START_RETENTION) as w:
            self._still_may_needle(w, "start the needle timer")
            w.t.retention_started_at = self._db.clock.now()
            w.t.retention_started_by = user_id
            self._audit_session(
                w,
                "start timer",
                after={"at": w.t.retention_started_at.isoformat(), "minutes": w.t.planned_minutes},
            )
        return w.result

    def acknowledge_alarm(self, user_id: int, session_id: int) -> SessionView:
        now = self._db.clock.now()
        with self._work(user_id, session_id, Action.ACKNOWLEDGE_ALARM) as w:
            if not w.view.timer(now).needles_due_out:
                raise RuleViolation("no_alarm", "The needles are not due out yet.")
            if w.t.alarm_acknowledged_at is None:
                w.t.alarm_acknowledged_at = now
                w.t.alarm_acknowledged_by = user_id
                self._audit_session(w, "acknowledge alarm", after={"at": now.isoformat()})
        return w.result

    # -- removal ------------------------------------------------------------------------

    def remove_needle(
        self,
        user_id: int,
        session_id: int,
        insertion_id: int,
        condition: Condition,
        *,
        bleeding: bool,
    ) -> SessionView:
        """One needle out, with the condition and bleeding the nurse chose for it."""
        with self._work(user_id, session_id, Action.REMOVE_NEEDLE) as w:
            needle = next((n for n in w.view.needles if n.id == insertion_id), None)
            if needle is None:
                raise RuleViolation("unknown_needle", "That needle is not logged in this session.")
            if not needle.is_open:
                raise RuleViolation(
                    "already_removed",
                    f"The needle at {needle.label} was already removed at "
                    f"{needle.removed_at:%H:%M} by {needle.removed_by}.",
                )
            self._remove(w, [needle.id], condition, bleeding)
        return w.result

    def remove_all(self, user_id: int, session_id: int, typed_count: str) -> SessionView:
        """Every needle still in, all intact; the number typed must match what is in."""
        with self._work(user_id, session_id, Action.REMOVE_NEEDLE) as w:
            still_in = w.view.open_needles
            validate_remove_all(typed_count, len(still_in))
            self._remove(w, [n.id for n in still_in], Condition.INTACT, False)
        return w.result

    def _remove(self, w: _Work, ids: Sequence[int], condition: Condition, bleeding: bool) -> None:
        now = self._db.clock.now()
        for insertion_id in ids:
            w.s.add(
                m.NeedleRemoval(
                    insertion_id=insertion_id,
                    condition=condition.value,
                    bleeding=bleeding,
                    removed_by=w.user.id,
                    removed_at=now,
                )
            )
            if needs_incident(condition):
                w.s.add(
                    m.Incident(
                        session_id=w.t.id,
                        insertion_id=insertion_id,
                        opened_at=now,
                        opened_by=w.user.id,
                    )
                )
            self._audit_session(
                w,
                "remove needle",
                entity="needle",
                entity_id=insertion_id,
                after={"condition": condition.value, "bleeding": bleeding},
            )
        self._cache_needles_out(w, now if len(w.view.open_needles) == len(ids) else None)

    def _cache_needles_out(self, w: _Work, last_out: datetime | None) -> None:
        # A cache for reports only: the stage is always computed from the removal records.
        out = last_out if w.view.retention_started_at is not None else None
        w.t.needles_out_at = out
        w.t.rest_started_at = out

    def undo_removal(self, user_id: int, session_id: int, insertion_id: int) -> SessionView:
        """Take back a removal just made, by the person who made it, within a few seconds."""
        now = self._db.clock.now()
        with self._work(user_id, session_id, Action.UNDO_REMOVAL) as w:
            needle = next((n for n in w.view.needles if n.id == insertion_id), None)
            if needle is None or needle.removed_at is None:
                raise RuleViolation("not_removed", "That needle is not recorded as removed.")
            validate_undo(
                needle.label,
                needle.removed_at,
                needle.removed_by_id,
                user_id,
                now,
                rest_ended=w.view.rest_ended_at is not None,
            )
            removal = w.s.scalar(
                select(m.NeedleRemoval).where(m.NeedleRemoval.insertion_id == insertion_id)
            )
            assert removal is not None
            for incident in w.s.scalars(
                select(m.Incident).where(m.Incident.insertion_id == insertion_id)
            ):
                w.s.delete(incident)
            w.s.delete(removal)
            self._cache_needles_out(w, None)
            self._audit_session(
                w,
                "undo removal",
                entity="needle",
                entity_id=insertion_id,
                before={"condition": needle.condition, "bleeding": needle.bleeding},
            )
        return w.result

    def document_incident(
        self,
        user_id: int,
        session_id: int,
        incident_id: int,
        what_happened: str,
        action_taken: str,
    ) -> SessionView:
        with self._work(user_id, session_id, Action.RECORD_INCIDENT) as w:
            incident = w.s.get(m.Incident, incident_id)
            if incident is None or incident.session_id != session_id:
                raise NotFound("That incident does not belong to this session.")
            for value, name in ((what_happened, "What happened"), (action_taken, "What was done")):
                if not value.strip():
                    raise RuleViolation(
                        "incident_text",
                        f"{name}: describe it before saving.",
                        field="what_happened" if name == "What happened" else "action_taken",
                    )
            incident.what_happened = what_happened.strip()
            incident.action_taken = action_taken.strip()
            incident.documented_at = self._db.clock.now()
            incident.documented_by = user_id
            self._audit_session(
                w,
                "document incident",
                entity="incident",
                entity_id=incident_id,
                after={
                    "what_happened": incident.what_happened,
                    "action_taken": incident.action_taken,
                },
            )
        return w.result

    # -- rest, outcome, signature ---------------------------------------------------------

    def end_rest(self, user_id: int, session_id: int, reason: str = "") -> SessionView:
        now = self._db.clock.now()
        with self._work(user_id, session_id, Action.RUN_REST) as w:
            validate_end_rest(now, w.view.rest_started_at, w.options.rest_minutes, reason)
            w.t.rest_ended_at = now
            w.t.rest_ended_by = user_id
            complete = w.view.rest(now).complete
            w.t.rest_end_reason = "" if complete else reason.strip()
            self._audit_session(
                w,
                "end rest",
                after={"at": now.isoformat(), "reason": w.t.rest_end_reason},
            )
        return w.result

    def record_outcome(
        self,
        user_id: int,
        session_id: int,
        *,
        pain_before: int,
        pain_after: int,
        notes: str = "",
        adverse_events: Sequence[AdverseEventInput] = (),
    ) -> SessionView:
        for value, name in ((pain_before, "Pain before"), (pain_after, "Pain after")):
            if not 0 <= value <= 10:
                raise RuleViolation(
                    "pain_scale", f"{name}: a number from 0 to 10 (got {value}).", field="pain"
                )
        for event in adverse_events:
            if event.kind not in ADVERSE_KINDS or event.severity not in SEVERITIES:
                raise RuleViolation(
                    "adverse_event",
                    "Adverse event: choose its kind and severity.",
                    field="adverse_event",
                )
            if event.kind == "other" and not event.description.strip():
                raise RuleViolation(
                    "adverse_event",
                    "Adverse event 'other': describe what happened.",
                    field="adverse_event",
                )
        now = self._db.clock.now()
        with self._work(user_id, session_id, Action.RECORD_OUTCOME) as w:
            w.t.pain_before = pain_before
            w.t.pain_after = pain_after
            w.t.notes = notes.strip()
            w.t.outcome_recorded_at = now
            w.t.outcome_recorded_by = user_id
            for old in w.s.scalars(
                select(m.AdverseEvent).where(m.AdverseEvent.session_id == session_id)
            ):
                w.s.delete(old)
            for event in adverse_events:
                w.s.add(
                    m.AdverseEvent(
                        session_id=session_id,
                        kind=event.kind,
                        severity=event.severity,
                        description=event.description.strip(),
                        action_taken=event.action_taken.strip(),
                        recorded_by=user_id,
                        recorded_at=now,
                    )
                )
            self._audit_session(
                w,
                "record outcome",
                before={"pain_before": w.view.pain_before, "pain_after": w.view.pain_after},
                after={
                    "pain_before": pain_before,
                    "pain_after": pain_after,
                    "notes": w.t.notes,
                    "adverse_events": [e.__dict__ for e in adverse_events],
                },
            )
        return w.result

    def sign(self, user_id: int, session_id: int, secret: str) -> SessionView:
        """The acupuncturist's electronic signature: their PIN or password, typed again.

        A wrong secret is refused (SignatureRefused) and counts as a failed log-in attempt.
        """
        now = self._db.clock.now()
        with self._work(user_id, session_id, Action.SIGN_SESSION) as w:
            self._require_certificate(w, "sign the session")
            refusal = AuthService(self._db).confirm_signer(w.s, w.user, secret, "session", w.t.id)
            if refusal is None:
                digest = content_hash(w.s, session_id, signed_by=user_id, signed_at=now)
                w.t.signed_at = now
                w.t.signed_by = user_id
                w.t.content_hash = digest
                self._audit_session(
                    w, "sign", after={"content_hash": digest, "hash_scheme": HASH_SCHEME}
                )
        if refusal is not None:
            raise SignatureRefused(refusal)
        return w.result

    def add_addendum(self, user_id: int, session_id: int, text: str, secret: str) -> SessionView:
        """A correction to a signed session: signed in turn (PIN or password typed again); the
        original stays as it was."""
        if not text.strip():
            raise RuleViolation("addendum_text", "Addendum: write the correction.", field="text")
        now = self._db.clock.now()
        with self._db.unit_of_work() as s:
            user = self._actor(s, user_id, Action.ADD_ADDENDUM)
            t = _session(s, session_id, lock=True)
            if t.signed_at is None:
                raise RuleViolation(
                    "not_signed",
                    "This session is not signed yet: change the record itself, not an addendum.",
                )
            refusal = AuthService(self._db).confirm_signer(s, user, secret, "session", t.id)
            if refusal is None:
                body = text.strip()
                digest = addendum_hash(
                    session_id=session_id,
                    session_hash=t.content_hash,
                    text=body,
                    written_by=user_id,
                    written_at=now,
                    signed_at=now,
                )
                addendum = m.Addendum(
                    session_id=session_id,
                    text=body,
                    written_by=user_id,
                    written_at=now,
                    signed_at=now,
                    content_hash=digest,
                )
                s.add(addendum)
                s.flush()
                self._audit(
                    s,
                    user_id,
                    "add addendum",
                    "addendum",
                    addendum.id,
                    patient_id=t.course.patient_id,
                    after={
                        "session": session_id,
                        "text": body,
                        "content_hash": digest,
                        "hash_scheme": HASH_SCHEME,
                    },
                )
        if refusal is not None:
            raise SignatureRefused(refusal)
        return self.view(session_id)

    def export_record(self, user_id: int, session_id: int, folder: Path | None = None) -> Path:
        """Write the signed record as an HTML file; the export itself is audited."""
        folder = folder or default_data_dir() / "exports"
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.EXPORT_RECORD)
            view = load_view(s, _session(s, session_id), load_options(s))
            if view.signed_at is None:
                raise RuleViolation(
                    "not_signed", "Only a signed record can be exported; sign the session first."
                )
            folder.mkdir(parents=True, exist_ok=True)
            stamp = self._db.clock.now().strftime("%Y%m%dT%H%M%SZ")
            path = folder / f"session-{view.id}-{stamp}.html"
            self._audit(
                s,
                user_id,
                "export",
                "session",
                session_id,
                patient_id=view.patient_id,
                after={"file": str(path)},
            )
            write_new_private_file(path, record_document(view))  # created 0600, not chmod-ed
        return path

    # -- plumbing -----------------------------------------------------------------------

    @contextmanager
    def _work(self, user_id: int, session_id: int, action: Action) -> Iterator[_Work]:
        with self._db.unit_of_work() as s:
            user = self._actor(s, user_id, action)
            t = _session(s, session_id, lock=True)
            if action in _SCREENED_ACTIONS:
                # The screening is judged on the patient as stored now: a contraindication
                # saved at another workstation at this very moment waits, or is seen.
                lock_patient(s, t.course.patient_id)
            options = load_options(s)
            view = load_view(s, t, options)
            can(action, view.facts(self._db.clock.now()))
            work = _Work(s, t, view, options, user)
            yield work
            s.flush()
            if work.after is None:
                # Read back inside the transaction: what the screen then shows is what commits.
                work.after = load_view(s, t, options)

    def _require_certificate(self, w: _Work, doing: str) -> None:
        today = local_date(self._db.clock.now())
        require_certificate(certificate_of(w.s, w.user.id, today), w.user.full_name, doing)

    def _still_may_needle(self, w: _Work, doing: str) -> None:
        """Screening and the certificate hold for the whole session, not only at its start."""
        if w.view.refusal:
            raise RuleViolation(
                "contraindication_during_session",
                f"You cannot {doing}: a contraindication was recorded after this session "
                f"started. {w.view.refusal}",
                remedy="Remove the needles that are in and end the session.",
            )
        self._require_certificate(w, doing)

    def _audit_session(
        self,
        w: _Work,
        action: str,
        *,
        entity: str = "session",
        entity_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        self._audit(
            w.s,
            w.user.id,
            action,
            entity,
            entity_id if entity_id is not None else w.t.id,
            patient_id=w.view.patient_id,
            before=before,
            after=after,
        )


_SCREENED_ACTIONS = frozenset({Action.INSERT_NEEDLE, Action.START_RETENTION})


def content_hash(s: Session, session_id: int, *, signed_by: int, signed_at: datetime) -> str:
    """SHA-256 over the whole stored record, the signer and the signing time (scheme 2 of
    acudesk.services.signed_records; `AuditService.verify` recomputes it from the rows)."""
    rows = signed_records.load(s, [session_id])[session_id]
    return signed_records.session_hash(rows, signed_by=signed_by, signed_at=signed_at)


def _session(s: Session, session_id: int, *, lock: bool = False) -> m.TreatmentSession:
    query = select(m.TreatmentSession).where(m.TreatmentSession.id == session_id)
    if lock and s.get_bind().dialect.name == "postgresql":
        # Two workstations acting on one session take turns.
        query = query.with_for_update()
    t = s.scalar(query)
    if t is None:
        raise NotFound(f"Session {session_id} does not exist.")
    return t
