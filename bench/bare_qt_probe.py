"""Child process: the baseline, a bare PySide6 window (a QMainWindow with one label).

Started with the same interpreter and environment as ``bench.startup_probe``; prints one line
``BENCH {json}`` once the window is shown and the event loop is taking input.

``--with-sqlalchemy`` imports ``sqlalchemy.orm`` first: the least any window over a SQLAlchemy
ORM database must load, i.e. the floor under AcuDesk's start-up.
"""

from __future__ import annotations

import os
import time

T0 = float(os.environ.get("BENCH_T0", time.perf_counter()))


def main() -> int:
    import sys

    if "--with-sqlalchemy" in sys.argv:
        import sqlalchemy.orm  # noqa: F401

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    from bench.probe_io import peak_rss_mib, report

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QLabel("Hello"))
    window.showMaximized()

    def ready() -> None:
        QApplication.processEvents()
        ready = time.perf_counter() - T0
        report({"ready_s": ready, "visible": window.isVisible(), "rss_mib": peak_rss_mib()})
        app.quit()

    QTimer.singleShot(0, ready)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
