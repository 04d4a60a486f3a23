"""Administration: users, practitioners' credentials, clinic settings and the audit trail.

Every action goes through a service with the acting user, and the services check the role again;
the page only disables what the acting user may not do and says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.clinic_options import BOUNDS, ClinicOptions
from acudesk.domain.clock import as_utc, local_date
from acudesk.domain.credentials import CertificateCheck, CertificateStatus
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action, Role, may
from acudesk.services.audit import QUERY_LIMIT, AuditFilter, AuditRow
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.ui.dialogs.user_dialog import (
    CredentialDialog,
    FormDialog,
    RolesDialog,
    SecretsDialog,
    UserDialog,
    as_date,
    date_edit,
    error_label,
    hint,
)

NO_USER = "Choose who is acting at the top of the window."
ONLY = {
    Action.MANAGE_USERS: "Only the clinic administrator may manage users.",
    Action.MANAGE_CREDENTIALS: "Only the clinic administrator may record diplomas and "
    "certificates.",
    Action.CHANGE_SETTINGS: "Only the clinic administrator may change clinic settings.",
    Action.VIEW_AUDIT: "Only the clinic administrator may view the audit trail.",
}
AMBER, RED, GREEN, GREY = "#8a5300", "#b00020", "#1b6e3a", "#5b6b78"
_BANNER = (
    "QFrame#certificateBanner { background: #fff4e0; border: 2px solid #c77700;"
    " border-radius: 6px; }"
)


def _set_look(label: QLabel, name: str) -> None:
    label.setObjectName(name)
    label.style().unpolish(label)
    label.style().polish(label)


def _allow(widget: QWidget, refusal: str | None, why_not: str = "") -> None:
    """Enable a control, or disable it with the reason as its tooltip."""
    reason = refusal or why_not
    widget.setEnabled(not reason)
    widget.setToolTip(reason)


def _table(headers: Sequence[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setStyleSheet("QTableWidget::item { padding: 0 4px; }")
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str | tuple[str, str]]]) -> None:
    """Each cell is its text, or (text, colour)."""
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            text, colour = cell if isinstance(cell, tuple) else (cell, "")
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if colour:
                item.setForeground(QColor(colour))
            table.setItem(r, c, item)
    header = table.horizontalHeader()
    for c in range(table.columnCount()):
        if header.sectionResizeMode(c) is not QHeaderView.ResizeMode.Stretch:
            table.resizeColumnToContents(c)
            table.setColumnWidth(c, table.columnWidth(c) + 16)  # room to breathe


def certificate_cell(check: CertificateCheck | None, today: date) -> tuple[str, str]:
    """The certificate column: plain when valid, amber within 30 days of expiry, red when not
    valid; people who do not needle need none."""
    if check is None:
        return "not needed", GREY
    when, left = "", ""
    if check.expires_on is not None:
        when = f"{check.expires_on:%d.%m.%Y}"
        days = (check.expires_on - today).days
        left = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return {
        CertificateStatus.VALID: (f"valid until {when}", ""),
        CertificateStatus.EXPIRING: (f"expires {when} ({left})", AMBER),
        CertificateStatus.EXPIRED: (f"expired {when}", RED),
        CertificateStatus.MISSING: ("none on record", RED),
    }[check.status]


Dialog = TypeVar("Dialog", bound=FormDialog)


def _reopen(old: QDialog | None, new: Dialog, on_saved: Callable[[int], None]) -> Dialog:
    """Open a dialog in place of the earlier one of its kind; window-modal, never exec()."""
    if old is not None:
        old.deleteLater()
    new.saved.connect(on_saved)
    new.open()
    return new


class Access:
    """Who is acting and what they may not do; the services decide again on every action."""

    def __init__(self, services: Services, acting_user: Callable[[], int | None]) -> None:
        self._services = services
        self._acting_user = acting_user
        self.roles: frozenset[Role] = frozenset()
        self.reason = NO_USER
        self.who: UserRow | None = None

    def load(self) -> None:
        self.roles, self.reason, self.who = frozenset(), NO_USER, None
        user = self._acting_user()
        if user is None:
            return
        try:
            self.who = self._services.users.get(user)
        except AcuDeskError as error:
            self.reason = str(error)
            return
        if not self.who.active:
            self.reason = f"{self.who.full_name}'s account is disabled."
            return
        self.roles = self.who.roles

    def refusal(self, action: Action) -> str | None:
        if not self.roles:
            return self.reason
        return None if may(self.roles, action) else ONLY[action]

    def user(self) -> int | None:
        return self._acting_user()


class UsersTab(QWidget):
    users_changed = Signal()
    user_selected = Signal(int)

    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        self.rows: list[UserRow] = []
        self.user_dialog: UserDialog | None = None
        self.secrets_dialog: SecretsDialog | None = None
        self.roles_dialog: RolesDialog | None = None

        self.banner = QFrame()
        self.banner.setObjectName("certificateBanner")
        self.banner.setStyleSheet(_BANNER)
        self.banner_label = QLabel()
        self.banner_label.setObjectName("warning")
        self.banner_label.setWordWrap(True)
        banner = QVBoxLayout(self.banner)
        banner.addWidget(self.banner_label)
        banner.addWidget(
            hint(
                "AcuDesk warns 30 days before an acupuncture certificate expires. Record the "
                "renewed certificate on the Credentials tab."
            )
        )
        self.table = _table(["Name", "Log-in", "Roles", "Account", "Acupuncture certificate"], 4)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.add_button = QPushButton("Add user…")
        self.add_button.setObjectName("primary")
        self.active_button = QPushButton("Disable account")
        self.roles_button = QPushButton("Change roles…")
        self.secrets_button = QPushButton("Reset PIN/password…")
        self.error_label = error_label()
        buttons = QHBoxLayout()
        for button in (self.add_button, self.active_button, self.roles_button, self.secrets_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(self.open_add_user)
        self.active_button.clicked.connect(self.toggle_active)
        self.roles_button.clicked.connect(self.open_roles)
        self.secrets_button.clicked.connect(self.open_secrets)

    def refresh(self) -> None:
        chosen = self.selected_user()
        today = local_date(self._services.clock.now())
        try:
            warnings = self._services.users.certificate_warnings()
            self.rows = self._services.users.list_users(active_only=False)
            checks = {
                u.id: self._services.users.certificate(u.id)
                for u in self.rows
                if Role.ACUPUNCTURIST in u.roles
            }
        except AcuDeskError as error:
            self._show_error(error)
            return
        self.banner_label.setText("\n".join(warnings))
        self.banner.setVisible(bool(warnings))
        _fill(
            self.table,
            [
                (
                    u.full_name,
                    u.username,
                    ", ".join(r.label for r in sorted(u.roles)),
                    ("active", "") if u.active else ("disabled", GREY),
                    certificate_cell(checks.get(u.id), today),
                )
                for u in self.rows
            ],
        )
        if chosen is not None:
            self.select_user(chosen.id)
        self._update_actions()

    def selected_user(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()]

    def select_user(self, user_id: int) -> None:
        for index, row in enumerate(self.rows):
            if row.id == user_id:
                self.table.selectRow(index)
                return

    def open_add_user(self) -> UserDialog | None:
        if not self.add_button.isEnabled():
            return None
        self.user_dialog = _reopen(
            self.user_dialog, UserDialog(self._services, self._access.user(), self), self._on_saved
        )
        return self.user_dialog

    def open_secrets(self) -> SecretsDialog | None:
        user = self.selected_user()
        if user is None or not self.secrets_button.isEnabled():
            return None
        self.secrets_dialog = _reopen(
            self.secrets_dialog,
            SecretsDialog(self._services, self._access.user(), user, self),
            self._on_saved,
        )
        return self.secrets_dialog

    def open_roles(self) -> RolesDialog | None:
        user = self.selected_user()
        if user is None or not self.roles_button.isEnabled():
            return None
        self.roles_dialog = _reopen(
            self.roles_dialog,
            RolesDialog(self._services, self._access.user(), user, self),
            self._on_saved,
        )
        return self.roles_dialog

    def toggle_active(self) -> None:
        user, acting = self.selected_user(), self._access.user()
        if user is None or acting is None:
            return
        self.error_label.hide()
        try:
            self._services.users.set_active(acting, user.id, not user.active)
        except AcuDeskError as error:
            self._show_error(error)
            return
        self._on_saved(user.id)

    def _on_saved(self, user_id: int) -> None:
        self.refresh()
        self.select_user(user_id)
        self.users_changed.emit()

    def _on_selection_changed(self) -> None:
        self.error_label.hide()
        self._update_actions()
        user = self.selected_user()
        if user is not None:
            self.user_selected.emit(user.id)

    def _update_actions(self) -> None:
        refusal = self._access.refusal(Action.MANAGE_USERS)
        user = self.selected_user()
        none = "Choose a user in the table first." if user is None else ""
        who = self._access.who
        self_disable = ""
        if user is not None and user.active and who is not None and user.id == who.id:
            self_disable = "You cannot disable your own account."
        _allow(self.add_button, refusal)
        _allow(self.active_button, refusal, none or self_disable)
        _allow(self.roles_button, refusal, none)
        _allow(self.secrets_button, refusal, none)
        self.active_button.setText(
            "Enable account" if user is not None and not user.active else "Disable account"
        )

    def _show_error(self, error: AcuDeskError) -> None:
        self.error_label.setText(str(error))
        self.error_label.show()


class CredentialsTab(QWidget):
    credentials_changed = Signal()

    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        self.credential_dialog: CredentialDialog | None = None
        self.practitioners: list[UserRow] = []
        self.practitioner_combo = QComboBox()
        self.practitioner_combo.setMinimumWidth(320)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.table = _table(
            ["Document", "Number", "Issued by", "Issued on", "Expires", "Training took place at"], 2
        )
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.empty_label = hint("")
        self.add_button = QPushButton("Add diploma or certificate…")
        self.add_button.setObjectName("primary")
        self.error_label = error_label()
        top = QHBoxLayout()
        top.addWidget(QLabel("Practitioner"))
        top.addWidget(self.practitioner_combo)
        top.addWidget(self.status_label, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.practitioner_combo.currentIndexChanged.connect(self._show_credentials)
        self.add_button.clicked.connect(self.open_add_credential)

    def refresh(self) -> None:
        chosen = self.practitioner_combo.currentData()
        try:
            users = self._services.users.list_users(active_only=False)
        except AcuDeskError as error:
            self._show_error(error)
            return
        self.practitioners = [u for u in users if Role.ACUPUNCTURIST in u.roles]
        self.practitioner_combo.blockSignals(True)
        self.practitioner_combo.clear()
        for u in self.practitioners:
            self.practitioner_combo.addItem(
                u.full_name if u.active else f"{u.full_name} (disabled)", u.id
            )
        index = self.practitioner_combo.findData(chosen)
        self.practitioner_combo.setCurrentIndex(max(index, 0) if self.practitioners else -1)
        self.practitioner_combo.blockSignals(False)
        self._show_credentials()

    def show_user(self, user_id: int) -> None:
        index = self.practitioner_combo.findData(user_id)
        if index >= 0:
            self.practitioner_combo.setCurrentIndex(index)

    def practitioner(self) -> UserRow | None:
        user_id = self.practitioner_combo.currentData()
        return next((u for u in self.practitioners if u.id == user_id), None)

    def open_add_credential(self) -> CredentialDialog | None:
        user = self.practitioner()
        if user is None or not self.add_button.isEnabled():
            return None
        self.credential_dialog = _reopen(
            self.credential_dialog,
            CredentialDialog(self._services, self._access.user(), user, self),
            self._on_saved,
        )
        return self.credential_dialog

    def _on_saved(self, _credential_id: int) -> None:
        self._show_credentials()
        self.credentials_changed.emit()

    def _show_credentials(self) -> None:
        self.error_label.hide()
        user = self.practitioner()
        refusal = self._access.refusal(Action.MANAGE_CREDENTIALS)
        _allow(self.add_button, refusal, "" if user else "There is no practitioner to add it for.")
        if user is None:
            self.status_label.clear()
            self.table.setRowCount(0)
            self.empty_label.setText(
                "No acupuncturists yet: give a user the acupuncturist role on the Users tab."
            )
            self.empty_label.show()
            return
        try:
            rows = self._services.users.credentials(user.id)
            check = self._services.users.certificate(user.id)
        except AcuDeskError as error:
            self._show_error(error)
            return
        text, colour = certificate_cell(check, local_date(self._services.clock.now()))
        self.status_label.setText(f"Acupuncture certificate: {text}")
        self.status_label.setStyleSheet(f"color: {colour or GREEN}; font-weight: 600;")
        _fill(
            self.table,
            [
                (
                    r.kind.label,
                    r.number,
                    r.issuer,
                    f"{r.issued_on:%d.%m.%Y}",
                    f"{r.expires_on:%d.%m.%Y}" if r.expires_on else "no expiry",
                    r.training_place,
                )
                for r in rows
            ],
        )
        self.empty_label.setText("No diploma or certificate on record yet.")
        self.empty_label.setVisible(not rows)

    def _show_error(self, error: AcuDeskError) -> None:
        self.error_label.setText(str(error))
        self.error_label.show()


class SettingsTab(QWidget):
    settings_changed = Signal()

    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        self.options = ClinicOptions()
        self.spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self.save_buttons: dict[str, QPushButton] = {}
        self.status_labels: dict[str, QLabel] = {}
        panel = QFrame()
        panel.setObjectName("panel")
        grid = QGridLayout(panel)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        for row, (name, bounds) in enumerate(BOUNDS.items()):
            spin: QSpinBox | QDoubleSpinBox
            if isinstance(getattr(self.options, name), float):
                spin = QDoubleSpinBox()
                spin.setDecimals(1)
                spin.setSingleStep(0.5)
                spin.setRange(bounds.low, bounds.high)
            else:
                spin = QSpinBox()
                spin.setRange(int(bounds.low), int(bounds.high))
            spin.setSuffix(f" {bounds.unit}")
            spin.setMinimumWidth(110)
            # A value typed outside the bounds falls back to the last good one, never clamps.
            spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
            spin.setAccessibleName(bounds.label)
            save = QPushButton("Save")
            status = QLabel()
            grid.addWidget(QLabel(bounds.label), row, 0)
            grid.addWidget(spin, row, 1)
            allowed = hint(f"allowed {bounds.low:g}-{bounds.high:g} {bounds.unit}")
            allowed.setWordWrap(False)
            grid.addWidget(allowed, row, 2)
            grid.addWidget(save, row, 3)
            grid.addWidget(status, row, 4)
            spin.valueChanged.connect(lambda _v, n=name: self._on_edited(n))
            save.clicked.connect(lambda _c=False, n=name: self.save(n))
            self.spins[name], self.save_buttons[name], self.status_labels[name] = spin, save, status
        self.price_label = QLabel()
        last = len(BOUNDS)
        grid.addWidget(QLabel("Price of a session"), last, 0)
        grid.addWidget(self.price_label, last, 1)
        grid.addWidget(hint("shown for reference; not changed on this screen"), last, 2, 1, 3)
        grid.setColumnStretch(4, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Each value is limited to the range the clinic's rules allow. Every change is "
                "recorded in the audit trail with who made it and when."
            )
        )
        layout.addWidget(panel)
        layout.addStretch(1)

    def refresh(self) -> None:
        try:
            self.options = self._services.clinic.options()
        except AcuDeskError as error:
            self._show(next(iter(self.status_labels)), str(error), "error")
            return
        for name, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(getattr(self.options, name))
            spin.blockSignals(False)
            self.status_labels[name].clear()
            self._update_save(name)
        self.price_label.setText(f"{self.options.session_price} {self.options.currency}")

    def save(self, name: str) -> None:
        spin, acting = self.spins[name], self._access.user()
        spin.interpretText()
        if acting is None:
            self._show(name, NO_USER, "error")
            return
        if spin.value() == getattr(self.options, name):
            self._show(name, "No change to save.", "muted")
            return
        try:
            self.options = self._services.clinic.change(acting, name, float(spin.value()))
        except AcuDeskError as error:
            self._show(name, str(error), "error")
            return
        self._update_save(name)
        self._show(name, "Saved.", "ok")
        self.settings_changed.emit()

    def _on_edited(self, name: str) -> None:
        self.status_labels[name].clear()
        self._update_save(name)

    def _update_save(self, name: str) -> None:
        unchanged = self.spins[name].value() == getattr(self.options, name)
        _allow(
            self.save_buttons[name],
            self._access.refusal(Action.CHANGE_SETTINGS),
            "No change to save." if unchanged else "",
        )
        self.spins[name].setEnabled(self._access.refusal(Action.CHANGE_SETTINGS) is None)

    def _show(self, name: str, text: str, look: str) -> None:
        label = self.status_labels[name]
        label.setText(text)
        _set_look(label, look)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value in ("", "None"):
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _parsed(text: str) -> dict[str, Any] | None:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def change_lines(before: str, after: str) -> list[str]:
    """What an event changed, one 'name: before → after' per value that differs."""
    old, new = _parsed(before), _parsed(after)
    if old is None or new is None:
        return [f"{before or 'none'} → {after or 'none'}"]
    lines = []
    for key in dict.fromkeys([*old, *new]):
        name = key.replace("_", " ")
        if key in old and key in new:
            if old[key] != new[key]:
                lines.append(f"{name}: {_value(old[key])} → {_value(new[key])}")
        elif key in new:
            lines.append(f"{name}: {_value(new[key])}")
        else:
            lines.append(f"{name}: {_value(old[key])} → none")
    return lines


def _compact(lines: list[str]) -> str:
    """The table's one-line view drops empty values; the tooltip keeps every line."""
    shown = [line for line in lines if not line.endswith((": none", ": no"))]
    return "; ".join(shown)


