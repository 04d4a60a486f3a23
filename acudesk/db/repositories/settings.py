"""Clinic settings rows: one key, one text value, who changed it and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from acudesk.db import models as m


def store(s: Session, key: str, value: str, user_id: int, at: datetime) -> str | None:
    """Writes ``key`` (creating its row the first time); returns the value it had, if any."""
    row = s.get(m.ClinicSetting, key)
    before = row.value if row else None
    if row is None:
        row = m.ClinicSetting(key=key, value=value)
        s.add(row)
    row.value = value
    row.updated_by = user_id
    row.updated_at = at
    s.flush()
    return before
