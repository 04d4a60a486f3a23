"""The AcuDesk main window: patients on the left, the patient or the session on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from acudesk.services.container import Services
from acudesk.ui.views.patient_list import PatientListView


class MainWindow(QMainWindow):
    def __init__(self, services: Services, *, demo: bool = False) -> None:
        super().__init__()
        self._services = services
        self.setWindowTitle("AcuDesk - demo clinic" if demo else "AcuDesk")
        self.resize(1340, 720)
        self.setMinimumSize(1024, 640)

        toolbar = QToolBar("Acting user")
        toolbar.setMovable(False)
        toolbar.addWidget(QLabel("  Acting as: "))
        self.user_combo = QComboBox()
        self.user_combo.setObjectName("actingUser")
        self.user_combo.setMinimumWidth(280)
        toolbar.addWidget(self.user_combo)
        self.addToolBar(toolbar)

        self.patient_list = PatientListView(services)
        self.pages = QStackedWidget()
        self.welcome = QLabel(
            "Choose a patient on the left, or register a new one.\n\n"
            "Ctrl+F  search patients      Ctrl+N  new patient"
        )
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setObjectName("muted")
        self.pages.addWidget(self.welcome)

        splitter = QSplitter()
        splitter.addWidget(self.patient_list)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 960])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)
        self.setCentralWidget(central)

        self.database_label = QLabel(services.database_label)
        self.database_label.setObjectName("databaseLabel")
        self.statusBar().addPermanentWidget(self.database_label)

        QShortcut(QKeySequence.StandardKey.Find, self, self.patient_list.focus_search)
        self._load_users()

    def acting_user_id(self) -> int | None:
        value = self.user_combo.currentData()
        return int(value) if value is not None else None

    def _load_users(self) -> None:
        self.user_combo.clear()
        for user in self._services.users.list_users():
            self.user_combo.addItem(user.label, user.id)
        if self.user_combo.count() == 0:
            self.user_combo.addItem("No users yet", None)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
