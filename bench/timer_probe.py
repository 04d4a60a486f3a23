"""Child process: how true the session timer stays, and how late the alarm fires, with a busy UI.

    python -m bench.timer_probe --database-url URL --mode real   # real clock, ~20 s around the end
    python -m bench.timer_probe --database-url URL --mode fake   # FakeClock, a 30-minute session
    python -m bench.timer_probe --database-url URL --mode endurance  # how long the screen lasts

Both modes build the real MainWindow on the big database (then, as ``run_window`` does once the
window is shown, ``gc.collect(); gc.freeze()`` from a zero-delay timer, run on the event loop's
first turn), open a session on its session screen (a real session of a bench patient, its timer
started through the service and its stored start moved with ``bench.scenario.time_needles`` so
the end falls inside the measured window: the needle watch re-reads every session from the
database, so a start changed only in the window's copy would not hold) and keep the UI busy
meanwhile: a synchronous repaint of the whole window every ``REPAINT_S`` and a needle logged
through ``SessionService.insert_needle`` into a second open session every ``LOG_S`` (as a second
room would); both per mode. The bell is the one the window is given (``MainWindow(bell=...)``):
the needle watch's alarm clock calls its ``ring(priority)`` from its own thread.

What is "displayed" is what the numerals were painted with, on two surfaces: the session
screen's timer (``session_page.tick()`` every 250 ms, the page's ticker) and the session's tile in
the watch strip above every page, the lock screen included (the window's 250 ms strip timer).
An event filter records each paint. A countdown showing ``mm:ss`` is exact while the true
remaining time lies in ``(shown - 1 s, shown]`` (it shows ``00:01`` until the last second has
passed), an overdue ``+mm:ss`` while the true overrun lies in ``[shown, shown + 1 s)``; the error
at a moment is how far the truth lies outside that interval, evaluated at every paint and just
before the next one. The session screen counts only while it is on screen (until the PC locks).

- real: the system clock; the window's own timers and the watch's alarm clock on its own thread;
  planned 1 minute, measured from ``LEAD_S`` before the end to ``TRAIL_S`` after it.
- fake: a FakeClock driven by a discrete-event simulation of the window's event loop: the page's
  ticks and the strip's every 250 ms, the idle check, the watch's re-read every 3 s, repaints and
  needle logs on their own timers; every handler really runs, and simulated time advances by the
  real time it took, so a busy handler delays the next tick as it would on screen. The alarm
  clock's own timers are simulated too (its 500 ms backstop, and its precise single-shot timer
  at the next due moment, armed as ``AlarmClock._arm`` arms it): at those simulated moments its
  ``evaluate`` runs on its own thread (a blocking queued call) and rings the bell there. Planned
  30 minutes, followed until the repeated alarm (end + 2 min) has rung.
- endurance: the session screen of a 45-minute session left alone (ticks only, FakeClock, nothing
  busy, no padding), for up to 50 minutes of simulated screen time; prints ``BENCH-PROGRESS minute``
  every simulated minute, so the parent can tell how long the process lived if it aborts.

``--pad-none N`` holds N extra references to ``None`` for the run. With PySide6 6.12.0 on Python
3.11 every call of a Qt method returning void takes one reference from ``None`` and never gives it
back (the process aborts with "none_dealloc" once the count reaches zero); the padding lets the
real and fake runs measure the timer past that point. The endurance run measures the abort itself.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QMetaObject, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import Clock, FakeClock, SystemClock, as_utc
from acudesk.domain.session_record import AlarmPriority
from acudesk.domain.timer import REPEAT_AFTER_S
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.application import make_application
from acudesk.ui.main_window import IDLE_CHECK_MS, STRIP_TICK_MS, MainWindow
from acudesk.ui.views.session.session_page import TICK_MS
from acudesk.ui.watch import BACKSTOP_MS, POLL_MS
from acudesk.ui.widgets.watch_strip import WatchTile
from bench.probe_io import PROGRESS_MARKER, report
from bench.scenario import actors, bench_patient, needle_plan, open_session, time_needles
from bench.stats import median, ms, percentile

REPAINT_S = {"real": 0.2, "fake": 0.5}
LOG_S = {"real": 1.0, "fake": 10.0}
LEAD_S = 10.0
TRAIL_S = 10.0
FAKE_MINUTES = 30
ENDURANCE_PLANNED = 45
ENDURANCE_MINUTES = 50  # the longest session (45 min), its repeated alarm, and a margin


class Recorder(QObject):
    """Paints of the numerals, rings of the bell and ticks, on one time axis (seconds).

    It is also the window's bell: ``ring`` is called from the alarm clock's thread.
    """

    def __init__(self) -> None:
        super().__init__()
        self.now: Callable[[], float] = lambda: 0.0
        self.session_id: int | None = None  # whose strip tile is watched
        self.page_paints: list[tuple[float, str]] = []
        self.strip_paints: list[tuple[float, str]] = []
        self.tiles: set[int] = set()
        self.rings: list[tuple[float, AlarmPriority]] = []
        self.ticks: list[float] = []
        self.busy: list[float] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            if isinstance(watched, WatchTile):
                if watched.session_id == self.session_id:
                    self.strip_paints.append((self.now(), watched.text().rsplit(" · ", 1)[-1]))
            elif isinstance(watched, QLabel):
                self.page_paints.append((self.now(), watched.text()))
        return False

    def watch_label(self, label: QLabel) -> None:
        label.installEventFilter(self)

    def watch_tiles(self, tiles: list[WatchTile]) -> None:
        """Tiles are made afresh when the strip's sessions change: filter each new one."""
        for tile in tiles:
            if id(tile) not in self.tiles:
                self.tiles.add(id(tile))
                tile.installEventFilter(self)

    def ring(self, priority: AlarmPriority) -> None:
        self.rings.append((self.now(), priority))


