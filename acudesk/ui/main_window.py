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
from acudesk.ui.dialogs.patient_dialog import PatientDialog
from acudesk.ui.views.patient_list import PatientListView
from acudesk.ui.views.patient_page import PatientPage
from acudesk.ui.views.session.session_page import SessionPage
from acudesk.ui.widgets.timer_display import AlarmBell, SoundAlarm


class MainWindow(QMainWindow):
    def __init__(
        self, services: Services, *, demo: bool = False, bell: AlarmBell | None = None
    ) -> None:
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
        self.user_combo.setMinimumWidth(300)
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
        self.patient_page = PatientPage(services, self.acting_user_id)
        self.session_page = SessionPage(services, self.acting_user_id, bell or SoundAlarm())
        for page in (self.welcome, self.patient_page, self.session_page):
            self.pages.addWidget(page)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.patient_list)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([390, 950])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)
        self.setCentralWidget(central)

        self.database_label = QLabel(services.database_label)
        self.database_label.setObjectName("databaseLabel")
        self.statusBar().addPermanentWidget(self.database_label)

        QShortcut(QKeySequence.StandardKey.Find, self, self._search_patients)
        QShortcut(QKeySequence.StandardKey.New, self, self.new_patient)
        self.patient_list.patient_chosen.connect(self.open_patient)
        self.patient_list.new_patient_requested.connect(self.new_patient)
        self.patient_page.session_opened.connect(self.open_session)
        self.patient_page.patient_changed.connect(self._on_patient_changed)
        self.session_page.back_requested.connect(self.open_patient)
        self.session_page.session_changed.connect(self._on_session_changed)
        self._load_users()
        # Buttons follow who is acting; the services check every action regardless.
        self.user_combo.currentIndexChanged.connect(self._on_acting_user_changed)
        self._resume_open_session()

    # -- acting user ------------------------------------------------------------------

    def acting_user_id(self) -> int | None:
        value = self.user_combo.currentData()
        return int(value) if value is not None else None

    def set_acting_user(self, user_id: int) -> None:
        self.user_combo.setCurrentIndex(self.user_combo.findData(user_id))

    def _on_acting_user_changed(self) -> None:
        if self.patient_page.patient_id is not None:
            self.patient_page.refresh()

    def _load_users(self) -> None:
        self.user_combo.clear()
        for user in self._services.users.list_users():
            self.user_combo.addItem(user.label, user.id)
        if self.user_combo.count() == 0:
            self.user_combo.addItem("No users yet", None)

    # -- navigation -------------------------------------------------------------------

    def open_patient(self, patient_id: int) -> None:
        self.patient_page.show_patient(patient_id)
        self.pages.setCurrentWidget(self.patient_page)
        self.show_patient_list(True)

    def open_session(self, session_id: int) -> None:
        self.session_page.show_session(session_id)
        self.pages.setCurrentWidget(self.session_page)
        self.show_patient_list(False)  # the session needs the whole width; Ctrl+F brings it back

    def show_patient_list(self, visible: bool) -> None:
        self.patient_list.setVisible(visible)

    def _search_patients(self) -> None:
        self.show_patient_list(True)
        self.patient_list.focus_search()

    def new_patient(self) -> None:
        self.patient_dialog = PatientDialog(self._services, self.acting_user_id(), parent=self)
        self.patient_dialog.saved.connect(self._on_patient_registered)
        self.patient_dialog.open()

    def _on_patient_registered(self, patient_id: int) -> None:
        self.patient_list.refresh()
        self.open_patient(patient_id)

    def _on_patient_changed(self, _patient_id: int) -> None:
        self.patient_list.refresh()

    def _on_session_changed(self, _view: object) -> None:
        self.statusBar().showMessage("Saved.", 3000)

    def _resume_open_session(self) -> None:
        """After a restart or a crash, the session in progress is where the room left it."""
        open_sessions = self._services.sessions.open_sessions()
        if open_sessions:
            latest = open_sessions[-1]
            self.open_session(latest.id)
            self.statusBar().showMessage(
                f"Resumed the session in progress for {latest.patient_name}.", 10000
            )

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session_page.ticker.stop()
        event.accept()
