"""Child process: how true the session timer stays, and how late the alarm fires, with a busy UI.

    python -m bench.timer_probe --database-url URL --mode real   # real clock, ~20 s around the end
    python -m bench.timer_probe --database-url URL --mode fake   # FakeClock, a 30-minute session
    python -m bench.timer_probe --database-url URL --mode endurance  # how long the screen lasts

Both modes build the real MainWindow on the big database (then, as ``run_window`` does once the
window is shown, ``gc.collect(); gc.freeze()`` from a zero-delay timer, run on the event loop's
first turn), put a session on its session screen
(a real session of a bench patient, with its timer state set through ``dataclasses.replace`` so the
end falls inside the measured window) and keep the UI busy meanwhile: a synchronous repaint of the
whole window every ``REPAINT_S`` and a needle logged through ``SessionService.insert_needle`` into a
second open session every ``LOG_S`` (as a second room would); both per mode.

What is "displayed" is what the timer's numerals were painted with: an event filter records each
paint of the label. A countdown showing ``mm:ss`` is exact while the true remaining time lies in
``(shown - 1 s, shown]`` (it shows ``00:01`` until the last second has passed), an overdue
``+mm:ss`` while the true overrun lies in ``[shown, shown + 1 s)``; the error at a moment is how
far the truth lies outside that interval, evaluated at every paint and just before the next one.

- real: the system clock; the page's own 250 ms QTimer ticks; planned 1 minute, measured from
  ``LEAD_S`` before the end to ``TRAIL_S`` after it.
- fake: a FakeClock driven by a discrete-event simulation of the single-threaded event loop:
  ticks every 250 ms, repaints and needle logs on their own timers, the page's single-shot alarm
  timer at the moment it was armed for; every handler really runs, and
  simulated time advances by the real time it took, so a busy handler delays the next tick as it
  would on screen. Planned 30 minutes, followed until the repeated alarm (end + 2 min) has fired.
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
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel

from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import Clock, FakeClock, SystemClock
from acudesk.domain.timer import REPEAT_AFTER_S
from acudesk.services.container import Services
from acudesk.ui.application import make_application
from acudesk.ui.main_window import IDLE_CHECK_MS, MainWindow
from acudesk.ui.views.session.session_page import TICK_MS
from bench.probe_io import PROGRESS_MARKER, report
from bench.scenario import actors, bench_patient, needle_plan, open_session
from bench.stats import median, ms, percentile

REPAINT_S = {"real": 0.2, "fake": 0.5}
LOG_S = {"real": 1.0, "fake": 10.0}
LEAD_S = 10.0
TRAIL_S = 10.0
FAKE_MINUTES = 30
ENDURANCE_PLANNED = 45
ENDURANCE_MINUTES = 50  # the longest session (45 min), its repeated alarm, and a margin


class Recorder(QObject):
    """Paints of the numerals, rings of the bell and ticks, on one time axis (seconds)."""

    def __init__(self) -> None:
        super().__init__()
        self.now: Callable[[], float] = lambda: 0.0
        self.labels: list[QLabel] = []
        self.paints: list[tuple[float, str]] = []
        self.rings: list[float] = []
        self.ticks: list[float] = []
        self.busy: list[float] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, QLabel):
            self.paints.append((self.now(), watched.text()))
        return False

    def watch(self, label: QLabel) -> None:
        self.labels.append(label)
        label.installEventFilter(self)

    def ring(self) -> None:
        self.rings.append(self.now())


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


def build(clock: Clock, url: str) -> tuple[MainWindow, Recorder, Busy, Any]:
    services = Services.build(Database(make_engine(url), clock))
    who = actors(services)
    view = open_session(services, who, bench_patient(services, who, "Timer Room"))
    for code, side, depth in needle_plan(services, 12, seed=7):
        view = services.sessions.insert_needle(
            who.doctor, view.id, code, side, depth, view.packs[0].id
        )
    make_application()
    recorder = Recorder()
    window = MainWindow(services, bell=recorder)
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
    # What the room sees: the session screen, or the lock screen's timer once the PC locks.
    recorder.watch(window.session_page.timer_display.time_label)
    recorder.watch(window.gate.lock.timer_display.time_label)
    return window, recorder, busy, view  # the window holds the services


def run_real(url: str) -> dict[str, Any]:
    clock = SystemClock()
    window, rec, busy, view = build(clock, url)
    epoch = clock.now()
    rec.now = lambda: (clock.now() - epoch).total_seconds()
    start = clock.now() - timedelta(seconds=60 - LEAD_S)
    view = replace(view, planned_minutes=1, retention_started_at=start)
    end = (start + timedelta(minutes=1) - epoch).total_seconds()
    page = window.session_page
    page.ticker.timeout.connect(lambda: rec.ticks.append(rec.now()))
    page.show_view(view)
    window.pages.setCurrentWidget(page)
    page.ticker.start()
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
    window.close()
    what = f"real clock, planned 1 min, {LEAD_S + TRAIL_S:.0f} s around the end"
    return summarise(rec, end, end + TRAIL_S, "real", what)


def run_fake(url: str, phase: float, *, endurance: bool = False) -> dict[str, Any]:
    clock = FakeClock(SystemClock().now())
    window, rec, busy, view = build(clock, url)
    base: datetime = clock.now()
    state = {"cur": 0.0, "started": time.perf_counter()}
    rec.now = lambda: state["cur"] + (time.perf_counter() - state["started"])
    # The end falls between two ticks, ``phase`` seconds after the tick before it.
    minutes = ENDURANCE_PLANNED if endurance else FAKE_MINUTES
    started_at = base - timedelta(seconds=TICK_MS / 1000 - phase)
    view = replace(view, planned_minutes=minutes, retention_started_at=started_at)
    end = minutes * 60.0 - (TICK_MS / 1000 - phase)
    page = window.session_page
    # The window's own timers run on real time; the simulation fires them on simulated time.
    # That includes the page's single-shot alarm timer: whenever a handler starts it, it is
    # stopped again and fired by the simulation its interval after the handler's moment.
    for timer in (page.ticker, page.alarm_timer, window.idle_timer, window.lock_screen_timer):
        timer.stop()
    page.show_view(view)
    window.pages.setCurrentWidget(page)
    QApplication.processEvents()
    locked: dict[str, float | None] = {"since": None}

    def tick() -> None:
        rec.ticks.append(rec.now())
        page.tick()

    def idle() -> None:
        window.check_idle()  # nobody touches the PC: it locks after the clinic's lock_minutes
        if window.lock_screen_timer.isActive():
            window.lock_screen_timer.stop()
            locked["since"] = locked["since"] or rec.now()

    def lock_screen() -> None:
        if locked["since"] is not None:  # what the window's lock_screen_timer does
            window.gate.lock.show_timer(page.view, clock.now())

    handlers = {
        "tick": tick, "repaint": busy.repaint, "log": busy.log_needle, "idle": idle,
        "lock": lock_screen, "alarm": page.alarm_timer.timeout.emit,
    }  # fmt: skip
    periods = {
        "tick": TICK_MS / 1000, "repaint": REPAINT_S["fake"], "log": LOG_S["fake"],
        "idle": IDLE_CHECK_MS / 1000, "lock": TICK_MS / 1000,
    }  # fmt: skip
    if endurance:
        del handlers["repaint"], handlers["log"]
    queue = [(periods[k], i, k) for i, k in enumerate(handlers) if k != "alarm"]
    heapq.heapify(queue)
    alarm: dict[str, float | None] = {"due": None}  # the single-shot alarm timer, if armed
    until = ENDURANCE_MINUTES * 60.0 if endurance else end + REPEAT_AFTER_S + 15
    minute = 0
    while state["cur"] < until:
        if endurance and state["cur"] >= (minute + 1) * 60:
            minute += 1
            print(f"{PROGRESS_MARKER}{minute}", flush=True)
        due, order, kind = heapq.heappop(queue)
        if kind == "alarm":
            if due != alarm["due"]:
                continue  # restarted or already fired meanwhile
            alarm["due"] = None
        state["cur"] = max(state["cur"], due)
        moment = state["cur"]
        clock.set(base + timedelta(seconds=moment))
        state["started"] = time.perf_counter()
        handlers[kind]()
        if page.alarm_timer.isActive():  # (re)started by this handler, at the clock's moment
            page.alarm_timer.stop()
            fires = moment + page.alarm_timer.interval() / 1000
            alarm["due"] = fires
            heapq.heappush(queue, (fires, len(handlers), "alarm"))
        QApplication.processEvents()
        state["cur"] += time.perf_counter() - state["started"]
        state["started"] = time.perf_counter()
        if kind == "alarm":
            continue  # single-shot
        # A repeating QTimer keeps its grid; once it has fallen behind it restarts from now.
        nxt = due + periods[kind]
        heapq.heappush(queue, (nxt if nxt >= state["cur"] else state["cur"] + periods[kind],
                               order, kind))  # fmt: skip
    window.close()
    if endurance:
        return {"mode": "endurance", "survived_min": until / 60, "aborted": False}
    what = f"FakeClock, planned {FAKE_MINUTES} min, simulated"
    result = summarise(rec, end, until, "fake", what)
    result["screen_locked_at_min"] = round(locked["since"] / 60, 2) if locked["since"] else None
    return result


def summarise(rec: Recorder, end: float, until: float, mode: str, what: str) -> dict[str, Any]:
    paints = [(t, text) for t, text in rec.paints if t <= until]
    gaps = [b - a for a, b in zip(rec.ticks, rec.ticks[1:], strict=False)]
    alarm = next((t for t, text in paints if text.startswith("+")), None)
    error = display_error(paints, end, until)
    return {
        "mode": mode,
        "what": what,
        "max_error_ms": None if error is None else ms(error),
        "alarm_late_ms": ms(rec.rings[0] - end) if rec.rings else None,
        "repeat_alarm_late_ms": ms(rec.rings[1] - end - REPEAT_AFTER_S)
        if len(rec.rings) > 1
        else None,
        "alarm_shown_late_ms": ms(alarm - end) if alarm is not None else None,
        "rings": len(rec.rings),
        "paints": len(paints),
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
