"""Child process: how late the needle alarms ring while the program is under stress.

    python -m bench.alarm_probe --database-url URL --case CASE [--alarms 8] [--hold 30]

The real MainWindow on the bench database with the real ``SystemClock``; its bell is a recorder
that notes when ``ring(priority)`` is called and from which thread. Before the window is built,
``--alarms`` sessions of bench patients are put in progress through the services (course,
checklist, six needles each) and one more, the desk session, with four needles and no timer:
the session a person works on. Once the window is up, ``gc.collect(); gc.freeze()`` has run from
a zero-delay timer (as ``run_window`` does), each alarm session's timer is started through the
service and its stored start moved (``bench.scenario.time_needles``) so that its alarm falls
inside the measured window, and ``window.watch.update(view)`` makes the watch follow it at
once. Alarms are due from ``LEAD_S`` after the start of the stress to ``LEAD_S + SPAN_S``, evenly
spread; every third one is the repeated, high-priority "needles overdue" alarm (its first alarm
is made due two minutes earlier and rings while the alarms are arranged, outside the measured
window; it must not ring again).

Cases (the stress starts at T0):

- ``calm``: the baseline. The acupuncturist on the desk session's screen; nothing else runs but
  the window's own timers (ticker, strip, idle check, the watch's re-read every 3 s).
- ``audit``: an administrator on Administration > Audit trail has pressed "Check the audit trail"
  (``audit_tab.check_trail()``: the whole chain verified on a worker thread); started again
  each time it finishes, so the check runs for the whole window.
- ``audit_gui_busy``: the same, and the window's own thread kept busy with ordinary work: the
  whole window repainted synchronously every ``REPAINT_MS`` and the audit list re-queried
  (``audit_tab.reload()``, the newest 2000 events filled into the table) every 2 s.
- ``locked``: another program holds the database (``bench.db_locker`` in its own process: SQLite
  ``BEGIN EXCLUSIVE``; PostgreSQL ``FOR UPDATE`` on the sessions' and patients' rows) for
  ``--hold`` seconds from just before T0. The watch goes on re-reading on its own thread; the
  acupuncturist logs a needle on the desk session (the needling form's fields filled, "Log
  needle" clicked) every 5 s while it is held, and once after it is released.
- ``locked_all`` (PostgreSQL only): ``LOCK TABLE ... ACCESS EXCLUSIVE`` on the sessions and needles,
  so the watch's reads wait too (until ``lock_timeout``) and fail.

Reported: per alarm the lateness (the bell's ``ring()`` call minus the due moment), whether every
alarm of these sessions rang exactly once (the watch's ``ring_log``) and nothing else rang, the
thread the bell was called from, the window thread's longest stall (a 10 ms timer's gaps),
every watch read and every user action with its outcome and the words shown, the collector's
pauses during the stress (``gc.callbacks``), and in ``audit_gui_busy`` the same busy work timed
before the stress began, as its baseline.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication

from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import SystemClock, as_utc
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.session_record import AlarmKind, AlarmPriority
from acudesk.domain.timer import REPEAT_AFTER_S
from acudesk.services.container import Services
from acudesk.ui.application import make_application
from acudesk.ui.main_window import MainWindow
from bench.probe_io import report
from bench.scenario import actors, bench_patient, needle_plan, open_session, time_needles
from bench.stats import median, ms, percentile

CASES = ("calm", "audit", "audit_gui_busy", "locked", "locked_all")
LEAD_S = 3.0  # first alarm after the start of the stress
SPAN_S = 24.0  # from the first alarm to the last
ARRANGE_S = 4.0  # from arranging the alarms to T0
TAIL_S = 3.0  # watched after the last alarm
REPAINT_MS = 40
AUDIT_RELOAD_S = 2.0
ACTION_EVERY_S = 5.0
STALL_TICK_MS = 10
ALARM_NEEDLES = 6
DESK_NEEDLES = 4


class Bell:
    """The window's bell: when ``ring`` was called (wall clock, as the due moments) and where."""

    def __init__(self) -> None:
        self.calls: list[tuple[datetime, AlarmPriority, str]] = []

    def ring(self, priority: AlarmPriority) -> None:
        now = datetime.now(UTC)
        thread = QThread.currentThread().objectName() or "?"
        self.calls.append((now, priority, thread))


