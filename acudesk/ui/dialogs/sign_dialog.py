"""The electronic signature: the signer types their PIN or password again (21 CFR 11.200).

Window-modal, opened with ``open()``. A wrong PIN keeps the dialog open with the reason and an
empty field; any other refusal (the session's stage, the signer's role) closes it and is
shown where the action started. What the person typed on the form behind it stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from acudesk.domain.errors import AcuDeskError, SignatureRefused
from acudesk.services.session_view import SessionView
from acudesk.ui.widgets.forms import button_row, error_label, hint

PROMPT = "Your PIN or password to sign"


class SignDialog(QDialog):
    signed = Signal(object)  # the fresh SessionView
    refused = Signal(str)  # a refusal that is not about the PIN: the caller shows it

    def __init__(
        self,
        title: str,
        what: str,
        submit: Callable[[str], SessionView],
        parent: QWidget | None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(420)
        self._submit = submit
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        self.secret_edit = QLineEdit()
        self.secret_edit.setObjectName("signSecret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setPlaceholderText("PIN or password")
        self.error_label = error_label()
        self.ok_button, self.cancel_button, buttons = button_row("Sign")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint(what))
        layout.addWidget(QLabel(PROMPT))
        layout.addWidget(self.secret_edit)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.ok_button.clicked.connect(self.sign)
        self.cancel_button.clicked.connect(self.reject)
        self.secret_edit.setFocus()

    def sign(self) -> None:
        secret = self.secret_edit.text()
        if not secret:
            self._wrong("Type your PIN or password to sign.")
            return
        try:
            view = self._submit(secret)
        except SignatureRefused as error:
            self._wrong(str(error))
            return
        except AcuDeskError as error:
            self.refused.emit(str(error))
            self.reject()
            return
        self.secret_edit.clear()
        self.accept()
        self.signed.emit(view)

    def _wrong(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()
        self.secret_edit.clear()
        self.secret_edit.setFocus()
