"""One patient: the record, today's screening, the course and its sessions, earlier courses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.clock import local_date
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.patients import DIAGNOSES
from acudesk.domain.regions import region_label
from acudesk.domain.roles import Action, Role, may
from acudesk.domain.schedule import (
    COURSE_LENGTH_BOUNDS,
    COURSE_LENGTHS_OFFERED,
    DEFAULT_COURSE_LENGTH,
)
from acudesk.domain.screening import Caution, ScreeningResult, age_on, format_date
from acudesk.services.container import Services
from acudesk.services.dto import CourseView, PatientDetail, PatientHistory, PlannedSessionRow
from acudesk.ui.dialogs.course_dialogs import CautionReasonsDialog, DurationDialog, finding_html
from acudesk.ui.dialogs.patient_dialog import PatientDialog
from acudesk.ui.models.course_plan_model import CoursePlanTableModel
from acudesk.ui.views.patient_record import PatientRecord
from acudesk.ui.widgets.forms import (
    clear_layout,
    error_label,
    selectable_label,
    set_look,
    show_error,
)

NO_USER = "Choose who is acting at the top of the window."
ONLY = {
    Action.EDIT_PATIENT: "Only an acupuncturist or a nurse may edit a patient's record.",
    Action.PLAN_COURSE: "Only an acupuncturist may plan a course.",
    Action.OVERRIDE_DURATION: "Only an acupuncturist may change a session's duration.",
    Action.START_SESSION: "Only an acupuncturist may start a session.",
}
START_TEXT = "Start today's session (Ctrl+Enter)"
PREVIEW_HINT = (
    "Preview of the minutes the needles stay in at each session. Nothing is saved until you "
    "plan the course."
)
CONTINUE_TEXT = "Continue session in progress"
_BOX_STYLES = {
    "refused": "QFrame#screeningBox { background: #fdecea; border: 2px solid #b00020;"
    " border-radius: 6px; }",
    "caution": "QFrame#screeningBox { background: #fff4e0; border: 2px solid #c77700;"
    " border-radius: 6px; }",
    "clear": "QFrame#screeningBox { background: #eaf6ee; border: 1px solid #1b6e3a;"
    " border-radius: 6px; }",
}


def _discard(dialog: QDialog | None) -> None:
    if dialog is not None:
        dialog.deleteLater()


class PatientPage(QWidget):
    session_opened = Signal(int)
    patient_changed = Signal(int)

    def __init__(
        self,
        services: Services,
        acting_user: Callable[[], int | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._acting_user = acting_user
        self._patient_id: int | None = None
        self._opened: tuple[int, int] | None = None  # (user, patient) last audited as opened
        self._detail: PatientDetail | None = None
        self._history: PatientHistory | None = None
        self._screening: ScreeningResult | None = None
        self._roles: frozenset[Role] = frozenset()
        self._no_role_reason = NO_USER
        self.patient_dialog: PatientDialog | None = None
        self.caution_dialog: CautionReasonsDialog | None = None
        self.duration_dialog: DurationDialog | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addLayout(self._build_header())
        columns = QHBoxLayout()
        columns.setSpacing(16)
        self.record = PatientRecord()
        columns.addWidget(self.record, 3)
        columns.addLayout(self._build_treatment_column(), 5)
        layout.addLayout(columns, 1)

        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self._on_start_shortcut)
        QShortcut(QKeySequence("Ctrl+E"), self, self._on_edit_shortcut)

    # -- building --------------------------------------------------------------------------

    def _build_header(self) -> QHBoxLayout:
        self.name_label = selectable_label(name="pageTitle")
        self.facts_label = selectable_label()
        self.diagnosis_label = selectable_label()
        self.edit_button = QPushButton("Edit patient (Ctrl+E)")
        self.edit_button.clicked.connect(self.open_edit_dialog)
        text = QVBoxLayout()
        text.setSpacing(2)
        text.addWidget(self.name_label)
        text.addWidget(self.facts_label)
        text.addWidget(self.diagnosis_label)
        header = QHBoxLayout()
        header.addLayout(text, 1)
        header.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        return header

    def _build_treatment_column(self) -> QVBoxLayout:
        self.screening_box = QFrame()
        self.screening_box.setObjectName("screeningBox")
        box = QVBoxLayout(self.screening_box)
        self.screening_title = selectable_label()
        self.findings_layout = QVBoxLayout()
        box.addWidget(self.screening_title)
        box.addLayout(self.findings_layout)
        self.finding_labels: list[QLabel] = []

        self.start_button = QPushButton(START_TEXT)
        self.start_button.setObjectName("primary")
        self.start_button.setMinimumHeight(40)
        self.start_button.clicked.connect(self.start_or_continue)
        self.next_label = selectable_label(name="muted")
        self.error_label = error_label(selectable=True)

        self.course_title = selectable_label(name="sectionTitle")
        self.sessions_spin = QSpinBox()
        self.sessions_spin.setRange(*COURSE_LENGTH_BOUNDS)
        self.sessions_spin.setValue(DEFAULT_COURSE_LENGTH)
        self.sessions_spin.setSuffix(" sessions")
        self.sessions_spin.valueChanged.connect(self._update_preview)
        self.length_buttons: list[QPushButton] = []
        plan_row = QHBoxLayout()
        plan_row.addWidget(QLabel("Course length"))
        plan_row.addWidget(self.sessions_spin)
        for length in COURSE_LENGTHS_OFFERED:
            button = QPushButton(f"{length}")
            button.setToolTip(f"A course of {length} sessions")
            button.clicked.connect(lambda _=False, n=length: self.sessions_spin.setValue(n))
            plan_row.addWidget(button)
            self.length_buttons.append(button)
        plan_row.addStretch(1)
        self.plan_button = QPushButton("Plan this course")
        self.plan_button.setObjectName("primary")
        self.plan_button.clicked.connect(self.plan_course)
        plan_row.addWidget(self.plan_button)
        self.plan_panel = QWidget()
        self.plan_panel.setLayout(plan_row)
        plan_row.setContentsMargins(0, 0, 0, 0)
        self.course_hint = selectable_label(PREVIEW_HINT, "muted")
        self.plan_error = error_label(selectable=True)

        self.course_model = CoursePlanTableModel()
        self.course_table = QTableView()
        self.course_table.setObjectName("courseTable")
        self.course_table.setModel(self.course_model)
        self.course_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.course_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.course_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.course_table.setAlternatingRowColors(True)
        self.course_table.verticalHeader().hide()
        self.course_table.verticalHeader().setDefaultSectionSize(26)
        header = self.course_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.course_table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.course_table.doubleClicked.connect(self._on_row_double_clicked)
        self.duration_button = QPushButton("Change duration…")
        self.duration_button.clicked.connect(self.change_duration)

        start_row = QHBoxLayout()
        start_row.addWidget(self.start_button, 3)
        start_row.addWidget(self.next_label, 2)
        course_row = QHBoxLayout()
        course_row.addWidget(self.course_title, 1)
        course_row.addWidget(self.duration_button)
        column = QVBoxLayout()
        column.addWidget(self.screening_box)
        column.addLayout(start_row)
        column.addWidget(self.error_label)
        column.addSpacing(8)
        column.addLayout(course_row)
        column.addWidget(self.plan_panel)
        column.addWidget(self.course_hint)
        column.addWidget(self.plan_error)
        column.addWidget(self.course_table, 1)
        return column

    # -- public ----------------------------------------------------------------------------

    @property
    def patient_id(self) -> int | None:
        return self._patient_id

    @property
    def current_course(self) -> CourseView | None:
        return self._history.current_course if self._history else None

    @property
    def medications_label(self) -> QLabel:
        return self.record.medications_label

    @property
    def profile_labels(self) -> list[QLabel]:
        return self.record.profile_labels

    def show_patient(self, patient_id: int) -> None:
        if patient_id != self._patient_id:
            self.sessions_spin.setValue(DEFAULT_COURSE_LENGTH)
        self._patient_id = patient_id
        self.refresh()

    def refresh(self) -> None:
        """Read the patient, the courses and today's screening again, and redraw."""
        for label in (self.error_label, self.plan_error):
            label.hide()
        if self._patient_id is None:
            return
        try:
            detail = self._read_record(self._patient_id)
            history = self._services.courses.history(self._patient_id)
            screening = self._services.sessions.screen_today(self._patient_id)
        except AcuDeskError as error:
            show_error(self.error_label, error)
            return
        self._detail, self._history, self._screening = detail, history, screening
        self._load_roles()
        self._show_record(detail, screening)
        self.record.show_history(history)
        self._show_screening(screening)
        self._show_course(history.current_course)
        self._update_actions()

    def _read_record(self, patient_id: int) -> PatientDetail:
        """Opening the record (a new patient, or someone else at the keyboard) is audited;
        redrawing it for the same person after a change is not."""
        user = self._acting_user()
        if user is None or (user, patient_id) == self._opened:
            return self._services.patients.get(patient_id)
        detail = self._services.patients.open_record(user, patient_id)
        self._opened = (user, patient_id)
        return detail

    def open_edit_dialog(self) -> PatientDialog | None:
        if self._detail is None or not self.edit_button.isEnabled():
            return None
        _discard(self.patient_dialog)
        self.patient_dialog = PatientDialog(
            self._services,
            self._acting_user(),
            self._detail,
            parent=self,
            still_acting=self._acting_user,
        )
        self.patient_dialog.saved.connect(self._on_patient_saved)
        self.patient_dialog.open()
        return self.patient_dialog

    def plan_course(self) -> None:
        """Plan a course of the length chosen; cautions found at screening each need a reason."""
        if self._patient_id is None:
            return
        self.plan_error.hide()
        try:
            result = self._services.courses.screen_for_course(self._patient_id)
            if result.cautions and not result.refusals:
                _discard(self.caution_dialog)
                self.caution_dialog = CautionReasonsDialog(
                    f"Before planning a course of {self.sessions_spin.value()} sessions",
                    result.cautions,
                    self._plan,
                    parent=self,
                )
                self.caution_dialog.open()
                return
            self._plan({})
        except AcuDeskError as error:
            show_error(self.plan_error, error)

    def change_duration(self) -> DurationDialog | None:
        row = self._selected_row()
        course = self.current_course
        if row is None or course is None or not self.duration_button.isEnabled():
            return None
        _discard(self.duration_dialog)
        self.duration_dialog = DurationDialog(
            row,
            lambda minutes, reason: self._override(course.id, row.number, minutes, reason),
            parent=self,
        )
        self.duration_dialog.open()
        return self.duration_dialog

    def start_or_continue(self) -> None:
        """Continue the open session, or screen again for today and start the next one."""
        history, patient_id = self._history, self._patient_id
        if history is None or patient_id is None:
            return
        if history.open_session_id is not None:
            self.session_opened.emit(history.open_session_id)
            return
        self.error_label.hide()
        try:
            result = self._services.sessions.screen_today(patient_id)
        except AcuDeskError as error:
            show_error(self.error_label, error)
            return
        self._screening = result
        self._show_screening(result)
        self._update_actions()
        if result.refusals:
            return
        if result.cautions:
            _discard(self.caution_dialog)
            self.caution_dialog = CautionReasonsDialog(
                "Before today's session", result.cautions, self._start, parent=self
            )
            self.caution_dialog.open()
            return
        try:
            self._start({})
        except AcuDeskError as error:
            show_error(self.error_label, error)

    # -- actions ---------------------------------------------------------------------------

    def _user(self) -> int:
        user = self._acting_user()
        if user is None:
            raise AcuDeskError(NO_USER)
        return user

    def _plan(self, reasons: Mapping[Caution, str]) -> None:
        assert self._patient_id is not None
        self._services.courses.plan_course(
            self._user(), self._patient_id, self.sessions_spin.value(), reasons
        )
        self._after_change()

    def _override(self, course_id: int, number: int, minutes: int, reason: str) -> None:
        self._services.courses.override_duration(self._user(), course_id, number, minutes, reason)
        self._after_change()

    def _start(self, reasons: Mapping[Caution, str]) -> None:
        assert self._patient_id is not None
        view = self._services.sessions.start_session(self._user(), self._patient_id, reasons)
        self._after_change()
        self.session_opened.emit(view.id)

    def _after_change(self) -> None:
        self.refresh()
        if self._patient_id is not None:
            self.patient_changed.emit(self._patient_id)

    def _on_patient_saved(self, patient_id: int) -> None:
        self.refresh()
        self.patient_changed.emit(patient_id)

    def _on_start_shortcut(self) -> None:
        if self.start_button.isEnabled():
            self.start_button.click()

    def _on_edit_shortcut(self) -> None:
        self.open_edit_dialog()

    # -- showing ---------------------------------------------------------------------------

    def _load_roles(self) -> None:
        self._roles = frozenset()
        user = self._acting_user()
        if user is None:
            self._no_role_reason = NO_USER
            return
        try:
            self._roles = self._services.users.get(user).roles
        except AcuDeskError as error:
            self._no_role_reason = str(error)

    def _refusal_for(self, action: Action) -> str | None:
        """Why the acting user may not do this, or None when they may."""
        if not self._roles:
            return self._no_role_reason
        return None if may(self._roles, action) else ONLY[action]

    def _show_record(self, detail: PatientDetail, screening: ScreeningResult) -> None:
        data = detail.data
        today = local_date(self._services.clock.now())
        self.name_label.setText(data.full_name)
        facts = [
            f"{age_on(data.date_of_birth, today)} years",
            f"born {format_date(data.date_of_birth)}",
            data.sex.label,
        ]
        if data.contact:
            facts.append(data.contact)
        self.facts_label.setText("  ·  ".join(facts))
        diagnosis = DIAGNOSES.get(data.diagnosis_code, "")
        self.diagnosis_label.setText(f"{data.diagnosis_code} {diagnosis}")
        self.record.show_record(data, screening)

    def _show_screening(self, result: ScreeningResult) -> None:
        clear_layout(self.findings_layout)
        notes: list[str] = []
        if result.refusals:
            kind, findings = "refused", result.refusals
            set_look(self.screening_title, "error")
            self.screening_title.setText("Today's session must not start:")
        elif result.cautions:
            kind, findings = "caution", result.cautions
            set_look(self.screening_title, "warning")
            self.screening_title.setText(
                "Cautions today: you will be asked for a reason for each when you start."
            )
        else:
            kind, findings = "clear", ()
            set_look(self.screening_title, "ok")
            self.screening_title.setText("Today's screening: no contraindication found.")
            if self._detail is not None and self._detail.data.skin_lesion_regions:
                names = ", ".join(
                    region_label(r) for r in sorted(self._detail.data.skin_lesion_regions)
                )
                notes.append(
                    f"Skin disease or injury is recorded at: {names}. "
                    "A needle in these regions is refused."
                )
        self.screening_box.setStyleSheet(_BOX_STYLES[kind])
        self.finding_labels = [
            selectable_label(finding_html(f), "error" if kind == "refused" else "")
            for f in findings
        ]
        self.finding_labels += [selectable_label(escape(note), "warning") for note in notes]
        for label in self.finding_labels:
            label.setTextFormat(Qt.TextFormat.RichText)
            self.findings_layout.addWidget(label)
            label.show()

    def _show_course(self, course: CourseView | None) -> None:
        planning = course is None
        self.plan_panel.setVisible(planning)
        self.duration_button.setVisible(not planning)
        if course is None:
            done = len(self._history.courses) if self._history else 0
            self.course_title.setText("Plan the next course" if done else "Plan a course")
            self.course_hint.setText(PREVIEW_HINT)
            self._update_preview()
            return
        self.course_title.setText(
            f"Course {course.number}: {course.sessions_done} of {course.sessions_planned} signed"
        )
        self.course_hint.setText(
            f"Planned on {format_date(course.planned_on)}. To change how long the needles stay "
            "in, select a session that has not started and choose Change duration."
        )
        self.course_model.set_rows(course.rows, course.next_number)
        if course.next_number is not None:
            self.course_table.scrollTo(self.course_model.index(course.next_number - 1, 0))

    def _update_preview(self) -> None:
        if self.current_course is not None or self._patient_id is None:
            return
        self.plan_error.hide()
        try:
            self.course_model.set_preview(
                self._services.courses.preview(self.sessions_spin.value())
            )
        except AcuDeskError as error:
            self.course_model.clear()
            show_error(self.plan_error, error)

    def _update_actions(self) -> None:
        history, screening = self._history, self._screening
        if history is None or screening is None:
            return
        edit = self._refusal_for(Action.EDIT_PATIENT)
        self.edit_button.setEnabled(edit is None)
        self.edit_button.setToolTip(edit or "Change the patient's details, procedures and profile")
        plan = self._refusal_for(Action.PLAN_COURSE)
        self.plan_button.setEnabled(plan is None)
        self.plan_button.setToolTip(plan or "Plan a course with the minutes shown below")
        self._update_duration_button()
        course = history.current_course
        if history.open_session_id is not None:
            self.start_button.setText(CONTINUE_TEXT)
            self.start_button.setEnabled(True)
            self.start_button.setToolTip("Open the session that has started")
            self.next_label.setText("A session for this patient is in progress.")
            return
        self.start_button.setText(START_TEXT)
        why_not = self._refusal_for(Action.START_SESSION)
        if screening.refusals:
            why_not = "Today's screening refuses the session: see the red box above."
        elif course is None:
            why_not = why_not or "Plan a course first."
        self.start_button.setEnabled(why_not is None)
        self.start_button.setToolTip(why_not or "Screen again for today and start the session")
        if course is not None and course.next_number is not None:
            number = course.next_number
            self.next_label.setText(
                f"Next: session {number} of {course.sessions_planned}, "
                f"{course.minutes_for(number)} min"
            )
        elif history.courses:
            self.next_label.setText("Every session of the last course has been given.")
        else:
            self.next_label.setText("No course planned yet: plan one below.")

    def _selected_row(self) -> PlannedSessionRow | None:
        rows = self.course_table.selectionModel().selectedRows()
        if not rows or self.course_model.is_preview:
            return None
        return self.course_model.row_at(rows[0].row())

    def _update_duration_button(self) -> None:
        why_not = self._refusal_for(Action.OVERRIDE_DURATION)
        row = self._selected_row()
        if why_not is None and (row is None or row.status != "planned"):
            why_not = "Select a session that has not started yet."
        self.duration_button.setEnabled(why_not is None)
        self.duration_button.setToolTip(
            why_not or "Change how long the needles stay in at this session"
        )

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._update_duration_button()

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        """A session given or under way opens its record; a planned one, its duration."""
        if not self.course_model.is_preview and index.isValid():
            row = self.course_model.row_at(index.row())
            if row.session_id is not None:
                self.session_opened.emit(row.session_id)
                return
        self.change_duration()
