"""two workstations on one database: version checks and case-blind point-set names

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

- users and clinic_settings get a version_id (SQLAlchemy's version_id_col), like patients and
  treatment_sessions: a write based on a stale read is refused instead of overwriting.
- protocols get name_key, the case-folded name, with a unique index: "Neck set" and
  "NECK SET" (and Cyrillic names, which SQLite's lower() does not fold) are one name.
  Point sets already saved under names that now collide are all kept: the oldest keeps its
  name, each later one gets " (2)", " (3)", ... so nobody's set disappears and the list
  shows at once which ones to look at.

Every step is an ADD COLUMN or a CREATE INDEX, so SQLite never rebuilds a table (a rebuild of
users would trip every foreign key that points at it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

NAME_MAX_CHARS = 200
KEY_MAX_CHARS = 800


def name_key(name: str) -> str:
    """Frozen copy of the rule the point-set service uses (acudesk.services.protocols)."""
    return " ".join(name.split()).casefold()


def _unique_names(rows: list[tuple[int, str]]) -> dict[int, tuple[str, str]]:
    """New (name, key) for every row, oldest first; later holders of a taken key are renamed."""
    taken = {name_key(name) for _id, name in rows}
    seen: set[str] = set()
    result: dict[int, tuple[str, str]] = {}
    for row_id, name in sorted(rows):
        key = name_key(name)
        if key in seen:
            number = 2
            while True:
                suffix = f" ({number})"
                candidate = name[: NAME_MAX_CHARS - len(suffix)].rstrip() + suffix
                key = name_key(candidate)
                if key not in taken and key not in seen:
                    name = candidate
                    break
                number += 1
        seen.add(key)
        result[row_id] = (name, key)
    return result


def upgrade() -> None:
    for table in ("users", "clinic_settings"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("version_id", sa.Integer(), nullable=False, server_default="1")
            )
    with op.batch_alter_table("protocols") as batch:
        batch.add_column(
            sa.Column(
                "name_key", sa.String(length=KEY_MAX_CHARS), nullable=False, server_default=""
            )
        )
    bind = op.get_bind()
    protocols = sa.table("protocols", sa.column("id", sa.Integer), sa.column("name", sa.String))
    rows = [(int(i), str(n)) for i, n in bind.execute(sa.select(protocols.c.id, protocols.c.name))]
    renamed = _unique_names(rows)
    # A new name is one no row holds in any capitals, so the exact-name unique constraint
    # never sees two rows with one name halfway through.
    update = sa.text("UPDATE protocols SET name = :name, name_key = :key WHERE id = :id")
    for row_id, (name, key) in renamed.items():
        bind.execute(update, {"id": row_id, "name": name, "key": key})
    with op.batch_alter_table("protocols") as batch:
        batch.create_index("uq_protocols_name_key", ["name_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("protocols") as batch:
        batch.drop_index("uq_protocols_name_key")
    # SQLite (3.35 and later) drops a column in place; a batch rebuild of users would trip
    # the foreign keys that point at it.
    for table, column in (
        ("protocols", "name_key"),
        ("clinic_settings", "version_id"),
        ("users", "version_id"),
    ):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
