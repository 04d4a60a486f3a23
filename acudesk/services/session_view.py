"""Everything the session screen shows, read in one go from the stored records."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.domain.clinic_options import ClinicOptions
from acudesk.domain.clock import local_date
from acudesk.domain.regions import regions_from_text
from acudesk.domain.screening import screen
from acudesk.domain.session_record import (
    AddendumRow,
    AdverseEventRow,
    CheckRow,
    IncidentRow,
    NeedleRow,
    PackRow,
    SessionRecord,
)
from acudesk.services.consent import course_consent
from acudesk.services.screening import profile_of

__all__ = ["AddendumRow", "SessionView", "load_view"]

# The session as stored is a domain type: its stage, timer and alarms are computed there.
SessionView = SessionRecord


def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = s.execute(select(m.User.id, m.User.full_name).where(m.User.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def load_view(s: Session, t: m.TreatmentSession, options: ClinicOptions) -> SessionView:
    course = t.course
    patient = course.patient
    checks = s.scalars(
        select(m.ChecklistConfirmation)
        .where(m.ChecklistConfirmation.session_id == t.id)
        .order_by(m.ChecklistConfirmation.id)
    ).all()
    packs = s.scalars(
        select(m.NeedlePack).where(m.NeedlePack.session_id == t.id).order_by(m.NeedlePack.id)
    ).all()
    needles = s.execute(
        select(m.NeedleInsertion, m.NeedleRemoval)
        .outerjoin(m.NeedleRemoval, m.NeedleRemoval.insertion_id == m.NeedleInsertion.id)
        .where(m.NeedleInsertion.session_id == t.id)
        .order_by(m.NeedleInsertion.id)
    ).all()
    incidents = s.scalars(
        select(m.Incident).where(m.Incident.session_id == t.id).order_by(m.Incident.id)
    ).all()
    events = s.scalars(
        select(m.AdverseEvent).where(m.AdverseEvent.session_id == t.id).order_by(m.AdverseEvent.id)
    ).all()
    screening = s.scalar(
        select(m.Screening).where(m.Screening.session_id == t.id).order_by(m.Screening.id.desc())
    )
    cautions: tuple[str, ...] = ()
    if screening is not None and screening.caution_reasons:
        cautions = tuple(
            f"{k.replace('_', ' ').capitalize()}: {v}"
            for k, v in json.loads(screening.caution_reasons).items()
        )
    addenda = s.scalars(
        select(m.Addendum).where(m.Addendum.session_id == t.id).order_by(m.Addendum.id)
    ).all()
    names = _names(
        s,
        {t.practitioner_id, t.signed_by}
        | {a.written_by for a in addenda}
        | {c.confirmed_by for c in checks}
        | {i.inserted_by for i, _ in needles}
        | {r.removed_by for _, r in needles if r is not None},
    )
    refusal = ""
    if t.signed_at is None:
        # Screening holds for the whole session: judged on the day the session started.
        found = screen(
            profile_of(patient), local_date(t.started_at), minimum_age=options.minimum_age
        )
        refusal = " ".join(f.text for f in found.refusals)
    lots = {p.id: p.lot for p in packs}
    needle_by_id = {i.id: i for i, _ in needles}
    removal_by_id = {i.id: r for i, r in needles}

    def incident_row(x: m.Incident) -> IncidentRow:
        ins = needle_by_id.get(x.insertion_id) if x.insertion_id else None
        rem = removal_by_id.get(x.insertion_id) if x.insertion_id else None
        label = f"{ins.point_code} {ins.side}".replace(" midline", "") if ins else "needle"
        return IncidentRow(
            x.id,
            label,
            rem.condition if rem else "",
            x.what_happened,
            x.action_taken,
            x.documented_at is not None,
        )

    consents = course_consent(s, course.id, course.number)
    consent = consents.in_effect_at(t.started_at)
    later = consents.latest if consents.latest != consent else None
    return SessionView(
        id=t.id,
        patient_id=patient.id,
        patient_name=patient.full_name,
        patient_dob=patient.date_of_birth,
        course_id=course.id,
        course_number=course.number,
        number=t.number,
        sessions_planned=course.sessions_planned,
        planned_minutes=t.planned_minutes,
        practitioner=names.get(t.practitioner_id, ""),
        started_at=t.started_at,
        cautions=cautions,
        checks=tuple(
            CheckRow(c.step, c.detail, names.get(c.confirmed_by, ""), c.confirmed_at)
            for c in checks
        ),
        packs=tuple(
            PackRow(p.id, p.lot, p.expiry, p.material, p.diameter_mm, p.length_mm) for p in packs
        ),
        needles=tuple(
            NeedleRow(
                id=i.id,
                point_code=i.point_code,
                side=i.side,
                depth_mm=i.depth_mm,
                material=i.material,
                diameter_mm=i.diameter_mm,
                length_mm=i.length_mm,
                pack_lot=lots.get(i.pack_id, ""),
                deep_confirmed=i.deep_confirmed,
                inserted_by=names.get(i.inserted_by, ""),
                inserted_at=i.inserted_at,
                removed_by=names.get(r.removed_by, "") if r else None,
                removed_at=r.removed_at if r else None,
                condition=r.condition if r else None,
                bleeding=r.bleeding if r else False,
                removed_by_id=r.removed_by if r else None,
            )
            for i, r in needles
        ),
        incidents=tuple(incident_row(x) for x in incidents),
        adverse_events=tuple(
            AdverseEventRow(e.kind, e.severity, e.description, e.action_taken) for e in events
        ),
        lesion_regions=regions_from_text(patient.skin_lesion_regions),
        retention_started_at=t.retention_started_at,
        alarm_acknowledged_at=t.alarm_acknowledged_at,
        rest_ended_at=t.rest_ended_at,
        rest_end_reason=t.rest_end_reason,
        rest_minutes=options.rest_minutes,
        deep_threshold_mm=options.deep_threshold_mm,
        pain_before=t.pain_before,
        pain_after=t.pain_after,
        notes=t.notes,
        outcome_recorded_at=t.outcome_recorded_at,
        signed_at=t.signed_at,
        signed_by=names.get(t.signed_by) if t.signed_by else None,
        content_hash=t.content_hash,
        version_id=t.version_id,
        addenda=tuple(
            AddendumRow(a.text, names.get(a.written_by, ""), a.written_at, a.content_hash or "")
            for a in addenda
        ),
        signer_credentials=_credentials(s, t.signed_by) if t.signed_by else (),
        refusal=refusal,
        room=t.room or "",
        workstation=t.workstation or "",
        consent=consent,
        consent_later=later,
    )


def _credentials(s: Session, user_id: int) -> tuple[str, ...]:
    """The signer's diploma and certificate, as printed on the signed record."""
    rows = s.scalars(
        select(m.Credential).where(m.Credential.user_id == user_id).order_by(m.Credential.kind)
    )
    return tuple(
        f"{'Medical diploma' if c.kind == 'diploma' else 'Acupuncture certificate'} "
        f"No. {c.number}, {c.issuer}, {c.issued_on:%d.%m.%Y}"
        + (f", valid until {c.expires_on:%d.%m.%Y}" if c.expires_on else "")
        + (f"; training: {c.training_place}" if c.training_place else "")
        for c in rows
    )
