"""Recording the patient's informed consent in tests: a session starts only after it.

Every test that starts a session records the patient's consent to the course first, as the
treatment room does; tests of the rule itself leave it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from acudesk.domain.clock import local_date
from acudesk.domain.consent import ConsentState, Decision
from acudesk.domain.screening import Caution
from acudesk.services.container import Services


def consent_to_course(
    services: Services,
    doctor: int,
    patient_id: int,
    *,
    decision: Decision = Decision.GIVEN,
    on: date | None = None,
    note: str = "",
) -> ConsentState:
    """The patient's decision about their current course (the one with sessions left)."""
    course = services.courses.history(patient_id).current_course
    assert course is not None, "plan a course before recording consent to it"
    day = on or local_date(services.clock.now())
    return services.consent.record(doctor, course.id, decision, day, note)


def plan_with_consent(
    services: Services,
    doctor: int,
    patient_id: int,
    sessions: int = 10,
    reasons: Mapping[Caution, str] | None = None,
) -> None:
    """Plan a course and record the patient's consent to it, as the acupuncturist does."""
    services.courses.plan_course(doctor, patient_id, sessions, reasons)
    consent_to_course(services, doctor, patient_id)
