"""The needle watch: every open session on this database, its timer and its alarms, always.

One watch per window owns every alarm; pages only show what it knows. It keeps the records it
last read and decides alarms from them and the clock, so an alarm rings on time even while the
database is slow, locked or gone: the alarm clock runs on its own thread with its own Qt timer,
and reading the database happens on a worker thread, never on the one that paints the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QMetaObject, QObject, QThread, QTimer, Signal, Slot
from PySide6.QtCore import Qt as _Qt

from acudesk.domain.clock import Clock, as_utc
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.session_record import (
    ESCALATE_AFTER_S,
    AlarmEvent,
    AlarmKind,
    AlarmPriority,
    SessionRecord,
    WatchLine,
)
from acudesk.ui.widgets.alarm_sound import AlarmBell

log = logging.getLogger(__name__)

# Re-read from the database as a backstop; the change channel brings other workstations' and
# windows' changes within a second.
POLL_MS = 10_000
BACKSTOP_MS = 500  # the alarm clock looks again at least this often

Loader = Callable[[], list[SessionRecord]]
Heard = Callable[[SessionRecord], bool]  # whether this workstation hears a session's alarm first


class AlarmClock(QObject):
    """Sounds each due alarm once, from its own thread, whatever the window is doing."""

    rang = Signal(object)  # AlarmEvent, the highest of those that fell due together
    evaluated = Signal()

    def __init__(self, clock: Clock, bell: AlarmBell, hears_first: Heard) -> None:
        super().__init__()
        self._clock = clock
        self._bell = bell
        self._hears_first = hears_first
        self._records: tuple[SessionRecord, ...] = ()
        self._rung: set[tuple[int, AlarmKind]] = set()
        self._timer: QTimer | None = None
        self._backstop: QTimer | None = None
        # Every alarm that fell due, and when: one sound may carry several sessions' alarms.
        self.ring_log: list[tuple[AlarmEvent, datetime]] = []

    @Slot()
    def start(self) -> None:
        """Timers belong to the thread that runs them: made here, once the thread runs."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(_Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.evaluate)
        self._backstop = QTimer(self)
        self._backstop.setInterval(BACKSTOP_MS)
        self._backstop.timeout.connect(self.evaluate)
        self._backstop.start()

    @Slot()
    def stop(self) -> None:
        """Run in the clock's own thread: stop its timers and hand it back to the main one."""
        for timer in (self._timer, self._backstop):
            if timer is not None:
                timer.stop()
        app = QCoreApplication.instance()
        if app is not None:
            self.moveToThread(app.thread())

    @Slot(object)
    def watch(self, records: tuple[SessionRecord, ...]) -> None:
        self._records = records
        self.evaluate()

    @Slot()
    def evaluate(self) -> None:
        now = self._clock.now()
        fresh: list[AlarmEvent] = []
        for record in self._records:
            for event in record.alarms_due(now, self._escalation(record)):
                key = (event.session_id, event.kind)
                if key not in self._rung:
                    self._rung.add(key)
                    fresh.append(event)
        # One sound per moment, never a stream: several due at once ring as the highest.
        by_session: dict[int, AlarmEvent] = {}
        for event in fresh:
            best = by_session.get(event.session_id)
            if best is None or event.priority > best.priority:
                by_session[event.session_id] = event
        if by_session:
            loudest = max(by_session.values(), key=lambda e: e.priority)
            try:
                self._bell.ring(loudest.priority)
            except Exception:  # the alarm must never die with the speaker
                log.exception("the alarm sound failed")
            for event in by_session.values():
                self.ring_log.append((event, now))
                self.rang.emit(event)
        self._arm(now)
        self.evaluated.emit()

    def _escalation(self, record: SessionRecord) -> int | None:
        """The room's own workstation and a nurse station hear an alarm at once; every other
        workstation only once it has gone unacknowledged for a minute."""
        return None if self._hears_first(record) else ESCALATE_AFTER_S

    def _arm(self, now: datetime) -> None:
        upcoming = [
            e.at for r in self._records if (e := r.next_alarm(now, self._escalation(r))) is not None
        ]
        if self._timer is None or not upcoming:
            return
        due_ms = (min(upcoming) - as_utc(now)).total_seconds() * 1000
        if due_ms < BACKSTOP_MS * 2:
            self._timer.start(max(0, int(due_ms) + 1))


