"""The session record as a document: what the screen shows, what an export writes."""

from __future__ import annotations

from datetime import datetime
from html import escape

from acudesk.domain.checklist import ChecklistStep
from acudesk.i18n import _
from acudesk.services.session_view import SessionView


def _t(moment: object) -> str:
    return moment.astimezone().strftime("%d.%m.%Y %H:%M") if isinstance(moment, datetime) else "-"


def consent_html(view: SessionView) -> str:
    """The course's consent the session started on, and a later decision (a withdrawal)."""
    text = escape(view.consent.describe()) if view.consent else escape(_("none recorded"))
    if view.consent is not None and view.consent.note:
        text += f" ({escape(view.consent.note)})"
    if view.consent_later is not None:
        text += escape(_("; later: {decision}").format(decision=view.consent_later.describe()))
    return text


def record_html(view: SessionView) -> str:
    rows = "".join(
        f"<tr><td>{i}</td><td><b>{escape(n.label)}</b></td><td>{n.depth_mm:g} mm</td>"
        f"<td>{escape(n.material.replace('_', ' '))} {n.diameter_mm:.2f} x {n.length_mm:.0f}</td>"
        f"<td>{escape(n.pack_lot)}</td><td>{_t(n.inserted_at)} {escape(n.inserted_by)}</td>"
        f"<td>{_t(n.removed_at)} {escape(n.removed_by or '')}</td>"
        f"<td>{escape(n.condition or '')}{', bleeding' if n.bleeding else ''}</td></tr>"
        for i, n in enumerate(view.needles, start=1)
    )
    checks = "".join(
        f"<li>{escape(ChecklistStep(c.step).label)}: {escape(c.confirmed_by)}, "
        f"{_t(c.confirmed_at)}{' - ' + escape(c.detail) if c.detail else ''}</li>"
        for c in view.checks
    )
    events = (
        "".join(
            f"<li>{escape(e.kind.replace('_', ' '))} ({e.severity}): {escape(e.description)}; "
            f"action: {escape(e.action_taken)}</li>"
            for e in view.adverse_events
        )
        or "<li>none recorded</li>"
    )
    incidents = "".join(
        f"<li>{escape(i.needle)} {escape(i.condition)}: {escape(i.what_happened)}; "
        f"done: {escape(i.action_taken)}</li>"
        for i in view.incidents
    )
    actual = ""
    if view.retention_started_at and view.needles_out_at:
        minutes = (view.needles_out_at - view.retention_started_at).total_seconds() / 60
        actual = f"{minutes:.0f} min"
    rest = (
        "full rest" if not view.rest_end_reason else f"ended early: {escape(view.rest_end_reason)}"
    )
    cautions = "".join(f"<li>{escape(c)}</li>" for c in view.cautions) or "<li>none</li>"
    return (
        f"<h3>{escape(view.patient_name)}, born {view.patient_dob:%d.%m.%Y}</h3>"
        f"<p>Course {view.course_number}, {escape(view.place)}. "
        f"Practitioner: {escape(view.practitioner)}. Started {_t(view.started_at)}.</p>"
        + f"<p><b>{escape(_('Informed consent'))}:</b> {consent_html(view)}</p>"
        + f"<p><b>Screening cautions acknowledged:</b></p><ul>{cautions}</ul>"
        f"<p><b>Preparation checklist</b></p><ul>{checks}</ul>"
        f"<p><b>Needles ({len(view.needles)})</b></p>"
        "<table border='1' cellspacing='0' cellpadding='3'><tr><th>#</th><th>Point</th>"
        "<th>Depth</th><th>Needle</th><th>Lot</th><th>Inserted</th><th>Removed</th>"
        f"<th>Condition</th></tr>{rows}</table>"
        f"<p>Retention: planned {view.planned_minutes} min, actual {actual or '-'}. "
        f"Rest: {rest}.</p>"
        f"<p>Pain before {view.pain_before if view.pain_before is not None else '-'}, "
        f"after {view.pain_after if view.pain_after is not None else '-'} (0-10).</p>"
        f"<p><b>Adverse events</b></p><ul>{events}</ul>"
        + (f"<p><b>Incidents</b></p><ul>{incidents}</ul>" if incidents else "")
        + f"<p><b>Notes:</b> {escape(view.notes) or '-'}</p>"
        + (
            f"<p><b>Signed</b> by {escape(view.signed_by or '')} at {_t(view.signed_at)}. "
            f"Record fingerprint {view.content_hash[:16] if view.content_hash else ''}…</p>"
            + "".join(f"<p style='color:#5b6b78'>{escape(c)}</p>" for c in view.signer_credentials)
            if view.signed_at
            else ""
        )
        + "".join(
            f"<hr><p><b>Addendum</b> by {escape(a.written_by)}, {_t(a.written_at)} (signed):"
            f"<br>{escape(a.text)}</p>"
            for a in view.addenda
        )
    )


def record_document(view: SessionView) -> str:
    """A standalone HTML page of the record, for printing or sending."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Session record - {escape(view.patient_name)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:3px}</style>"
        f"</head><body>{record_html(view)}</body></html>"
    )
