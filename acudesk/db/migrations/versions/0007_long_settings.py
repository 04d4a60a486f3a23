"""clinic settings hold long text: the informed consent template

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

clinic_settings.value becomes TEXT (it was VARCHAR(200)), so the consent text the clinic gives
patients is a setting like the others. No trigger names clinic_settings, so SQLite's batch
rebuild of this one table loses nothing; PostgreSQL changes the type in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic_settings") as batch:
        batch.alter_column(
            "value", existing_type=sa.String(200), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    # A long value (the consent text) does not fit the old column: it goes back to the default.
    op.execute("DELETE FROM clinic_settings WHERE length(value) > 200")
    with op.batch_alter_table("clinic_settings") as batch:
        batch.alter_column(
            "value", existing_type=sa.Text(), type_=sa.String(200), existing_nullable=False
        )