def shown_value(text: str) -> float | None:
    """The signed remaining seconds a display claims: ``04:59`` -> 299, ``+00:03`` -> -3."""
    body = text.strip()
    sign = -1 if body.startswith("+") else 1
    parts = body.lstrip("+").split(":")
    if not all(p.isdigit() for p in parts) or len(parts) not in (2, 3):
        return None
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + int(p)
    return sign * seconds


def display_error(paints: list[tuple[float, str]], end: float, until: float) -> float | None:
    """The largest distance between the truth and what the painted numerals claim (seconds)."""
    if not paints:
        return None
    worst = 0.0
    for (t, text), nxt in zip(paints, [*paints[1:], (until, "")], strict=True):
        x = shown_value(text)
        if x is None:
            continue
        for moment in (t, max(t, nxt[0] - 1e-6)):
            r = end - moment  # the true signed remaining time
            worst = max(worst, r - x if r > x else (x - 1) - r if r <= x - 1 else 0.0)
    return worst


class Busy:
    """The parallel work: a second room logging needles, and the window repainted whole."""

    def __init__(self, services: Services, window: MainWindow, recorder: Recorder) -> None:
        self.services, self.window, self.recorder = services, window, recorder
        who = actors(services)
        self.who = who
        view = open_session(services, who, bench_patient(services, who, "Busy Room"))
        self.session_id, self.pack_id = view.id, view.packs[0].id
        self.plan = needle_plan(services, 300, seed=11)

    def log_needle(self) -> None:
        if not self.plan:
            return
        code, side, depth = self.plan.pop()
        started = time.perf_counter()
        self.services.sessions.insert_needle(
            self.who.doctor, self.session_id, code, side, depth, self.pack_id
        )
        self.window.statusBar().showMessage("Saved.", 3000)
        self.recorder.busy.append(time.perf_counter() - started)

    def repaint(self) -> None:
        self.window.repaint()


def _freeze_long_lived_objects() -> None:
    """What ``run_window`` queues on a zero-delay timer once the window is shown."""
    gc.collect()
    gc.freeze()


