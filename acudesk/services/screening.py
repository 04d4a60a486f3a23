"""Turning a stored patient into the screening's health profile, and findings into text."""

from __future__ import annotations

import json
from collections.abc import Mapping

from acudesk.db import models as m
from acudesk.domain.patients import days_from_text
from acudesk.domain.regions import regions_from_text
from acudesk.domain.screening import Caution, HealthProfile, ScreeningResult


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
