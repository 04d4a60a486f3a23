"""Dialogs the patient page opens about a course: reasons to go ahead despite cautions, and a
different duration for one planned session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError, RuleViolation
from acudesk.domain.schedule import MAX_SESSION_MIN, MIN_SESSION_MIN
from acudesk.domain.screening import Caution, Finding
from acudesk.services.dto import PlannedSessionRow
from acudesk.ui.widgets.forms import button_row, error_label, selectable_label, show_error


def finding_html(finding: Finding) -> str:
    """The rule in bold, then the data that triggered it, then what would have to change."""
    rule, _, data = finding.message.partition(": ")
    return f"<b>{escape(rule)}</b>: {escape(data)}<br>{escape(finding.remedy)}"


class CautionReasonsDialog(QDialog):
    """A reason for going ahead despite each caution; every reason is required."""

    def __init__(
        self,
        intro: str,
        cautions: Sequence[Finding],
        submit: Callable[[dict[Caution, str]], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Cautions: reasons for going ahead")
        self.setMinimumWidth(620)
        self._submit = submit
        layout = QVBoxLayout(self)
        layout.addWidget(selectable_label(intro, "sectionTitle", wrap=False))
        layout.addWidget(
            selectable_label(
                "Each caution needs a reason for going ahead; it is kept with the screening.",
                "muted",
            )
        )
        self.reason_edits: dict[Caution, QLineEdit] = {}
        for finding in cautions:
            if not isinstance(finding.code, Caution):
                continue
            text = selectable_label(finding_html(finding))
            text.setTextFormat(Qt.TextFormat.RichText)
            layout.addSpacing(6)
            edit = QLineEdit()
            edit.setPlaceholderText("Why treatment goes ahead today (required)")
            edit.textChanged.connect(self._update_ok)
            layout.addWidget(text)
            layout.addWidget(edit)
            self.reason_edits[finding.code] = edit
        self.error_label = error_label(selectable=True)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.ok_button, self.cancel_button, buttons = button_row("Record reasons and go ahead")
        layout.addLayout(buttons)
        self.ok_button.clicked.connect(self._on_ok)
        self.cancel_button.clicked.connect(self.reject)
        self._update_ok()

    def reasons(self) -> dict[Caution, str]:
        return {code: edit.text() for code, edit in self.reason_edits.items()}

    def _update_ok(self) -> None:
        missing = any(not e.text().strip() for e in self.reason_edits.values())
        self.ok_button.setEnabled(not missing)
        self.ok_button.setToolTip("Enter a reason for each caution first." if missing else "")

    def _on_ok(self) -> None:
        try:
            self._submit(self.reasons())
        except AcuDeskError as error:
            show_error(self.error_label, error)
            self.adjustSize()
            return
        self.accept()


class DurationDialog(QDialog):
    """A different duration for one planned session, with the reason for it."""

    def __init__(
        self,
        row: PlannedSessionRow,
        submit: Callable[[int, str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Change the duration of session {row.number}")
        self.setMinimumWidth(560)
        self._submit = submit
        self.minutes_spin = QSpinBox()
        # Wider than the bounds on purpose: a spin box would drop the "0" of a typed "50" and
        # keep "5 min"; the bounds refuse 50 on save, in words that name them.
        self.minutes_spin.setRange(0, 999)
        self.minutes_spin.setToolTip(f"{MIN_SESSION_MIN} to {MAX_SESSION_MIN} minutes")
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setValue(row.minutes)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText("Why this session differs from the plan (required)")
        self.minutes_error = error_label(selectable=True)
        self.reason_error = error_label(selectable=True)
        self.error_label = error_label(selectable=True)
        form = QFormLayout()
        form.addRow("Planned now", QLabel(f"{row.minutes} min"))
        form.addRow("New duration", self.minutes_spin)
        form.addRow("", self.minutes_error)
        form.addRow("Reason", self.reason_edit)
        form.addRow("", self.reason_error)
        self.ok_button, self.cancel_button, buttons = button_row("Change duration")
        layout = QVBoxLayout(self)
        layout.addWidget(selectable_label(self.windowTitle(), "sectionTitle", wrap=False))
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.ok_button.clicked.connect(self._on_ok)
        self.cancel_button.clicked.connect(self.reject)

    def _on_ok(self) -> None:
        for label in (self.minutes_error, self.reason_error, self.error_label):
            label.hide()
        try:
            self._submit(self.minutes_spin.value(), self.reason_edit.text())
        except AcuDeskError as error:
            field = error.field if isinstance(error, RuleViolation) else None
            label = {"minutes": self.minutes_error, "reason": self.reason_error}.get(
                field or "", self.error_label
            )
            show_error(label, error)
            self.adjustSize()
            return
        self.accept()
