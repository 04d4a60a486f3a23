"""Data exports for research and for the clinic's own analysis: STRICTA 2010 (JSON, CSV) of a
course or a period, and CSV of sessions and of needles over a period.

One export = one user action: the records are read from one snapshot (no writer waits), the
file is written beside its destination as a new 0600 file and renamed into place, and the
export is audited (who, what, which scope, how many rows, the file and its SHA-256) in the same
unit of work that puts the file in place: a file is never left without its audit event.
Exports name no patient: patients are their record numbers, with sex and age for analysis.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.repositories import settings
from acudesk.domain.checklist import ChecklistStep
from acudesk.domain.clock import as_utc, local_date
from acudesk.domain.errors import NotFound
from acudesk.domain.exports import ExportFault, ExportKind, Period, csv_text
from acudesk.domain.patients import days_from_text
from acudesk.domain.roles import Action
from acudesk.domain.screening import age_on
from acudesk.domain.stricta import (
    TEXT_KEYS,
    CourseFact,
    NeedleFact,
    PractitionerFact,
    Scope,
    SessionFact,
    StrictaReport,
    StrictaTexts,
    compose,
    validate_text,
)
from acudesk.i18n import _
from acudesk.services.base import ServiceBase
from acudesk.services.clinic import load_options

Progress = Callable[[int, int], None]

SESSION_COLUMNS = (
    "session_id",
    "patient_id",
    "sex",
    "age",
    "diagnosis_code",
    "course_id",
    "course_number",
    "session_number",
    "sessions_planned",
    "session_date",
    "started_at",
    "retention_started_at",
    "needles_out_at",
    "rest_ended_at",
    "planned_minutes",
    "retention_minutes",
    "needles",
    "needles_not_intact",
    "bleeding",
    "adverse_events",
    "incidents",
    "pain_before",
    "pain_after",
    "practitioner",
    "room",
    "workstation",
    "status",
    "signed_at",
    "signed_by",
)
NEEDLE_COLUMNS = (
    "needle_id",
    "session_id",
    "patient_id",
    "course_id",
    "session_number",
    "session_date",
    "point_code",
    "side",
    "depth_mm",
    "deep_confirmed",
    "material",
    "diameter_mm",
    "length_mm",
    "lot",
    "pack_expiry",
    "gtin",
    "inserted_at",
    "inserted_by",
    "removed_at",
    "removed_by",
    "condition",
    "bleeding",
)


@dataclass(frozen=True)
class ExportRequest:
    """What to export: a course's STRICTA (``course_id``) or anything over a ``period``."""

    kind: ExportKind
    period: Period | None = None
    course_id: int | None = None

    def __post_init__(self) -> None:
        if self.course_id is None and self.period is None:
            raise ValueError("an export needs a course or a period")
        if self.course_id is not None and not self.kind.stricta:
            raise ValueError("a course is exported as STRICTA")

    @property
    def scope(self) -> str:
        if self.course_id is not None:
            return f"course {self.course_id}"
        assert self.period is not None
        return self.period.text


@dataclass(frozen=True)
class ExportResult:
    path: Path
    kind: ExportKind
    scope: str
    rows: int
    size: int
    sha256: str

    @property
    def text(self) -> str:
        return _("{kind}, {scope}: {rows} rows, {size} bytes written to {path}").format(
            kind=self.kind.label, scope=self.scope, rows=self.rows, size=self.size, path=self.path
        )


