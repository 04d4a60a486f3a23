"""The AcuDesk main window: who is signed in, the patients, the patient and the session."""

from __future__ import annotations

from contextlib import suppress

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.ui.dialogs.patient_dialog import PatientDialog
from acudesk.ui.views.admin_page import AdminPage
from acudesk.ui.views.gate import Gate
from acudesk.ui.views.patient_list import PatientListView
from acudesk.ui.views.patient_page import PatientPage
from acudesk.ui.views.session.session_page import SessionPage
from acudesk.ui.widgets.timer_display import AlarmBell, SoundAlarm

IDLE_CHECK_MS = 5000
LIST_WIDTH = 380
_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class MainWindow(QMainWindow):
    def __init__(
        self, services: Services, *, demo: bool = False, bell: AlarmBell | None = None
    ) -> None:
        super().__init__()
        self._services = services
        self.current_user: UserRow | None = None
        self.patient_dialog: PatientDialog | None = None
        self.setWindowTitle("AcuDesk - demo clinic" if demo else "AcuDesk")
        self.resize(1340, 720)
        self.setMinimumSize(1024, 640)

        self.toolbar = QToolBar("Signed in")
        self.toolbar.setMovable(False)
        self.user_label = QLabel()
        self.user_label.setObjectName("signedInUser")
        self.toolbar.addWidget(self.user_label)
        self.toolbar.addSeparator()
        self.switch_action = self.toolbar.addAction("Switch user (Ctrl+U)", self.switch_user)
        self.lock_action = self.toolbar.addAction("Lock (Ctrl+Shift+L)", self.lock)
        self.logout_action = self.toolbar.addAction("Log out", self.log_out)
        self.admin_action = self.toolbar.addAction("Administration", self.open_administration)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
        self.compact_timer = QPushButton()
        self.compact_timer.setObjectName("compactTimer")
        self.compact_timer.setToolTip("Open the session in progress")
        self.compact_timer_action = self.toolbar.addWidget(self.compact_timer)
        self.compact_timer_action.setVisible(False)
        self.addToolBar(self.toolbar)

        self.patient_list = PatientListView(services)
        self.patient_list.setMinimumWidth(LIST_WIDTH - 40)  # names must stay readable
        self.pages = QStackedWidget()
        self.welcome = QLabel(
            "Choose a patient on the left, or register a new one.\n\n"
            "Ctrl+F  search patients      Ctrl+N  new patient"
        )
        self.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.welcome.setObjectName("muted")
        self.patient_page = PatientPage(services, self.acting_user_id)
        self.session_page = SessionPage(services, self.acting_user_id, bell or SoundAlarm())
        self._admin_page: AdminPage | None = None  # built when an administrator opens it
        for page in (self.welcome, self.patient_page, self.session_page):
            self.pages.addWidget(page)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.patient_list)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([LIST_WIDTH, 950])
        self.warning_label = QLabel()
        self.warning_label.setObjectName("warning")
        self.warning_label.setWordWrap(True)
        self.warning_label.hide()
        self.workspace = QWidget()
        layout = QVBoxLayout(self.workspace)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.splitter)

        self.gate = Gate(services)
        self.screens = QStackedWidget()
        self.screens.addWidget(self.gate)
        self.screens.addWidget(self.workspace)
        self.setCentralWidget(self.screens)

        self.database_label = QLabel(services.database_label)
        self.database_label.setObjectName("databaseLabel")
        self.statusBar().addPermanentWidget(self.database_label)

        for keys, slot in (
            (QKeySequence.StandardKey.Find, self._search_patients),
            (QKeySequence.StandardKey.New, self.new_patient),
            (QKeySequence("Ctrl+U"), self.switch_user),
            (QKeySequence("Ctrl+Shift+L"), self.lock),
        ):
            QShortcut(keys, self, slot)
        self.patient_list.patient_chosen.connect(self.open_patient)
        self.patient_list.new_patient_requested.connect(self.new_patient)
        self.patient_page.session_opened.connect(self.open_session)
        self.patient_page.patient_changed.connect(self._on_patient_changed)
        self.session_page.back_requested.connect(self.open_patient)
        self.session_page.session_changed.connect(self._on_session_changed)
        self.session_page.timer_updated.connect(self._on_timer_updated)
        self.compact_timer.clicked.connect(self._back_to_session)
        self.pages.currentChanged.connect(lambda _i: self.session_page.tick())
        for gate_page in (self.gate.first_admin, self.gate.login, self.gate.lock):
            gate_page.signed_in.connect(self._on_signed_in)

        self._last_input = services.clock.monotonic()
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start()
        self.lock_screen_timer = QTimer(self)
        self.lock_screen_timer.setInterval(250)
        self.lock_screen_timer.timeout.connect(self._tick_lock_screen)
        # The end of the needle time shows on the lock screen the moment it comes.
        self.session_page.alarm_timer.timeout.connect(self._tick_lock_screen)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

        self._resume_open_session()
        self._show_gate()

    # -- who is at the keyboard ---------------------------------------------------------

    def acting_user_id(self) -> int | None:
        return self.current_user.id if self.current_user else None

    def set_acting_user(self, user_id: int) -> None:
        """Make an authenticated user the one acting; the gate pages call this after log-in."""
        self._on_signed_in(self._services.users.get(user_id))

    def _on_signed_in(self, user: UserRow) -> None:
        self.current_user = user
        self.user_label.setText(f"  Signed in: {user.label}  ")
        self.toolbar.setVisible(True)
        self.screens.setCurrentWidget(self.workspace)
        self.lock_screen_timer.stop()
        self._last_input = self._services.clock.monotonic()
        self._show_warnings()
        self.session_page.apply_roles(user.roles)
        self.admin_action.setVisible(Role.ADMINISTRATOR in user.roles)
        if self._admin_page is not None and self.pages.currentWidget() is self._admin_page:
            if Role.ADMINISTRATOR in user.roles:
                self._admin_page.refresh()
            else:
                self.pages.setCurrentWidget(self.welcome)
        if self.patient_page.patient_id is not None:
            self.patient_page.refresh()
        self.patient_list.refresh()

    def switch_user(self) -> None:
        """Hand the keyboard to someone else: they choose their name and type their PIN."""
        self._show_gate(preselect=None, page=self.gate.login)

    def log_out(self) -> None:
        self._show_gate(page=self.gate.login)

    def lock(self) -> None:
        if self.current_user is None and self.screens.currentWidget() is self.gate:
            return
        user = self.current_user
        with suppress(AcuDeskError):  # locking must never fail for want of an audit row
            self._services.auth.record_lock(user.id if user else None)
        self._show_gate(preselect=user.id if user else None, page=self.gate.lock)
        self.lock_screen_timer.start()
        self._tick_lock_screen()

    def check_idle(self) -> None:
        if self.current_user is None:
            return
        idle = self._services.clock.monotonic() - self._last_input
        if idle >= self._services.clinic.options().lock_minutes * 60:
            self.lock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self._last_input = self._services.clock.monotonic()
        return False

    def _show_gate(self, preselect: int | None = None, page: QWidget | None = None) -> None:
        self.current_user = None
        self.toolbar.setVisible(False)
        if self._services.auth.needs_first_administrator():
            self.gate.setCurrentWidget(self.gate.first_admin)
        else:
            target = page or self.gate.login
            self.gate.login.reload_users(preselect)
            self.gate.lock.reload_users(preselect)
            self.gate.setCurrentWidget(target)
        self.screens.setCurrentWidget(self.gate)

    def _tick_lock_screen(self) -> None:
        self.gate.lock.show_timer(self.session_page.view, self._services.clock.now())

    def _show_warnings(self) -> None:
        """Certificate warnings go to the administrator and to the practitioner concerned."""
        user = self.current_user
        warnings = self._services.users.certificate_warnings()
        if user is None or Role.ADMINISTRATOR not in user.roles:
            name = user.full_name if user else "\0"
            warnings = [w for w in warnings if w.startswith(name)]
        self.warning_label.setText("  ".join(warnings))
        self.warning_label.setVisible(bool(warnings))

    # -- navigation -------------------------------------------------------------------

    def open_patient(self, patient_id: int) -> None:
        self.patient_page.show_patient(patient_id)
        self.pages.setCurrentWidget(self.patient_page)
        self.show_patient_list(True)

    @property
    def admin_page(self) -> AdminPage:
        if self._admin_page is None:
            self._admin_page = AdminPage(self._services, self.acting_user_id)
            self._admin_page.users_changed.connect(self._show_warnings)
            self.pages.addWidget(self._admin_page)
        return self._admin_page

    def open_administration(self) -> None:
        self.admin_page.refresh()
        self.pages.setCurrentWidget(self.admin_page)
        self.show_patient_list(False)

    def open_session(self, session_id: int) -> None:
        self.session_page.show_session(session_id)
        self.pages.setCurrentWidget(self.session_page)
        self.show_patient_list(False)  # the session needs the whole width; Ctrl+F brings it back

    def show_patient_list(self, visible: bool) -> None:
        was_hidden = self.patient_list.isHidden()
        self.patient_list.setVisible(visible)
        if visible and was_hidden:
            self.splitter.setSizes([LIST_WIDTH, max(self.width() - LIST_WIDTH, 600)])

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

    def _on_timer_updated(self, text: str, urgent: bool) -> None:
        shown = bool(text) and self.pages.currentWidget() is not self.session_page
        self.compact_timer_action.setVisible(shown)  # a toolbar shows widgets through actions
        self.compact_timer.setText(text)
        self.compact_timer.setStyleSheet(
            "QPushButton#compactTimer { font-size: 14pt; font-weight: 700; padding: 4px 12px;"
            + (" background: #c62828; color: white; }" if urgent else " }")
        )

    def _back_to_session(self) -> None:
        if self.session_page.view is not None:
            self.open_session(self.session_page.view.id)

    def _resume_open_session(self) -> None:
        """After a restart or a crash, the session in progress is where the room left it."""
        open_sessions = self._services.sessions.open_sessions()
        if open_sessions:
            latest = open_sessions[-1]
            self.open_session(latest.id)
            self.statusBar().showMessage("Resumed the session in progress.", 10000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.session_page.ticker.stop()
        self.session_page.alarm_timer.stop()
        self.idle_timer.stop()
        self.lock_screen_timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        event.accept()
