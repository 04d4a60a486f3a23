"""Starts Qt and shows the main window over services built by the composition root."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from acudesk.services.container import Services
from acudesk.settings import Settings
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


def run_window(services: Services, settings: Settings) -> int:
    app = make_application()
    window = MainWindow(services, demo=settings.demo)
    window.showMaximized()
    return app.exec()