def build(clock: Clock, url: str) -> tuple[MainWindow, Recorder, Busy, Services, SessionView]:
    services = Services.build(Database(make_engine(url), clock))
    who = actors(services)
    view = open_session(services, who, bench_patient(services, who, "Timer Room"))
    for code, side, depth in needle_plan(services, 12, seed=7):
        view = services.sessions.insert_needle(
            who.doctor, view.id, code, side, depth, view.packs[0].id
        )
    make_application()
    recorder = Recorder()
    recorder.session_id = view.id
    window = MainWindow(services, bell=recorder, check_sound=lambda: "")
    # Closing with needles in asks first; the probe answers (MainWindow lets a test do so).
    setattr(window, "confirm_close_with_needles", lambda _text: True)  # noqa: B010
    window.resize(1340, 720)
    window.show()
    # What acudesk.ui.application.run_window does once the window is shown: a zero-delay timer
    # keeps the long-lived start-up objects out of the collector's way on the event loop's first
    # turn. It has run before anything is measured, as in the app.
    QTimer.singleShot(0, _freeze_long_lived_objects)
    QApplication.processEvents()
    assert gc.get_freeze_count() > 0, "the start-up objects were not frozen"
    window.set_acting_user(who.doctor)  # past the log-in gate, as after a PIN
    QApplication.processEvents()
    busy = Busy(services, window, recorder)
    # What the room sees: the session screen's timer, and the session's tile in the strip above
    # every page and the lock screen. Connected after the window's own handlers: new tiles exist.
    recorder.watch_label(window.session_page.timer_display.time_label)
    for signal in (window.watch.changed, window.watch.alarm, window.strip_timer.timeout):
        signal.connect(lambda *_: recorder.watch_tiles(window.strip.tiles))
    recorder.watch_tiles(window.strip.tiles)
    return window, recorder, busy, services, view


def start_timer(
    window: MainWindow, services: Services, view: SessionView, started: datetime, minutes: int
) -> SessionView:
    """The timer started at ``started`` as stored, then the session opened as a click would."""
    timed = time_needles(services, actors(services), view.id, started, planned_minutes=minutes)
    window.open_session(timed.id)  # the page shows it, its ticker runs, the watch follows it
    QApplication.processEvents()
    assert window.session_page.view is not None and window.session_page.view.id == view.id
    return timed


def run_real(url: str) -> dict[str, Any]:
    clock = SystemClock()
    window, rec, busy, services, view = build(clock, url)
    epoch = clock.now()
    rec.now = lambda: (clock.now() - epoch).total_seconds()
    start = clock.now() - timedelta(seconds=60 - LEAD_S)
    view = start_timer(window, services, view, start, 1)
    end = (as_utc(start) + timedelta(minutes=1) - epoch).total_seconds()
    page = window.session_page
    page.ticker.timeout.connect(lambda: rec.ticks.append(rec.now()))
    assert page.ticker.isActive()
    timers = []
    for interval, slot in ((REPAINT_S["real"], busy.repaint), (LOG_S["real"], busy.log_needle)):
        timer = QTimer()
        timer.setInterval(round(interval * 1000))
        timer.timeout.connect(slot)
        timer.start()
        timers.append(timer)
    app = QApplication.instance()
    assert app is not None
    QTimer.singleShot(round((LEAD_S + TRAIL_S) * 1000), app.quit)
    app.exec()
    rung = len(window.watch.rung)
    window.close()
    what = f"real clock, planned 1 min, {LEAD_S + TRAIL_S:.0f} s around the end"
    result = summarise(rec, end, end + TRAIL_S, None, "real", what)
    result["ring_log"] = rung
    return result


