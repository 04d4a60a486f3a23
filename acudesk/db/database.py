"""One object the services share: the engine, the session factory and the clock."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from acudesk.db.engine import make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.clock import Clock, SystemClock


class Database:
    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.workstation = socket.gethostname()[:100]
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, clock: Clock | None = None, *, migrate: bool = True) -> Database:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
        return cls(engine, clock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One user action: everything commits together, or nothing is stored."""
        with self._factory() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._factory() as session:
            yield session
            session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
