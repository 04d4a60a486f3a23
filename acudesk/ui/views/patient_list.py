"""Patient list with instant search by name or date of birth."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from acudesk.services.container import Services
from acudesk.ui.models.patient_table_model import PatientTableModel
from acudesk.ui.widgets.forms import plain_label


class PatientListView(QWidget):
    patient_chosen = Signal(int)
    new_patient_requested = Signal()

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        title = QLabel("Patients")
        title.setObjectName("sectionTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by name or date of birth (dd.mm.yyyy)")
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("patientSearch")
        self.model = PatientTableModel()
        self.table = QTableView()
        self.table.setObjectName("patientTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.empty_hint = plain_label()  # quotes the search as typed
        self.empty_hint.setObjectName("muted")
        self.empty_hint.setWordWrap(True)
        self.new_button = QPushButton("New patient (Ctrl+N)")
        self.new_button.setObjectName("newPatientButton")

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.new_button)

        self.search.textChanged.connect(self.refresh)
        self.search.returnPressed.connect(self._on_return_pressed)
        self.table.activated.connect(self._on_row_activated)
        self.table.clicked.connect(self._on_row_activated)
        self.new_button.clicked.connect(self.new_patient_requested)
        self.refresh()

    def refresh(self) -> None:
        text = self.search.text()
        rows = self._services.patients.search(text)
        self.model.set_rows(rows)
        if rows:
            self.empty_hint.setText(f"{len(rows)} shown")
        elif text.strip():
            self.empty_hint.setText(f"No patient matches '{text.strip()}'.")
        else:
            self.empty_hint.setText("No patients yet. Register the first with New patient.")

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _on_return_pressed(self) -> None:
        if self.model.rowCount() > 0:
            self.table.selectRow(0)
            self.patient_chosen.emit(self.model.row_at(0).id)

    def _on_row_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.patient_chosen.emit(self.model.row_at(index.row()).id)
