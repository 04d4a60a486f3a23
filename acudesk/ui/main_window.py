"""The AcuDesk main window: who is signed in, the patients, the patient and the session.

Above every page, the lock screen and the log-in gate included, the needle watch's strip shows
every open session on this database; the watch owns every alarm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QSystemTrayIcon,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.roles import Role
from acudesk.domain.session_record import AlarmEvent, AlarmPriority, SessionRecord
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.services.restore import StagedRestore
from acudesk.ui.backup_scheduler import BackupScheduler
from acudesk.ui.change_feed import ChangeFeed
from acudesk.ui.dialogs.patient_dialog import PatientDialog
from acudesk.ui.follow_changes import FollowChanges
from acudesk.ui.shortcuts import window_shortcut
from acudesk.ui.views.admin_page import AdminPage
from acudesk.ui.views.board import BoardPage
from acudesk.ui.views.gate import Gate
from acudesk.ui.views.patient_list import PatientListView
from acudesk.ui.views.patient_page import PatientPage
from acudesk.ui.views.session.session_page import SessionPage
from acudesk.ui.watch import NeedleWatch
from acudesk.ui.widgets.alarm_sound import AlarmBell, SoundAlarm, sound_problem
from acudesk.ui.widgets.watch_strip import WatchStrip

log = logging.getLogger(__name__)

IDLE_CHECK_MS = 5000
STRIP_TICK_MS = 250
AUDIT_RETRY_MS = 5000
LIST_WIDTH = 380
_INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        *,
        demo: bool = False,
        board: bool = False,
        bell: AlarmBell | None = None,
        check_sound: Callable[[], str] = sound_problem,
    ) -> None:
        super().__init__()
        self._services = services
        self.change_feed = ChangeFeed(self)  # what changed elsewhere, for views and forms
        self.change_feed.serve(services)
        self.current_user: UserRow | None = None
        self.patient_dialog: PatientDialog | None = None
        self._check_sound = check_sound
        self.sound_problem = ""
        self._pending_session: int | None = None  # a tile clicked on the gate: open after log-in
        self._hidden_for_lock: list[tuple[QWidget, int | None]] = []
        self._audit_queue: list[Callable[[], None]] = []  # events the database could not take
        self._last_read_ok = services.clock.now()
        self.closed_with_needles = False
        # A checked backup to put in place once the window has closed (Administration, Backups).
        self.pending_restore: StagedRestore | None = None
        self._lock_minutes = 5
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
        self.board_action = self.toolbar.addAction("All rooms (F9)", self.open_board)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.toolbar.addWidget(spacer)
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
        self.session_page = SessionPage(services, self.acting_user_id)
        self.wall_screen = board
        self.watch = NeedleWatch(
            services.clock,
            services.sessions.watched_sessions,
            bell or SoundAlarm(),
            workstation=services.db.workstation,
            # A wall screen and a workstation serving no room are nurse stations: they hear
            # every room's alarm at once; a room's PC hears another room's after a minute.
            nurse_station=board or not services.db.room,
        )
        self.strip = WatchStrip()
        # Backups after every signed session and hourly, off this thread; banners on every page.
        self.backups = BackupScheduler(services, self.strip.set_banner, parent=self)
        self.board_page = BoardPage()
        self._admin_page: AdminPage | None = None  # built when an administrator opens it
        for page in (self.welcome, self.patient_page, self.session_page, self.board_page):
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
        self.wall = BoardPage()  # the wall screen: the board alone, initials only
        self.wall.title.setText("All rooms - nurse station")
        self.screens.addWidget(self.wall)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.strip)
        column.addWidget(self.screens, 1)
        self.setCentralWidget(central)

        self.database_label = QLabel(services.database_label)
        self.database_label.setObjectName("databaseLabel")
        self.statusBar().addPermanentWidget(self.database_label)

        for keys, slot in (
            (QKeySequence.StandardKey.Find, self._search_patients),
            (QKeySequence.StandardKey.New, self.new_patient),
            (QKeySequence("Ctrl+U"), self.switch_user),
            (QKeySequence("Ctrl+Shift+L"), self.lock),
            (QKeySequence("F9"), self.open_board),
        ):
            window_shortcut(keys, self, slot)  # from inside text fields too
        self.patient_list.patient_chosen.connect(self.open_patient)
        self.patient_list.new_patient_requested.connect(self.new_patient)
        self.patient_page.session_opened.connect(self.open_session)
        self.patient_page.patient_changed.connect(self._on_patient_changed)
        self.session_page.back_requested.connect(self.open_patient)
        self.session_page.session_changed.connect(self._on_session_changed)
        self.pages.currentChanged.connect(lambda _i: self.session_page.tick())
        self.strip.session_requested.connect(self._on_tile_clicked)
        self.board_page.session_requested.connect(self._on_tile_clicked)
        self.watch.changed.connect(self._show_strip)
        self.watch.changed.connect(self._follow_other_workstations)
        self.watch.alarm.connect(self._on_alarm)
        for gate_page in (self.gate.first_admin, self.gate.login, self.gate.lock):
            gate_page.signed_in.connect(self._on_signed_in)

        self._last_input = services.clock.monotonic()
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start()
        self.strip_timer = QTimer(self)
        self.strip_timer.setInterval(STRIP_TICK_MS)
        self.strip_timer.timeout.connect(self._show_strip)
        self.strip_timer.start()
        self.audit_retry = QTimer(self)
        self.audit_retry.setInterval(AUDIT_RETRY_MS)
        self.audit_retry.timeout.connect(self._flush_audit_queue)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

        self._resume_open_sessions()
        self._show_gate()
        if board:
            self.screens.setCurrentWidget(self.wall)
            self.setWindowTitle("AcuDesk - all rooms")
        self.watch.start_polling()
        self.follow_changes = FollowChanges(
            services, self.change_feed, self.patient_list, self.patient_page, self.session_page
        )
        self.change_listener = services.change_listener(
            self.watch.remote_changed, self.watch.remote_live, self.change_feed.post
        )
        self.change_listener.start()
        # Asking the sound system takes a moment: after the first paint.
        QTimer.singleShot(0, self.check_sound)

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
        self._restore_after_lock(user.id)
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
        self._show_strip()
        if self._pending_session is not None:
            session_id, self._pending_session = self._pending_session, None
            self.open_session(session_id)

    def switch_user(self) -> None:
        """Hand the keyboard to someone else: they choose their name and type their PIN."""
        self._show_gate(preselect=None, page=self.gate.login)

    def log_out(self) -> None:
        self._show_gate(page=self.gate.login)

    def lock(self) -> None:
        """The lock shows first and never waits for the database; the event is recorded after."""
        if self.current_user is None and self.screens.currentWidget() is self.gate:
            return
        user = self.current_user
        user_id = user.id if user else None
        self._hide_for_lock(user_id)
        self._show_gate(preselect=user_id, page=self.gate.lock)
        self._record_later(lambda: self._services.auth.record_lock(user_id))

    def _hide_for_lock(self, user_id: int | None) -> None:
        """Every other window and dialog goes out of sight, its typed input kept for its owner."""
        for widget in QApplication.topLevelWidgets():
            if widget is self or not widget.isVisible():
                continue
            widget.hide()
            self._hidden_for_lock.append((widget, user_id))

    def _restore_after_lock(self, user_id: int) -> None:
        hidden, self._hidden_for_lock = self._hidden_for_lock, []
        for widget, owner in hidden:
            if owner == user_id:
                widget.show()
            else:  # someone else's form: what was typed in it is discarded
                widget.close()
                widget.deleteLater()

    def _record_later(self, event: Callable[[], None]) -> None:
        """An audit event that must not be lost nor hold up the screen: queued, then retried."""
        self._audit_queue.append(event)
        QTimer.singleShot(0, self._flush_audit_queue)

    def _flush_audit_queue(self) -> None:
        while self._audit_queue:
            try:
                self._audit_queue[0]()
            except Exception:  # the database is locked, full or gone: try again later
                log.warning("an audit event is waiting for the database", exc_info=True)
                self.audit_retry.start()
                return
            self._audit_queue.pop(0)
        self.audit_retry.stop()

    def check_idle(self) -> None:
        if self.current_user is None:
            return
        idle = self._services.clock.monotonic() - self._last_input
        try:
            self._lock_minutes = self._services.clinic.options().lock_minutes
        except Exception:  # the database cannot be read: lock on the last setting known
            log.warning("the lock setting could not be read", exc_info=True)
        if idle >= self._lock_minutes * 60:
            self.lock()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS:
            self._last_input = self._services.clock.monotonic()
        return False

    def _show_gate(self, preselect: int | None = None, page: QWidget | None = None) -> None:
        self.current_user = None
        self.toolbar.setVisible(False)
        self.screens.setCurrentWidget(self.gate)  # first: nothing below may keep it from showing
        self._show_strip()
        try:
            first_start = self._services.auth.needs_first_administrator()
        except Exception:  # the database is unreadable: the log-in page still shows
            log.warning("the gate could not read the accounts", exc_info=True)
            first_start = False
        if first_start:
            self.gate.setCurrentWidget(self.gate.first_admin)
        else:
            target = page or self.gate.login
            self.gate.login.reload_users(preselect)
            self.gate.lock.reload_users(preselect)
            self.gate.setCurrentWidget(target)

    # -- the needle watch ------------------------------------------------------------------

    @property
    def gate_showing(self) -> bool:
        return self.screens.currentWidget() is self.gate

    def _show_strip(self) -> None:
        now = self._services.clock.now()
        if self.watch.live:
            self._last_read_ok = now
        self.strip.set_live(self.watch.live, f"{self._last_read_ok.astimezone():%H:%M}")
        lines = self.watch.lines(now)
        if self.wall_screen:
            self.wall.show_lines(lines, private=True)
            self.strip.show_lines([], private=True)  # the board itself is the strip here
            return
        self.strip.show_lines(lines, private=self.gate_showing)
        if self.pages.currentWidget() is self.board_page:
            self.board_page.show_lines(lines, private=self.gate_showing)

    def _follow_other_workstations(self) -> None:
        """The session on screen was changed elsewhere (another room's PC, another window):
        show it as it now stands."""
        page = self.session_page
        if page.view is None or page.view.signed_at is not None:
            return
        record = self.watch.records.get(page.view.id)
        if record is not None and record != page.view:
            page.show_view(record)

    def open_board(self) -> None:
        """Every open session of the clinic, one tile per room."""
        if self.current_user is None:
            return
        self.pages.setCurrentWidget(self.board_page)
        self.show_patient_list(False)
        self._show_strip()

    def _on_tile_clicked(self, session_id: int) -> None:
        if self.wall_screen:
            return  # a wall screen opens nothing: sessions open at a nurse's own workstation
        if self.current_user is None:
            self._pending_session = session_id
            self.statusBar().showMessage("Log in to open that session.", 5000)
            return
        self.open_session(session_id)

    def check_sound(self) -> None:
        """Whether this workstation can play the alarm; every page says so when it cannot."""
        try:
            self.sound_problem = self._check_sound()
        except Exception as error:  # asking the sound system must not stop the window
            self.sound_problem = f"the sound system did not answer: {type(error).__name__}"
        self.strip.set_sound_problem(self.sound_problem)

    def _on_alarm(self, event: AlarmEvent) -> None:
        """The sound has played in the alarm's own thread; here is what the window adds."""
        self._show_strip()
        if self.session_page.view is not None and self.session_page.view.id == event.session_id:
            self.session_page.tick()
        app = QApplication.instance()
        if self.isMinimized():
            self.showNormal()
        self.raise_()
        if isinstance(app, QApplication):
            QApplication.alert(self, 0)
        if self.sound_problem:
            QApplication.beep()
        line = next((x for x in self.watch.lines() if x.session_id == event.session_id), None)
        where = f" ({line.room or line.initials})" if line else ""
        text = {
            AlarmPriority.HIGH: f"Needles overdue{where}: remove them now.",
            AlarmPriority.MEDIUM: f"Needle time is up{where}: remove the needles now.",
            AlarmPriority.LOW: f"The rest period is over{where}.",
        }[event.priority]
        self.statusBar().showMessage(text, 60000)
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            tray = self._tray()
            tray.showMessage("AcuDesk", text, QSystemTrayIcon.MessageIcon.Warning, 30000)

    def _tray(self) -> QSystemTrayIcon:
        tray = getattr(self, "_tray_icon", None)
        if tray is None:
            tray = QSystemTrayIcon(self.windowIcon(), self)
            tray.show()
            self._tray_icon = tray
        return tray

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
            restore = self._admin_page.backup_tab.restore
            if restore is not None:
                restore.needles_in = self.open_sessions_text
                restore.ready.connect(self._on_restore_ready)
            self.pages.addWidget(self._admin_page)
        return self._admin_page

    def _on_restore_ready(self, staged: StagedRestore) -> None:
        """A checked backup waits beside the database: close on it, so that the composition
        root puts it in place and starts again (acudesk/app.py)."""
        if self.watch.needles_in():  # never with a needle in: checked again at the last moment
            staged.discard()
            return
        self.pending_restore = staged
        self.close()

    def open_administration(self) -> None:
        self.admin_page.refresh()
        self.pages.setCurrentWidget(self.admin_page)
        self.show_patient_list(False)

    def open_session(self, session_id: int) -> None:
        self.session_page.show_session(session_id)
        if self.session_page.view is not None and self.session_page.view.id == session_id:
            self.watch.update(self.session_page.view)  # what was just read is the freshest
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
        self.patient_dialog = PatientDialog(
            self._services, self.acting_user_id(), parent=self, still_acting=self.acting_user_id
        )
        self.patient_dialog.saved.connect(self._on_patient_registered)
        self.patient_dialog.open()

    def _on_patient_registered(self, patient_id: int) -> None:
        self.patient_list.refresh()
        self.open_patient(patient_id)

    def _on_patient_changed(self, _patient_id: int) -> None:
        self.patient_list.refresh()

    def _on_session_changed(self, view: object) -> None:
        if isinstance(view, SessionRecord):
            before = self.watch.records.get(view.id)
            if view.retention_started_at is not None and (
                before is None or before.retention_started_at is None
            ):
                self.check_sound()  # a timer just started: can its alarm be heard?
            self.watch.update(view)
        self.statusBar().showMessage("Saved.", 3000)

    def _resume_open_sessions(self) -> None:
        """After a restart or a crash every open session is watched again at once, and the
        newest one is where the room left it (behind the log-in)."""
        self.watch.reload()
        records = sorted(self.watch.records.values(), key=lambda r: r.started_at)
        if records:
            self.open_session(records[-1].id)
            self.statusBar().showMessage(
                f"Resumed: {len(records)} session{'s' if len(records) != 1 else ''} in progress.",
                10000,
            )

    def open_sessions_text(self) -> str:
        needles = self.watch.needles_in()
        lines = [x for x in self.watch.lines() if x.session_id in needles]
        return "\n".join(f"  {x.text(private=False)}" for x in lines)

    def confirm_close_with_needles(self, text: str) -> bool:
        """Ask before closing while needles are in; a test may answer in its place."""
        answer = QMessageBox.warning(
            self,
            "Needles are still in",
            "Needles are still in:\n"
            + text
            + "\n\nWhile AcuDesk is closed no alarm can sound. Close it anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:
        needles = self.watch.needles_in()
        if needles and not self.closed_with_needles:
            if not self.confirm_close_with_needles(self.open_sessions_text()):
                event.ignore()
                return
            user = self.acting_user_id()
            self.closed_with_needles = True
            try:
                self._services.sessions.record_closed_with_needles(user, sorted(needles))
            except Exception:  # closing must not wait for a database that cannot write
                log.warning("closing with needles in could not be recorded", exc_info=True)
        self.session_page.ticker.stop()
        self.idle_timer.stop()
        self.strip_timer.stop()
        self.audit_retry.stop()
        self.watch.shutdown()
        self.change_listener.stop()
        self.backups.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        event.accept()
