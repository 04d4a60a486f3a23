"""What every service shares: the database, the acting user and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from acudesk.db import models as m
from acudesk.db.changes import record_change
from acudesk.db.database import Database
from acudesk.db.repositories import audit
from acudesk.domain.errors import NotFound, PermissionDenied
from acudesk.domain.roles import Action, Role, require


class ServiceBase:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _actor(self, s: Session, user_id: int, action: Action) -> m.User:
        user = s.get(m.User, user_id)
        if user is None:
            raise NotFound("The acting user does not exist.")
        if not user.active:
            raise PermissionDenied(f"{user.full_name}'s account is disabled.")
        require((Role(r.role) for r in user.roles), action, user.full_name)
        return user

    def _audit(
        self,
        s: Session,
        user_id: int | None,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        patient_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
    ) -> None:
        record_change(s, entity, entity_id)  # for the other workstations: kind and id only
        audit.append(
            s,
            self._db.trail,
            at=self._db.clock.now(),
            user_id=user_id,
            workstation=self._db.workstation,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            before=before,
            after=after,
        )
