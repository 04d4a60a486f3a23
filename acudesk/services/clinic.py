"""Reading and changing the clinic's settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.repositories import settings
from acudesk.domain.clinic_options import ClinicOptions, validate_option, validate_text_option
from acudesk.domain.roles import Action
from acudesk.services.base import ServiceBase


def load_options(s: Session) -> ClinicOptions:
    return ClinicOptions.from_strings(
        {row.key: row.value for row in s.scalars(select(m.ClinicSetting))}
    )


class ClinicService(ServiceBase):
    def options(self) -> ClinicOptions:
        with self._db.reading() as s:
            return load_options(s)

    def change(self, user_id: int, name: str, value: float) -> ClinicOptions:
        validate_option(name, value)
        return self._store(user_id, name, f"{value:g}")

    def change_text(self, user_id: int, name: str, value: str) -> ClinicOptions:
        """A text setting such as the clinic's name or address (printed on every paper)."""
        return self._store(user_id, name, validate_text_option(name, value))

    def _store(self, user_id: int, name: str, text: str) -> ClinicOptions:
        with self._db.unit_of_work() as s:
            self._actor(s, user_id, Action.CHANGE_SETTINGS)
            before = settings.store(s, name, text, user_id, self._db.clock.now())
            self._audit(
                s,
                user_id,
                "change setting",
                "clinic_setting",
                None,
                before={name: before},
                after={name: text},
            )
            return load_options(s)
