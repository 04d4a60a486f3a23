"""Alembic environment: the engine is handed in by acudesk.db.migrate, never read from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from acudesk.db import models  # noqa: F401  (registers the tables)
from acudesk.db.base import Base

engine = context.config.attributes["engine"]
assert isinstance(engine, Engine)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # A migration may rewrite a large table: no statement limit for it, but it still
            # gives up soon when another workstation holds a table it must change.
            connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
            connection.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = 0")
        context.run_migrations()
    connection.commit()
