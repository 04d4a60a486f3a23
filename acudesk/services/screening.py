"""Turning a stored patient into the screening's health profile, and findings into text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.domain.clock import local_date
from acudesk.domain.errors import NotFound
from acudesk.domain.patients import days_from_text
from acudesk.domain.regions import regions_from_text
from acudesk.domain.screening import (
    Caution,
    HealthProfile,
    ScreeningResult,
    require_may_start,
    screen,
    validate_caution_acknowledgements,
)
from acudesk.services.clinic import load_options


def profile_of(patient: m.Patient) -> HealthProfile:
    return HealthProfile(
        date_of_birth=patient.date_of_birth,
        pregnant=patient.pregnant,
        acute_infection=patient.acute_infection,
        blood_disorder=patient.blood_disorder,
        malignancy=patient.malignancy,
        exacerbation=patient.exacerbation,
        skin_lesion_regions=regions_from_text(patient.skin_lesion_regions),
        medications=patient.medications,
        electrical_procedure_days=days_from_text(patient.electrical_days),
    )


def findings_text(result: ScreeningResult) -> str:
    return json.dumps(
        {
            "refusals": [f.message for f in result.refusals],
            "cautions": [f.message for f in result.cautions],
        },
        ensure_ascii=False,
    )


def reasons_text(reasons: Mapping[Caution, str]) -> str:
    return json.dumps({c.value: r.strip() for c, r in reasons.items()}, ensure_ascii=False)


def load_patient(s: Session, patient_id: int) -> m.Patient:
    patient = s.get(m.Patient, patient_id)
    if patient is None:
        raise NotFound(f"Patient {patient_id} does not exist.")
    return patient


def screen_patient(s: Session, patient_id: int, today: date) -> ScreeningResult:
    return screen(
        profile_of(load_patient(s, patient_id)), today, minimum_age=load_options(s).minimum_age
    )


def screen_and_acknowledge(
    s: Session, patient_id: int, today: date, caution_reasons: Mapping[Caution, str] | None
) -> tuple[ScreeningResult, dict[Caution, str]]:
    """Refuse on any contraindication; every caution found needs a reason, kept with it."""
    result = screen_patient(s, patient_id, today)
    require_may_start(result)
    found = {f.code for f in result.cautions}
    reasons = {c: r for c, r in (caution_reasons or {}).items() if c in found}
    validate_caution_acknowledgements(result, reasons)
    return result, reasons


def screening_row(
    result: ScreeningResult,
    reasons: Mapping[Caution, str],
    *,
    course_id: int,
    session_id: int | None,
    user_id: int,
    now: datetime,
) -> m.Screening:
    return m.Screening(
        course_id=course_id,
        session_id=session_id,
        screened_on=local_date(now),
        may_start=True,
        findings=findings_text(result),
        caution_reasons=reasons_text(reasons),
        performed_by=user_id,
        performed_at=now,
    )
