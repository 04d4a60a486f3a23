"""A unit of work is all or nothing, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.domain.roles import Role
from acudesk.services.container import Services


class Boom(Exception):
    pass


def test_rolled_back_unit_of_work_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(Boom), db.unit_of_work() as s:
        s.add(
            m.User(
                username="ghost",
                full_name="Ghost",
                active=True,
                failed_attempts=0,
                created_at=db.clock.now(),
            )
        )
        s.flush()
        # The row is really in the database inside the transaction...
        assert s.scalar(select(func.count()).select_from(m.User)) == 1
        raise Boom
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.User)) == 0


def test_sqlite_driver_really_opens_a_transaction(db: Database) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the sqlite3 driver workaround concerns SQLite only")
    with db.engine.connect() as c:
        c.exec_driver_sql("SELECT 1")
        assert c.connection.dbapi_connection is not None
        assert c.connection.dbapi_connection.in_transaction  # type: ignore[attr-defined]
        c.rollback()


def test_failed_service_action_stores_no_audit_event(services: Services) -> None:
    admin = services.users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1234", password="secret-pw"
    )
    with pytest.raises(Exception, match="already in use"):
        services.users.create_user(
            "admin",
            "Dr Other",
            [Role.NURSE],
            pin="1234",
            password="secret-pw",
            created_by=admin.id,
        )
    with services.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == 1
        assert s.scalar(select(func.count()).select_from(m.User)) == 1
    assert services.audit.verify().intact
