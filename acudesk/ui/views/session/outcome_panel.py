"""Step 7: pain before and after, adverse events, notes, and the acupuncturist's signature."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError, StaleRecord
from acudesk.domain.roles import Action
from acudesk.domain.session_flow import can
from acudesk.services.container import Services
from acudesk.services.edits import SESSION
from acudesk.services.session_view import SessionView
from acudesk.services.sessions import ADVERSE_KINDS, SEVERITIES, AdverseEventInput
from acudesk.ui.models.adverse_event_model import (
    AdverseEventModel,
    ChoiceDelegate,
    kind_label,
    severity_label,
)
from acudesk.ui.views.session.base import ActingUser, StepPanel, muted_label, title_label
from acudesk.ui.widgets.edit_guard import EditGuard


class OutcomePanel(StepPanel):
    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__(services, acting_user)
        self.layout_.addWidget(title_label("Outcome and signature"))
        self.pain_before = QSpinBox()
        self.pain_before.setObjectName("painBefore")
        self.pain_before.setRange(-1, 10)
        self.pain_before.setSpecialValueText("not asked")
        self.pain_before.setValue(-1)
        self.pain_after = QSpinBox()
        self.pain_after.setObjectName("painAfter")
        self.pain_after.setRange(-1, 10)
        self.pain_after.setSpecialValueText("not asked")
        self.pain_after.setValue(-1)
        pain = QHBoxLayout()
        pain.addWidget(self.pain_before)
        pain.addWidget(muted_label("after"))
        pain.addWidget(self.pain_after)
        pain.addStretch(1)

        # Cells edit in place (kind and severity from their lists); what is edited is saved.
        self.event_model = AdverseEventModel()
        self.events = QTableView()
        self.events.setObjectName("adverseEvents")
        self.events.setModel(self.event_model)
        self.events.setItemDelegate(ChoiceDelegate(self.events))
        self.events.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.events.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.events.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.events.horizontalHeader().setStretchLastSection(True)
        self.events.verticalHeader().hide()
        self.events.setMaximumHeight(120)
        for column, width in enumerate((200, 100, 260)):
            self.events.setColumnWidth(column, width)
        self.events.setAccessibleName("Adverse events")
        self.kind_combo = QComboBox()
        for kind in ADVERSE_KINDS:
            self.kind_combo.addItem(kind_label(kind), kind)
        self.severity_combo = QComboBox()
        for severity in SEVERITIES:
            self.severity_combo.addItem(severity_label(severity), severity)
        self.event_details = QLineEdit()
        self.event_details.setPlaceholderText("Details")
        self.event_action = QLineEdit()
        self.event_action.setPlaceholderText("Action taken")
        self.add_event_button = QPushButton("Add")
        self.delete_event_button = QPushButton("Delete the selected event")
        self.delete_event_button.setEnabled(False)
        add = QHBoxLayout()
        for w in (self.kind_combo, self.severity_combo, self.event_details, self.event_action):
            add.addWidget(w)
        add.addWidget(self.add_event_button)
        add.addWidget(self.delete_event_button)

        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setFixedHeight(70)
        form = QFormLayout()
        form.addRow("Pain before (0-10)", pain)
        form.addRow("Adverse events", self.events)
        form.addRow("", add)
        form.addRow("Notes", self.notes)
        self.layout_.addLayout(form)
        self.save_button = QPushButton("Save outcome")
        self.save_button.setObjectName("saveOutcome")
        self.sign_button = QPushButton("Sign session (Ctrl+S)")
        self.sign_button.setObjectName("primary")
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.sign_button)
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self.saved_label = muted_label()
        self.layout_.addWidget(self.saved_label)
        self.add_error_label()
        self.layout_.addStretch(1)

        self.add_event_button.clicked.connect(self.add_event)
        self.delete_event_button.clicked.connect(self.delete_event)
        self.events.selectionModel().selectionChanged.connect(self._event_selection_changed)
        self.save_button.clicked.connect(lambda: self.save())
        self.sign_button.clicked.connect(self.sign)
        self._loaded_for: tuple[int, object] | None = None
        self._loaded: tuple[object, ...] = self._form_values()
        self._saving = False
        # Another workstation may record this outcome while it is typed here.
        self.guard = EditGuard(
            services, SESSION, None, self, edited=self.edited, reload=self._reload
        )
        self.layout_.insertWidget(1, self.guard.banner)

    def _form_values(self) -> tuple[object, ...]:
        return (
            self.pain_before.value(),
            self.pain_after.value(),
            self.notes.toPlainText(),
            tuple(self._events()),
        )

    def edited(self) -> bool:
        """Whether the form holds anything other than the outcome it was filled from."""
        return self._form_values() != self._loaded

    def _reload(self) -> None:
        if self.view is not None:
            self._fill(self._services.sessions.view(self.view.id))

    def show_view(self, view: SessionView) -> None:
        super().show_view(view)
        key = (view.id, view.outcome_recorded_at)
        if self._loaded_for != key:
            same_session = self._loaded_for is not None and self._loaded_for[0] == view.id
            if same_session and not self._saving and self.edited():
                self.guard.look()  # recorded elsewhere: say so, keep what was typed
            else:
                self._fill(view)
        self.event_model.set_editable(view.signed_at is None)
        self._event_selection_changed()
        if view.outcome_recorded_at is not None:
            self.saved_label.setText(
                f"Outcome saved at {view.outcome_recorded_at.astimezone():%H:%M}. "
                "Check it, then sign to close the record."
            )
        else:  # never the previous session's (or patient's) saved time
            self.saved_label.clear()

    def _fill(self, view: SessionView) -> None:
        self._loaded_for = (view.id, view.outcome_recorded_at)
        self.pain_before.setValue(view.pain_before if view.pain_before is not None else -1)
        self.pain_after.setValue(view.pain_after if view.pain_after is not None else -1)
        self.notes.setPlainText(view.notes)
        self.event_model.set_events(
            [
                AdverseEventInput(e.kind, e.severity, e.description, e.action_taken)
                for e in view.adverse_events
            ]
        )
        self._loaded = self._form_values()
        self.guard.follow(view.id)

    def add_event(self) -> None:
        self._append_event(
            AdverseEventInput(
                self.kind_combo.currentData(),
                self.severity_combo.currentData(),
                self.event_details.text(),
                self.event_action.text(),
            )
        )
        self.event_details.clear()
        self.event_action.clear()

    def _append_event(self, event: AdverseEventInput) -> None:
        row = self.event_model.append(event)
        self.events.selectRow(row)

    def delete_event(self) -> None:
        """Deletes the selected row from the form; Save (or signing) stores the list as shown."""
        rows = self.events.selectionModel().selectedRows()
        if rows:
            self.event_model.removeRows(rows[0].row(), 1)
        self._event_selection_changed()

    def _event_selection_changed(self, *_args: object) -> None:
        selected = bool(self.events.selectionModel().selectedRows())
        self.delete_event_button.setEnabled(selected and self.event_model.editable)

    def _events(self) -> list[AdverseEventInput]:
        editor = QApplication.focusWidget()
        if editor is not None and editor.parent() is self.events.viewport():  # a cell's editor
            self.events.commitData(editor)  # a cell still being typed in counts as typed
        return self.event_model.events()

    def save(self, *, overwriting: bool = False) -> bool:
        before, after = self.pain_before.value(), self.pain_after.value()
        if before < 0 or after < 0:
            self.show_error("Pain before and after: ask the patient and enter 0 to 10.")
            (self.pain_before if before < 0 else self.pain_after).setFocus()
            return False
        notes, events = self.notes.toPlainText(), self._events()
        if not overwriting and self.guard.entity_id is not None:
            try:
                self.guard.check()
            except StaleRecord as error:
                self.show_error(str(error))
                self.guard.show_banner()
                self.guard.ask(error, self._reload, lambda: self._overwrite())
                return False
        self._saving = True
        try:
            return self._run(
                lambda user, sid: self._services.sessions.record_outcome(
                    user,
                    sid,
                    pain_before=before,
                    pain_after=after,
                    notes=notes,
                    adverse_events=events,
                )
            )
        finally:
            self._saving = False

    def _overwrite(self) -> None:
        """Keep mine: recorded in the audit trail, then saved over the other workstation's."""
        user = self._acting_user()
        if user is None or self.view is None:
            return
        try:
            self.guard.record_overwrite(user, patient_id=self.view.patient_id)
        except AcuDeskError as error:
            self.show_error(str(error))
            return
        self.save(overwriting=True)

    def sign(self) -> None:
        """Signing saves what is on the form first, so the signature covers what is seen, then
        asks for the signer's PIN or password."""
        if self.view is not None and self.view.signed_at is None and not self.save():
            return
        if self.view is not None:
            try:
                can(Action.SIGN_SESSION, self.view.facts(self._services.clock.now()))
            except AcuDeskError as error:
                self.show_error(str(error))
                return
        self._ask_signature(
            "Sign the session",
            "Your signature closes the record: it becomes read-only, and later corrections "
            "are signed addenda.",
            self._services.sessions.sign,
        )

    def _field_widgets(self) -> dict[str, QWidget]:
        return {"pain": self.pain_before, "adverse_event": self.kind_combo}
