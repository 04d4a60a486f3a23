"""The Audit trail tab: events filtered by user, patient and dates, and the chain check."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.audit_chain import ChainReport
from acudesk.domain.clock import as_utc, local_date
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action
from acudesk.services.audit import QUERY_LIMIT, AuditFilter, AuditRow
from acudesk.services.container import Services
from acudesk.ui.background import BackgroundTask
from acudesk.ui.views.admin.common import NO_USER, Access, fill_table, read_only_table
from acudesk.ui.widgets.forms import allow, as_date, date_edit, hint, set_look


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value in ("", "None"):
        return "none"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def _parsed(text: str) -> dict[str, Any] | None:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def change_lines(before: str, after: str) -> list[str]:
    """What an event changed, one 'name: before → after' per value that differs."""
    old, new = _parsed(before), _parsed(after)
    if old is None or new is None:
        return [f"{before or 'none'} → {after or 'none'}"]
    lines = []
    for key in dict.fromkeys([*old, *new]):
        name = key.replace("_", " ")
        if key in old and key in new:
            if old[key] != new[key]:
                lines.append(f"{name}: {_value(old[key])} → {_value(new[key])}")
        elif key in new:
            lines.append(f"{name}: {_value(new[key])}")
        else:
            lines.append(f"{name}: {_value(old[key])} → none")
    return lines


def _compact(lines: list[str]) -> str:
    """The table's one-line view drops empty values; the tooltip keeps every line."""
    shown = [line for line in lines if not line.endswith((": none", ": no"))]
    return "; ".join(shown)


