"""One object the services share: the engine, the session factory, the clock and the audit
trail's key and anchor."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from acudesk.db.anchor import HEAD_INFO, KEYED_INFO, AuditTrail
from acudesk.db.engine import DEFERRED_BEGIN, make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.audit_chain import Head
from acudesk.domain.clock import Clock, SystemClock

log = logging.getLogger(__name__)


class Database:
    def __init__(
        self, engine: Engine, clock: Clock | None = None, *, trail: AuditTrail | None = None
    ) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.workstation = socket.gethostname()[:100]
        self.trail = trail or AuditTrail.for_url(engine.url.render_as_string(hide_password=False))
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(
        cls,
        url: str,
        clock: Clock | None = None,
        *,
        migrate: bool = True,
        trail: AuditTrail | None = None,
    ) -> Database:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, clock, trail=trail)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One user action: everything commits together, or nothing is stored."""
        with self._factory() as session:
            with session.begin():
                yield session
            head, keyed_from = session.info.pop(HEAD_INFO, None), session.info.pop(KEYED_INFO, None)
        if head is not None or keyed_from is not None:
            self._anchor(head, keyed_from)

    def _anchor(self, head: Head | None, keyed_from: int | None) -> None:
        """The action has committed: a failure to write the anchor must not make it look as if
        it had not. The anchor then lags (a weaker check, never a false alarm) and the next
        verification says so."""
        try:
            self.trail.committed(head, keyed_from)
        except OSError as error:
            self.trail.last_error = f"The audit anchor could not be written: {error}"
            log.error(self.trail.last_error)

    @property
    def anchor_error(self) -> str | None:
        return self.trail.last_error

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._factory() as session:
            yield session
            session.rollback()

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A long read that sees one moment of the database and holds up no writer: SQLite
        reads a WAL snapshot (deferred BEGIN, no write lock), PostgreSQL a repeatable-read,
        read-only transaction. For verification and reports, usable from a worker thread."""
        with self.engine.connect() as connection:
            if self.dialect == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            else:
                connection.execution_options(**{DEFERRED_BEGIN: True})
            with Session(bind=connection) as session:
                yield session
                session.rollback()

    def dispose(self) -> None:
        self.trail.flush()
        self.engine.dispose()