class AuditTab(QWidget):
    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        today = local_date(services.clock.now())
        self.user_combo = QComboBox()
        self.user_combo.setMinimumWidth(220)
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText("Find a patient by name or date of birth")
        self.patient_edit.setClearButtonEnabled(True)
        self.patient_combo = QComboBox()
        self.patient_combo.setMinimumWidth(220)
        self.from_check = QCheckBox("From")
        self.from_edit = date_edit(today - timedelta(days=30))
        self.to_check = QCheckBox("to")
        self.to_edit = date_edit(today)
        self.table = _table(
            ["Time", "User", "Workstation", "Action", "Record", "Patient", "Change"], 6
        )
        self.count_label = hint("")
        self.verify_button = QPushButton("Check the audit trail")
        self.verify_label = QLabel()
        self.verify_label.setWordWrap(True)
        filters = QHBoxLayout()
        filters.addWidget(QLabel("User"))
        filters.addWidget(self.user_combo)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Patient"))
        filters.addWidget(self.patient_edit, 1)
        filters.addWidget(self.patient_combo)
        filters.addSpacing(12)
        for widget in (self.from_check, self.from_edit, self.to_check, self.to_edit):
            filters.addWidget(widget)
        check = QHBoxLayout()
        check.addWidget(self.verify_button)
        check.addWidget(self.verify_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(check)
        self.patient_edit.textChanged.connect(self._on_patient_typed)
        for combo in (self.user_combo, self.patient_combo):
            combo.currentIndexChanged.connect(self.reload)
        for box in (self.from_check, self.to_check):
            box.toggled.connect(self.reload)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self.reload)
        self.verify_button.clicked.connect(self.check_trail)

    def refresh(self) -> None:
        refusal = self._access.refusal(Action.VIEW_AUDIT)
        for widget in (
            self.user_combo,
            self.patient_edit,
            self.patient_combo,
            self.from_check,
            self.to_check,
            self.verify_button,
        ):
            _allow(widget, refusal)
        self.verify_label.clear()
        if refusal is None:
            self._load_users()
            self._find_patients()
        self.reload()

    def filter(self) -> AuditFilter:
        return AuditFilter(
            user_id=self.user_combo.currentData(),
            patient_id=self.patient_combo.currentData(),
            since=as_date(self.from_edit.date()) if self.from_check.isChecked() else None,
            until=as_date(self.to_edit.date()) if self.to_check.isChecked() else None,
        )

    def reload(self) -> None:
        self.from_edit.setEnabled(self.from_check.isEnabled() and self.from_check.isChecked())
        self.to_edit.setEnabled(self.to_check.isEnabled() and self.to_check.isChecked())
        acting, refusal = self._access.user(), self._access.refusal(Action.VIEW_AUDIT)
        self.table.setRowCount(0)
        if acting is None or refusal is not None:
            self.count_label.setText(refusal or NO_USER)
            return
        if self.patient_combo.count() == 0:
            self.count_label.setText(f"No patient matches “{self.patient_edit.text().strip()}”.")
            return
        try:
            rows = self._services.audit.query(acting, self.filter())
        except AcuDeskError as error:
            self.count_label.setText(str(error))
            return
        self._show_rows(rows)

    def check_trail(self) -> None:
        acting = self._access.user()
        if acting is None:
            return
        try:
            report = self._services.audit.verify_as(acting)
        except AcuDeskError as error:
            self.verify_label.setText(str(error))
            _set_look(self.verify_label, "error")
            return
        self.verify_label.setText(report.text)
        _set_look(self.verify_label, "ok" if report.intact else "error")

    def _show_rows(self, rows: list[AuditRow]) -> None:
        lines = [change_lines(r.before, r.after) for r in rows]
        _fill(
            self.table,
            [
                (
                    f"{as_utc(r.at).astimezone():%d.%m.%Y %H:%M:%S}",
                    r.user or "(none)",
                    r.workstation,
                    r.action,
                    r.entity.replace("_", " ") + (f" {r.entity_id}" if r.entity_id else ""),
                    r.patient,
                    _compact(change),
                )
                for r, change in zip(rows, lines, strict=True)
            ],
        )
        for index, change in enumerate(lines):
            item = self.table.item(index, 6)
            if item is not None:
                item.setToolTip("\n".join(change))
        if not rows:
            text = "No events match these filters."
        elif len(rows) >= QUERY_LIMIT:
            text = f"Showing the newest {QUERY_LIMIT} events; narrow the filters to see older ones."
        else:
            text = f"{len(rows)} events, newest first."
        self.count_label.setText(text)

    def _load_users(self) -> None:
        chosen = self.user_combo.currentData()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem("Anyone", None)
        for user in self._services.users.list_users(active_only=False):
            self.user_combo.addItem(user.full_name, user.id)
        self.user_combo.setCurrentIndex(max(self.user_combo.findData(chosen), 0))
        self.user_combo.blockSignals(False)

    def _find_patients(self, *, keep: bool = True) -> None:
        """List the patients matching the search. Typing chooses the first match; a refresh
        keeps the patient chosen."""
        text = self.patient_edit.text()
        chosen = self.patient_combo.currentData() if keep else None
        try:
            found = self._services.patients.search(text, limit=50)
        except AcuDeskError as error:
            self.count_label.setText(str(error))
            return
        self.patient_combo.blockSignals(True)
        self.patient_combo.clear()
        if not text.strip() or found:
            self.patient_combo.addItem("Any patient", None)
        for patient in found:
            self.patient_combo.addItem(
                f"{patient.full_name}, {patient.date_of_birth:%d.%m.%Y}", patient.id
            )
        index = self.patient_combo.findData(chosen) if chosen is not None else -1
        if index < 0:
            index = 1 if text.strip() and found else 0
        self.patient_combo.setCurrentIndex(index)
        self.patient_combo.blockSignals(False)

    def _on_patient_typed(self) -> None:
        self._find_patients(keep=False)
        self.reload()


