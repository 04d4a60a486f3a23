"""One change channel between workstations: what changed, never patient data.

Each action that writes says what it changed (kinds and ids, gathered as it audits). On
PostgreSQL the description goes out with ``NOTIFY`` inside the action's transaction, so it is
delivered only if the action commits; every workstation ``LISTEN``s on a connection of its own.
On SQLite, windows of one database file see each other's commits through ``PRAGMA
data_version``, polled cheaply. NOTIFY has no replay: after a lost connection the listener says
so, reconnects with back-off and asks for everything to be read again.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL = "acudesk_changes"
LISTENER_NAME = "acudesk change listener"  # application_name, for the server's own views
CHANGED_INFO = "acudesk_changed"  # Session.info key: what the action changed
PAYLOAD_MAX_CHANGES = 50  # NOTIFY payloads stay far below PostgreSQL's 8,000 bytes
SQLITE_POLL_S = 0.5
LISTEN_WAIT_S = 1.0
BACKOFF_S = (1.0, 2.0, 4.0, 8.0)


def record_change(s: Session, entity: str, entity_id: int | None) -> None:
    s.info.setdefault(CHANGED_INFO, []).append([entity, entity_id])


def publish(s: Session, workstation: str) -> None:
    """Inside the action's transaction: PostgreSQL delivers it only when the action commits."""
    changes = s.info.pop(CHANGED_INFO, None)
    if not changes or s.get_bind().dialect.name != "postgresql":
        return
    payload = json.dumps({"ws": workstation, "changes": changes[:PAYLOAD_MAX_CHANGES]})
    s.execute(
        text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
    )


# What one notification said: the workstation and the (kind, id) pairs; None where the channel
# cannot tell (SQLite's change counter, a reconnect): anything may have changed.
Noted = Callable[[str | None, list[tuple[str, int | None]] | None], None]


def parse_payload(payload: str) -> tuple[str | None, list[tuple[str, int | None]] | None]:
    """The workstation and the changes a NOTIFY carried; (None, None) for anything else."""
    try:
        data = json.loads(payload)
        changes = [(str(kind), None if i is None else int(i)) for kind, i in data["changes"]]
        if len(changes) >= PAYLOAD_MAX_CHANGES:
            return str(data.get("ws", "")), None  # cut short: it may have changed more
        return str(data.get("ws", "")), changes
    except (ValueError, KeyError, TypeError):
        return None, None


class ChangeListener:
    """Calls ``changed()`` when another connection committed, ``live(ok)`` when the channel
    comes and goes, and ``noted(workstation, changes)`` with what a notification said; from
    its own thread, so the receiver must hand over to its own."""

    def __init__(
        self,
        url: str,
        changed: Callable[[], None],
        live: Callable[[bool], None],
        noted: Noted | None = None,
    ) -> None:
        self._url = make_url(url)
        self._changed = changed
        self._live = live
        self._noted = noted
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="change listener", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ends within a second; closing a window does not wait for it."""
        self._stop.set()
        self._thread.join(0.2)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self._url.get_backend_name() == "postgresql":
                    self._listen()
                else:
                    self._poll_sqlite()
                failures = 0
            except Exception:  # the server went away, the file is unreadable: say so, retry
                log.warning("the change channel is down", exc_info=True)
                self._live(False)
                pause = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                self._stop.wait(pause)

    def _listen(self) -> None:
        import psycopg

        conninfo = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(
            conninfo, autocommit=True, connect_timeout=5, application_name=LISTENER_NAME
        ) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._live(True)
            self._changed()  # no replay: whatever happened while away is read again
            self._note(None, None)
            while not self._stop.is_set():
                for note in conn.notifies(timeout=LISTEN_WAIT_S, stop_after=1):
                    self._changed()
                    self._note(*parse_payload(note.payload))
                conn.execute("SELECT 1")  # a dead server shows here within a second

    def _note(self, workstation: str | None, changes: list[tuple[str, int | None]] | None) -> None:
        if self._noted is not None:
            self._noted(workstation, changes)

    def _poll_sqlite(self) -> None:
        database: Any = self._url.database
        if not database or database == ":memory:":
            self._stop.wait()
            return
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=0.1)
        try:
            seen = conn.execute("PRAGMA data_version").fetchone()[0]
            self._live(True)
            while not self._stop.wait(SQLITE_POLL_S):
                now = conn.execute("PRAGMA data_version").fetchone()[0]
                if now != seen:
                    seen = now
                    self._changed()
                    self._note(None, None)
        finally:
            conn.close()
