"""What the services hand to the screen: frozen rows, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from acudesk.domain.patients import PatientInput
from acudesk.domain.roles import Role


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    roles: frozenset[Role]
    active: bool

    @property
    def label(self) -> str:
        roles = ", ".join(r.label for r in sorted(self.roles))
        return f"{self.full_name} ({roles})"


@dataclass(frozen=True)
class PatientRow:
    id: int
    full_name: str
    date_of_birth: date
    sex: str
    diagnosis_code: str


@dataclass(frozen=True)
class PatientDetail:
    id: int
    data: PatientInput
    version_id: int
    created_at: datetime


@dataclass(frozen=True)
class Changed:
    """What an action changed, so each view decides for itself whether to refresh."""

    entity: str
    entity_id: int
    patient_id: int | None = None
