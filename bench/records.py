"""One day of the plan as rows, shaped exactly as the services write them, with its audit events.

Every row and audit payload mirrors what ``acudesk.services`` stores for the same user action
(``PatientService.register``, ``CourseService.plan_course``, the ``SessionService`` steps), and
each signed session carries a content hash of scheme 1 (``signed_records.legacy_view_hash``, as
AcuDesk 0.1 signed: the verification recomputes it from the rows like any old signature). The
day's audit events are sealed in time order, with the database's audit key, onto the chain the
database already holds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from acudesk.db.repositories.audit import to_json
from acudesk.domain.audit_chain import canonical, keyed_seal
from acudesk.domain.catalog import PointCatalog
from acudesk.domain.consent import default_template
from acudesk.domain.patients import PatientInput
from acudesk.domain.schedule import plan_durations
from acudesk.domain.screening import Caution, HealthProfile, ScreeningResult, screen
from acudesk.services.patients import _audit_view, _columns
from acudesk.services.screening import findings_text, reasons_text
from bench.clinic_plan import CoursePlan, PatientPlan, SessionSlot, clinic_day
from bench.session_records import SessionWriter

CAUTION_REASONS = {
    Caution.MEDICATIONS: "Medications reviewed with the patient; no change needed.",
    Caution.ELECTRICAL_PROCEDURE_SAME_DAY: "Electrical procedure moved to the afternoon.",
}
Row = dict[str, Any]


class Sink(Protocol):
    def add(self, table: str, row: Row) -> None: ...


@dataclass(frozen=True)
class Staff:
    doctors: tuple[int, ...]
    nurses: tuple[int, ...]

    def doctor(self, room: int, day: date) -> int:
        return self.doctors[(room + day.year) % len(self.doctors)]

    def nurse(self, room: int, day: date) -> int:
        return self.nurses[(room + 2 * day.year) % len(self.nurses)]


class AuditChain:
    """Seals events onto the chain: each MAC covers the event, its number and the one before."""

    def __init__(self, prev_hash: str, next_id: int, key: bytes) -> None:
        self.prev_hash = prev_hash
        self.next_id = next_id
        self.key = key

    def seal(self, event: tuple[Any, ...]) -> Row:
        at, _seq, user_id, ws, action, entity, entity_id, patient_id, before, after = event
        content = canonical(
            at=at, user_id=user_id, workstation=ws, action=action, entity=entity,
            entity_id=entity_id, patient_id=patient_id, before=before, after=after,
        )  # fmt: skip
        digest = keyed_seal(self.key, self.next_id, self.prev_hash, content)
        row = {
            "id": self.next_id, "at": at, "user_id": user_id, "workstation": ws,
            "action": action, "entity": entity, "entity_id": entity_id,
            "patient_id": patient_id, "before": before, "after": after,
            "prev_hash": self.prev_hash, "hash": digest,
        }  # fmt: skip
        self.prev_hash = digest
        self.next_id += 1
        return row


class Ids:
    def __init__(self, start: Mapping[str, int]) -> None:
        self._next = dict(start)

    def take(self, table: str) -> int:
        value = self._next[table]
        self._next[table] = value + 1
        return value


class ClinicRecords:
    def __init__(
        self,
        rng: random.Random,
        catalog: PointCatalog,
        staff: Staff,
        ids: Ids,
        chain: AuditChain,
        sink: Sink,
    ) -> None:
        self.rng, self.staff, self.ids, self.chain, self.sink = rng, staff, ids, chain, sink
        self.region = {p.code: p.region for p in catalog}
        self.capped = {p.code for p in catalog if p.max_depth_mm is not None}
        self._events: list[tuple[Any, ...]] = []
        self._profiles: dict[int, HealthProfile] = {}

    # -- one day ------------------------------------------------------------------------

    def day(self, day: date, registrations: list[PatientPlan], slots: list[SessionSlot]) -> None:
        for p in registrations:
            self._register(p, day)
        for slot in slots:
            SessionWriter(self, slot, day).write()
        self._events.sort(key=lambda e: (e[0], e[1]))
        for event in self._events:
            self.sink.add("audit_events", self.chain.seal(event))
        self._events.clear()

    def event(
        self,
        at: datetime,
        user: int | None,
        ws: str,
        action: str,
        entity: str,
        entity_id: int | None,
        patient_id: int | None,
        *,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        self._events.append(
            (at, len(self._events), user, ws, action, entity, entity_id, patient_id,
             to_json(before), to_json(after))
        )  # fmt: skip

    # -- patients and courses -------------------------------------------------------------

    def _register(self, p: PatientPlan, day: date) -> None:
        data = PatientInput(
            full_name=p.full_name, sex=p.sex, date_of_birth=p.date_of_birth,
            diagnosis_code=p.diagnosis, contact=p.contact, complaints=p.complaints,
            medications=p.medications, massage_days=p.massage_days,
            exercise_days=p.exercise_days, electrical_days=p.electrical_days,
            pregnant=p.pregnant, acute_infection=p.acute_infection, malignancy=p.malignancy,
            exacerbation=p.exacerbation, skin_lesion_regions=p.skin_lesion_regions,
        )  # fmt: skip
        nurse = self.staff.nurse(0, day)
        self.sink.add(
            "patients",
            {**_columns(data), "id": p.id, "created_at": p.registered_at, "created_by": nurse,
             "updated_at": p.registered_at, "version_id": 1},
        )  # fmt: skip
        self.event(
            p.registered_at,
            nurse,
            "reception",
            "create",
            "patient",
            p.id,
            p.id,
            after=_audit_view(data),
        )

    def screen_for(self, p: PatientPlan, day: date) -> tuple[ScreeningResult, dict[Caution, str]]:
        profile = self._profiles.get(p.id)
        if profile is None:
            profile = HealthProfile(
                date_of_birth=p.date_of_birth, pregnant=False, acute_infection=False,
                blood_disorder=False, malignancy=False, exacerbation=False,
                skin_lesion_regions=p.skin_lesion_regions, medications=p.medications,
                electrical_procedure_days=p.electrical_days,
            )  # fmt: skip
            self._profiles[p.id] = profile
        result = screen(profile, day)
        assert result.may_start, (p.id, day, result.refusals)
        codes = {f.code for f in result.cautions}
        return result, {c: r for c, r in CAUTION_REASONS.items() if c in codes}

    def plan_course(self, c: CoursePlan, at: datetime, doctor: int, ws: str) -> None:
        c.id = self.ids.take("courses")
        day = clinic_day(at)
        result, reasons = self.screen_for(c.patient, day)
        pid = c.patient.id
        self.sink.add(
            "courses",
            {"id": c.id, "patient_id": pid, "number": c.number, "sessions_planned": c.length,
             "first_minutes": 5, "last_minutes": 30, "planned_on": day, "created_by": doctor,
             "created_at": at},
        )  # fmt: skip
        self.sink.add(
            "screenings", self.screening_row(c.id, None, day, result, reasons, doctor, at)
        )
        self.event(
            at,
            doctor,
            ws,
            "plan course",
            "course",
            c.id,
            pid,
            after={"number": c.number, "sessions": c.length, "cautions": reasons_text(reasons)},
        )
        # The patient's informed consent, recorded as ConsentService.record does.
        template = default_template()
        consent_id = self.ids.take("consents")
        consent_at = at + timedelta(seconds=20)
        self.sink.add(
            "consents",
            {"id": consent_id, "course_id": c.id, "patient_id": pid, "decision": "given",
             "decided_on": day, "taken_by": doctor, "text_version": template.version,
             "text_hash": template.hash, "note": "", "recorded_at": consent_at},
        )  # fmt: skip
        self.event(
            consent_at,
            doctor,
            ws,
            "record consent",
            "consent",
            consent_id,
            pid,
            after={"course": c.number, "decision": "given", "decided_on": day.isoformat(),
                   "text_version": template.version, "text_hash": template.hash, "note": ""},
        )  # fmt: skip
        if c.override is not None:
            number, minutes, reason = c.override
            when = at + timedelta(seconds=40)
            before = plan_durations(c.length)[number - 1]
            self.sink.add(
                "duration_overrides",
                {"id": self.ids.take("duration_overrides"), "course_id": c.id,
                 "session_number": number, "minutes": minutes, "reason": reason,
                 "created_by": doctor, "created_at": when},
            )  # fmt: skip
            self.event(
                when,
                doctor,
                ws,
                "change duration",
                "course",
                c.id,
                pid,
                before={"session": number, "minutes": before},
                after={"session": number, "minutes": minutes, "reason": reason},
            )

    def screening_row(
        self,
        course_id: int,
        session_id: int | None,
        day: date,
        result: ScreeningResult,
        reasons: dict[Caution, str],
        user: int,
        at: datetime,
    ) -> Row:
        return {
            "id": self.ids.take("screenings"), "course_id": course_id, "session_id": session_id,
            "screened_on": day, "may_start": True, "findings": findings_text(result),
            "caution_reasons": reasons_text(reasons), "performed_by": user, "performed_at": at,
        }  # fmt: skip

    # -- one session ----------------------------------------------------------------------