class ExportService(ServiceBase):
    # -- the STRICTA settings: what the records cannot hold ----------------------------

    def texts(self) -> StrictaTexts:
        with self._db.reading() as s:
            return _texts(s)

    def change_text(self, user_id: int, key: str, value: str) -> StrictaTexts:
        text = validate_text(key, value)
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.CHANGE_SETTINGS)
            before = settings.store(s, key, text, user_id, self._db.clock.now())
            self._audit(
                s,
                user_id,
                "change setting",
                "clinic_setting",
                None,
                before={key: before},
                after={key: text},
            )
            return _texts(s)

    # -- reading --------------------------------------------------------------------------

    def stricta(
        self, user_id: int, *, course_id: int | None = None, period: Period | None = None
    ) -> StrictaReport:
        self._may_export(user_id)
        with self._db.snapshot() as s:
            return self._stricta(s, course_id, period)

    def sessions_table(self, user_id: int, period: Period) -> list[list[object]]:
        self._may_export(user_id)
        with self._db.snapshot() as s:
            return [list(SESSION_COLUMNS), *self._session_rows(s, period)]

    def needles_table(self, user_id: int, period: Period) -> list[list[object]]:
        self._may_export(user_id)
        with self._db.snapshot() as s:
            return [list(NEEDLE_COLUMNS), *self._needle_rows(s, period)]

    # -- the export ------------------------------------------------------------------------

    def export(
        self, user_id: int, request: ExportRequest, path: Path, progress: Progress | None = None
    ) -> ExportResult:
        """Write the export to ``path`` (replacing a file there) and audit it."""
        target = _checked_target(path)
        self._may_export(user_id)
        step = progress or (lambda done, total: None)
        step(0, 0)
        patient_id: int | None = None
        with self._db.snapshot() as s:
            if request.kind.stricta:
                report = self._stricta(s, request.course_id, request.period)
                rows = len(report.sub_items)
                if request.kind is ExportKind.STRICTA_JSON:
                    content = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
                else:
                    content = csv_text(report.as_rows())
                if request.course_id is not None:
                    patient_id = s.scalar(
                        select(m.Course.patient_id).where(m.Course.id == request.course_id)
                    )
            else:
                assert request.period is not None
                columns: tuple[str, ...]
                if request.kind is ExportKind.SESSIONS_CSV:
                    columns, body = SESSION_COLUMNS, list(self._session_rows(s, request.period))
                else:
                    columns, body = NEEDLE_COLUMNS, list(self._needle_rows(s, request.period))
                rows = len(body)
                # With a byte-order mark: spreadsheets then read Cyrillic names as UTF-8.
                content = "\ufeff" + csv_text([list(columns), *body])
        step(1, 2)
        data = content.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        temporary = _write_temporary(target, data)
        placed = False
        try:
            with self._db.unit_of_work() as s:
                self._actor(s, user_id, Action.EXPORT_DATA)
                self._audit(
                    s,
                    user_id,
                    "export",
                    "course" if request.course_id is not None else "export",
                    request.course_id,
                    patient_id=patient_id,
                    after={
                        "kind": request.kind.value,
                        "scope": request.scope,
                        "rows": rows,
                        "file": str(target),
                        "sha256": digest,
                    },
                )
                _place(temporary, target)
                placed = True
        except BaseException:
            temporary.unlink(missing_ok=True)
            if placed:  # in place, but the audit event did not commit: take it back
                target.unlink(missing_ok=True)
            raise
        step(2, 2)
        return ExportResult(target, request.kind, request.scope, rows, len(data), digest)

    # -- plumbing --------------------------------------------------------------------------

    def _may_export(self, user_id: int) -> None:
        with self._db.reading() as s:
            self._actor(s, user_id, Action.EXPORT_DATA)

    def _stricta(self, s: Session, course_id: int | None, period: Period | None) -> StrictaReport:
        query = select(m.TreatmentSession).join(m.Course)
        if course_id is not None:
            course = s.get(m.Course, course_id)
            if course is None:
                raise NotFound(
                    _("There is no course with the number {id} in this database.").format(
                        id=course_id
                    )
                )
            query = query.where(m.TreatmentSession.course_id == course_id)
        else:
            assert period is not None
            start, end = period.bounds()
            query = query.where(
                m.TreatmentSession.started_at >= start, m.TreatmentSession.started_at < end
            )
        chosen = s.scalars(query.order_by(m.TreatmentSession.started_at)).all()
        signed = [t for t in chosen if t.signed_at is not None]
        options = load_options(s)
        now = self._db.clock.now()
        facts = [self._session_fact(s, t) for t in signed]
        course_ids = {t.course_id for t in signed}
        courses = {c.id: _course_fact(c) for c in _courses(s, course_ids)}
        practitioners = _practitioners(s, {t.practitioner_id for t in signed})
        dates = [f.started_on for f in facts]
        if period is not None:
            first, last = period.first, period.last
        elif dates:
            first, last = min(dates), max(dates)
        else:
            first = last = local_date(now)
        return compose(
            Scope(first, last, course_id, left_out=len(chosen) - len(signed)),
            _texts(s),
            facts,
            courses,
            practitioners,
            rest_minutes=options.rest_minutes,
            generated_at=as_utc(now).astimezone(),
            today=local_date(now),
        )

    def _session_fact(self, s: Session, t: m.TreatmentSession) -> SessionFact:
        needles = s.scalars(
            select(m.NeedleInsertion)
            .where(m.NeedleInsertion.session_id == t.id)
            .order_by(m.NeedleInsertion.id)
        ).all()
        position = s.scalar(
            select(m.ChecklistConfirmation.detail).where(
                m.ChecklistConfirmation.session_id == t.id,
                m.ChecklistConfirmation.step == ChecklistStep.POSITION.value,
            )
        )
        return SessionFact(
            course_id=t.course_id,
            number=t.number,
            started_at=as_utc(t.started_at),
            started_on=local_date(as_utc(t.started_at)),
            planned_minutes=t.planned_minutes,
            practitioner_id=t.practitioner_id,
            needles=tuple(
                NeedleFact(
                    n.point_code,
                    n.side,
                    n.depth_mm,
                    n.material,
                    n.diameter_mm,
                    n.length_mm,
                    n.deep_confirmed,
                )
                for n in needles
            ),
            retention_minutes=_minutes(t.retention_started_at, t.needles_out_at),
            visit_minutes=_minutes(t.started_at, t.rest_ended_at),
            position=position or "",
            room=t.room or "",
        )

    def _session_rows(self, s: Session, period: Period) -> Iterator[list[object]]:
        start, end = period.bounds()
        names = _user_names(s)
        found = s.execute(
            select(m.TreatmentSession, m.Course, m.Patient)
            .join(m.Course, m.Course.id == m.TreatmentSession.course_id)
            .join(m.Patient, m.Patient.id == m.Course.patient_id)
            .where(m.TreatmentSession.started_at >= start, m.TreatmentSession.started_at < end)
            .order_by(m.TreatmentSession.started_at, m.TreatmentSession.id)
        ).all()
        ids = [t.id for t, _c, _p in found]
        needles: dict[int, int] = defaultdict(int)
        not_intact: dict[int, int] = defaultdict(int)
        bleeding: dict[int, int] = defaultdict(int)
        for session_id, condition, bled in s.execute(
            select(
                m.NeedleInsertion.session_id, m.NeedleRemoval.condition, m.NeedleRemoval.bleeding
            )
            .outerjoin(m.NeedleRemoval, m.NeedleRemoval.insertion_id == m.NeedleInsertion.id)
            .where(m.NeedleInsertion.session_id.in_(ids))
        ):
            needles[session_id] += 1
            if condition is not None and condition != "intact":
                not_intact[session_id] += 1
            if bled:
                bleeding[session_id] += 1
        events: dict[int, list[str]] = defaultdict(list)
        for session_id, kind, severity in s.execute(
            select(m.AdverseEvent.session_id, m.AdverseEvent.kind, m.AdverseEvent.severity)
            .where(m.AdverseEvent.session_id.in_(ids))
            .order_by(m.AdverseEvent.id)
        ):
            events[session_id].append(f"{kind} ({severity})")
        incidents: dict[int, int] = defaultdict(int)
        for (session_id,) in s.execute(
            select(m.Incident.session_id).where(m.Incident.session_id.in_(ids))
        ):
            incidents[session_id] += 1
        for t, course, patient in found:
            started = as_utc(t.started_at)
            yield [
                t.id,
                patient.id,
                patient.sex,
                age_on(patient.date_of_birth, local_date(started)),
                patient.diagnosis_code,
                course.id,
                course.number,
                t.number,
                course.sessions_planned,
                local_date(started),
                started,
                t.retention_started_at,
                t.needles_out_at,
                t.rest_ended_at,
                t.planned_minutes,
                _minutes(t.retention_started_at, t.needles_out_at),
                needles[t.id],
                not_intact[t.id],
                bleeding[t.id],
                "; ".join(events[t.id]),
                incidents[t.id],
                t.pain_before,
                t.pain_after,
                names.get(t.practitioner_id, ""),
                t.room,
                t.workstation,
                "signed" if t.signed_at is not None else "open",
                t.signed_at,
                names.get(t.signed_by) if t.signed_by else "",
            ]

    def _needle_rows(self, s: Session, period: Period) -> Iterator[list[object]]:
        start, end = period.bounds()
        names = _user_names(s)
        found = s.execute(
            select(m.NeedleInsertion, m.NeedleRemoval, m.NeedlePack, m.TreatmentSession, m.Course)
            .join(m.TreatmentSession, m.TreatmentSession.id == m.NeedleInsertion.session_id)
            .join(m.Course, m.Course.id == m.TreatmentSession.course_id)
            .join(m.NeedlePack, m.NeedlePack.id == m.NeedleInsertion.pack_id)
            .outerjoin(m.NeedleRemoval, m.NeedleRemoval.insertion_id == m.NeedleInsertion.id)
            .where(m.TreatmentSession.started_at >= start, m.TreatmentSession.started_at < end)
            .order_by(m.TreatmentSession.started_at, m.NeedleInsertion.id)
        )
        for n, r, pack, t, course in found:
            yield [
                n.id,
                t.id,
                course.patient_id,
                course.id,
                t.number,
                local_date(as_utc(t.started_at)),
                n.point_code,
                n.side,
                n.depth_mm,
                n.deep_confirmed,
                n.material,
                n.diameter_mm,
                n.length_mm,
                pack.lot,
                pack.expiry,
                pack.gtin,
                n.inserted_at,
                names.get(n.inserted_by, ""),
                r.removed_at if r else None,
                names.get(r.removed_by, "") if r else "",
                r.condition if r else "in",
                r.bleeding if r else None,
            ]


