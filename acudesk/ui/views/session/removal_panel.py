"""Step 4-5: needles in while the timer runs, then removal one by one and reconciliation."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from acudesk.domain.needles import UNDO_REMOVAL_S, Condition
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.models.needle_table_model import REMOVAL_COLUMNS, NeedleTableModel
from acudesk.ui.views.session.base import ActingUser, StepPanel, muted_label, title_label
from acudesk.ui.views.session.needling_panel import needle_table


class IncidentForm(QGroupBox):
    """A broken or missing needle: what happened and what was done, before the session closes."""

    def __init__(self) -> None:
        super().__init__("Incident: must be documented before the session can close")
        self.setObjectName("incidentForm")
        self.needle_label = QLabel()
        self.needle_label.setObjectName("warning")
        self.what_edit = QPlainTextEdit()
        self.what_edit.setPlaceholderText("What happened")
        self.what_edit.setFixedHeight(60)
        self.action_edit = QPlainTextEdit()
        self.action_edit.setPlaceholderText("What was done")
        self.action_edit.setFixedHeight(60)
        self.save_button = QPushButton("Save incident")
        form = QFormLayout(self)
        form.addRow(self.needle_label)
        form.addRow("What happened", self.what_edit)
        form.addRow("What was done", self.action_edit)
        form.addRow("", self.save_button)


class RemovalPanel(StepPanel):
    needle_selected = Signal(str, str)  # point code, side: shown on the chart

    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__(services, acting_user)
        self._undo_for: int | None = None  # the needle this user just removed
        self.heading = title_label("Needles in")
        self.layout_.addWidget(self.heading)
        self.summary = QLabel()
        self.summary.setObjectName("openCount")
        self.summary.setStyleSheet("font-size: 16pt; font-weight: 700;")
        self.layout_.addWidget(self.summary)

        self.model = NeedleTableModel(REMOVAL_COLUMNS)
        self.table = needle_table(self.model)
        self.table.setObjectName("removalTable")
        self.layout_.addWidget(self.table, 1)

        self.condition_combo = QComboBox()
        for condition in Condition:
            self.condition_combo.addItem(condition.label, condition)
        self.bleeding_check = QCheckBox("Bleeding")
        self.remove_button = QPushButton("Remove selected (Ctrl+R)")
        self.remove_button.setObjectName("primary")
        one = QHBoxLayout()
        one.addWidget(QLabel("Condition"))
        one.addWidget(self.condition_combo)
        one.addWidget(self.bleeding_check)
        one.addWidget(self.remove_button)
        self.undo_button = QPushButton()
        self.undo_button.setObjectName("undoRemoval")
        self.undo_button.hide()
        one.addWidget(self.undo_button)
        one.addStretch(1)
        self.layout_.addLayout(one)
        self.undo_timer = QTimer(self)
        self.undo_timer.setSingleShot(True)
        self.undo_timer.setInterval(UNDO_REMOVAL_S * 1000)
        self.undo_timer.timeout.connect(self._forget_undo)

        self.count_edit = QLineEdit()
        self.count_edit.setObjectName("removeAllCount")
        self.count_edit.setPlaceholderText("how many")
        self.count_edit.setMaximumWidth(90)
        self.remove_all_button = QPushButton("Remove all, intact")
        self.remove_all_button.setToolTip(
            "Records every needle still in as removed intact, without bleeding. "
            "Type how many needles you hold first: the count is checked against the record."
        )
        every = QHBoxLayout()
        every.addWidget(QLabel("Needles counted:"))
        every.addWidget(self.count_edit)
        every.addWidget(self.remove_all_button)
        every.addStretch(1)
        self.layout_.addLayout(every)
        self.add_error_label()

        self.incident_form = IncidentForm()
        self.layout_.addWidget(self.incident_form)
        self.hint = muted_label()
        self.layout_.addWidget(self.hint)

        self.remove_button.clicked.connect(self.remove_selected)
        self.undo_button.clicked.connect(self.undo_removal)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.remove_all_button.clicked.connect(self.remove_all)
        self.count_edit.returnPressed.connect(self.remove_all)
        self.incident_form.save_button.clicked.connect(self.save_incident)

    def show_view(self, view: SessionView) -> None:
        if self.view is not None and self.view.id != view.id:
            self._forget_undo()
        super().show_view(view)
        self.model.set_rows(view.needles)
        still_in = len(view.open_needles)
        self.summary.setText(
            f"{still_in} of {len(view.needles)} needles still in"
            if still_in
            else f"All {len(view.needles)} needles are out"
        )
        self.summary.setStyleSheet(
            "font-size: 16pt; font-weight: 700; color: %s;" % ("#b00020" if still_in else "#1b6e3a")
        )
        for widget in (
            self.remove_button,
            self.remove_all_button,
            self.count_edit,
            self.condition_combo,
            self.bleeding_check,
        ):
            widget.setEnabled(still_in > 0)
        first_open = next((i for i, n in enumerate(view.needles) if n.is_open), None)
        if first_open is not None and not self._selected_is_open():
            self.table.selectRow(first_open)
        pending = next((i for i in view.incidents if not i.documented), None)
        self.incident_form.setVisible(pending is not None)
        if pending is not None:
            self.incident_form.needle_label.setText(f"Needle {pending.needle}: {pending.condition}")
        self.hint.setText(
            "Remove the needles as the timer ends. The rest period starts when the last one is out."
            if still_in
            else ""
        )

    def _selected_is_open(self) -> bool:
        rows = self.table.selectionModel().selectedRows()
        return bool(rows) and self.model.row_at(rows[0].row()).is_open

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.show_error("Select the needle you removed in the list.")
            return
        needle = self.model.row_at(rows[0].row())
        condition = Condition(self.condition_combo.currentData())
        bleeding = self.bleeding_check.isChecked()
        if not needle.is_open:
            self.show_error(f"The needle at {needle.label} is already out; choose one still in.")
            return
        if self._run(
            lambda user, sid: self._services.sessions.remove_needle(
                user, sid, needle.id, condition, bleeding=bleeding
            )
        ):
            self.condition_combo.setCurrentIndex(0)
            self.bleeding_check.setChecked(False)
            self._offer_undo(needle.id, needle.label)

    def select_needle(self, insertion_id: int) -> None:
        """A click on the chart chooses the needle; the nurse then records how it came out."""
        row = next(
            (i for i in range(self.model.rowCount()) if self.model.row_at(i).id == insertion_id),
            None,
        )
        if row is not None:
            self.table.selectRow(row)
            self.condition_combo.setFocus()

    def _on_selection(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            needle = self.model.row_at(rows[0].row())
            self.needle_selected.emit(needle.point_code, needle.side)

    def show_hint_for_keys(self) -> None:
        self.hint.setText(
            "Choose the needle (arrow keys or a click on the chart), its condition and bleeding, "
            "then Ctrl+R records that one needle as removed."
        )

    def run_action(self, action: Callable[[int, int], SessionView]) -> bool:
        return self._run(action)

    def undo_removal(self) -> None:
        needle_id = self._undo_for
        if needle_id is None:
            return
        if self._run(lambda user, sid: self._services.sessions.undo_removal(user, sid, needle_id)):
            self._forget_undo()

    def _offer_undo(self, needle_id: int, label: str) -> None:
        self._undo_for = needle_id
        self.undo_button.setText(f"Undo removal of {label} ({UNDO_REMOVAL_S} s)")
        self.undo_button.show()
        self.undo_timer.start()

    def _forget_undo(self) -> None:
        self._undo_for = None
        self.undo_button.hide()
        self.undo_timer.stop()

    def remove_all(self) -> None:
        typed = self.count_edit.text()
        if self._run(lambda user, sid: self._services.sessions.remove_all(user, sid, typed)):
            self.count_edit.clear()
            self._forget_undo()
        else:
            self.count_edit.selectAll()

    def save_incident(self) -> None:
        if self.view is None:
            return
        pending = next((i for i in self.view.incidents if not i.documented), None)
        if pending is None:
            return
        what = self.incident_form.what_edit.toPlainText()
        done = self.incident_form.action_edit.toPlainText()
        if self._run(
            lambda user, sid: self._services.sessions.document_incident(
                user, sid, pending.id, what, done
            )
        ):
            self.incident_form.what_edit.clear()
            self.incident_form.action_edit.clear()

    def _field_widgets(self) -> dict[str, QWidget]:
        return {
            "count": self.count_edit,
            "what_happened": self.incident_form.what_edit,
            "action_taken": self.incident_form.action_edit,
        }
