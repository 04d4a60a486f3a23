"""Contraindications: whether today's session may start, and the cautions to acknowledge.

Refusals are absolute: no setting and no role switches them off. Every finding names the rule, the
data that triggered it and what would have to change. Cautions do not stop the session, but the
acupuncturist records a reason for going ahead with each one.

Skin disease or injury refuses only where it meets the needling: at screening when the planned
needling regions are given and overlap the affected regions, and in any case per needle (see
``acudesk.domain.needles.validate_insertion``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from acudesk.domain.errors import RuleViolation
from acudesk.domain.regions import region_label

MINIMUM_AGE_DEFAULT = 18
MINIMUM_AGE_BOUNDS = (14, 18)
MAXIMUM_AGE = 75

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Contraindication(StrEnum):
    PREGNANCY = "pregnancy"
    ACUTE_INFECTION = "acute_infection"
    BLOOD_DISORDER = "blood_disorder"
    MALIGNANCY = "malignancy"
    SKIN_LESION = "skin_lesion"
    AGE_OVER_75 = "age_over_75"
    CHILD = "child"
    EXACERBATION = "exacerbation"

    @property
    def label(self) -> str:
        return _CONTRAINDICATION_LABELS[self]


_CONTRAINDICATION_LABELS: dict[Contraindication, str] = {
    Contraindication.PREGNANCY: "Pregnancy",
    Contraindication.ACUTE_INFECTION: "Acute infectious disease",
    Contraindication.BLOOD_DISORDER: "Blood disorder",
    Contraindication.MALIGNANCY: "Malignant disease",
    Contraindication.SKIN_LESION: "Skin disease or injury at the area to be needled",
    Contraindication.AGE_OVER_75: "Age over 75",
    Contraindication.CHILD: "Below the clinic's minimum age",
    Contraindication.EXACERBATION: "Exacerbation of osteochondrosis",
}


class Caution(StrEnum):
    ELECTRICAL_PROCEDURE_SAME_DAY = "electrical_procedure_same_day"
    MEDICATIONS = "medications"

    @property
    def label(self) -> str:
        return _CAUTION_LABELS[self]


_CAUTION_LABELS: dict[Caution, str] = {
    Caution.ELECTRICAL_PROCEDURE_SAME_DAY: "Electrical physiotherapy on the same day",
    Caution.MEDICATIONS: "Medications",
}


@dataclass(frozen=True)
class HealthProfile:
    date_of_birth: date
    pregnant: bool
    acute_infection: bool
    blood_disorder: bool
    malignancy: bool
    exacerbation: bool
    skin_lesion_regions: frozenset[str]
    medications: str
    electrical_procedure_days: frozenset[int]


@dataclass(frozen=True)
class Finding:
    code: Contraindication | Caution
    message: str
    remedy: str

    @property
    def text(self) -> str:
        return f"{self.message} {self.remedy}"


@dataclass(frozen=True)
class ScreeningResult:
    refusals: tuple[Finding, ...]
    cautions: tuple[Finding, ...]

    @property
    def may_start(self) -> bool:
        return not self.refusals


def format_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def region_key(region: str) -> str:
    """Body regions match regardless of case and surrounding spaces."""
    return " ".join(region.split()).casefold()


def regions_meeting(affected: Iterable[str], planned: Iterable[str]) -> list[str]:
    """The affected regions (as recorded) that are among the planned ones, sorted."""
    planned_keys = {region_key(r) for r in planned}
    return sorted(r for r in affected if region_key(r) in planned_keys)


def age_on(dob: date, on: date) -> int:
    """Age in full years on a day.

    Someone born on 29 February turns a year older on 28 February in non-leap years (the last day
    of the month, as periods in years are counted in civil law).
    """
    if on < dob:
        raise RuleViolation(
            "date_of_birth",
            f"The date of birth {format_date(dob)} is after {format_date(on)}.",
            field="date_of_birth",
            remedy="Check the patient's date of birth.",
        )
    try:
        birthday = dob.replace(year=on.year)
    except ValueError:
        birthday = date(on.year, 2, 28)
    return on.year - dob.year - (1 if on < birthday else 0)


def validate_minimum_age(minimum_age: int) -> None:
    low, high = MINIMUM_AGE_BOUNDS
    if not low <= minimum_age <= high:
        raise RuleViolation(
            "minimum_age",
            f"A minimum age of {minimum_age} is outside the allowed range of {low}-{high} years.",
            field="minimum_age",
            remedy=f"Choose a minimum age between {low} and {high}.",
        )


def _flag_findings(profile: HealthProfile) -> list[Finding]:
    recorded = "recorded in the patient's screening"
    flags: list[tuple[bool, Contraindication, str, str]] = [
        (
            profile.pregnant,
            Contraindication.PREGNANCY,
            "the patient is pregnant",
            "Acupuncture is not given during pregnancy.",
        ),
        (
            profile.acute_infection,
            Contraindication.ACUTE_INFECTION,
            recorded,
            "Treatment waits until the infection is over and the screening is repeated.",
        ),
        (
            profile.blood_disorder,
            Contraindication.BLOOD_DISORDER,
            recorded,
            "Acupuncture is not given while a blood disorder is recorded.",
        ),
        (
            profile.malignancy,
            Contraindication.MALIGNANCY,
            recorded,
            "Acupuncture is not given while a malignant disease is recorded.",
        ),
        (
            profile.exacerbation,
            Contraindication.EXACERBATION,
            recorded,
            "Treatment waits for stable remission.",
        ),
    ]
    return [
        Finding(code, f"{code.label}: {detail}.", remedy)
        for present, code, detail, remedy in flags
        if present
    ]


def _age_findings(profile: HealthProfile, session_date: date, minimum_age: int) -> list[Finding]:
    age = age_on(profile.date_of_birth, session_date)
    facts = (
        f"the patient is {age} on {format_date(session_date)} "
        f"(born {format_date(profile.date_of_birth)})"
    )
    if age > MAXIMUM_AGE:
        return [
            Finding(
                Contraindication.AGE_OVER_75,
                f"Age over {MAXIMUM_AGE}: {facts}.",
                f"Acupuncture is not given over the age of {MAXIMUM_AGE}.",
            )
        ]
    if age < minimum_age:
        return [
            Finding(
                Contraindication.CHILD,
                f"Below the clinic's minimum age of {minimum_age}: {facts}.",
                f"This clinic gives acupuncture from the age of {minimum_age}.",
            )
        ]
    return []


def _caution_findings(profile: HealthProfile, session_date: date) -> list[Finding]:
    found: list[Finding] = []
    weekday = session_date.isoweekday()
    if weekday in profile.electrical_procedure_days:
        found.append(
            Finding(
                Caution.ELECTRICAL_PROCEDURE_SAME_DAY,
                f"{Caution.ELECTRICAL_PROCEDURE_SAME_DAY.label}: the patient has an electrical "
                f"procedure on {_WEEKDAYS[weekday - 1]}s, and today is "
                f"{_WEEKDAYS[weekday - 1]} {format_date(session_date)}.",
                "Acupuncture and electrical procedures should not coincide: move one of them "
                "to another day, or record why both go ahead today.",
            )
        )
    medications = " ".join(profile.medications.split())
    if medications:
        found.append(
            Finding(
                Caution.MEDICATIONS,
                f"{Caution.MEDICATIONS.label}: the patient takes {medications}.",
                "Review the medications and record why treatment goes ahead.",
            )
        )
    return found


def screen(
    profile: HealthProfile,
    session_date: date,
    *,
    minimum_age: int = MINIMUM_AGE_DEFAULT,
    needling_regions: frozenset[str] = frozenset(),
) -> ScreeningResult:
    """Screen a patient for a session on ``session_date``."""
    validate_minimum_age(minimum_age)
    refusals = _flag_findings(profile)
    refusals += _age_findings(profile, session_date, minimum_age)
    meeting = regions_meeting(profile.skin_lesion_regions, needling_regions)
    if meeting:
        names = ", ".join(region_label(r) for r in meeting)
        refusals.append(
            Finding(
                Contraindication.SKIN_LESION,
                f"{Contraindication.SKIN_LESION.label}: {names} (recorded as affected, "
                "and needling is planned there).",
                "Choose points outside the affected regions, or wait until the skin has healed.",
            )
        )
    return ScreeningResult(tuple(refusals), tuple(_caution_findings(profile, session_date)))


def validate_caution_acknowledgements(
    result: ScreeningResult, reasons: Mapping[Caution, str]
) -> None:
    """Every caution found needs a reason for going ahead."""
    missing = [
        f.code.label
        for f in result.cautions
        if isinstance(f.code, Caution) and not reasons.get(f.code, "").strip()
    ]
    if missing:
        raise RuleViolation(
            "caution_unacknowledged",
            "A reason for going ahead is missing for: " + "; ".join(missing) + ".",
            field="reason",
            remedy="Enter a reason for each caution, or do not start the session.",
        )


def require_may_start(result: ScreeningResult) -> None:
    """Refuse to start the session while any contraindication is found."""
    if result.refusals:
        listed = " ".join(f.text for f in result.refusals)
        raise RuleViolation("contraindication", f"The session must not start. {listed}")