def _texts(s: Session) -> StrictaTexts:
    rows = s.execute(
        select(m.ClinicSetting.key, m.ClinicSetting.value).where(
            m.ClinicSetting.key.in_(sorted(TEXT_KEYS))
        )
    )
    return StrictaTexts.from_strings({key: value for key, value in rows})


def _user_names(s: Session) -> dict[int, str]:
    return {uid: name for uid, name in s.execute(select(m.User.id, m.User.full_name))}


def _minutes(start: Any, end: Any) -> float | None:
    if start is None or end is None:
        return None
    return round((as_utc(end) - as_utc(start)).total_seconds() / 60, 1)


def _courses(s: Session, ids: set[int]) -> Sequence[m.Course]:
    if not ids:
        return ()
    return s.scalars(select(m.Course).where(m.Course.id.in_(sorted(ids)))).all()


def _course_fact(c: m.Course) -> CourseFact:
    patient = c.patient
    return CourseFact(
        id=c.id,
        patient_id=c.patient_id,
        diagnosis_code=patient.diagnosis_code,
        sessions_planned=c.sessions_planned,
        first_minutes=c.first_minutes,
        last_minutes=c.last_minutes,
        duration_overrides=len(c.overrides),
        massage=bool(days_from_text(patient.massage_days)),
        exercise=bool(days_from_text(patient.exercise_days)),
        electrical=bool(days_from_text(patient.electrical_days)),
        medications=bool(patient.medications.strip()),
    )


