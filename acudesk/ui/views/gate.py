"""Who is at the keyboard: first administrator, log-in, quick switch by PIN, and the lock screen.

The needle watch's strip stays above these pages with initials only; they show no patient data.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError
from acudesk.services.container import Services
from acudesk.services.dto import UserRow


def _card(title: str, subtitle: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("panel")
    card.setFixedWidth(520)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(28, 24, 28, 24)
    heading = QLabel(title)
    heading.setObjectName("pageTitle")
    layout.addWidget(heading)
    note = QLabel(subtitle)
    note.setObjectName("muted")
    note.setWordWrap(True)
    layout.addWidget(note)
    return card, layout


def _password_edit(placeholder: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


def _error_label() -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # a refusal may quote what was typed
    label.setObjectName("error")
    label.setWordWrap(True)
    return label


class FirstAdministratorPage(QWidget):
    """The first start on an empty database: there are no default accounts."""

    signed_in = Signal(object)  # UserRow

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        card, layout = _card(
            "Welcome to AcuDesk",
            "This database has no accounts yet. Create the clinic administrator's account; "
            "the administrator then adds the acupuncturists and nurses.",
        )
        self.username = QLineEdit()
        self.username.setPlaceholderText("e.g. admin")
        self.full_name = QLineEdit()
        self.password = _password_edit("at least 8 characters")
        self.password_again = _password_edit("the same again")
        self.pin = _password_edit("4 to 8 digits, for quick switching")
        form = QFormLayout()
        form.addRow("Log-in name", self.username)
        form.addRow("Full name", self.full_name)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.password_again)
        form.addRow("PIN", self.pin)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        self.create_button = QPushButton("Create administrator")
        self.create_button.setObjectName("primary")
        layout.addWidget(self.create_button, 0, Qt.AlignmentFlag.AlignRight)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.create_button.clicked.connect(self.create_administrator)
        for edit in (
            self.username,
            self.full_name,
            self.password,
            self.password_again,
            self.pin,
        ):
            edit.returnPressed.connect(self.create_administrator)  # Enter from any field

    def create_administrator(self) -> None:
        if self.password.text() != self.password_again.text():
            self.error.setText("Password again: the two passwords differ.")
            self.password_again.setFocus()
            return
        try:
            user = self._services.auth.create_first_administrator(
                self.username.text(),
                self.full_name.text(),
                pin=self.pin.text(),
                password=self.password.text(),
            )
        except AcuDeskError as error:
            self.error.setText(str(error))
            return
        self.error.clear()
        self.signed_in.emit(user)


class LoginPage(QWidget):
    """Log-in by name and password, or a quick switch by choosing a name and typing the PIN."""

    signed_in = Signal(object)  # UserRow

    def __init__(self, services: Services, *, locked: bool = False) -> None:
        super().__init__()
        self._services = services
        self.locked = locked
        title = "Screen locked" if locked else "Log in to AcuDesk"
        subtitle = (
            "The screen is locked. Patient data is hidden; the needle timers above keep "
            "running and their alarms sound. Unlock with your PIN."
            if locked
            else "Log in with your name and password, or choose your name and type your PIN."
        )
        card, layout = _card(title, subtitle)
        self.user_combo = QComboBox()
        self.pin_edit = _password_edit("PIN")
        self.pin_edit.setObjectName("pinEdit")
        self.pin_button = QPushButton("Unlock with PIN" if locked else "Switch with PIN")
        self.pin_button.setObjectName("primary")
        self.username = QLineEdit()
        self.username.setPlaceholderText("log-in name")
        self.password = _password_edit("password")
        self.password.setObjectName("passwordEdit")
        self.login_button = QPushButton("Log in with password")
        # One form, so both ways of signing in line up.
        form = QFormLayout()
        form.addRow("Who", self.user_combo)
        form.addRow("PIN", self.pin_edit)
        form.addRow("", self.pin_button)
        or_label = QLabel("or")
        or_label.setObjectName("muted")
        form.addRow("", or_label)
        form.addRow("Log-in name", self.username)
        form.addRow("Password", self.password)
        form.addRow("", self.login_button)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.pin_button.clicked.connect(self.use_pin)
        self.pin_edit.returnPressed.connect(self.use_pin)
        self.login_button.clicked.connect(self.use_password)
        self.password.returnPressed.connect(self.use_password)

    def reload_users(self, preselect: int | None = None) -> None:
        self.pin_edit.clear()
        self.password.clear()
        self.error.clear()
        try:
            users = self._services.users.list_users()
        except AcuDeskError as error:  # the gate shows anyway; the names come back later
            self.error.setText(str(error))
            users = []
        except Exception:  # a database fault must never stop the screen from locking
            self.error.setText("The list of users cannot be read from the database just now.")
            users = []
        if users or self.user_combo.count() == 0:
            self.user_combo.clear()
            for user in users:
                self.user_combo.addItem(user.label, user.id)
        if preselect is not None:
            self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(preselect)))
        QTimer.singleShot(0, self.pin_edit.setFocus)  # once the page is on screen

    def use_pin(self) -> None:
        user_id = self.user_combo.currentData()
        if user_id is None:
            self.error.setText("Who: choose your name.")
            return
        self._finish(lambda: self._services.auth.switch_user(int(user_id), self.pin_edit.text()))

    def use_password(self) -> None:
        self._finish(lambda: self._services.auth.log_in(self.username.text(), self.password.text()))

    def _finish(self, attempt: Callable[[], UserRow]) -> None:
        try:
            user = attempt()
        except AcuDeskError as error:
            self.error.setText(str(error))
            self.pin_edit.clear()
            self.password.clear()
            return
        self.error.clear()
        self.signed_in.emit(user)


class Gate(QStackedWidget):
    """The pages shown instead of the workspace while nobody is signed in."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.first_admin = FirstAdministratorPage(services)
        self.login = LoginPage(services)
        self.lock = LoginPage(services, locked=True)
        for page in (self.first_admin, self.login, self.lock):
            self.addWidget(page)
