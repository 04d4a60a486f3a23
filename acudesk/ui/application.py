"""Starts Qt and shows the main window over services built by the composition root."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from acudesk.services.container import Services
from acudesk.services.incidents import explain, new_incident_id, write_incident
from acudesk.services.restore import StagedRestore
from acudesk.settings import Settings, Workstation
from acudesk.ui.dialogs.workstation_dialog import WorkstationDialog
from acudesk.ui.main_window import MainWindow
from acudesk.ui.style import STYLE_SHEET


def make_application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("AcuDesk")
    font = app.font()
    font.setPointSizeF(max(font.pointSizeF(), 11.0))
    app.setFont(QFont(font))
    app.setStyleSheet(STYLE_SHEET)
    return app


def error_message(error: BaseException, incident: str, log: Path | str) -> str:
    """What the person reads after an unexpected error: what happened, what to do, and where
    the administrator finds the entry (no patient data in it: acudesk/services/incidents)."""
    words = explain(error)
    return (
        f"{words.what}\n\n{words.remedy}\n\n"
        f"For the clinic administrator: reference {incident} in {log}."
    )


def install_error_handler(data_dir: Path) -> None:
    """An unexpected error becomes a plain message and a private log entry, never a traceback
    on screen; the entry is made 0600 in a 0700 folder and holds no SQL parameters."""

    def handle(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        incident = new_incident_id()
        try:
            log: Path | str = write_incident(data_dir, incident, kind, error, tb)
        except OSError as problem:  # a full or read-only disk must not hide the message
            log = f"(the log could not be written: {type(problem).__name__})"
        QMessageBox.critical(None, "AcuDesk", error_message(error, incident, log))

    sys.excepthook = handle


def show_startup_problem(text: str) -> int:
    """Before the window: the database cannot be used. One message, then AcuDesk exits (1)."""
    make_application()
    box = QMessageBox(QMessageBox.Icon.Critical, "AcuDesk cannot start", text)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()
    return 1


def run_window(
    services: Services,
    settings: Settings,
    *,
    smoke_test: bool = False,
    records_problem: str = "",
    restored: str = "",
) -> tuple[int, StagedRestore | None]:
    """Shows the window until it closes. Returns the exit code and, when the administrator
    restored a backup, the checked copy to put in place before starting again."""
    app = make_application()
    install_error_handler(settings.data_dir)
    use_workstation(services, settings, ask=not smoke_test)
    window = MainWindow(services, demo=settings.demo, board=settings.board)
    if records_problem:
        window.strip.set_banner(
            "records",
            "The start-up check of the audit trail found a problem; tell the clinic "
            f"administrator, who runs the full check on the Administration page. {records_problem}",
        )
    if restored:
        window.strip.set_banner("restored", restored)
    window.showMaximized()
    if smoke_test:
        from acudesk.ui.smoke import SmokeTest

        SmokeTest(window, app.exit)
    # Everything built so far lives as long as the window: keep the collector off it, so its
    # pauses stay short while needles are logged and the timer ticks. Done after the first
    # paint, so the window does not wait for it.
    QTimer.singleShot(0, _freeze_long_lived_objects)
    code = app.exec()
    staged, window.pending_restore = window.pending_restore, None
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return code, staged


def use_workstation(services: Services, settings: Settings, *, ask: bool) -> None:
    """Sessions started here record this PC's name and room; the first start asks for them."""
    if settings.demo:
        services.db.workstation, services.db.room = "Demo workstation", "Room 1"
        return
    workstation = Workstation.load(settings.data_dir)
    if workstation is None and ask:
        dialog = WorkstationDialog(None)
        if dialog.exec() and dialog.result_workstation is not None:
            workstation = dialog.result_workstation
            workstation.save(settings.data_dir)
    if workstation is not None:
        services.db.workstation, services.db.room = workstation.name, workstation.room


def _freeze_long_lived_objects() -> None:
    gc.collect()
    gc.freeze()
