"""The Users tab: accounts, their roles and the certificate warnings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from acudesk.domain.clock import local_date
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action, Role
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.ui.dialogs.user_dialog import RolesDialog, SecretsDialog, UserDialog
from acudesk.ui.views.admin.common import (
    GREY,
    Access,
    certificate_cell,
    fill_table,
    read_only_table,
    reopen_dialog,
)
from acudesk.ui.widgets.forms import allow, error_label, hint, show_error

_BANNER = (
    "QFrame#certificateBanner { background: #fff4e0; border: 2px solid #c77700;"
    " border-radius: 6px; }"
)


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
        self.table = read_only_table(
            ["Name", "Log-in", "Roles", "Account", "Acupuncture certificate"], 4
        )
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
            show_error(self.error_label, error)
            return
        self.banner_label.setText("\n".join(warnings))
        self.banner.setVisible(bool(warnings))
        fill_table(
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
        self.user_dialog = reopen_dialog(
            self.user_dialog, UserDialog(self._services, self._access.user(), self), self._on_saved
        )
        return self.user_dialog

    def open_secrets(self) -> SecretsDialog | None:
        user = self.selected_user()
        if user is None or not self.secrets_button.isEnabled():
            return None
        self.secrets_dialog = reopen_dialog(
            self.secrets_dialog,
            SecretsDialog(self._services, self._access.user(), user, self),
            self._on_saved,
        )
        return self.secrets_dialog

    def open_roles(self) -> RolesDialog | None:
        user = self.selected_user()
        if user is None or not self.roles_button.isEnabled():
            return None
        self.roles_dialog = reopen_dialog(
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
            show_error(self.error_label, error)
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
        allow(self.add_button, refusal)
        allow(self.active_button, refusal, none or self_disable)
        allow(self.roles_button, refusal, none)
        allow(self.secrets_button, refusal, none)
        self.active_button.setText(
            "Enable account" if user is not None and not user.active else "Disable account"
        )