class AuditTab(QWidget):
    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        today = local_date(services.clock.now())
        self.user_combo = QComboBox()
        self.user_combo.setMinimumWidth(220)
        self.patient_edit = QLineEdit()
        self.patient_edit.setPlaceholderText("Find a patient by name or date of birth")
        self.patient_edit.setClearButtonEnabled(True)
        self.patient_combo = QComboBox()
        self.patient_combo.setMinimumWidth(220)
        self.from_check = QCheckBox("From")
        self.from_edit = date_edit(today - timedelta(days=30))
        self.to_check = QCheckBox("to")
        self.to_edit = date_edit(today)
        self.table = read_only_table(
            ["Time", "User", "Workstation", "Action", "Record", "Patient", "Change"], 6
        )
        self.count_label = hint("")
        self.verify_button = QPushButton("Check the audit trail")
        self.verify_label = QLabel()
        self.verify_label.setWordWrap(True)
        self.verify_progress = QProgressBar()
        self.verify_progress.setObjectName("verifyProgress")
        self.verify_progress.setMaximumWidth(260)
        self.verify_progress.hide()
        self.verify_task = BackgroundTask(self)
        self.verify_task.progressed.connect(self._on_verify_progress)
        self.verify_task.finished.connect(self._on_verified)
        self.verify_task.failed.connect(self._on_verify_failed)
        # The event list is read on a worker too (a ten-year trail takes a few hundred ms):
        # each filter change asks again, only the answer to the newest question is shown.
        self.query_task = BackgroundTask(self)
        self.query_task.finished.connect(self._on_rows)
        self.query_task.failed.connect(self._on_query_failed)
        self._asked = 0  # the newest question's number
        self._running: int | None = None  # the number of the question being answered
        self._waiting: tuple[int, int, AuditFilter] | None = None
        filters = QHBoxLayout()
        filters.addWidget(QLabel("User"))
        filters.addWidget(self.user_combo)
        filters.addSpacing(12)
        filters.addWidget(QLabel("Patient"))
        filters.addWidget(self.patient_edit, 1)
        filters.addWidget(self.patient_combo)
        filters.addSpacing(12)
        for widget in (self.from_check, self.from_edit, self.to_check, self.to_edit):
            filters.addWidget(widget)
        check = QHBoxLayout()
        check.addWidget(self.verify_button)
        check.addWidget(self.verify_progress)
        check.addWidget(self.verify_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(check)
        self.patient_edit.textChanged.connect(self._on_patient_typed)
        for combo in (self.user_combo, self.patient_combo):
            combo.currentIndexChanged.connect(self.reload)
        for box in (self.from_check, self.to_check):
            box.toggled.connect(self.reload)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self.reload)
        self.verify_button.clicked.connect(self.check_trail)

    def refresh(self) -> None:
        refusal = self._access.refusal(Action.VIEW_AUDIT)
        for widget in (
            self.user_combo,
            self.patient_edit,
            self.patient_combo,
            self.from_check,
            self.to_check,
            self.verify_button,
        ):
            allow(widget, refusal)
        self.verify_label.clear()
        if refusal is None:
            self._load_users()
            self._find_patients()
        self.reload()

    def filter(self) -> AuditFilter:
        return AuditFilter(
            user_id=self.user_combo.currentData(),
            patient_id=self.patient_combo.currentData(),
            since=as_date(self.from_edit.date()) if self.from_check.isChecked() else None,
            until=as_date(self.to_edit.date()) if self.to_check.isChecked() else None,
        )

    @property
    def loading(self) -> bool:
        """Whether the list shown is not yet the answer to the newest filters."""
        return self._running is not None or self._waiting is not None

    def reload(self) -> None:
        self.from_edit.setEnabled(self.from_check.isEnabled() and self.from_check.isChecked())
        self.to_edit.setEnabled(self.to_check.isEnabled() and self.to_check.isChecked())
        acting, refusal = self._access.user(), self._access.refusal(Action.VIEW_AUDIT)
        self._asked += 1
        self._waiting = None
        if acting is None or refusal is not None:
            self.table.setRowCount(0)
            self.count_label.setText(refusal or NO_USER)
            return
        if self.patient_combo.count() == 0:
            self.table.setRowCount(0)
            self.count_label.setText(f"No patient matches “{self.patient_edit.text().strip()}”.")
            return
        self._waiting = (self._asked, acting, self.filter())
        self.count_label.setText("Reading the events...")
        self._ask_next()

    def _ask_next(self) -> None:
        if self._waiting is None or self._running is not None:
            return
        number, acting, wanted = self._waiting
        audit = self._services.audit
        if self.query_task.start(lambda _progress: audit.query(acting, wanted), "audit list"):
            self._waiting, self._running = None, number

    def _answered(self) -> bool:
        """True when the answer that came is the newest question's; asks the next one if not."""
        current = self._running == self._asked
        self._running = None
        self._ask_next()
        return current

    def _on_rows(self, rows: object) -> None:
        if self._answered():
            assert isinstance(rows, list)
            self._show_rows(rows)

    def _on_query_failed(self, message: str) -> None:
        if self._answered():
            self.table.setRowCount(0)
            self.count_label.setText(message)

    def check_trail(self) -> None:
        """The whole trail is checked on a worker thread, with a progress bar: the window and
        the needle alarms never wait for it."""
        acting = self._access.user()
        if acting is None:
            return
        audit = self._services.audit
        if not self.verify_task.start(lambda _progress: audit.verify_as(acting), "audit check"):
            return
        self.verify_button.setEnabled(False)
        self.verify_progress.setRange(0, 0)  # busy until the first figure comes
        self.verify_progress.show()
        self.verify_label.setText("Checking the audit trail...")
        set_look(self.verify_label, "muted")

    def _on_verify_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.verify_progress.setRange(0, total)
            self.verify_progress.setValue(done)

    def _on_verified(self, report: object) -> None:
        self._verify_done()
        assert isinstance(report, ChainReport)
        self.verify_label.setText(report.text)
        set_look(self.verify_label, "ok" if report.intact else "error")

    def _on_verify_failed(self, message: str) -> None:
        self._verify_done()
        self.verify_label.setText(message)
        set_look(self.verify_label, "error")

    def _verify_done(self) -> None:
        self.verify_progress.hide()
        self.verify_button.setEnabled(self._access.refusal(Action.VIEW_AUDIT) is None)

    def _show_rows(self, rows: list[AuditRow]) -> None:
        lines = [change_lines(r.before, r.after) for r in rows]
        fill_table(
            self.table,
            [
                (
                    f"{as_utc(r.at).astimezone():%d.%m.%Y %H:%M:%S}",
                    r.user or "(none)",
                    r.workstation,
                    r.action,
                    r.entity.replace("_", " ") + (f" {r.entity_id}" if r.entity_id else ""),
                    r.patient,
                    _compact(change),
                )
                for r, change in zip(rows, lines, strict=True)
            ],
        )
        for index, change in enumerate(lines):
            item = self.table.item(index, 6)
            if item is not None:
                item.setToolTip("\n".join(change))
        if not rows:
            text = "No events match these filters."
        elif len(rows) >= QUERY_LIMIT:
            text = f"Showing the newest {QUERY_LIMIT} events; narrow the filters to see older ones."
        else:
            text = f"{len(rows)} events, newest first."
        self.count_label.setText(text)

    def _load_users(self) -> None:
        chosen = self.user_combo.currentData()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem("Anyone", None)
        for user in self._services.users.list_users(active_only=False):
            self.user_combo.addItem(user.full_name, user.id)
        self.user_combo.setCurrentIndex(max(self.user_combo.findData(chosen), 0))
        self.user_combo.blockSignals(False)

    def _find_patients(self, *, keep: bool = True) -> None:
        """List the patients matching the search. Typing chooses the first match; a refresh
        keeps the patient chosen."""
        text = self.patient_edit.text()
        chosen = self.patient_combo.currentData() if keep else None
        try:
            found = self._services.patients.search(text, limit=50)
        except AcuDeskError as error:
            self.count_label.setText(str(error))
            return
        self.patient_combo.blockSignals(True)
        self.patient_combo.clear()
        if not text.strip() or found:
            self.patient_combo.addItem("Any patient", None)
        for patient in found:
            self.patient_combo.addItem(
                f"{patient.full_name}, {patient.date_of_birth:%d.%m.%Y}", patient.id
            )
        index = self.patient_combo.findData(chosen) if chosen is not None else -1
        if index < 0:
            index = 1 if text.strip() and found else 0
        self.patient_combo.setCurrentIndex(index)
        self.patient_combo.blockSignals(False)

    def _on_patient_typed(self) -> None:
        self._find_patients(keep=False)
        self.reload()
