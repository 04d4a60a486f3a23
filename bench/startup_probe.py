"""Child process: AcuDesk started through ``acudesk.app.main``, timed until it takes input.

    python -m bench.startup_probe --database-url URL [--rss] [--history-ids 3,17] [--session-id 9]

The window opens on the log-in gate, with the patient list already loaded behind it. The
QApplication is made first (``make_application``, which the app then reuses) only so that a
zero-delay timer can be queued: it fires on the event loop's first turn, after ``acudesk.app``
has opened the database (migration check included), built the MainWindow with the patient list
loaded and shown it. Queued before the app's own zero-delay timer (``run_window``'s
``gc.collect(); gc.freeze()``), it first processes the pending events, which runs that timer and
paints the window, and then reports the time since ``BENCH_T0`` (the parent's
``time.perf_counter()`` just before it started this process; the same monotonic clock on Linux)
and how many objects were frozen by then.

With ``--rss`` it goes on to the session screen (the session in progress, which the window
resumes by itself, or else ``--session-id``), lets the timer tick, and
reports the process's peak resident memory, plus how long redrawing the session and opening the
history patients' pages take in the window.
"""

from __future__ import annotations

import argparse
import gc
import os
import time

T0 = float(os.environ.get("BENCH_T0", time.perf_counter()))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup_probe")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rss", action="store_true")
    parser.add_argument("--history-ids", default="")
    parser.add_argument("--session-id", type=int)
    parser.add_argument("--sign-in", type=int, help="with --rss: the user to sign in as")
    args = parser.parse_args()

    from PySide6.QtCore import QTimer

    from acudesk import app as acudesk_app
    from acudesk.ui.application import make_application

    make_application()  # acudesk.app reuses it
    history_ids = [int(x) for x in args.history_ids.split(",") if x]
    QTimer.singleShot(0, lambda: _ready(args, history_ids))
    return acudesk_app.main(["--database-url", args.database_url])


def _ready(args: argparse.Namespace, history_ids: list[int]) -> None:
    from PySide6.QtWidgets import QApplication

    from acudesk.ui.main_window import MainWindow
    from bench.probe_io import peak_rss_mib, report

    QApplication.processEvents()
    ready_s = time.perf_counter() - T0
    frozen = gc.get_freeze_count()
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    values: dict[str, object] = {
        "ready_s": ready_s,
        "visible": window.isVisible(),
        "gc_frozen_at_ready": frozen,
        "patients_listed": window.patient_list.model.rowCount(),
        "startup_rss_mib": peak_rss_mib(),
    }
    if args.rss:
        if args.sign_in is not None:
            window.set_acting_user(args.sign_in)  # past the log-in gate, as after a PIN
        values.update(_session_screen(window, history_ids, args.session_id))
    report(values)
    # Closing with needles in asks first (the --rss session has 200 in); the probe answers.
    setattr(window, "confirm_close_with_needles", lambda _text: True)  # noqa: B010
    window.close()
    app = QApplication.instance()
    assert app is not None
    app.quit()


def _session_screen(
    window: object, history_ids: list[int], session_id: int | None
) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication

    from acudesk.ui.main_window import MainWindow
    from bench.probe_io import peak_rss_mib, ru_maxrss_mib
    from bench.stats import median, ms, percentile

    assert isinstance(window, MainWindow)
    page_times = []
    for pid in history_ids:
        started = time.perf_counter()
        window.open_patient(pid)
        QApplication.processEvents()
        page_times.append(time.perf_counter() - started)
    page = window.session_page
    if page.view is None and session_id is not None:
        window.open_session(session_id)
    window.pages.setCurrentWidget(page)
    QApplication.processEvents()
    view = page.view
    redraw = []
    for _ in range(10):
        if view is None:
            break
        started = time.perf_counter()
        page.show_view(view)
        QApplication.processEvents()
        redraw.append(time.perf_counter() - started)
    for _ in range(8):
        page.tick()
        QApplication.processEvents()
    return {
        "peak_rss_mib": peak_rss_mib(),
        "ru_maxrss_mib": ru_maxrss_mib(),
        "session_id": view.id if view else None,
        "session_needles": len(view.needles) if view else 0,
        "session_redraw_median_ms": ms(median(redraw)) if redraw else None,
        "patient_page_p99_ms": ms(percentile(page_times, 99)) if page_times else None,
        "patient_page_median_ms": ms(median(page_times)) if page_times else None,
    }


if __name__ == "__main__":
    raise SystemExit(main())
