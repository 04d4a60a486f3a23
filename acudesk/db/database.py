"""One object the services share: the engine, the session factory, the clock and the audit
trail's key and anchor."""

from __future__ import annotations

import functools
import logging
import random
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from acudesk.db.anchor import HEAD_INFO, KEYED_INFO, AuditTrail
from acudesk.db.changes import publish
from acudesk.db.conflicts import translate
from acudesk.db.engine import DEFERRED_BEGIN, READ_ONLY, STORAGE_READ_ONLY, make_engine
from acudesk.db.migrate import SCHEMA_HEAD, current_revision, upgrade
from acudesk.domain.audit_chain import Head
from acudesk.domain.clock import Clock, SystemClock
from acudesk.domain.errors import AcuDeskError, Busy, StorageFault

P = ParamSpec("P")
T = TypeVar("T")

# A whole action is tried at most this often when the database picks it to give way
# (deadlock, serialization failure); the pauses between tries are short and random.
RETRY_ATTEMPTS = 3
RETRY_PAUSE_S = (0.01, 0.05)

log = logging.getLogger(__name__)


class Database:
    def __init__(
        self, engine: Engine, clock: Clock | None = None, *, trail: AuditTrail | None = None
    ) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self.workstation = socket.gethostname()[:100]
        self.room = ""  # the room or couch this workstation serves, if it serves one
        self.trail = trail or AuditTrail.for_url(engine.url.render_as_string(hide_password=False))
        self._factory = sessionmaker(engine, expire_on_commit=False)
        self._reader = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        # Called after every unit of work that committed; each must return at once (the
        # storage marker's keeper only wakes its own thread).
        self.after_commit: list[Callable[[], None]] = []

    @classmethod
    def open(
        cls,
        url: str,
        clock: Clock | None = None,
        *,
        migrate: bool = True,
        trail: AuditTrail | None = None,
        **engine_options: Any,
    ) -> Database:
        """``engine_options`` go to make_engine, e.g. ``lock_timeout_ms=500`` for a GUI.

        A database that cannot be written opens read-only (``read_only``); it is never
        migrated, so one made by an older AcuDesk is refused with a StorageFault."""
        engine = make_engine(url, **engine_options)
        if migrate:
            if engine.get_execution_options().get(STORAGE_READ_ONLY):
                with _translated():
                    revision = current_revision(engine)
                if revision != SCHEMA_HEAD:
                    engine.dispose()
                    raise StorageFault(
                        "read_only",
                        "The database file is read-only, and it was made by an older AcuDesk "
                        f"(schema {revision or 'none'}, this one needs {SCHEMA_HEAD}): bringing "
                        "it up to date would write to it.",
                        "Make the file and its folder writable, then start AcuDesk again.",
                    )
            else:
                with _translated():
                    upgrade(engine)
        return cls(engine, clock, trail=trail)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def read_only(self) -> bool:
        """True when the database file cannot be written: every action that saves is refused
        with a StorageFault ("read-only: nothing can be saved"); reading works."""
        return bool(self.engine.get_execution_options().get(STORAGE_READ_ONLY))

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One user action: everything commits together, or nothing is stored.

        A race lost to another workstation comes out as a typed error (Conflict, StaleRecord,
        Busy) with words for the user, never as a driver error. Once committed, the audit
        trail's head is anchored outside the database.
        """
        with _translated(), self._factory() as session:
            with session.begin():
                yield session
                publish(session, self.workstation)
            head, keyed_from = session.info.pop(HEAD_INFO, None), session.info.pop(KEYED_INFO, None)
        if head is not None or keyed_from is not None:
            self._anchor(head, keyed_from)
        for hook in self.after_commit:
            hook()

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
        """Reads only: on SQLite this neither takes nor waits for the write lock."""
        with _translated(), self._reader() as session:
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


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except AcuDeskError:
        raise
    except Exception as error:
        typed = translate(error)
        if typed is None:
            raise
        raise typed from error


def retried(action: Callable[P, T]) -> Callable[P, T]:
    """Run a whole service action again when the database chose it to give way.

    Only for a deadlock or serialization failure (Busy.retryable): the action's transaction
    was rolled back, so running it again from the start is safe. After the last try the
    error goes to the user, marked so that an enclosing action does not try again as well.
    """

    @functools.wraps(action)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, RETRY_ATTEMPTS + 1):
            try:
                return action(*args, **kwargs)
            except Busy as error:
                if not error.retryable or attempt == RETRY_ATTEMPTS:
                    error.retryable = False
                    raise
            time.sleep(random.uniform(*RETRY_PAUSE_S) * attempt)
        raise AssertionError("unreachable")

    return run