def _practitioners(s: Session, ids: set[int]) -> dict[int, PractitionerFact]:
    found: dict[int, dict[str, Any]] = {
        i: {"diploma": [], "certificate": [], "place": ""} for i in ids
    }
    if ids:
        for c in s.scalars(select(m.Credential).where(m.Credential.user_id.in_(sorted(ids)))):
            found[c.user_id][c.kind].append(c.issued_on)
            if c.kind == "certificate" and c.training_place:
                found[c.user_id]["place"] = c.training_place
    return {
        i: PractitionerFact(
            i,
            min(f["diploma"]) if f["diploma"] else None,
            min(f["certificate"]) if f["certificate"] else None,
            f["place"],
        )
        for i, f in found.items()
    }


# -- the file -------------------------------------------------------------------------------


def _checked_target(path: Path) -> Path:
    target = path.expanduser()
    folder = target.parent if target.parent != Path("") else Path(".")
    if target.is_dir():
        raise ExportFault(
            _("{path} is a folder.").format(path=target),
            _("Give the name of the file to write, e.g. {example}.").format(
                example=target / "export.csv"
            ),
        )
    if not folder.is_dir():
        raise ExportFault(
            _("The folder {folder} does not exist.").format(folder=folder),
            _("Choose an existing folder, or create it first."),
        )
    return target.absolute()


def _write_temporary(target: Path, data: bytes) -> Path:
    """A new 0600 file beside ``target`` holding ``data``: created so, never chmod-ed."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        temporary.unlink(missing_ok=True)
        fd = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    except OSError as error:
        raise _fault(target, error) from error
    return temporary


def _place(temporary: Path, target: Path) -> None:
    try:
        os.replace(temporary, target)
    except OSError as error:
        raise _fault(target, error) from error


def _fault(target: Path, error: OSError) -> ExportFault:
    import errno

    folder = target.parent
    if isinstance(error, PermissionError):
        return ExportFault(
            _(
                "AcuDesk may not write to {folder} (permission denied): nothing was exported."
            ).format(folder=folder),
            _("Choose a folder this account may write to."),
        )
    if error.errno == errno.ENOSPC:
        return ExportFault(
            _("The disk holding {folder} is full: nothing was exported.").format(folder=folder),
            _("Free some space or choose another disk."),
        )
    return ExportFault(
        _("{path} could not be written ({reason}): nothing was exported.").format(
            path=target, reason=error.strerror or error
        ),
        _("Choose another file or folder."),
    )


def default_file_name(request: ExportRequest) -> str:
    """A file name that says what the export is: stricta-course-12.json, needles-….csv."""
    what = {
        ExportKind.STRICTA_JSON: "stricta",
        ExportKind.STRICTA_CSV: "stricta",
        ExportKind.SESSIONS_CSV: "sessions",
        ExportKind.NEEDLES_CSV: "needles",
    }[request.kind]
    if request.course_id is not None:
        return f"{what}-course-{request.course_id}{request.kind.suffix}"
    assert request.period is not None
    return (
        f"{what}-{request.period.first.isoformat()}-{request.period.last.isoformat()}"
        f"{request.kind.suffix}"
    )
