"""Registering, editing and finding patients."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.database import retried
from acudesk.db.repositories.locks import lock_patient
from acudesk.domain.clock import local_date
from acudesk.domain.errors import NotFound, PermissionDenied, RuleViolation, StaleRecord
from acudesk.domain.patients import (
    PatientInput,
    Sex,
    cleared_contraindications,
    days_from_text,
    days_to_text,
    normalise_name,
    search_key,
    validate_patient,
)
from acudesk.domain.regions import BODY_REGIONS, regions_from_text, regions_to_text
from acudesk.domain.roles import Action
from acudesk.services.base import ServiceBase
from acudesk.services.dto import PatientDetail, PatientRow
from acudesk.services.provenance import done_by

SEARCH_LIMIT = 200


def parse_date_query(text: str) -> date | None:
    """A date of birth typed as 03.02.1987, 3.2.1987 or 1987-02-03."""
    text = text.strip()
    for sep, order in ((".", "dmy"), ("/", "dmy"), ("-", "ymd")):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            d, mo, y = parts if order == "dmy" else parts[::-1]
            try:
                return date(int(y), int(mo), int(d))
            except ValueError:
                return None
    return None


def _input_of(p: m.Patient) -> PatientInput:
    return PatientInput(
        full_name=p.full_name,
        sex=Sex(p.sex),
        date_of_birth=p.date_of_birth,
        diagnosis_code=p.diagnosis_code,
        contact=p.contact,
        complaints=p.complaints,
        medications=p.medications,
        massage_days=days_from_text(p.massage_days),
        exercise_days=days_from_text(p.exercise_days),
        electrical_days=days_from_text(p.electrical_days),
        pregnant=p.pregnant,
        acute_infection=p.acute_infection,
        blood_disorder=p.blood_disorder,
        malignancy=p.malignancy,
        exacerbation=p.exacerbation,
        skin_lesion_regions=regions_from_text(p.skin_lesion_regions),
    )


def _columns(data: PatientInput) -> dict[str, Any]:
    return {
        "full_name": normalise_name(data.full_name),
        "search_name": search_key(data.full_name),
        "sex": data.sex.value,
        "date_of_birth": data.date_of_birth,
        "diagnosis_code": data.diagnosis_code,
        "contact": data.contact.strip(),
        "complaints": data.complaints.strip(),
        "medications": data.medications.strip(),
        "massage_days": days_to_text(data.massage_days),
        "exercise_days": days_to_text(data.exercise_days),
        "electrical_days": days_to_text(data.electrical_days),
        "pregnant": data.pregnant,
        "acute_infection": data.acute_infection,
        "blood_disorder": data.blood_disorder,
        "malignancy": data.malignancy,
        "exacerbation": data.exacerbation,
        "skin_lesion_regions": regions_to_text(data.skin_lesion_regions),
    }


def _audit_view(data: PatientInput) -> dict[str, Any]:
    view = asdict(data)
    for key, value in view.items():
        if isinstance(value, frozenset):
            view[key] = sorted(value)
    return view


class PatientService(ServiceBase):
    def search(self, text: str = "", limit: int = SEARCH_LIMIT) -> list[PatientRow]:
        """Name prefix of any word, or a date of birth; empty text lists everyone."""
        query = select(
            m.Patient.id,
            m.Patient.full_name,
            m.Patient.date_of_birth,
            m.Patient.sex,
            m.Patient.diagnosis_code,
        )
        dob = parse_date_query(text)
        if dob is not None:
            query = query.where(m.Patient.date_of_birth == dob)
        elif text.strip():
            key = search_key(text)
            query = query.where(
                or_(
                    m.Patient.search_name.startswith(key), m.Patient.search_name.contains(" " + key)
                )
            )
        query = query.order_by(m.Patient.search_name, m.Patient.id).limit(limit)
        with self._db.reading() as s:
            return [PatientRow(*row) for row in s.execute(query)]

    def get(self, patient_id: int) -> PatientDetail:
        with self._db.reading() as s:
            p = self._load(s, patient_id)
            return PatientDetail(p.id, _input_of(p), p.version_id, p.created_at)

    def open_record(self, user_id: int, patient_id: int) -> PatientDetail:
        """The patient's record for someone opening it: who, when and which patient go into
        the audit trail (HIPAA 164.312(b), audit controls), then the detail as ``get`` gives.

        On a read-only database nothing can be recorded (the banner says so): the record is
        shown all the same, since the people in the room may need it."""
        if self._db.read_only:
            return self.get(patient_id)
        with self._db.unit_of_work() as s:
            user = s.get(m.User, user_id)
            if user is None or not user.active:
                raise PermissionDenied("Log in to open a patient's record.")
            p = self._load(s, patient_id)
            self._audit(s, user_id, "open record", "patient", p.id, patient_id=p.id)
            return PatientDetail(p.id, _input_of(p), p.version_id, p.created_at)

    def register(self, user_id: int, data: PatientInput) -> PatientDetail:
        now = self._db.clock.now()
        validate_patient(data, local_date(now), frozenset(BODY_REGIONS))
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.REGISTER_PATIENT)
            p = m.Patient(**_columns(data), created_at=now, created_by=user_id, updated_at=now)
            s.add(p)
            s.flush()
            self._audit(
                s, user_id, "create", "patient", p.id, patient_id=p.id, after=_audit_view(data)
            )
            return PatientDetail(p.id, _input_of(p), p.version_id, p.created_at)

    @retried
    def update(
        self,
        user_id: int,
        patient_id: int,
        data: PatientInput,
        version_id: int,
        *,
        clearing_reason: str = "",
        overwriting: bool = False,
    ) -> PatientDetail:
        """Save an edit made on the record as it was at ``version_id``; refused, with the
        typed text left on the screen, when someone saved another edit in between.

        Anyone clinical may add a contraindication; only an acupuncturist may clear one, and
        only with a reason, which the audit trail keeps. ``overwriting``: the person was told
        of another workstation's change and chose to save over it (``version_id`` is then the
        version they were shown); the audit trail says so."""
        now = self._db.clock.now()
        validate_patient(data, local_date(now), frozenset(BODY_REGIONS))
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.EDIT_PATIENT)
            # Two workstations saving one patient take turns, so the second compares its
            # version with what the first stored, rather than failing inside the UPDATE.
            p = lock_patient(s, patient_id)
            if p is None:
                raise NotFound(f"Patient {patient_id} does not exist.")
            if p.version_id != version_id:
                by = done_by(s, "patient", patient_id, ["update", "create"], now)
                raise StaleRecord(
                    "This patient was changed at another workstation since you opened it"
                    + (f" (by {by})" if by else "")
                    + ", so your change was not saved. What you typed is still here.",
                    remedy="Reopen the patient to see their change, then make yours again.",
                )
            cleared = cleared_contraindications(_input_of(p), data)
            if cleared:
                self._actor(s, user_id, Action.CLEAR_CONTRAINDICATION)
                if not clearing_reason.strip():
                    raise RuleViolation(
                        "clearing_reason",
                        f"Reason for clearing: you are clearing {', '.join(cleared)}; say why "
                        "(for example the examination or the document that shows it).",
                        field="clearing_reason",
                    )
            before = _audit_view(_input_of(p))
            for key, value in _columns(data).items():
                setattr(p, key, value)
            p.updated_at = now
            s.flush()
            self._audit(
                s,
                user_id,
                "update",
                "patient",
                p.id,
                patient_id=p.id,
                before=before,
                after={
                    **_audit_view(data),
                    **(
                        {"cleared": list(cleared), "clearing_reason": clearing_reason.strip()}
                        if cleared
                        else {}
                    ),
                    **({"overwrote_change_elsewhere": True} if overwriting else {}),
                },
            )
            return PatientDetail(p.id, _input_of(p), p.version_id, p.created_at)

    @staticmethod
    def _load(s: Session, patient_id: int) -> m.Patient:
        p = s.get(m.Patient, patient_id)
        if p is None:
            raise NotFound(f"Patient {patient_id} does not exist.")
        return p
