"""What the administration tabs share: who is acting and what they may do, and the tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
)

from acudesk.domain.credentials import CertificateCheck, CertificateStatus
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action, Role, may
from acudesk.services.container import Services
from acudesk.services.dto import UserRow
from acudesk.ui.dialogs.user_dialog import FormDialog

NO_USER = "Choose who is acting at the top of the window."
ONLY = {
    Action.MANAGE_USERS: "Only the clinic administrator may manage users.",
    Action.MANAGE_CREDENTIALS: "Only the clinic administrator may record diplomas and "
    "certificates.",
    Action.CHANGE_SETTINGS: "Only the clinic administrator may change clinic settings.",
    Action.VIEW_AUDIT: "Only the clinic administrator may view the audit trail.",
}
AMBER, RED, GREEN, GREY = "#8a5300", "#b00020", "#1b6e3a", "#5b6b78"


def read_only_table(headers: Sequence[str], stretch: int) -> QTableWidget:
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


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str | tuple[str, str]]]) -> None:
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


def reopen_dialog(old: QDialog | None, new: Dialog, on_saved: Callable[[int], None]) -> Dialog:
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
