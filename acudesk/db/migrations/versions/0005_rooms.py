"""where each session was started: the workstation and the room or couch it serves

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Plain ADD COLUMNs (no batch rebuild), so SQLite keeps every trigger that guards signed records.
Sessions started before this version have neither; they show without a room.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for name in ("workstation", "room"):
        op.add_column(
            "treatment_sessions",
            sa.Column(name, sa.String(100), nullable=False, server_default=""),
        )


def downgrade() -> None:
    # DROP COLUMN in place (SQLite 3.35 and later): a batch rebuild would trip the triggers
    # that guard signed sessions, which name this table.
    for name in ("room", "workstation"):
        op.execute(f"ALTER TABLE treatment_sessions DROP COLUMN {name}")
