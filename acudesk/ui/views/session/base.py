"""What every step of the session screen shares: running an action and showing its refusal."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFrame,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.dialogs.sign_dialog import SignDialog
from acudesk.ui.widgets.forms import plain_label

ActingUser = Callable[[], int | None]
SignedAction = Callable[[int, int, str], SessionView]
NO_ACTING_USER = "Choose who is acting (top left) first."


def title_label(text: str) -> QLabel:
    label = plain_label(text)
    label.setObjectName("sectionTitle")
    return label


def muted_label(text: str = "") -> QLabel:
    label = plain_label(text)
    label.setObjectName("muted")
    label.setWordWrap(True)
    return label


class StepPanel(QFrame):
    """One step of the guided flow. Subclasses build their controls and call `_run`."""

    changed = Signal(object)  # the fresh SessionView after a successful action

    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__()
        self.setObjectName("panel")
        self._services = services
        self._acting_user = acting_user
        self.view: SessionView | None = None
        self.error_label = plain_label()  # refusals quote what was typed
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(16, 12, 16, 12)
        self.layout_.setSpacing(8)
        self.sign_dialog: SignDialog | None = None

    def add_error_label(self) -> None:
        self.layout_.addWidget(self.error_label)

    def show_view(self, view: SessionView) -> None:
        self.view = view

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    def clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()

    def _run(self, action: Callable[[int, int], SessionView]) -> bool:
        """Run one user action for the acting user; show a refusal in words, never a trace."""
        user = self._acting_user()
        if user is None or self.view is None:
            self.show_error(NO_ACTING_USER)
            return False
        try:
            view = action(user, self.view.id)
        except AcuDeskError as error:
            self.show_error(str(error))
            self._focus_field(getattr(error, "field", None))
            return False
        self.clear_error()
        self.changed.emit(view)
        return True

    def _ask_signature(
        self,
        title: str,
        what: str,
        action: SignedAction,
        on_signed: Callable[[], None] | None = None,
    ) -> SignDialog | None:
        """Ask the acting user for their PIN or password, then run the signing action."""
        user = self._acting_user()
        if user is None or self.view is None:
            self.show_error(NO_ACTING_USER)
            return None
        session_id = self.view.id
        if self.sign_dialog is not None:
            self.sign_dialog.deleteLater()
        dialog = SignDialog(title, what, lambda secret: action(user, session_id, secret), self)

        def signed(view: SessionView) -> None:
            self.clear_error()
            self.changed.emit(view)
            if on_signed is not None:
                on_signed()

        dialog.signed.connect(signed)
        dialog.refused.connect(self.show_error)
        self.sign_dialog = dialog
        dialog.open()
        return dialog

    def _focus_field(self, field: str | None) -> None:
        """Put the cursor on the field the refusal names, where the panel has it."""
        widget = self._field_widgets().get(field or "")
        if widget is None:
            return
        widget.setFocus(Qt.FocusReason.OtherFocusReason)
        # Selected, so the correction replaces the refused text instead of adding to it.
        if isinstance(widget, QComboBox):
            edit = widget.lineEdit()
            if edit is not None:
                edit.selectAll()
        elif isinstance(widget, QLineEdit | QAbstractSpinBox):
            widget.selectAll()

    def _field_widgets(self) -> dict[str, QWidget]:
        return {}


def vbox(*widgets: QWidget) -> QWidget:
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        layout.addWidget(w)
    return holder
