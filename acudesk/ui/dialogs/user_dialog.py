"""Administration dialogs: add a user, reset a PIN or password, change roles, add a credential.

Each opens with ``open()`` and stays open, input intact, until the service accepts the data; a
refusal is shown in plain words next to the field it names.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.auth import PASSWORD_MIN, PIN_LENGTH
from acudesk.domain.clock import local_date
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.errors import AcuDeskError, RuleViolation
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.ui.widgets.forms import as_date, button_row, date_edit, error_label, hint

NO_USER = "Choose who is acting at the top of the window first."
ROLE_HINTS = {
    Role.ACUPUNCTURIST: "plans courses, inserts needles, signs sessions",
    Role.NURSE: "prepares the patient, removes needles, runs the rest",
    Role.ADMINISTRATOR: "users, credentials, settings, audit trail",
}
_INVALID = "QLineEdit, QDateEdit, QComboBox { border: 2px solid #b00020; }"


class FormDialog(QDialog):
    """Title, form, a general error line and Cancel / primary button; subclasses fill the form."""

    saved = Signal(int)

    def __init__(self, title: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(620)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.error_label = error_label()
        self.ok_button, self.cancel_button, buttons = button_row(ok_text)
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.field_errors: dict[str, tuple[QLabel, QWidget]] = {}
        self.ok_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)

    def add_field(self, name: str, label: str, widget: QWidget) -> None:
        """A form row, with its own error line under it for refusals naming ``name``."""
        self.form.addRow(label, widget)
        error = error_label()
        self.form.addRow("", error)
        self.field_errors[name] = (error, widget)

    def save(self) -> None:
        self._clear_errors()
        try:
            self.saved.emit(self.submit())
        except AcuDeskError as error:
            self.show_error(error)
            return
        self.accept()

    def submit(self) -> int:
        """Hand the form to the service; return the id of what was saved."""
        raise NotImplementedError

    def show_error(self, error: AcuDeskError) -> None:
        field = error.field if isinstance(error, RuleViolation) else None
        place = self.field_errors.get(field or "")
        if place is None:
            self.error_label.setText(str(error))
            self.error_label.show()
            return
        label, widget = place
        label.setText(str(error))
        label.show()
        widget.setStyleSheet(_INVALID)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear_errors(self) -> None:
        self.error_label.hide()
        for label, widget in self.field_errors.values():
            label.hide()
            widget.setStyleSheet("")


def _acting(user: int | None) -> int:
    if user is None:
        raise AcuDeskError(NO_USER)
    return user


def _secret_edit(placeholder: str, digits_only: bool = False) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    if digits_only:
        edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"\d{0,8}"), edit))
    return edit


def _role_boxes(form: FormDialog, checked: frozenset[Role]) -> dict[Role, QCheckBox]:
    boxes: dict[Role, QCheckBox] = {}
    column = QVBoxLayout()
    column.setSpacing(2)
    for role in Role:
        box = QCheckBox(f"{role.label}: {ROLE_HINTS[role]}")
        box.setChecked(role in checked)
        column.addWidget(box)
        boxes[role] = box
    holder = QWidget()
    holder.setLayout(column)
    column.setContentsMargins(0, 0, 0, 0)
    form.add_field("roles", "Roles", holder)
    return boxes


class _SecretsForm(FormDialog):
    """PIN and password, each typed twice, for a new user or a reset."""

    def add_secret_fields(self, pin_label: str, password_label: str) -> None:
        low, high = PIN_LENGTH
        self.pin_edit = _secret_edit(f"{low} to {high} digits", digits_only=True)
        self.pin_again_edit = _secret_edit("the same PIN again", digits_only=True)
        self.password_edit = _secret_edit(f"at least {PASSWORD_MIN} characters")
        self.password_again_edit = _secret_edit("the same password again")
        self.add_field("pin", pin_label, self.pin_edit)
        self.add_field("pin_again", "PIN again", self.pin_again_edit)
        self.add_field("password", password_label, self.password_edit)
        self.add_field("password_again", "Password again", self.password_again_edit)

    def checked_secret(self, kind: str) -> str:
        """The secret typed, once both copies agree."""
        edit, again = {
            "pin": (self.pin_edit, self.pin_again_edit),
            "password": (self.password_edit, self.password_again_edit),
        }[kind]
        if edit.text() != again.text():
            name = "PIN" if kind == "pin" else "Password"
            raise RuleViolation(
                f"{kind}_again",
                f"{name} again: the two entries differ. Type the same {name.lower()} twice.",
                field=f"{kind}_again",
            )
        return edit.text()


class UserDialog(_SecretsForm):
    """A new account: log-in name, full name, roles, PIN and password."""

    def __init__(
        self, services: Services, acting_user: int | None, parent: QWidget | None = None
    ) -> None:
        super().__init__("Add a user", "Add user", parent)
        self._services = services
        self._acting_user = acting_user
        self.username_edit = QLineEdit()
        self.username_edit.setPlaceholderText("for example ivanova")
        self.username_edit.setMaxLength(64)
        self.full_name_edit = QLineEdit()
        self.full_name_edit.setPlaceholderText("as it appears on records, e.g. Dr Elena Ivanova")
        self.full_name_edit.setMaxLength(200)
        self.add_field("username", "Log-in name", self.username_edit)
        self.add_field("full_name", "Full name", self.full_name_edit)
        self.role_checks = _role_boxes(self, frozenset())
        self.add_secret_fields("PIN", "Password")
        self.form.addRow(
            "",
            hint(
                "Give the person their PIN and password in private; they can be reset here "
                "later but never read back."
            ),
        )

    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, box in self.role_checks.items() if box.isChecked())

    def submit(self) -> int:
        pin = self.checked_secret("pin")
        password = self.checked_secret("password")
        row = self._services.users.create_user(
            self.username_edit.text(),
            self.full_name_edit.text(),
            self.roles(),
            pin=pin,
            password=password,
            created_by=_acting(self._acting_user),
        )
        return row.id


class SecretsDialog(_SecretsForm):
    """A new PIN, a new password, or both; an empty pair keeps what the person has."""

    def __init__(
        self,
        services: Services,
        acting_user: int | None,
        user: UserRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Reset PIN or password: {user.full_name}", "Reset", parent)
        self._services = services
        self._acting_user = acting_user
        self._user = user
        self.add_secret_fields("New PIN", "New password")
        self.form.addRow(
            "",
            hint(
                "Leave a pair empty to keep it. Resetting also lifts the wait imposed after "
                "repeated wrong log-in attempts."
            ),
        )

    def submit(self) -> int:
        pin = self.checked_secret("pin") or None
        password = self.checked_secret("password") or None
        if pin is None and password is None:
            raise RuleViolation(
                "nothing_to_reset", "Enter a new PIN, a new password, or both.", field="pin"
            )
        self._services.users.reset_secrets(
            _acting(self._acting_user), self._user.id, pin=pin, password=password
        )
        return self._user.id


class RolesDialog(FormDialog):
    def __init__(
        self,
        services: Services,
        acting_user: int | None,
        user: UserRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Roles: {user.full_name}", "Save roles", parent)
        self._services = services
        self._acting_user = acting_user
        self._user = user
        self.role_checks = _role_boxes(self, user.roles)

    def submit(self) -> int:
        roles = frozenset(role for role, box in self.role_checks.items() if box.isChecked())
        self._services.users.set_roles(_acting(self._acting_user), self._user.id, roles)
        return self._user.id


class CredentialDialog(FormDialog):
    """A medical diploma or an acupuncture training certificate for one practitioner."""

    def __init__(
        self,
        services: Services,
        acting_user: int | None,
        user: UserRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Add diploma or certificate: {user.full_name}", "Add", parent)
        self._services = services
        self._acting_user = acting_user
        self._user = user
        today = local_date(services.clock.now())
        self.kind_combo = QComboBox()
        for kind in CredentialKind:
            self.kind_combo.addItem(kind.label, kind.value)
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(CredentialKind.CERTIFICATE.value))
        self.number_edit = QLineEdit()
        self.number_edit.setPlaceholderText("as printed on the document")
        self.issuer_edit = QLineEdit()
        self.issuer_edit.setPlaceholderText("university, academy or training centre")
        self.issued_edit = date_edit(today)
        self.issued_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        self.expires_check = QCheckBox("Expires on")
        self.expires_edit = date_edit(today.replace(year=today.year + 5, day=min(today.day, 28)))
        expiry_row = QHBoxLayout()
        expiry_row.addWidget(self.expires_check)
        expiry_row.addWidget(self.expires_edit)
        expiry_row.addStretch(1)
        expiry = QWidget()
        expiry.setLayout(expiry_row)
        expiry_row.setContentsMargins(0, 0, 0, 0)
        self.place_edit = QLineEdit()
        self.place_edit.setPlaceholderText("department or centre where the training took place")
        self.add_field("kind", "Document", self.kind_combo)
        self.add_field("number", "Number", self.number_edit)
        self.add_field("issuer", "Issued by", self.issuer_edit)
        self.add_field("issued_on", "Date of issue", self.issued_edit)
        self.add_field("expires_on", "Expiry", expiry)
        self.add_field("training_place", "Training took place at", self.place_edit)
        self.form.addRow(
            "",
            hint("AcuDesk warns 30 days before an acupuncture certificate expires."),
        )
        self.kind_combo.currentIndexChanged.connect(self._on_kind_changed)
        self.expires_check.toggled.connect(self.expires_edit.setEnabled)
        self._on_kind_changed()

    def kind(self) -> CredentialKind:
        return CredentialKind(self.kind_combo.currentData())

    def input_data(self) -> CredentialInput:
        expires = as_date(self.expires_edit.date()) if self.expires_check.isChecked() else None
        return CredentialInput(
            kind=self.kind(),
            number=self.number_edit.text(),
            issuer=self.issuer_edit.text(),
            issued_on=as_date(self.issued_edit.date()),
            expires_on=expires,
            training_place=self.place_edit.text(),
        )

    def submit(self) -> int:
        row = self._services.users.add_credential(
            _acting(self._acting_user), self._user.id, self.input_data()
        )
        return row.id

    def _on_kind_changed(self) -> None:
        # A certificate always has an expiry date; a diploma usually has none.
        self.expires_check.setChecked(self.kind() is CredentialKind.CERTIFICATE)
        self.expires_edit.setEnabled(self.expires_check.isChecked())