class NeedleWatch(QObject):
    """Knows every watched session; the strip, the lock screen and the pages read it."""

    changed = Signal()
    alarm = Signal(object)  # AlarmEvent that just rang
    evaluated = Signal()  # the alarm clock has looked at the time (relayed to this thread)
    _push = Signal(object)
    _poke = Signal()
    _loaded = Signal(object, bool, int)  # records or None, whether it failed, generation
    _remote = Signal()  # another workstation or window committed a change
    _remote_live = Signal(bool)

    def __init__(
        self,
        clock: Clock,
        loader: Loader,
        bell: AlarmBell,
        *,
        workstation: str = "",
        nurse_station: bool = False,
    ) -> None:
        super().__init__()
        self._clock = clock
        self._loader = loader
        self.workstation = workstation
        self.nurse_station = nurse_station
        self.records: dict[int, SessionRecord] = {}
        self._reads_ok = True
        self._channel_ok = True
        self.channel_connected = False  # the change channel has answered at least once
        self._reading = threading.Lock()
        self._thread = QThread()
        self._thread.setObjectName("needle alarm clock")
        self.alarm_clock = AlarmClock(clock, bell, self.hears_first)
        self.alarm_clock.moveToThread(self._thread)
        self._thread.started.connect(self.alarm_clock.start)
        self._push.connect(self.alarm_clock.watch)
        self._poke.connect(self.alarm_clock.evaluate)
        queued = _Qt.ConnectionType.QueuedConnection
        self.alarm_clock.rang.connect(self.alarm, queued)
        self.alarm_clock.evaluated.connect(self.evaluated, queued)
        self._loaded.connect(self._on_loaded, queued)
        self._remote.connect(self.reload_in_background, queued)
        self._remote_live.connect(self._set_channel_live, queued)
        self._generation = 0  # counts local updates: a read begun before one is stale
        self._thread.start()
        app = QCoreApplication.instance()
        if app is not None:  # however the program ends, the alarm clock's thread ends first
            app.aboutToQuit.connect(self.shutdown)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.reload_in_background)

    def hears_first(self, record: SessionRecord) -> bool:
        """Called from the alarm clock's thread: reads two strings set before it started."""
        return (
            self.nurse_station
            or not record.workstation
            or not self.workstation
            or record.workstation == self.workstation
        )

    # -- reading -----------------------------------------------------------------------

    def reload(self) -> bool:
        """Read every watched session now (start-up, tests). False if the database failed."""
        try:
            records = self._loader()
        except (AcuDeskError, Exception):  # the last records stay watched
            log.exception("the needle watch could not read the database")
            self._set_live(False)
            return False
        self._replace(records)
        self._set_live(True)
        return True

    def reload_in_background(self) -> None:
        if not self._reading.acquire(blocking=False):
            return  # the previous read is still waiting on the database
        generation = self._generation
        threading.Thread(
            target=self._read, args=(generation,), name="needle watch read", daemon=True
        ).start()

    def _read(self, generation: int) -> None:
        try:
            records: list[SessionRecord] | None = self._loader()
            failed = False
        except Exception:
            log.exception("the needle watch could not read the database")
            records, failed = None, True
        finally:
            self._reading.release()
        self._loaded.emit(records, failed, generation)

    def _on_loaded(
        self, records: list[SessionRecord] | None, failed: bool, generation: int
    ) -> None:
        if generation != self._generation:
            self.reload_in_background()  # this window changed something meanwhile: read again
            return
        if records is not None:
            self._replace(records)
        self._set_live(not failed)

    # -- the change channel (called from the listener's thread) ---------------------------

    def remote_changed(self) -> None:
        self._remote.emit()

    def remote_live(self, live: bool) -> None:
        self._remote_live.emit(live)

    @property
    def live(self) -> bool:
        """The database answers and the change channel works: what is shown is current."""
        return self._reads_ok and self._channel_ok

    def _set_live(self, live: bool) -> None:
        if live != self._reads_ok:
            self._reads_ok = live
            self.changed.emit()

    def _set_channel_live(self, live: bool) -> None:
        self.channel_connected = self.channel_connected or live
        if live != self._channel_ok:
            self._channel_ok = live
            self.changed.emit()

    def start_polling(self) -> None:
        self.poll.start()

    # -- what a local action changed -------------------------------------------------------

    def update(self, record: SessionRecord) -> None:
        """A session this window just changed: no need to wait for the next read."""
        self._generation += 1
        if record.watched:
            self.records[record.id] = record
        else:
            self.records.pop(record.id, None)
        self._publish()

    def _replace(self, records: Iterable[SessionRecord]) -> None:
        fresh = {r.id: r for r in records}
        if fresh != self.records:
            self.records = fresh
            self._publish()

    def _publish(self) -> None:
        self._push.emit(tuple(self.records.values()))
        self.changed.emit()

    # -- what the screens show -------------------------------------------------------------

    def lines(self, now: datetime | None = None) -> list[WatchLine]:
        moment = now or self._clock.now()
        lines = [r.summary(moment) for r in self.records.values()]
        return sorted(lines, key=lambda line: (-line.urgency, line.session_id))

    def needles_in(self) -> dict[int, int]:
        """Open needles per watched session."""
        return {r.id: len(r.open_needles) for r in self.records.values() if r.open_needles}

    def check_now(self) -> None:
        """Ask the alarm clock to look at the time now (the clock moved, or a test moved it)."""
        self._poke.emit()

    @property
    def rung(self) -> list[tuple[AlarmEvent, datetime]]:
        return list(self.alarm_clock.ring_log)

    def highest_due(self) -> AlarmPriority | None:
        now = self._clock.now()
        due = [e.priority for r in self.records.values() for e in r.alarms_due(now)]
        return max(due) if due else None

    def shutdown(self) -> None:
        self.poll.stop()
        if self._thread.isRunning():
            # Stop the alarm clock's timers in its own thread, then end the thread.
            QMetaObject.invokeMethod(
                self.alarm_clock, "stop", _Qt.ConnectionType.BlockingQueuedConnection
            )
            self._thread.quit()
            self._thread.wait(2000)
