"""`acudesk server init` on a fresh PostgreSQL database: the workstations' role may record
sessions but cannot rewrite the audit trail or the schema."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from acudesk.db.engine import make_engine, needs_tls, with_tls_default


def test_remote_servers_are_reached_over_tls_and_this_machine_is_not_forced_to() -> None:
    assert needs_tls("clinic-server.local") and needs_tls("10.0.0.5")
    assert not needs_tls("localhost") and not needs_tls("127.0.0.1") and not needs_tls(None)
    remote = "postgresql+psycopg://acudesk@clinic-server.local/clinic"
    assert with_tls_default(remote, {})["sslmode"] == "require"
    assert with_tls_default(remote + "?sslmode=verify-full", {}) == {}  # the URL decides
    assert "sslmode" not in with_tls_default("postgresql+psycopg://acudesk@localhost/clinic", {})


def test_server_init_creates_an_append_only_application_role(pg_url: str) -> None:
    role = f"acudesk_app_{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "ACUDESK_TEST_APP_PASSWORD": "s3cret-Ph rase'; --"}
    done = subprocess.run(
        [sys.executable, "-m", "acudesk", "server", "init", "--database-url", pg_url,
         "--app-role", role, "--app-password-env", "ACUDESK_TEST_APP_PASSWORD"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    try:
        assert done.returncode == 0, done.stderr
        assert f"role {role} created" in done.stdout and "only append" in done.stdout
        as_app = make_engine(make_url(pg_url).set(username=role).render_as_string(False))
        with as_app.connect() as c:
            c.execute(text("SELECT count(*) FROM audit_events"))  # reading is allowed
            for statement in (
                "UPDATE audit_events SET action = 'x'",
                "DELETE FROM audit_events",
                "TRUNCATE audit_events",
                "CREATE TABLE sneaky (id int)",
                "DROP TABLE needle_insertions",
            ):
                with pytest.raises(ProgrammingError):
                    c.execute(text(statement))
                c.rollback()
        as_app.dispose()
    finally:
        owner = make_engine(pg_url)
        with owner.begin() as c:
            c.execute(text(f'DROP OWNED BY "{role}"'))
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        owner.dispose()