class AdminPage(QWidget):
    """Users, credentials, clinic settings and the audit trail, for the clinic administrator."""

    users_changed = Signal()
    settings_changed = Signal()

    def __init__(
        self,
        services: Services,
        acting_user: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self.access = Access(services, acting_user)
        self.users_tab = UsersTab(services, self.access)
        self.credentials_tab = CredentialsTab(services, self.access)
        self.settings_tab = SettingsTab(services, self.access)
        self.audit_tab = AuditTab(services, self.access)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.users_tab, "Users")
        self.tabs.addTab(self.credentials_tab, "Credentials")
        self.tabs.addTab(self.settings_tab, "Clinic settings")
        self.tabs.addTab(self.audit_tab, "Audit trail")
        title = QLabel("Administration")
        title.setObjectName("pageTitle")
        self.access_label = QLabel()
        self.access_label.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addSpacing(16)
        header.addWidget(self.access_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        self.users_tab.users_changed.connect(self._on_users_changed)
        self.users_tab.user_selected.connect(self.credentials_tab.show_user)
        self.credentials_tab.credentials_changed.connect(self.users_tab.refresh)
        self.settings_tab.settings_changed.connect(self.settings_changed)
        self.tabs.currentChanged.connect(self._on_tab_changed)

    def refresh(self) -> None:
        """Read who is acting and everything on the page again; call it when the page is shown
        and whenever the acting user changes."""
        self.access.load()
        who = self.access.who
        if who is not None and Role.ADMINISTRATOR in self.access.roles:
            self.access_label.setText(f"Acting as {who.full_name}, clinic administrator.")
            _set_look(self.access_label, "muted")
        elif who is not None and self.access.roles:
            self.access_label.setText(
                f"Acting as {who.label}. Only the clinic administrator may change anything here."
            )
            _set_look(self.access_label, "warning")
        else:
            self.access_label.setText(self.access.reason)
            _set_look(self.access_label, "warning")
        for tab in (self.users_tab, self.credentials_tab, self.settings_tab, self.audit_tab):
            tab.refresh()

    def _on_tab_changed(self, _index: int) -> None:
        # Other workstations and other pages add events and users while this page is hidden.
        current = self.tabs.currentWidget()
        if current is self.audit_tab:
            self.audit_tab.refresh()
        elif current is self.credentials_tab:
            self.credentials_tab.refresh()

    def _on_users_changed(self) -> None:
        self.access.load()
        self.credentials_tab.refresh()
        self.users_changed.emit()
