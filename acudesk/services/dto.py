"""What the services hand to the screen: frozen rows, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from acudesk.domain.patients import PatientInput
from acudesk.domain.roles import Role
from acudesk.domain.session_record import (
    AdverseEventRow,
    CheckRow,
    IncidentRow,
    NeedleRow,
    PackRow,
)

__all__ = [
    "AdverseEventRow",
    "Changed",
    "CheckRow",
    "CourseView",
    "IncidentRow",
    "NeedleRow",
    "PackRow",
    "PatientDetail",
    "PatientHistory",
    "PatientRow",
    "PlannedSessionRow",
    "UserRow",
]


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


@dataclass(frozen=True)
class PlannedSessionRow:
    number: int
    minutes: int
    override_reason: str
    session_id: int | None
    status: str
    session_date: date | None


@dataclass(frozen=True)
class CourseView:
    id: int
    number: int
    sessions_planned: int
    planned_on: date
    rows: tuple[PlannedSessionRow, ...]

    @property
    def sessions_done(self) -> int:
        return sum(1 for r in self.rows if r.status == "signed")

    @property
    def next_number(self) -> int | None:
        started = sum(1 for r in self.rows if r.session_id is not None)
        return started + 1 if started < self.sessions_planned else None

    def minutes_for(self, number: int) -> int:
        return self.rows[number - 1].minutes


@dataclass(frozen=True)
class PatientHistory:
    patient_id: int
    courses: tuple[CourseView, ...]
    open_session_id: int | None

    @property
    def current_course(self) -> CourseView | None:
        if self.courses and self.courses[-1].next_number is not None:
            return self.courses[-1]
        return None
