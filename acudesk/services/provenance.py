"""Who did something, when and at which workstation: words for a lost race, from the audit trail.

When two workstations act on one patient at once, the one that comes second is told what the
first did ("Dr Petrov started session 3 at 10:02 on workstation Room 2"), so the person can
decide what to do next instead of guessing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m


def moment_text(moment: datetime, now: datetime) -> str:
    """``at 10:02`` today, ``on 23.11.2026 at 10:02`` another day; in local time."""
    local = moment.astimezone()
    if local.date() == now.astimezone().date():
        return f"at {local:%H:%M}"
    return f"on {local:%d.%m.%Y} at {local:%H:%M}"


def last_event(
    s: Session, entity: str, entity_id: int, actions: Iterable[str]
) -> m.AuditEvent | None:
    return s.scalar(
        select(m.AuditEvent)
        .where(
            m.AuditEvent.entity == entity,
            m.AuditEvent.entity_id == entity_id,
            m.AuditEvent.action.in_(list(actions)),
        )
        .order_by(m.AuditEvent.id.desc())
        .limit(1)
    )


def user_name(s: Session, user_id: int | None) -> str:
    if user_id is None:
        return "someone"
    return s.scalar(select(m.User.full_name).where(m.User.id == user_id)) or "someone"


def done_by(
    s: Session, entity: str, entity_id: int, actions: Iterable[str], now: datetime
) -> str | None:
    """``Olga Smirnova at 10:02 on workstation Room 2`` for the latest such event, if any."""
    event = last_event(s, entity, entity_id, actions)
    if event is None:
        return None
    return (
        f"{user_name(s, event.user_id)} {moment_text(event.at, now)} "
        f"on workstation {event.workstation}"
    )


def session_in_progress(s: Session, session_id: int, now: datetime) -> str:
    """``Dr Petrov started session 3 of this patient at 10:02 on workstation Room 2; it is
    still in progress.``"""
    t = s.get(m.TreatmentSession, session_id)
    if t is None:
        return "This patient already has a session in progress."
    event = last_event(s, "session", session_id, ["start session"])
    where = f" on workstation {event.workstation}" if event is not None else ""
    return (
        f"{user_name(s, t.practitioner_id)} started session {t.number} of this patient "
        f"{moment_text(t.started_at, now)}{where}; it is still in progress."
    )
