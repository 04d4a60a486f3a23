"""informed consent per course, and session prices with the date each took effect

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

New tables only: nothing existing is rebuilt, so SQLite keeps every trigger that guards signed
records. Courses planned before this version have no consent recorded: their next session asks
for it, as a new course's first session does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from acudesk.db.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("taken_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("text_version", sa.String(40), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.CheckConstraint("decision IN ('given', 'refused')", name="decision"),
        sa.CheckConstraint("length(text_version) > 0", name="text_version"),
    )
    op.create_index("ix_consents_course_id", "consents", ["course_id"])
    op.create_index("ix_consents_patient_id", "consents", ["patient_id"])
    op.create_table(
        "session_prices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("amount_minor", sa.Integer, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("set_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("set_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("effective_from", name="uq_session_prices_effective_from"),
        sa.CheckConstraint("amount_minor >= 0", name="amount_minor"),
        sa.CheckConstraint("length(currency) = 3", name="currency"),
    )


def downgrade() -> None:
    op.drop_table("session_prices")
    op.drop_index("ix_consents_patient_id", table_name="consents")
    op.drop_index("ix_consents_course_id", table_name="consents")
    op.drop_table("consents")
