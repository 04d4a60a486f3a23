"""signed sessions are read-only in the database itself

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Tables whose rows belong to one session through session_id.
CHILDREN = (
    "checklist_confirmations",
    "needle_packs",
    "needle_insertions",
    "incidents",
    "adverse_events",
    "screenings",
)
MESSAGE = "the session is signed and read-only; corrections are addenda"


def _sqlite_upgrade() -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER signed_session_{event.lower()} BEFORE {event} ON treatment_sessions "
            f"WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    for table in CHILDREN:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            op.execute(
                f"CREATE TRIGGER signed_{table}_{event.lower()} BEFORE {event} ON {table} "
                f"WHEN (SELECT signed_at FROM treatment_sessions WHERE id = {row}.session_id) "
                f"IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
        op.execute(
            f"CREATE TRIGGER signed_needle_removals_{event.lower()} BEFORE {event} "
            "ON needle_removals WHEN (SELECT t.signed_at FROM treatment_sessions t "
            f"JOIN needle_insertions i ON i.session_id = t.id WHERE i.id = {row}.insertion_id) "
            f"IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER signed_addenda_{event.lower()} BEFORE {event} ON addenda "
            f"WHEN OLD.signed_at IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def _postgresql_upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION acudesk_guard_signed_row() RETURNS trigger AS $$
        BEGIN
            IF OLD.signed_at IS NOT NULL THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION acudesk_guard_signed_child() RETURNS trigger AS $$
        DECLARE
            sids integer[];
        BEGIN
            IF TG_TABLE_NAME = 'needle_removals' THEN
                IF TG_OP = 'INSERT' THEN
                    SELECT array_agg(session_id) INTO sids FROM needle_insertions
                     WHERE id = NEW.insertion_id;
                ELSIF TG_OP = 'DELETE' THEN
                    SELECT array_agg(session_id) INTO sids FROM needle_insertions
                     WHERE id = OLD.insertion_id;
                ELSE
                    SELECT array_agg(session_id) INTO sids FROM needle_insertions
                     WHERE id IN (OLD.insertion_id, NEW.insertion_id);
                END IF;
            ELSIF TG_OP = 'INSERT' THEN
                sids := ARRAY[NEW.session_id];
            ELSIF TG_OP = 'DELETE' THEN
                sids := ARRAY[OLD.session_id];
            ELSE
                sids := ARRAY[OLD.session_id, NEW.session_id];
            END IF;
            IF EXISTS (SELECT 1 FROM treatment_sessions
                        WHERE id = ANY(sids) AND signed_at IS NOT NULL) THEN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql
        """
    )
    for table in ("treatment_sessions", "addenda"):
        op.execute(
            f"CREATE TRIGGER signed_{table}_guard BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION acudesk_guard_signed_row()"
        )
    for table in (*CHILDREN, "needle_removals"):
        op.execute(
            f"CREATE TRIGGER signed_{table}_guard BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION acudesk_guard_signed_child()"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("treatment_sessions", "addenda", *CHILDREN, "needle_removals"):
            op.execute(f"DROP TRIGGER IF EXISTS signed_{table}_guard ON {table}")
        op.execute("DROP FUNCTION IF EXISTS acudesk_guard_signed_child()")
        op.execute("DROP FUNCTION IF EXISTS acudesk_guard_signed_row()")
        return
    names = [f"signed_session_{e}" for e in ("update", "delete")]
    names += [
        f"signed_{t}_{e}"
        for t in (*CHILDREN, "needle_removals")
        for e in ("insert", "update", "delete")
    ]
    names += [f"signed_addenda_{e}" for e in ("update", "delete")]
    for name in names:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
