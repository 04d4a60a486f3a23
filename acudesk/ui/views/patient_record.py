"""The patient page's left column: what the record says about the patient, and earlier courses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.patients import PatientInput, days_label
from acudesk.domain.regions import region_label
from acudesk.domain.screening import Contraindication, ScreeningResult, format_date
from acudesk.services.dto import PatientHistory
from acudesk.ui.dialogs.patient_dialog import CONTRAINDICATIONS
from acudesk.ui.widgets.forms import clear_layout, selectable_label


class PatientRecord(QScrollArea):
    """Complaints, medications, other procedures, the contraindication profile and the
    courses before the current one."""

    def __init__(self) -> None:
        super().__init__()
        self.complaints_label = selectable_label()
        self.medications_label = selectable_label()
        self.procedures_label = selectable_label()
        self.profile_layout = QVBoxLayout()
        self.profile_layout.setSpacing(2)
        self.profile_labels: list[QLabel] = []
        self.history_table = QTableWidget(0, 3)
        self.history_table.setHorizontalHeaderLabels(["Course", "Planned on", "Signed"])
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.history_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.history_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history_empty = selectable_label("No earlier courses.", "muted")

        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setSpacing(4)
        for title, body in (
            ("Complaints", self.complaints_label),
            ("Current medications", self.medications_label),
            ("Other procedures", self.procedures_label),
        ):
            column.addWidget(selectable_label(title, "sectionTitle"))
            column.addWidget(body)
        column.addWidget(selectable_label("Contraindication profile", "sectionTitle"))
        column.addLayout(self.profile_layout)
        column.addWidget(selectable_label("Earlier courses", "sectionTitle"))
        column.addWidget(self.history_table)
        column.addWidget(self.history_empty)
        column.addStretch(1)
        inner.setObjectName("recordInner")
        column.setContentsMargins(12, 8, 12, 8)
        self.setObjectName("panel")
        self.setStyleSheet("QWidget#recordInner { background: white; }")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(inner)

    def show_record(self, data: PatientInput, screening: ScreeningResult) -> None:
        self.complaints_label.setText(data.complaints or "None recorded.")
        self.medications_label.setText(data.medications or "None.")
        self.procedures_label.setText(
            f"Massage: {days_label(data.massage_days)}\n"
            f"Exercise therapy: {days_label(data.exercise_days)}\n"
            f"Electrical physiotherapy: {days_label(data.electrical_days)}"
        )
        clear_layout(self.profile_layout)
        absolute = [label for key, label in CONTRAINDICATIONS if getattr(data, key)]
        absolute += [
            f.message
            for f in screening.refusals
            if f.code in (Contraindication.AGE_OVER_75, Contraindication.CHILD)
        ]
        if data.skin_lesion_regions:
            names = ", ".join(region_label(r) for r in sorted(data.skin_lesion_regions))
            absolute.append(f"Skin disease or injury at: {names}. No needle is placed there.")
        self.profile_labels = [selectable_label(text, "error") for text in absolute]
        if not self.profile_labels:
            self.profile_labels = [selectable_label("No contraindication recorded.", "muted")]
        for label in self.profile_labels:
            self.profile_layout.addWidget(label)
            label.show()

    def show_history(self, history: PatientHistory) -> None:
        current = history.current_course
        earlier = [c for c in history.courses if c is not current]
        self.history_table.setRowCount(len(earlier))
        for row, course in enumerate(earlier):
            cells = (
                f"{course.number}",
                format_date(course.planned_on),
                f"{course.sessions_done} of {course.sessions_planned}",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.history_table.setItem(row, column, item)
        table = self.history_table
        rows_height = sum(table.rowHeight(r) for r in range(len(earlier)))
        table.setFixedHeight(
            table.horizontalHeader().height() + rows_height + 2 * table.frameWidth()
        )
        table.setVisible(bool(earlier))
        self.history_empty.setVisible(not earlier)