def run_fake(url: str, phase: float, *, endurance: bool = False) -> dict[str, Any]:
    clock = FakeClock(SystemClock().now())
    window, rec, busy, services, view = build(clock, url)
    base: datetime = clock.now()
    state = {"cur": 0.0, "started": time.perf_counter()}
    rec.now = lambda: state["cur"] + (time.perf_counter() - state["started"])
    # The end falls between two ticks, ``phase`` seconds after the tick before it.
    minutes = ENDURANCE_PLANNED if endurance else FAKE_MINUTES
    started_at = base - timedelta(seconds=TICK_MS / 1000 - phase)
    view = start_timer(window, services, view, started_at, minutes)
    end = minutes * 60.0 - (TICK_MS / 1000 - phase)
    page = window.session_page
    watch = window.watch
    # The window's own timers run on real time; the simulation fires them on simulated time.
    for timer in (page.ticker, window.idle_timer, window.strip_timer, watch.poll):
        timer.stop()
    QApplication.processEvents()
    locked: dict[str, float | None] = {"since": None}

    def tick() -> None:
        rec.ticks.append(rec.now())
        page.tick()

    def idle() -> None:
        window.check_idle()  # nobody touches the PC: it locks after the clinic's lock_minutes
        if window.gate_showing and locked["since"] is None:
            locked["since"] = rec.now()

    def evaluate() -> None:
        """The alarm clock looks at the (simulated) time, on its own thread; the bell rings
        there. Blocking: the simulation goes on once it has looked."""
        QMetaObject.invokeMethod(
            watch.alarm_clock, "evaluate", Qt.ConnectionType.BlockingQueuedConnection
        )

    handlers = {
        "tick": tick, "strip": window.strip_timer.timeout.emit, "repaint": busy.repaint,
        "log": busy.log_needle, "idle": idle, "poll": watch.poll.timeout.emit,
        "backstop": evaluate, "alarm": evaluate,
    }  # fmt: skip
    periods = {
        "tick": TICK_MS / 1000, "strip": STRIP_TICK_MS / 1000, "repaint": REPAINT_S["fake"],
        "log": LOG_S["fake"], "idle": IDLE_CHECK_MS / 1000, "poll": POLL_MS / 1000,
        "backstop": BACKSTOP_MS / 1000,
    }  # fmt: skip
    if endurance:
        del handlers["repaint"], handlers["log"]
    queue = [(periods[k], i, k) for i, k in enumerate(handlers) if k != "alarm"]
    heapq.heapify(queue)
    alarm: dict[str, float | None] = {"due": None}  # the precise single-shot timer, if armed
    until = ENDURANCE_MINUTES * 60.0 if endurance else end + REPEAT_AFTER_S + 15
    minute = 0
    while state["cur"] < until:
        if endurance and state["cur"] >= (minute + 1) * 60:
            minute += 1
            print(f"{PROGRESS_MARKER}{minute}", flush=True)
        due, order, kind = heapq.heappop(queue)
        if kind == "alarm":
            if due != alarm["due"]:
                continue  # armed again or already fired meanwhile
            alarm["due"] = None
        state["cur"] = max(state["cur"], due)
        moment = state["cur"]
        clock.set(base + timedelta(seconds=moment))
        state["started"] = time.perf_counter()
        handlers[kind]()
        if kind in ("backstop", "alarm"):
            fires = _armed_for(window, clock, moment)
            if fires is not None and fires != alarm["due"]:
                alarm["due"] = fires
                heapq.heappush(queue, (fires, len(handlers), "alarm"))
        # What the handler posted (a queued alarm from the clock's thread, the repaint of a tile
        # it made), then what that posted: a running event loop would go straight on to both.
        QApplication.processEvents()
        QApplication.processEvents()
        state["cur"] += time.perf_counter() - state["started"]
        state["started"] = time.perf_counter()
        if kind == "alarm":
            continue  # single-shot
        # A repeating QTimer keeps its grid; once it has fallen behind it restarts from now.
        nxt = due + periods[kind]
        heapq.heappush(queue, (nxt if nxt >= state["cur"] else state["cur"] + periods[kind],
                               order, kind))  # fmt: skip
    rung = len(watch.rung)
    window.close()
    if endurance:
        return {"mode": "endurance", "survived_min": until / 60, "aborted": False, "rings": rung}
    what = f"FakeClock, planned {FAKE_MINUTES} min, simulated"
    result = summarise(rec, end, until, locked["since"], "fake", what)
    result["ring_log"] = rung
    result["screen_locked_at_min"] = round(locked["since"] / 60, 2) if locked["since"] else None
    return result


