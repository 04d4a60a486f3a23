"""The papers: what a session record and a course summary print, and their audited export.

The service reads the records into frozen papers; acudesk.ui.papers lays them out with Qt and
hands back the PDF's bytes, which the service writes (created readable by the owner only) in
the same transaction that audits the export: a file the trail does not know of is never left.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.domain.clock import local_date
from acudesk.domain.errors import NotFound, RuleViolation
from acudesk.domain.prices import CourseTotal, Price
from acudesk.domain.roles import Action
from acudesk.i18n import _
from acudesk.services.base import ServiceBase
from acudesk.services.clinic import load_options
from acudesk.services.prices import course_charges, load_prices
from acudesk.services.session_view import SessionView, load_view

Kind = Literal["session", "course"]


@dataclass(frozen=True)
class Letterhead:
    clinic_name: str
    clinic_address: str
    printed_at: datetime


@dataclass(frozen=True)
class ConsentLine:
    """The course's informed consent as recorded (the latest decision counts)."""

    decision: str  # "given" or "refused"
    decided_on: date
    taken_by: str
    text_version: str


@dataclass(frozen=True)
class RecordPaper:
    letterhead: Letterhead
    view: SessionView
    price: Price | None
    consent: ConsentLine | None


@dataclass(frozen=True)
class CourseLine:
    number: int
    session_id: int
    day: date
    planned_minutes: int
    actual_minutes: int | None
    points: tuple[str, ...]
    pain_before: int | None
    pain_after: int | None
    adverse_events: tuple[str, ...]
    price: Price | None
    signed: bool


@dataclass(frozen=True)
class CoursePaper:
    letterhead: Letterhead
    patient_id: int
    patient_name: str
    patient_dob: date
    course_id: int
    course_number: int
    sessions_planned: int
    planned_on: date
    lines: tuple[CourseLine, ...]
    total: CourseTotal
    consent: ConsentLine | None


Paper = RecordPaper | CoursePaper
P = TypeVar("P", RecordPaper, CoursePaper)


def actual_minutes(view: SessionView) -> int | None:
    """How long the needles stayed in: from the timer's start to the last needle out."""
    if view.retention_started_at is None or view.needles_out_at is None:
        return None
    return round((view.needles_out_at - view.retention_started_at).total_seconds() / 60)


def _letterhead(s: Session, now: datetime) -> Letterhead:
    options = load_options(s)
    return Letterhead(options.clinic_name, options.clinic_address, now)


def _consent(s: Session, course_id: int) -> ConsentLine | None:
    row = s.execute(
        select(m.Consent, m.User.full_name)
        .join(m.User, m.User.id == m.Consent.taken_by)
        .where(m.Consent.course_id == course_id)
        .order_by(m.Consent.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    consent, name = row
    return ConsentLine(consent.decision, consent.decided_on, name, consent.text_version)


def write_private_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (0600 from creation, never
    chmod-ed); an existing file (the person chose to replace it) is replaced whole."""
    fd, temp = tempfile.mkstemp(prefix=".acudesk-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:  # mkstemp creates it 0600
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


class PaperService(ServiceBase):
    def record(self, session_id: int) -> RecordPaper:
        with self._db.reading() as s:
            return self._record(s, session_id)

    def course(self, course_id: int) -> CoursePaper:
        with self._db.reading() as s:
            return self._course(s, course_id)

    def export(
        self,
        user_id: int | None,
        kind: Kind,
        entity_id: int,
        path: Path,
        render: Callable[[P], bytes],
    ) -> Path:
        """Lay out the paper with ``render``, write it to ``path`` and audit the export.

        ``user_id`` None is the command line, run by whoever may open the database; the
        trail records the operating-system account. A session record must be signed."""
        paper = self._read_for(user_id, kind, entity_id)
        data = render(paper)  # type: ignore[arg-type]
        with self._db.unit_of_work() as s:
            if user_id is not None:
                self._actor(s, user_id, Action.EXPORT_RECORD)
            self._audit(
                s,
                user_id,
                "export",
                kind,
                entity_id,
                patient_id=_patient_of(paper),
                after=_export_note(path, "pdf", user_id),
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            write_private_bytes(path, data)
        return path

    def printed(self, user_id: int, kind: Kind, entity_id: int) -> None:
        """A paper sent to the printer is audited as an export is."""
        paper = self._read_for(user_id, kind, entity_id)
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.EXPORT_RECORD)
            self._audit(
                s,
                user_id,
                "print",
                kind,
                entity_id,
                patient_id=_patient_of(paper),
                after={"format": "print"},
            )

    # -- reading --------------------------------------------------------------------------

    def _read_for(self, user_id: int | None, kind: Kind, entity_id: int) -> Paper:
        with self._db.reading() as s:
            if user_id is not None:
                self._actor(s, user_id, Action.EXPORT_RECORD)
            if kind == "session":
                record = self._record(s, entity_id)
                if record.view.signed_at is None:
                    raise RuleViolation(
                        "not_signed",
                        _("Only a signed record can be exported; sign the session first."),
                    )
                return record
            return self._course(s, entity_id)

    def _record(self, s: Session, session_id: int) -> RecordPaper:
        t = s.get(m.TreatmentSession, session_id)
        if t is None:
            raise NotFound(_("Session {id} does not exist.").format(id=session_id))
        view = load_view(s, t, load_options(s))
        charges = course_charges(s, t.course)
        return RecordPaper(
            _letterhead(s, self._db.clock.now()),
            view,
            charges.price_of(t.number),
            _consent(s, t.course_id),
        )

    def _course(self, s: Session, course_id: int) -> CoursePaper:
        course = s.get(m.Course, course_id)
        if course is None:
            raise NotFound(_("Course {id} does not exist.").format(id=course_id))
        options = load_options(s)
        charges = course_charges(s, course, load_prices(s))
        lines = []
        for t in sorted(course.sessions, key=lambda x: x.number):
            view = load_view(s, t, options)
            lines.append(
                CourseLine(
                    number=t.number,
                    session_id=t.id,
                    day=local_date(t.started_at),
                    planned_minutes=t.planned_minutes,
                    actual_minutes=actual_minutes(view),
                    points=tuple(n.label for n in view.needles),
                    pain_before=t.pain_before,
                    pain_after=t.pain_after,
                    adverse_events=tuple(
                        f"{e.kind.replace('_', ' ')} ({e.severity})" for e in view.adverse_events
                    ),
                    price=charges.price_of(t.number),
                    signed=t.signed_at is not None,
                )
            )
        patient = course.patient
        return CoursePaper(
            letterhead=_letterhead(s, self._db.clock.now()),
            patient_id=patient.id,
            patient_name=patient.full_name,
            patient_dob=patient.date_of_birth,
            course_id=course.id,
            course_number=course.number,
            sessions_planned=course.sessions_planned,
            planned_on=course.planned_on,
            lines=tuple(lines),
            total=charges.total,
            consent=_consent(s, course.id),
        )


def _patient_of(paper: Paper) -> int:
    return paper.view.patient_id if isinstance(paper, RecordPaper) else paper.patient_id


def _export_note(path: Path, fmt: str, user_id: int | None) -> dict[str, str]:
    note = {"file": str(path), "format": fmt}
    if user_id is None:
        try:
            account = getpass.getuser()
        except (KeyError, OSError):  # no name for this uid
            account = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
        note["via"] = f"command line ({account})"
    return note