class Timed:
    """A service method wrapped to note each call: when, how long, and what came out."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.calls: list[dict[str, Any]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome, typed = "ok", True
        try:
            return self.function(*args, **kwargs)
        except Exception as error:
            outcome, typed = type(error).__name__, isinstance(error, AcuDeskError)
            raise
        finally:
            took = time.perf_counter() - started
            self.calls.append(
                {
                    "at": started,  # perf_counter
                    "ms": ms(took),
                    "outcome": outcome,
                    "typed": typed,
                    "thread": threading.current_thread().name,
                }
            )


class Stalls:
    """The window thread's event loop: a 10 ms timer, and how late each of its turns came."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(STALL_TICK_MS)
        self.last = 0.0
        self.gaps: list[tuple[float, float]] = []  # (moment, gap beyond the interval) in s
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now, now - self.last - STALL_TICK_MS / 1000))
        self.last = now


class Collections:
    """The collector's pauses: every collection, its generation and how long it stopped Python
    (it holds the GIL, so no thread runs meanwhile, the alarm clock's included)."""

    def __init__(self) -> None:
        self.started: dict[int, float] = {}
        self.pauses: list[tuple[float, int, float]] = []  # (moment, generation, seconds)
        gc.callbacks.append(self._note)

    def _note(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        key = threading.get_ident()
        if phase == "start":
            self.started[key] = now
        elif key in self.started:
            began = self.started.pop(key)
            self.pauses.append((began, info["generation"], now - began))

    def summary(self, since: float) -> dict[str, Any]:
        during = [(g, d) for t, g, d in self.pauses if t >= since]
        out: dict[str, Any] = {}
        for generation in (0, 1, 2):
            pauses = [d for g, d in during if g == generation]
            out[f"gen{generation}"] = len(pauses)
            out[f"gen{generation}_max_ms"] = ms(max(pauses)) if pauses else None
        return out


class Probe:
    def __init__(self, url: str, case: str, alarms: int, hold_s: float) -> None:
        self.url, self.case, self.count, self.hold_s = url, case, alarms, hold_s
        self.t0_perf = 0.0
        self.t0: datetime = datetime.now(UTC)
        self.clock = SystemClock()
        self.services = Services.build(Database(make_engine(url), self.clock))
        self.backend = self.services.db.engine.dialect.name
        if case == "locked_all" and self.backend == "sqlite":
            raise SystemExit("locked_all needs PostgreSQL (SQLite in WAL never keeps readers out)")
        self.who = actors(self.services)
        users = {u.username: u.id for u in self.services.users.list_users()}
        self.admin = users["admin01"]
        self.sessions = self._sessions()
        self.reads = Timed(self.services.sessions.watched_sessions)
        self.actions = Timed(self.services.sessions.insert_needle)
        # Instance attributes: the window (built after this) and its panels call these.
        setattr(self.services.sessions, "watched_sessions", self.reads)  # noqa: B010
        setattr(self.services.sessions, "insert_needle", self.actions)  # noqa: B010
        self.bell = Bell()
        self.stalls = Stalls()
        self.user_actions: list[dict[str, Any]] = []
        self.verifications: list[dict[str, Any]] = []
        self.busy: dict[str, list[float]] = {"repaint": [], "audit_reload": []}
        self.busy_before: dict[str, list[float]] = {"repaint": [], "audit_reload": []}
        self.collections = Collections()
        self.locker: subprocess.Popen[str] | None = None
        self.locker_lines: list[str] = []
        self.plan = needle_plan(self.services, 60, seed=23)
        self.due: dict[tuple[int, AlarmKind], datetime] = {}
        self.ending = False
        self.finished_at: datetime = self.t0

    # -- before the window ---------------------------------------------------------------

    def _sessions(self) -> dict[str, Any]:
        services, who = self.services, self.who
        made: dict[str, Any] = {"alarm": []}
        for n in range(self.count + 1):
            label = "Alarm Desk" if n == self.count else f"Alarm {n + 1}"
            view = open_session(services, who, bench_patient(services, who, label))
            wanted = DESK_NEEDLES if n == self.count else ALARM_NEEDLES
            for code, side, depth in needle_plan(services, wanted, seed=300 + n):
                view = services.sessions.insert_needle(
                    who.doctor, view.id, code, side, depth, view.packs[0].id
                )
            if n == self.count:
                made["desk"] = view
            else:
                made["alarm"].append(view)
        return made

    # -- the window ----------------------------------------------------------------------

    def build(self) -> MainWindow:
        make_application()
        window = MainWindow(self.services, bell=self.bell, check_sound=lambda: "")
        setattr(window, "confirm_close_with_needles", lambda _text: True)  # noqa: B010
        window.resize(1340, 720)
        window.show()
        QTimer.singleShot(0, _freeze_long_lived_objects)  # as run_window does
        QApplication.processEvents()
        assert gc.get_freeze_count() > 0, "the start-up objects were not frozen"
        if self.case.startswith("audit"):
            window.set_acting_user(self.admin)
            window.open_administration()
            admin = window.admin_page
            admin.tabs.setCurrentWidget(admin.audit_tab)
        else:
            window.set_acting_user(self.who.doctor)
            window.open_session(self.sessions["desk"].id)
        QApplication.processEvents()
        return window

    def arrange(self, window: MainWindow) -> None:
        """Each alarm session's timer started and moved so its alarm falls after T0."""
        self.t0 = self.clock.now() + timedelta(seconds=ARRANGE_S)
        self.t0_perf = time.perf_counter() + ARRANGE_S
        gap = SPAN_S / max(self.count - 1, 1)
        for n, view in enumerate(self.sessions["alarm"]):
            due = self.t0 + timedelta(seconds=LEAD_S + n * gap)
            overdue = n % 3 == 2
            end = due - timedelta(seconds=REPEAT_AFTER_S) if overdue else due
            start = end - timedelta(minutes=view.planned_minutes)
            timed = time_needles(self.services, self.who, view.id, start)
            kind = AlarmKind.OVERDUE if overdue else AlarmKind.RETENTION_END
            event = next(e for e in timed.alarm_events() if e.kind is kind)
            assert abs((as_utc(event.at) - due).total_seconds()) < 1e-3, (event, due)
            self.due[(view.id, kind)] = as_utc(event.at)
            window.watch.update(timed)
        QApplication.processEvents()

    # -- the stress ----------------------------------------------------------------------

    def start_locker(self) -> None:
        mode = "tables" if self.case == "locked_all" else "rows"
        ids = [self.sessions["desk"].id, *(v.id for v in self.sessions["alarm"])]
        seconds = self.hold_s + max(0.0, self.t0_perf - time.perf_counter())
        self.locker = subprocess.Popen(
            [sys.executable, "-m", "bench.db_locker", "--database-url", self.url,
             "--mode", mode, "--seconds", f"{seconds:.3f}", "--ids", ",".join(map(str, ids))],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        stdout = self.locker.stdout
        assert stdout is not None
        line = stdout.readline()  # before T0: the alarms are due from T0 + LEAD_S
        assert line.startswith("LOCKED"), line
        self.locker_lines.append(line.strip())

        def rest() -> None:
            self.locker_lines.extend(x.strip() for x in stdout)

        threading.Thread(target=rest, name="locker output", daemon=True).start()

    def check_trail(self, window: MainWindow) -> None:
        tab = window.admin_page.audit_tab
        started = time.perf_counter()
        tab.check_trail()
        assert tab.verify_task.busy, "the audit check did not start"
        self.verifications.append({"started_s": round(started - self.t0_perf, 3)})

    def on_verified(self, window: MainWindow, result: object) -> None:
        last = self.verifications[-1]
        last["ended_s"] = round(time.perf_counter() - self.t0_perf, 3)
        last["intact"] = getattr(result, "intact", None)
        last["events"] = getattr(result, "events", None)
        last["shown"] = window.admin_page.audit_tab.verify_label.text()
        if not self.ending:
            QTimer.singleShot(0, lambda: self.check_trail(window))

    def log_needle(self, window: MainWindow) -> None:
        """What the acupuncturist does: a point, a side and a depth, then "Log needle"."""
        panel = window.session_page.needling
        code, side, depth = self.plan.pop()
        panel.choose_point(code, side.value)
        panel.depth_spin.setValue(depth)
        calls = len(self.actions.calls)
        started = time.perf_counter()
        panel.log_button.click()
        took = time.perf_counter() - started
        last = self.actions.calls[-1] if len(self.actions.calls) > calls else None
        self.user_actions.append(
            {
                "at_s": round(started - self.t0_perf, 3),
                "ms": ms(took),
                "outcome": last["outcome"] if last else "not called",
                "typed": bool(last and last["typed"]),
                "shown": panel.error_label.text() if not panel.error_label.isHidden() else "",
            }
        )

    def busy_work(self, window: MainWindow) -> list[QTimer]:
        timers = []
        for interval, kind in (
            (REPAINT_MS, "repaint"),
            (round(AUDIT_RELOAD_S * 1000), "audit_reload"),
        ):
            timer = QTimer()
            timer.setInterval(interval)
            timer.timeout.connect(lambda k=kind: self.busy_once(window, k, self.busy))
            timer.start()
            timers.append(timer)
        return timers

    def busy_once(self, window: MainWindow, kind: str, into: dict[str, list[float]]) -> None:
        """One piece of the window's ordinary work: repaint it whole, or re-query the audit
        list (the newest 2000 events, each change spelled out, filled into the table)."""
        started = time.perf_counter()
        if kind == "repaint":
            window.repaint()
        else:
            window.admin_page.audit_tab.reload()
        into[kind].append(time.perf_counter() - started)

    # -- the run -------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        window = self.build()
        app = QApplication.instance()
        assert app is not None
        if self.case == "audit_gui_busy":  # the same work before the stress: its baseline
            for kind, times in (("repaint", 10), ("audit_reload", 3)):
                for _ in range(times):
                    self.busy_once(window, kind, self.busy_before)
        self.arrange(window)
        if self.case.startswith("locked"):
            self.start_locker()
        end_s = LEAD_S + SPAN_S + TAIL_S
        if self.case.startswith("locked"):
            end_s = max(end_s, self.hold_s + 5.0)
        timers: list[QTimer] = []

        def at(seconds: float, slot: Callable[[], None]) -> None:
            delay = self.t0_perf + seconds - time.perf_counter()
            QTimer.singleShot(max(0, round(delay * 1000)), slot)

        def stress() -> None:
            self.stalls.start()
            if self.case.startswith("audit"):
                tab = window.admin_page.audit_tab
                tab.verify_task.finished.connect(lambda r: self.on_verified(window, r))
                tab.verify_task.failed.connect(lambda r: self.on_verified(window, r))
                self.check_trail(window)
            if self.case == "audit_gui_busy":
                timers.extend(self.busy_work(window))

        def finish() -> None:
            self.ending = True
            self.finished_at = self.clock.now()
            app.quit()

        at(0.0, stress)
        if self.case.startswith("locked"):
            moment = 1.0
            while moment < self.hold_s - 2.5:  # each waits for the lock until it gives up
                at(moment, lambda: self.log_needle(window))
                moment += ACTION_EVERY_S
            at(self.hold_s + 2.0, lambda: self.log_needle(window))  # after the release
        at(end_s, finish)
        app.exec()
        for timer in timers:
            timer.stop()
        self.stalls.timer.stop()
        rung = window.watch.rung
        live = window.watch.live
        window.close()
        if self.locker is not None:
            self.locker.wait(60)
        return self.summary(rung, live)

    # -- the figures ---------------------------------------------------------------------

    def summary(self, rung: list[Any], live_at_end: bool) -> dict[str, Any]:
        # One bell call per evaluation that found something due; its events follow it in
        # ring_log, all with the moment that evaluation looked at the clock.
        groups: list[list[Any]] = []
        for event, moment in rung:
            if groups and groups[-1][0][1] == moment:
                groups[-1].append((event, moment))
            else:
                groups.append([(event, moment)])
        matched = len(groups) == len(self.bell.calls)
        rang_at: dict[tuple[int, AlarmKind], datetime] = {}
        for index, group in enumerate(groups):
            for event, moment in group:
                call = self.bell.calls[index][0] if matched else moment
                rang_at.setdefault((event.session_id, event.kind), call)
        counts = Counter((e.session_id, e.kind) for e, _ in rung)
        ids = {v.id for v in self.sessions["alarm"]}
        expected = {
            (e.session_id, e.kind)
            for sid in ids
            for e in self.services.sessions.view(sid).alarm_events()
            if as_utc(e.at) <= self.finished_at
        }
        once = all(counts[k] == 1 for k in expected) and set(counts) == expected
        late = {k: (as_utc(rang_at[k]) - due).total_seconds() for k, due in self.due.items()
                if k in rang_at}  # fmt: skip
        alarms = [
            {
                "session_id": sid,
                "kind": kind.value,
                "due_s": round((due - self.t0).total_seconds(), 3),
                "late_ms": ms(late[(sid, kind)]) if (sid, kind) in late else None,
                "rang": counts[(sid, kind)],
            }
            for (sid, kind), due in sorted(self.due.items(), key=lambda kv: kv[1])
        ]
        values = list(late.values())
        stress_gaps = [g for t, g in self.stalls.gaps if t >= self.t0_perf]
        lock = self._lock_window()
        in_stress = self._in_stress(alarms, lock)
        return {
            "case": self.case,
            "backend": self.backend,
            "alarms": alarms,
            "alarms_due": len(self.due),
            "alarms_rang": len(late),
            "late_max_ms": ms(max(values)) if values else None,
            "late_p95_ms": ms(percentile(values, 95)) if values else None,
            "late_median_ms": ms(median(values)) if values else None,
            "rang_exactly_once": once and len(late) == len(self.due),
            "ring_counts_ok": once,
            "bell_calls": len(self.bell.calls),
            "bell_matched_ring_log": matched,
            "bell_threads": sorted({thread for _, _, thread in self.bell.calls}),
            "setup_rings": sum(1 for when, _, _ in self.bell.calls if when < self.t0),
            "gui_max_stall_ms": ms(max(stress_gaps)) if stress_gaps else None,
            "gui_p99_stall_ms": ms(percentile(stress_gaps, 99)) if stress_gaps else None,
            "gui_stalls_over_100ms": sum(1 for g in stress_gaps if g > 0.1),
            "gui_busy_work": _work(self.busy),
            "gui_busy_work_before_stress": _work(self.busy_before),
            "gc_during_stress": self.collections.summary(self.t0_perf),
            "switch_interval_ms": ms(sys.getswitchinterval()),
            "watch_reads": self._reads(),
            "watch_live_at_end": live_at_end,
            "user_actions": self.user_actions,
            "verifications": self.verifications,
            "lock": lock,
            "alarms_in_stress": in_stress,
        }

    def _reads(self) -> dict[str, Any]:
        during = [c for c in self.reads.calls if c["at"] >= self.t0_perf]
        failed = [c for c in during if c["outcome"] != "ok"]
        return {
            "count": len(during),
            "failed": len(failed),
            "failures": sorted({c["outcome"] for c in failed}),
            "max_ms": max((c["ms"] for c in during), default=None),
            "median_ms": ms(median([c["ms"] / 1000 for c in during])) if during else None,
            "threads": sorted({c["thread"].split(" (")[0] for c in during}),
        }

    def _lock_window(self) -> dict[str, Any] | None:
        if self.locker is None:
            return None
        moments = {}
        for line in self.locker_lines:
            word, _, value = line.partition(" ")
            moments[word] = (float(value) - self.t0.timestamp()) if value else None
        return {"locked_s": moments.get("LOCKED"), "released_s": moments.get("RELEASED")}

    def _in_stress(self, alarms: list[dict[str, Any]], lock: dict[str, Any] | None) -> bool | None:
        """Whether every alarm fell due while the stress was on."""
        if self.case == "calm":
            return None
        if lock is not None:
            low, high = lock.get("locked_s"), lock.get("released_s")
            if low is None or high is None:
                return False
            return all(low <= a["due_s"] <= high for a in alarms)
        spans = [(v["started_s"], v.get("ended_s", float("inf"))) for v in self.verifications]
        # started again at once when one ends: the gaps are a turn of the event loop
        return all(any(s <= a["due_s"] <= e + 0.05 for s, e in spans) for a in alarms)


def _work(times: dict[str, list[float]]) -> dict[str, Any]:
    return {
        kind: {"count": len(v), "median_ms": ms(median(v)), "max_ms": ms(max(v))}
        for kind, v in times.items()
        if v
    }


def _freeze_long_lived_objects() -> None:
    """What ``run_window`` queues on a zero-delay timer once the window is shown."""
    gc.collect()
    gc.freeze()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alarm_probe")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--case", choices=CASES, required=True)
    parser.add_argument("--alarms", type=int, default=8)
    parser.add_argument("--hold", type=float, default=30.0, help="locked: seconds held")
    args = parser.parse_args()
    result = Probe(args.database_url, args.case, args.alarms, args.hold).run()
    # A refusal is typed when the service raised an AcuDeskError and the form shows its words.
    result["typed_errors"] = all(
        a["outcome"] == "ok" or (a["typed"] and bool(a["shown"])) for a in result["user_actions"]
    )
    report(result)
    sys.stdout.flush()
    os._exit(0)  # an audit check still running on its daemon thread is simply dropped


if __name__ == "__main__":
    raise SystemExit(main())