def _armed_for(window: MainWindow, clock: FakeClock, moment: float) -> float | None:
    """When the alarm clock's precise single-shot timer would fire after an evaluation at
    ``moment`` (``AlarmClock._arm``: armed once the next alarm is under two backstops away,
    for its whole milliseconds plus one), or None when it would not be armed."""
    now = clock.now()
    upcoming = [e.at for r in window.watch.records.values() if (e := r.next_alarm(now))]
    if not upcoming:
        return None
    due_ms = (min(upcoming) - as_utc(now)).total_seconds() * 1000
    if due_ms >= BACKSTOP_MS * 2:
        return None
    return moment + (max(0, int(due_ms)) + 1) / 1000


def _surface(
    paints: list[tuple[float, str]], end: float, until: float
) -> tuple[float | None, float | None]:
    """The display error and when "+" first showed after the end, for one surface (seconds)."""
    shown = [(t, text) for t, text in paints if t <= until]
    error = display_error(shown, end, until)
    alarm = next((t for t, text in shown if text.strip().startswith("+")), None)
    return error, None if alarm is None else alarm - end


def summarise(
    rec: Recorder, end: float, until: float, locked: float | None, mode: str, what: str
) -> dict[str, Any]:
    """``locked``: when the PC locked (the session screen was out of sight from then on)."""
    page_error, page_shown = _surface(rec.page_paints, end, min(until, locked or until))
    strip_error, strip_shown = _surface(rec.strip_paints, end, until)
    errors = [e for e in (page_error, strip_error) if e is not None]
    gaps = [b - a for a, b in zip(rec.ticks, rec.ticks[1:], strict=False)]
    first = next((t for t, p in rec.rings if p is AlarmPriority.MEDIUM), None)
    repeat = next((t for t, p in rec.rings if p is AlarmPriority.HIGH), None)
    return {
        "mode": mode,
        "what": what,
        "max_error_ms": ms(max(errors)) if errors else None,
        "page_max_error_ms": None if page_error is None else ms(page_error),
        "strip_max_error_ms": None if strip_error is None else ms(strip_error),
        "alarm_late_ms": None if first is None else ms(first - end),
        "repeat_alarm_late_ms": None if repeat is None else ms(repeat - end - REPEAT_AFTER_S),
        "alarm_priorities": [p.name for _, p in rec.rings],
        "alarm_shown_late_ms": None if page_shown is None else ms(page_shown),
        "alarm_shown_in_strip_late_ms": None if strip_shown is None else ms(strip_shown),
        "rings": len(rec.rings),
        "page_paints": len(rec.page_paints),
        "strip_paints": len(rec.strip_paints),
        "ticks": len(rec.ticks),
        "max_tick_gap_ms": ms(max(gaps)) if gaps else None,
        "busy_needles": len(rec.busy),
        "busy_needle_median_ms": ms(median(rec.busy)) if rec.busy else None,
        "busy_needle_p99_ms": ms(percentile(rec.busy, 99)) if rec.busy else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.timer_probe")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--mode", choices=("real", "fake", "endurance"), required=True)
    parser.add_argument("--phase", type=float, default=0.13, help="fake: end after a tick (s)")
    parser.add_argument("--pad-none", type=int, default=0, metavar="N")
    args = parser.parse_args()
    padding = (None,) * args.pad_none
    if args.mode == "real":
        result = run_real(args.database_url)
    else:
        result = run_fake(args.database_url, args.phase, endurance=args.mode == "endurance")
    result["none_refcount_left"] = sys.getrefcount(None) - len(padding)
    report(result)
    # Leave without tearing the interpreter down: freeing the padding would abort the process.
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
