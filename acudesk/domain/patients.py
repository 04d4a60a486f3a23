"""A patient's record as typed in, and the rules that keep it sound."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from acudesk.domain.errors import RuleViolation

# ICD-10 M42.1x, adult osteochondrosis of spine, with the site digit.
DIAGNOSES: dict[str, str] = {
    "M42.10": "Osteochondrosis of spine, multiple sites",
    "M42.11": "Osteochondrosis of spine, occipito-atlanto-axial region",
    "M42.12": "Cervical osteochondrosis",
    "M42.13": "Cervicothoracic osteochondrosis",
    "M42.14": "Thoracic osteochondrosis",
    "M42.15": "Thoracolumbar osteochondrosis",
    "M42.16": "Lumbar osteochondrosis",
    "M42.17": "Lumbosacral osteochondrosis",
    "M42.18": "Sacral and sacrococcygeal osteochondrosis",
    "M42.19": "Osteochondrosis of spine, site unspecified",
}

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
NAME_MAX = 200


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(frozen=True)
class PatientInput:
    full_name: str
    sex: Sex
    date_of_birth: date
    diagnosis_code: str
    contact: str = ""
    complaints: str = ""
    medications: str = ""
    massage_days: frozenset[int] = field(default_factory=frozenset)
    exercise_days: frozenset[int] = field(default_factory=frozenset)
    electrical_days: frozenset[int] = field(default_factory=frozenset)
    pregnant: bool = False
    acute_infection: bool = False
    blood_disorder: bool = False
    malignancy: bool = False
    exacerbation: bool = False
    skin_lesion_regions: frozenset[str] = field(default_factory=frozenset)


def normalise_name(name: str) -> str:
    return " ".join(name.split())


def search_key(name: str) -> str:
    return normalise_name(name).casefold()


def validate_patient(data: PatientInput, today: date, known_regions: frozenset[str]) -> None:
    name = normalise_name(data.full_name)
    if not name:
        raise RuleViolation("name_required", "Name: enter the patient's full name.", field="name")
    if len(name) > NAME_MAX:
        raise RuleViolation("name_length", f"Name: at most {NAME_MAX} characters.", field="name")
    if data.date_of_birth > today:
        raise RuleViolation(
            "dob_future",
            f"Date of birth {data.date_of_birth:%d.%m.%Y} is in the future.",
            field="date_of_birth",
        )
    if data.date_of_birth.year < 1900:
        raise RuleViolation(
            "dob_range", "Date of birth: the year must be 1900 or later.", field="date_of_birth"
        )
    if data.diagnosis_code not in DIAGNOSES:
        raise RuleViolation(
            "diagnosis",
            f"Diagnosis: choose an ICD-10 code from M42.10 to M42.19 "
            f"(got '{data.diagnosis_code}').",
            field="diagnosis",
        )
    for label, days in (
        ("Massage", data.massage_days),
        ("Exercise therapy", data.exercise_days),
        ("Electrical physiotherapy", data.electrical_days),
    ):
        if any(d < 1 or d > 7 for d in days):
            raise RuleViolation("weekday", f"{label} days must be weekdays.", field="days")
    unknown = data.skin_lesion_regions - known_regions
    if unknown:
        raise RuleViolation(
            "lesion_region",
            f"Skin lesion regions not recognised: {', '.join(sorted(unknown))}.",
            field="skin_lesion_regions",
        )


def days_to_text(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))


def days_from_text(text: str) -> frozenset[int]:
    return frozenset(int(p) for p in text.split(",") if p.strip())


def days_label(days: frozenset[int]) -> str:
    return ", ".join(WEEKDAYS[d - 1] for d in sorted(days)) or "none"


_CONTRAINDICATION_FLAGS = {
    "pregnant": "pregnancy",
    "acute_infection": "acute infectious disease",
    "blood_disorder": "blood disorder",
    "malignancy": "malignant disease",
    "exacerbation": "exacerbation of osteochondrosis",
}


def cleared_contraindications(before: PatientInput, after: PatientInput) -> tuple[str, ...]:
    """The contraindications the change takes away: adding one is anyone's, clearing is not."""
    cleared = [
        label
        for flag, label in _CONTRAINDICATION_FLAGS.items()
        if getattr(before, flag) and not getattr(after, flag)
    ]
    gone = sorted(before.skin_lesion_regions - after.skin_lesion_regions)
    cleared += [f"skin disease or injury ({region.replace('_', ' ')})" for region in gone]
    return tuple(cleared)
