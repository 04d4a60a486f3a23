"""Administration: users, practitioners' credentials, clinic settings, the audit trail and the
backups.

Every action goes through a service with the acting user, and the services check the role again;
the page only disables what the acting user may not do and says why.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from acudesk.domain.roles import Role
from acudesk.services.container import Services
from acudesk.ui.views.admin.audit_tab import AuditTab
from acudesk.ui.views.admin.backup_tab import BackupTab
from acudesk.ui.views.admin.common import Access
from acudesk.ui.views.admin.credentials_tab import CredentialsTab
from acudesk.ui.views.admin.settings_tab import SettingsTab
from acudesk.ui.views.admin.users_tab import UsersTab
from acudesk.ui.widgets.forms import set_look


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
        self.backup_tab = BackupTab(services, self.access)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.users_tab, "Users")
        self.tabs.addTab(self.credentials_tab, "Credentials")
        self.tabs.addTab(self.settings_tab, "Clinic settings")
        self.tabs.addTab(self.audit_tab, "Audit trail")
        self.tabs.addTab(self.backup_tab, "Backups")
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
            set_look(self.access_label, "muted")
        elif who is not None and self.access.roles:
            self.access_label.setText(
                f"Acting as {who.label}. Only the clinic administrator may change anything here."
            )
            set_look(self.access_label, "warning")
        else:
            self.access_label.setText(self.access.reason)
            set_look(self.access_label, "warning")
        for tab in (self.users_tab, self.credentials_tab, self.settings_tab, self.audit_tab):
            tab.refresh()
        self.backup_tab.refresh()

    def _on_tab_changed(self, _index: int) -> None:
        # Other workstations and other pages add events and users while this page is hidden.
        current = self.tabs.currentWidget()
        if current is self.audit_tab:
            self.audit_tab.refresh()
        elif current is self.credentials_tab:
            self.credentials_tab.refresh()
        elif current is self.backup_tab:
            self.backup_tab.refresh()

    def _on_users_changed(self) -> None:
        self.access.load()
        self.credentials_tab.refresh()
        self.users_changed.emit()
