"""Step 2: the eight preparation checks, in order, each stored with who and when."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from acudesk.domain.checklist import ORDER, ChecklistStep, Position, next_step
from acudesk.domain.errors import AcuDeskError, RuleViolation
from acudesk.domain.gs1 import parse_gs1
from acudesk.domain.needles import Material, NeedleSpec, PackInput
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.views.session.base import ActingUser, StepPanel, muted_label, title_label

AGENTS = (
    "Chlorhexidine 0.5% in 70% alcohol",
    "Ethanol 70%",
    "Povidone-iodine 10%",
)


class PackForm(QGroupBox):
    """Lot, expiry and needle size of one box of sterile single-use needles."""

    def __init__(self, services: Services) -> None:
        super().__init__("Needle pack (from the box label)")
        self._services = services
        self.gtin = ""
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("packCode")
        self.code_edit.setPlaceholderText(
            "Scan the box's barcode here, or fill lot and expiry below"
        )
        self.code_note = QLabel()
        self.code_note.setWordWrap(True)
        self.code_note.hide()
        self.lot_edit = QLineEdit()
        self.lot_edit.setPlaceholderText("Lot number, e.g. 240915B")
        # Typed from the box, never a guess: a date field cannot be empty, so a text field.
        self.expiry_edit = QLineEdit()
        self.expiry_edit.setObjectName("packExpiry")
        self.expiry_edit.setPlaceholderText("dd.mm.yyyy from the box")
        self.expiry_edit.setMaxLength(10)
        self.expiry_edit.setMinimumWidth(150)
        self.material_combo = QComboBox()
        for material in Material:
            self.material_combo.addItem(material.label, material)
        self.diameter_spin = QDoubleSpinBox()
        self.diameter_spin.setRange(0.10, 0.50)
        self.diameter_spin.setSingleStep(0.01)
        self.diameter_spin.setValue(0.25)
        self.diameter_spin.setSuffix(" mm")
        self.length_spin = QDoubleSpinBox()
        self.length_spin.setRange(5, 150)
        self.length_spin.setDecimals(0)
        self.length_spin.setValue(40)
        self.length_spin.setSuffix(" mm")
        self.intact_check = QCheckBox("Sterile, single-use, package intact")
        self.record_button = QPushButton("Record pack")
        self.record_button.setObjectName("recordPackButton")
        size = QHBoxLayout()
        size.addWidget(self.material_combo)
        size.addWidget(QLabel("diameter"))
        size.addWidget(self.diameter_spin)
        size.addWidget(QLabel("length"))
        size.addWidget(self.length_spin)
        lot_row = QHBoxLayout()
        lot_row.addWidget(self.lot_edit, 1)
        lot_row.addWidget(QLabel("expires"))
        lot_row.addWidget(self.expiry_edit)
        last_row = QHBoxLayout()
        last_row.addWidget(self.intact_check, 1)
        last_row.addWidget(self.record_button)
        form = QFormLayout(self)
        form.addRow("Box code", self.code_edit)
        form.addRow("", self.code_note)
        form.addRow("Lot", lot_row)
        form.addRow("Needles", size)
        form.addRow("", last_row)

        self.code_edit.returnPressed.connect(self.read_code)

    def read_code(self) -> None:
        """A keyboard-wedge scanner types the GS1 string and Enter: fill lot, expiry, needles."""
        try:
            code = parse_gs1(self.code_edit.text())
        except AcuDeskError as error:
            self._note(str(error), ok=False)
            self.lot_edit.setFocus()
            return
        self.gtin = code.gtin
        self.lot_edit.setText(code.lot)
        self.expiry_edit.setText(f"{code.expiry:%d.%m.%Y}" if code.expiry is not None else "")
        spec = self._services.protocols.known_spec(code.gtin)
        if spec is not None:
            self.material_combo.setCurrentIndex(self.material_combo.findData(spec.material))
            self.diameter_spin.setValue(spec.diameter_mm)
            self.length_spin.setValue(spec.length_mm)
        expiry = f"{code.expiry:%d.%m.%Y}" if code.expiry else "not in the code: enter it"
        self._note(f"Read: lot {code.lot}, expiry {expiry}. Check the package is intact.", ok=True)
        self.intact_check.setFocus()

    def _note(self, text: str, *, ok: bool) -> None:
        self.code_note.setObjectName("ok" if ok else "error")
        self.code_note.setStyleSheet("color: #1b6e3a;" if ok else "color: #b00020;")
        self.code_note.setText(text)
        self.code_note.show()

    def pack(self) -> PackInput:
        """What the form holds; an expiry not entered or not a date is refused here, by name."""
        return PackInput(self.lot_edit.text(), self.expiry(), self.intact_check.isChecked())

    def expiry(self) -> date:
        text = self.expiry_edit.text().strip()
        if not text:
            raise RuleViolation(
                "expiry_missing",
                "Expiry: enter the expiry date from the box label (dd.mm.yyyy).",
                field="expiry",
            )
        try:
            return datetime.strptime(text, "%d.%m.%Y").date()
        except ValueError:
            raise RuleViolation(
                "expiry_not_a_date",
                f"Expiry: '{text}' is not a date; type it as on the box, e.g. 30.06.2028.",
                field="expiry",
            ) from None

    def spec(self) -> NeedleSpec:
        return NeedleSpec(
            Material(self.material_combo.currentData()),
            self.diameter_spin.value(),
            self.length_spin.value(),
        )

    def clear_after_recording(self) -> None:
        """Every box is read afresh: nothing of the last pack stays to be taken for this one."""
        self.lot_edit.clear()
        self.expiry_edit.clear()
        self.code_edit.clear()
        self.code_note.hide()
        self.gtin = ""
        self.intact_check.setChecked(False)


class ChecklistPanel(StepPanel):
    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__(services, acting_user)
        self.layout_.addWidget(title_label("Before the first needle: preparation checklist"))
        self.layout_.addWidget(
            muted_label("Confirm each step in order. The needle log opens when all eight are done.")
        )
        self.table = QTableWidget(len(ORDER), 2)
        self.table.setObjectName("checklistTable")
        self.table.setHorizontalHeaderLabels(["Step", "Confirmed"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 520)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._full_height = len(ORDER) * 30 + self.table.horizontalHeader().sizeHint().height() + 4
        self.table.setFixedHeight(self._full_height)
        self.layout_.addWidget(self.table)

        self.current_label = QLabel()
        self.current_label.setObjectName("sectionTitle")
        self.current_label.setWordWrap(True)
        self.layout_.addWidget(self.current_label)

        self.position_combo = QComboBox()
        self.position_combo.setObjectName("positionCombo")
        self.position_combo.addItem("choose the position", None)
        for position in Position:
            self.position_combo.addItem(position.label, position)
        self.agent_combo = QComboBox()
        self.agent_combo.setEditable(True)
        self.agent_combo.addItems(AGENTS)
        self.agent_combo.setCurrentIndex(-1)
        self.agent_combo.setPlaceholderText("Aseptic agent used")
        self._session_id: int | None = None
        self.pack_form = PackForm(services)
        self.packs_label = muted_label()
        self.extra = QWidget()
        extra = QFormLayout(self.extra)
        extra.setContentsMargins(0, 0, 0, 0)
        extra.addRow("Position", self.position_combo)
        extra.addRow("Aseptic agent", self.agent_combo)
        self.layout_.addWidget(self.extra)
        self.layout_.addWidget(self.pack_form)
        self.layout_.addWidget(self.packs_label)

        self.confirm_button = QPushButton("Confirm (Ctrl+Enter)")
        self.confirm_button.setObjectName("primary")
        self.layout_.addWidget(self.confirm_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.add_error_label()
        self.layout_.addStretch(1)

        self.confirm_button.clicked.connect(self.confirm_current)
        self.pack_form.record_button.clicked.connect(self.record_pack)

    def show_view(self, view: SessionView) -> None:
        if view.id != self._session_id:  # another patient: nothing carried over from the last
            self._session_id = view.id
            self._clear_choices()
            self.pack_form.clear_after_recording()
        super().show_view(view)
        done = {c.step: c for c in view.checks}
        upcoming = next_step(view.done_steps)
        for row, item in enumerate(ORDER):
            self.table.setItem(row, 0, QTableWidgetItem(f"{item.number}. {item.label}"))
            check = done.get(item.value)
            if check is not None:
                local = check.confirmed_at.astimezone()
                text = f"✔ {check.confirmed_by}, {local:%H:%M}"
                if check.detail:
                    text += f" - {check.detail}"
            else:
                text = "← next" if item is upcoming else ""
            self.table.setItem(row, 1, QTableWidgetItem(text))
        step = upcoming
        self.confirm_button.setEnabled(step is not None)
        if step is None:
            self.current_label.setText("All eight steps are confirmed.")
        else:
            self.current_label.setText(f"Step {step.number}: {step.label}")
            self.confirm_button.setText(f"Confirm step {step.number} (Ctrl+Enter)")
        self.position_combo.setVisible(step is ChecklistStep.POSITION)
        self.agent_combo.setVisible(step is ChecklistStep.SKIN_DISINFECTED)
        self.extra.setVisible(step in (ChecklistStep.POSITION, ChecklistStep.SKIN_DISINFECTED))
        form = self.extra.layout()
        assert isinstance(form, QFormLayout)
        form.setRowVisible(0, step is ChecklistStep.POSITION)
        form.setRowVisible(1, step is ChecklistStep.SKIN_DISINFECTED)
        self.pack_form.setVisible(step is ChecklistStep.NEEDLES)
        # At the last step the pack form needs the room: the table shrinks to its last rows.
        short = self.table.horizontalHeader().sizeHint().height() + 3 * 30 + 4
        self.table.setFixedHeight(short if step is ChecklistStep.NEEDLES else self._full_height)
        if step is ChecklistStep.NEEDLES:
            QTimer.singleShot(0, self.table.scrollToBottom)  # once the new height is laid out
        packs = "; ".join(
            f"lot {p.lot}, expires {p.expiry:%d.%m.%Y}, {p.material.replace('_', ' ')} "
            f"{p.diameter_mm:.2f} x {p.length_mm:.0f} mm"
            for p in view.packs
        )
        self.packs_label.setText(f"Packs recorded: {packs}" if packs else "")
        self.packs_label.setVisible(bool(packs))

    def confirm_current(self) -> None:
        if self.view is None:
            return
        step = next_step(self.view.done_steps)
        if step is None:
            return
        chosen = self.position_combo.currentData()
        position = (
            Position(chosen) if step is ChecklistStep.POSITION and chosen is not None else None
        )
        agent = self.agent_combo.currentText() if step is ChecklistStep.SKIN_DISINFECTED else None
        if self._run(
            lambda user, sid: self._services.sessions.confirm_check(
                user, sid, step, position=position, agent=agent
            )
        ):
            self._clear_choices()

    def _clear_choices(self) -> None:
        self.position_combo.setCurrentIndex(0)
        self.agent_combo.setCurrentIndex(-1)
        self.agent_combo.clearEditText()

    def record_pack(self) -> None:
        form = self.pack_form
        spec, gtin = form.spec(), form.gtin
        if self._run(
            lambda user, sid: self._services.sessions.register_pack(
                user, sid, form.pack(), spec, gtin=gtin
            )
        ):
            self.pack_form.clear_after_recording()

    def _field_widgets(self) -> dict[str, QWidget]:
        return {
            "position": self.position_combo,
            "agent": self.agent_combo,
            "lot": self.pack_form.lot_edit,
            "expiry": self.pack_form.expiry_edit,
            "diameter": self.pack_form.diameter_spin,
            "length": self.pack_form.length_spin,
        }
