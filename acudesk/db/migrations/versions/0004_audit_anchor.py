"""the audit trail is append-only, and REPLACE cannot slip past the signed-record guards

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Audit events refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL). On SQLite an
``INSERT OR REPLACE`` deletes the row it replaces without firing delete triggers (unless
recursive_triggers is on, which a raw connection does not set), so every guarded table also
gets an INSERT trigger refusing to replace a signed row; a child row's UPDATE is checked
against the session it moves to as well as the one it leaves. On PostgreSQL, ON CONFLICT DO
UPDATE already meets the UPDATE guards of 0002; TRUNCATE of tables holding signed rows is
refused. Only triggers: the tables and columns are untouched, so nothing in models.py changes.

The keyed seal itself needs no schema change: an event's id is its sequence number and its
``hash`` column holds the HMAC. A database with events from before the key is keyed by the
program on its first start (a "key audit trail" event, see acudesk.db.repositories.audit).
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SIGNED = "the session is signed and read-only; corrections are addenda"
APPEND_ONLY = "the audit trail is append-only"
# Tables whose rows belong to one session through session_id (as in 0002).
CHILDREN = (
    "checklist_confirmations",
    "needle_packs",
    "needle_insertions",
    "incidents",
    "adverse_events",
    "screenings",
)
SIGNED_TABLES = ("treatment_sessions", "addenda", *CHILDREN, "needle_removals")


def _raise(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def _sqlite_triggers() -> dict[str, str]:
    triggers = {
        "audit_events_no_update": f"BEFORE UPDATE ON audit_events {_raise(APPEND_ONLY)}",
        "audit_events_no_delete": f"BEFORE DELETE ON audit_events {_raise(APPEND_ONLY)}",
        "audit_events_no_replace": (
            "BEFORE INSERT ON audit_events WHEN EXISTS (SELECT 1 FROM audit_events "
            f"WHERE id = NEW.id OR hash = NEW.hash) {_raise(APPEND_ONLY)}"
        ),
        "signed_session_replace": (
            "BEFORE INSERT ON treatment_sessions WHEN EXISTS (SELECT 1 FROM treatment_sessions "
            "WHERE (id = NEW.id OR (course_id = NEW.course_id AND number = NEW.number)) "
            f"AND signed_at IS NOT NULL) {_raise(SIGNED)}"
        ),
        "signed_addenda_replace": (
            "BEFORE INSERT ON addenda WHEN EXISTS (SELECT 1 FROM addenda WHERE id = NEW.id "
            f"AND signed_at IS NOT NULL) {_raise(SIGNED)}"
        ),
        "signed_needle_removals_replace": (
            "BEFORE INSERT ON needle_removals WHEN EXISTS (SELECT 1 FROM needle_removals r "
            "JOIN needle_insertions i ON i.id = r.insertion_id JOIN treatment_sessions t "
            "ON t.id = i.session_id WHERE r.id = NEW.id AND t.signed_at IS NOT NULL) "
            f"{_raise(SIGNED)}"
        ),
        "signed_needle_removals_update_new": (
            "BEFORE UPDATE ON needle_removals WHEN (SELECT t.signed_at FROM treatment_sessions "
            "t JOIN needle_insertions i ON i.session_id = t.id WHERE i.id = NEW.insertion_id) "
            f"IS NOT NULL {_raise(SIGNED)}"
        ),
    }
    for table in CHILDREN:
        triggers[f"signed_{table}_replace"] = (
            f"BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM {table} c "
            "JOIN treatment_sessions t ON t.id = c.session_id "
            f"WHERE c.id = NEW.id AND t.signed_at IS NOT NULL) {_raise(SIGNED)}"
        )
        triggers[f"signed_{table}_update_new"] = (
            f"BEFORE UPDATE ON {table} WHEN (SELECT signed_at FROM treatment_sessions "
            f"WHERE id = NEW.session_id) IS NOT NULL {_raise(SIGNED)}"
        )
    return triggers


SQLITE_TRIGGERS = _sqlite_triggers()


def _postgresql_upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION acudesk_audit_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'integrity_constraint_violation';
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION acudesk_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION acudesk_audit_append_only()"
    )
    op.execute(
        f"""
        CREATE FUNCTION acudesk_guard_signed_truncate() RETURNS trigger AS $$
        DECLARE
            signed boolean;
        BEGIN
            IF TG_TABLE_NAME IN ('treatment_sessions', 'addenda') THEN
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE signed_at IS NOT NULL)',
                               TG_TABLE_NAME) INTO signed;
            ELSIF TG_TABLE_NAME = 'needle_removals' THEN
                SELECT EXISTS (SELECT 1 FROM needle_removals r
                                 JOIN needle_insertions i ON i.id = r.insertion_id
                                 JOIN treatment_sessions t ON t.id = i.session_id
                                WHERE t.signed_at IS NOT NULL) INTO signed;
            ELSE
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I c JOIN treatment_sessions t '
                               'ON t.id = c.session_id WHERE t.signed_at IS NOT NULL)',
                               TG_TABLE_NAME) INTO signed;
            END IF;
            IF signed THEN
                RAISE EXCEPTION '{SIGNED}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql
        """
    )
    for table in SIGNED_TABLES:
        op.execute(
            f"CREATE TRIGGER signed_{table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION acudesk_guard_signed_truncate()"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
        return
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SIGNED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS signed_{table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS acudesk_guard_signed_truncate()")
        op.execute("DROP FUNCTION IF EXISTS acudesk_audit_append_only()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
