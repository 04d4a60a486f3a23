"""``acudesk server init``: set up a clinic's PostgreSQL database once, as its administrator.

Creates the schema (migrations run as the connecting owner) and an application role that the
workstations log in as. That role may read and write clinical records but cannot alter the
schema, and cannot update, delete or truncate audit events; signed records refuse changes by
trigger whoever asks.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

from acudesk.db.migrate import upgrade

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = ("audit_events",)


def init_server(engine: Engine, app_role: str, password: str | None) -> list[str]:
    """Migrate, then create (or update) the application role and its grants; say each step."""
    if engine.dialect.name != "postgresql":
        raise ValueError("server init is for a PostgreSQL clinic server, not a local file")
    if not ROLE_NAME.match(app_role):
        raise ValueError(
            f"Application role: {app_role!r} is not a plain name (lower-case letters, digits, _)."
        )
    steps: list[str] = []
    upgrade(engine)
    steps.append("schema created or brought up to date")
    with engine.begin() as c:
        exists = c.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": app_role})
        if not exists:
            c.execute(text(f'CREATE ROLE "{app_role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'))
            steps.append(f"role {app_role} created")
        if password:
            # Quoted by the server itself: format('%L') never lets the password become SQL.
            statement = c.scalar(
                text(
                    "SELECT format('ALTER ROLE %I PASSWORD %L', CAST(:r AS text), CAST(:p AS text))"
                ),
                {"r": app_role, "p": password},
            )
            c.execute(text(str(statement)))
            steps.append(f"password of {app_role} set")
        database = c.scalar(text("SELECT current_database()"))
        for sql in (
            f'GRANT CONNECT ON DATABASE "{database}" TO "{app_role}"',
            f'GRANT USAGE ON SCHEMA public TO "{app_role}"',
            f'REVOKE CREATE ON SCHEMA public FROM "{app_role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{app_role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{app_role}"',
            *(
                f'REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM "{app_role}"'
                for table in APPEND_ONLY
            ),
            f'REVOKE UPDATE, DELETE ON alembic_version FROM "{app_role}"',
        ):
            c.execute(text(sql))
        steps.append(
            f"{app_role} may read and write records, not change the schema, and only append "
            "to the audit trail"
        )
    return steps
