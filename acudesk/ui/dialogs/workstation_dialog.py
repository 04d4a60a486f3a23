"""The first start on a PC asks what this workstation is called and which room it serves."""

from __future__ import annotations

import socket

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from acudesk.settings import NAME_MAX_CHARS, Workstation
from acudesk.ui.widgets.forms import button_row, error_label, hint


class WorkstationDialog(QDialog):
    """Name and room of this PC; every session started here records both."""

    def __init__(self, current: Workstation | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AcuDesk - this workstation")
        self.setMinimumWidth(560)
        self.name_edit = QLineEdit(current.name if current else socket.gethostname()[:100])
        self.name_edit.setMaxLength(NAME_MAX_CHARS)
        self.room_edit = QLineEdit(current.room if current else "")
        self.room_edit.setMaxLength(NAME_MAX_CHARS)
        self.room_edit.setPlaceholderText("e.g. Room 2, couch 1 (leave empty at a nurse station)")
        self.error = error_label()
        self.save_button, self.cancel_button, buttons = button_row("Save")
        heading = QLabel("This workstation")
        heading.setObjectName("sectionTitle")
        form = QFormLayout()
        form.addRow("Workstation name", self.name_edit)
        form.addRow("Room or couch", self.room_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(
            hint(
                "Each session records where it was started; the needle timers of every room "
                "show the room's name. Only this PC keeps these settings."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.save_button.clicked.connect(self._save)
        self.cancel_button.clicked.connect(self.reject)
        self.result_workstation: Workstation | None = current

    def _save(self) -> None:
        name = " ".join(self.name_edit.text().split())
        if not name:
            self.error.setText(
                "Workstation name: give this PC a name, e.g. Room 2 or Nurse station."
            )
            self.name_edit.setFocus()
            return
        self.result_workstation = Workstation(name, " ".join(self.room_edit.text().split()))
        self.accept()
