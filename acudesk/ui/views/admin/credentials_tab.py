"""The Credentials tab: each practitioner's diplomas and certificates."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.clock import local_date
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action, Role
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.ui.dialogs.user_dialog import CredentialDialog
from acudesk.ui.views.admin.common import (
    GREEN,
    Access,
    certificate_cell,
    fill_table,
    read_only_table,
    reopen_dialog,
)
from acudesk.ui.widgets.forms import allow, error_label, hint, show_error


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
        self.table = read_only_table(
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
            show_error(self.error_label, error)
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
        self.credential_dialog = reopen_dialog(
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
        allow(self.add_button, refusal, "" if user else "There is no practitioner to add it for.")
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
            show_error(self.error_label, error)
            return
        text, colour = certificate_cell(check, local_date(self._services.clock.now()))
        self.status_label.setText(f"Acupuncture certificate: {text}")
        self.status_label.setStyleSheet(f"color: {colour or GREEN}; font-weight: 600;")
        fill_table(
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
