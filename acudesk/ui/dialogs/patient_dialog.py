"""Registering a new patient or editing one: details, other procedures, contraindications."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.clock import local_date
from acudesk.domain.errors import AcuDeskError, RuleViolation, StaleRecord
from acudesk.domain.patients import DIAGNOSES, WEEKDAYS, PatientInput, Sex
from acudesk.domain.regions import BODY_REGIONS
from acudesk.domain.screening import age_on
from acudesk.services.container import Services
from acudesk.services.dto import PatientDetail
from acudesk.services.edits import PATIENT
from acudesk.ui.widgets.edit_guard import EditGuard
from acudesk.ui.widgets.forms import as_date, button_row, error_label, hint, plain_label

PROCEDURES = (
    ("massage_days", "Massage"),
    ("exercise_days", "Exercise therapy"),
    ("electrical_days", "Electrical physiotherapy"),
)
CONTRAINDICATIONS = (
    ("pregnant", "Pregnancy"),
    ("acute_infection", "Acute infectious disease"),
    ("blood_disorder", "Blood disorder"),
    ("malignancy", "Malignant disease"),
    ("exacerbation", "Exacerbation of osteochondrosis"),
)
_BIG_BOXES = "QCheckBox::indicator { width: 20px; height: 20px; }"
_INVALID = (
    "QLineEdit, QDateEdit, QComboBox, QPlainTextEdit, QListWidget { border: 2px solid #b00020; }"
)


class PatientDialog(QDialog):
    """Open it with ``open()``: it stays open, input intact, until the service accepts the data."""

    saved = Signal(int)

    def __init__(
        self,
        services: Services,
        acting_user: int | None,
        patient: PatientDetail | None = None,
        parent: QWidget | None = None,
        *,
        still_acting: Callable[[], int | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._acting_user = acting_user
        # Who is at the keyboard now: a form opened before a lock saves nothing for anyone else.
        self._still_acting = still_acting
        self._patient = patient
        self._today = local_date(services.clock.now())
        self._dob_entered = patient is not None
        self.saved_patient: PatientDetail | None = None
        title = "Register a new patient"
        if patient is not None:
            title = f"Edit patient: {patient.data.full_name}"
        self.setWindowTitle(title)
        self.setMinimumSize(720, 560)
        self.setStyleSheet(_BIG_BOXES)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._details_tab(), "Details")
        self.tabs.addTab(self._procedures_tab(), "Procedures")
        self.tabs.addTab(self._contraindications_tab(), "Contraindications")

        self.error_label = error_label()
        self.save_button, self.cancel_button, buttons = button_row(
            "Register patient" if patient is None else "Save changes"
        )

        heading = plain_label(title)  # holds the patient's name when editing
        heading.setObjectName("sectionTitle")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        # Another workstation may change this patient while the form is open.
        self.guard: EditGuard | None = None
        if patient is not None:
            self.guard = EditGuard(
                services, PATIENT, patient.id, self, edited=self.edited, reload=self._reload
            )
            self.guard.follow(patient.id, stamp=patient.version_id)  # the version on the form
            layout.addWidget(self.guard.banner)
            self.finished.connect(self.guard.stop)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)

        self.save_button.clicked.connect(lambda: self.save())
        self.cancel_button.clicked.connect(self.reject)
        if patient is not None:
            self._load(patient.data)
        self._update_age()

    # -- building --------------------------------------------------------------------------

    def _details_tab(self) -> QWidget:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("First name and surname")
        self.name_edit.setMaxLength(200)
        self.sex_combo = QComboBox()
        self.sex_combo.addItem("choose", None)  # chosen by whoever registers, never a default
        for sex in Sex:
            self.sex_combo.addItem(sex.label, sex.value)
        self.dob_edit = QDateEdit()
        self.dob_edit.setDisplayFormat("dd.MM.yyyy")
        self.dob_edit.setCalendarPopup(True)
        self.dob_edit.setMinimumDate(QDate(1900, 1, 1))
        self.dob_edit.setMaximumDate(QDate(self._today.year, self._today.month, self._today.day))
        # A leap year, so typing 29.02 day by day is not clamped to 28.02 on the way.
        placeholder_year = self._today.year - 40 - (self._today.year - 40) % 4
        self.dob_edit.setDate(QDate(placeholder_year, 1, 1))
        self.dob_edit.setMinimumWidth(140)
        self.age_label = QLabel()
        self.age_label.setObjectName("muted")
        self.contact_edit = QLineEdit()
        self.contact_edit.setPlaceholderText("Telephone or e-mail")
        self.diagnosis_combo = QComboBox()
        for code, name in DIAGNOSES.items():
            self.diagnosis_combo.addItem(f"{code} {name}", code)
        self.diagnosis_combo.setCurrentIndex(-1)
        self.diagnosis_combo.setPlaceholderText("Choose the diagnosis")
        self.complaints_edit = QPlainTextEdit()
        self.complaints_edit.setPlaceholderText("What the patient reports: pain, stiffness, sleep…")
        self.medications_edit = QPlainTextEdit()
        self.medications_edit.setPlaceholderText(
            "Name, dose and how often; leave empty if none. Reviewed at each course start."
        )
        for edit in (self.complaints_edit, self.medications_edit):
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(70)

        self.name_error = error_label()
        self.dob_error = error_label()
        self.sex_error = error_label()
        self.diagnosis_error = error_label()
        dob_row = QHBoxLayout()
        dob_row.addWidget(self.dob_edit)
        dob_row.addWidget(self.age_label, 1)

        page = QWidget()
        form = QFormLayout(page)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Full name", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("Sex", self.sex_combo)
        form.addRow("", self.sex_error)
        form.addRow("Date of birth", dob_row)
        form.addRow("", self.dob_error)
        form.addRow("Contact", self.contact_edit)
        form.addRow("Diagnosis", self.diagnosis_combo)
        form.addRow("", self.diagnosis_error)
        form.addRow("Complaints", self.complaints_edit)
        form.addRow("Current medications", self.medications_edit)
        self.dob_edit.dateChanged.connect(self._on_dob_changed)
        return page

    def _procedures_tab(self) -> QWidget:
        page = self._procedures_page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(
            hint(
                "Days of the week the patient has other procedures. Electrical physiotherapy on "
                "the day of a session is a caution: the acupuncturist records a reason to go ahead."
            )
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(12)
        for column, day in enumerate(WEEKDAYS, start=1):
            header = QLabel(day)
            header.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(header, 0, column)
        self.day_boxes: dict[str, list[QCheckBox]] = {}
        for row, (key, label) in enumerate(PROCEDURES, start=1):
            grid.addWidget(QLabel(label), row, 0)
            boxes = []
            for column, day in enumerate(WEEKDAYS, start=1):
                box = QCheckBox()
                box.setToolTip(f"{label} on {day}")
                box.setAccessibleName(f"{label} {day}")
                grid.addWidget(box, row, column, Qt.AlignmentFlag.AlignCenter)
                boxes.append(box)
            self.day_boxes[key] = boxes
        grid.setColumnStretch(len(WEEKDAYS) + 1, 1)
        layout.addLayout(grid)
        self.days_error = error_label()
        layout.addWidget(self.days_error)
        layout.addStretch(1)
        return page

    def _contraindications_tab(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        left = QVBoxLayout()
        left.addWidget(
            hint(
                "Each of these stops every session while it is recorded. Age is checked from "
                "the date of birth on the day of each session."
            )
        )
        self.flag_checks: dict[str, QCheckBox] = {}
        for key, label in CONTRAINDICATIONS:
            box = QCheckBox(label)
            self.flag_checks[key] = box
            left.addWidget(box)
        left.addWidget(QLabel("Reason for clearing a contraindication"))
        self.clearing_reason = QLineEdit()
        self.clearing_reason.setObjectName("clearingReason")
        self.clearing_reason.setPlaceholderText(
            "only when one is taken away: acupuncturists only, e.g. the examination that shows it"
        )
        self.clearing_reason.setMaxLength(500)
        left.addWidget(self.clearing_reason)
        self.clearing_error = error_label()
        left.addWidget(self.clearing_error)
        left.addStretch(1)

        right = QVBoxLayout()
        right.addWidget(QLabel("Skin disease or injury at:"))
        right.addWidget(hint("No needle is placed in a region ticked here."))
        self.regions_list = QListWidget()
        for key, label in BODY_REGIONS.items():
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.regions_list.addItem(item)
        right.addWidget(self.regions_list, 1)
        self.regions_error = error_label()
        right.addWidget(self.regions_error)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)
        return page

    # -- data ------------------------------------------------------------------------------

    @property
    def flag_boxes(self) -> dict[str, QCheckBox]:
        return self.flag_checks

    def region_item(self, key: str) -> QListWidgetItem:
        for row in range(self.regions_list.count()):
            item = self.regions_list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                return item
        raise KeyError(key)

    def _load(self, data: PatientInput) -> None:
        self.name_edit.setText(data.full_name)
        self.sex_combo.setCurrentIndex(self.sex_combo.findData(data.sex.value))
        self.dob_edit.setDate(
            QDate(data.date_of_birth.year, data.date_of_birth.month, data.date_of_birth.day)
        )
        self.contact_edit.setText(data.contact)
        self.diagnosis_combo.setCurrentIndex(self.diagnosis_combo.findData(data.diagnosis_code))
        self.complaints_edit.setPlainText(data.complaints)
        self.medications_edit.setPlainText(data.medications)
        for key, _label in PROCEDURES:
            days: frozenset[int] = getattr(data, key)
            for number, box in enumerate(self.day_boxes[key], start=1):
                box.setChecked(number in days)
        for key, _label in CONTRAINDICATIONS:
            self.flag_checks[key].setChecked(bool(getattr(data, key)))
        for row in range(self.regions_list.count()):
            item = self.regions_list.item(row)
            ticked = item.data(Qt.ItemDataRole.UserRole) in data.skin_lesion_regions
            item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)

    def input_data(self) -> PatientInput:
        """What the form holds now, as the service takes it."""
        if not self._dob_entered:
            raise RuleViolation(
                "dob_required",
                "Date of birth: enter the patient's date of birth (dd.mm.yyyy).",
                field="date_of_birth",
            )
        sex = self.sex_combo.currentData()
        if sex is None:
            raise RuleViolation("sex_required", "Sex: choose the patient's sex.", field="sex")
        code = self.diagnosis_combo.currentData()
        days = {
            key: frozenset(n for n, box in enumerate(boxes, start=1) if box.isChecked())
            for key, boxes in self.day_boxes.items()
        }
        regions = frozenset(
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in (self.regions_list.item(r) for r in range(self.regions_list.count()))
            if item.checkState() == Qt.CheckState.Checked
        )
        return PatientInput(
            full_name=self.name_edit.text(),
            sex=Sex(sex),
            date_of_birth=as_date(self.dob_edit.date()),
            diagnosis_code=str(code) if code is not None else "",
            contact=self.contact_edit.text(),
            complaints=self.complaints_edit.toPlainText(),
            medications=self.medications_edit.toPlainText(),
            massage_days=days["massage_days"],
            exercise_days=days["exercise_days"],
            electrical_days=days["electrical_days"],
            skin_lesion_regions=regions,
            **{key: self.flag_checks[key].isChecked() for key, _label in CONTRAINDICATIONS},
        )

    def edited(self) -> bool:
        """Whether anything on the form differs from the record it was filled from."""
        if self._patient is None:
            return True
        if self.clearing_reason.text().strip():
            return True
        try:
            return self.input_data() != self._patient.data
        except AcuDeskError:  # the form holds something that is not a record yet: typed
            return True

    def _reload(self) -> None:
        """The patient as stored now (another workstation's change), in place of the form."""
        if self._patient is None:
            return
        self._patient = self._services.patients.get(self._patient.id)
        self._clear_errors()
        self._load(self._patient.data)
        self.clearing_reason.clear()
        if self.guard is not None:
            self.guard.follow(self._patient.id, stamp=self._patient.version_id)

    # -- saving ----------------------------------------------------------------------------

    def save(self, *, overwriting: bool = False) -> None:
        self._clear_errors()
        if self._acting_user is None:
            self._show_error(AcuDeskError("Choose who is acting at the top of the window first."))
            return
        if self._still_acting is not None and self._still_acting() != self._acting_user:
            self._show_error(
                AcuDeskError(
                    "This form was opened by someone who is no longer signed in here; it "
                    "cannot be saved in their name. Close it and open it again."
                )
            )
            return
        try:
            data = self.input_data()
            if self._patient is None:
                result = self._services.patients.register(self._acting_user, data)
            else:
                version = self._patient.version_id
                if overwriting:  # over the version stored now, which the person was told of
                    version = self._services.edits.stamp(PATIENT, self._patient.id)
                result = self._services.patients.update(
                    self._acting_user,
                    self._patient.id,
                    data,
                    version,
                    clearing_reason=self.clearing_reason.text(),
                    overwriting=overwriting,
                )
        except StaleRecord as error:
            self._show_error(error)
            if self.guard is not None:
                self.guard.show_banner()
                self.guard.ask(error, self._reload, lambda: self.save(overwriting=True))
            return
        except AcuDeskError as error:
            self._show_error(error)
            return
        self.saved_patient = result
        self.saved.emit(result.id)
        self.accept()

    def _field_places(self) -> dict[str, tuple[QLabel, QWidget, int]]:
        return {
            "name": (self.name_error, self.name_edit, 0),
            "sex": (self.sex_error, self.sex_combo, 0),
            "date_of_birth": (self.dob_error, self.dob_edit, 0),
            "diagnosis": (self.diagnosis_error, self.diagnosis_combo, 0),
            "days": (self.days_error, self._procedures_page, 1),
            "skin_lesion_regions": (self.regions_error, self.regions_list, 2),
            "clearing_reason": (self.clearing_error, self.clearing_reason, 2),
        }

    def _show_error(self, error: AcuDeskError) -> None:
        self.error_label.setText(str(error))
        self.error_label.show()
        field = error.field if isinstance(error, RuleViolation) else None
        place = self._field_places().get(field or "")
        if place is None:
            return
        label, widget, tab = place
        label.setText(str(error))
        label.show()
        if widget is not self._procedures_page:
            widget.setStyleSheet(_INVALID)
        self.tabs.setCurrentIndex(tab)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear_errors(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        for label, widget, _tab in self._field_places().values():
            label.clear()
            label.hide()
            if widget is not self._procedures_page:
                widget.setStyleSheet("")

    def _on_dob_changed(self, _value: QDate) -> None:
        self._dob_entered = True
        self._update_age()

    def _update_age(self) -> None:
        if not self._dob_entered:
            self.dob_edit.setStyleSheet("QDateEdit { color: #8a97a3; }")
            self.age_label.setText("Not entered yet: type it, for example 03.02.1987")
            return
        if self.dob_error.isHidden():
            self.dob_edit.setStyleSheet("")
        years = age_on(as_date(self.dob_edit.date()), self._today)
        self.age_label.setText(f"{years} years today")
