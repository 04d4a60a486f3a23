"""Step 3: logging each needle as it goes in, then starting the timer."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError, PermissionDenied, RuleViolation
from acudesk.domain.needles import Condition, Side
from acudesk.domain.quick_entry import NeedleOrder, parse_quick_entry
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.models.needle_table_model import NEEDLING_COLUMNS, NeedleTableModel
from acudesk.ui.views.session.base import ActingUser, StepPanel, muted_label, title_label
from acudesk.ui.views.session.quick_entry_bar import QuickEntryBar


def needle_table(model: NeedleTableModel) -> QTableView:
    """The needles of a session, one row each, chosen a row at a time."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class NeedlingPanel(StepPanel):
    point_chosen = Signal(str, str)  # code, side: typed here, shown on the chart

    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__(services, acting_user)
        self.layout_.addWidget(title_label("Needles: log each one as it goes in"))
        self.quick = QuickEntryBar(services)
        self.layout_.addWidget(self.quick)

        self.point_edit = QLineEdit()
        self.point_edit.setObjectName("pointEdit")
        self.point_edit.setPlaceholderText("Point code, e.g. GB20 or EX-B2-L4")
        names = [p.code for p in services.points] + [
            f"{p.code} {p.pinyin}" for p in services.points
        ]
        completer = QCompleter(sorted(set(names)))
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.point_edit.setCompleter(completer)
        self.point_info = muted_label()
        self.side_combo = QComboBox()
        for side in Side:
            self.side_combo.addItem(side.value.capitalize(), side)
        self.depth_spin = QDoubleSpinBox()
        self.depth_spin.setObjectName("depthSpin")
        self.depth_spin.setRange(0.0, 999.0)  # a typed "45" stays 45 and is refused in words
        self.depth_spin.setDecimals(1)
        self.depth_spin.setSingleStep(0.5)
        self.depth_spin.setValue(5.0)
        self.depth_spin.setSuffix(" mm")
        self.pack_combo = QComboBox()
        self.deep_check = QCheckBox("Deep needling confirmed for this needle")
        self.log_button = QPushButton("Log needle")
        self.log_button.setObjectName("primary")

        grid = QGridLayout()
        grid.addWidget(QLabel("Point"), 0, 0)
        grid.addWidget(self.point_edit, 0, 1)
        grid.addWidget(QLabel("Side"), 0, 2)
        grid.addWidget(self.side_combo, 0, 3)
        grid.addWidget(QLabel("Depth"), 0, 4)
        grid.addWidget(self.depth_spin, 0, 5)
        grid.addWidget(QLabel("Pack"), 1, 0)
        grid.addWidget(self.pack_combo, 1, 1, 1, 5)
        grid.addWidget(self.deep_check, 2, 0, 1, 4)
        grid.addWidget(self.log_button, 2, 4, 1, 2)
        grid.setColumnStretch(1, 1)
        self.layout_.addLayout(grid)
        self.layout_.addWidget(self.point_info)
        self.add_error_label()

        self.model = NeedleTableModel(NEEDLING_COLUMNS)
        self.table = needle_table(self.model)
        self.table.setObjectName("needleTable")
        self.layout_.addWidget(self.table, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("sectionTitle")
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_label)
        self.take_out_button = QPushButton("Take out selected, intact (correction)")
        self.take_out_button.setObjectName("takeOutButton")
        self.take_out_button.setToolTip(
            "A needle taken out before the timer starts is a correction: it is recorded as "
            "removed, intact, by you now. Log its replacement as a new needle."
        )
        count_row.addWidget(self.take_out_button)
        count_row.addStretch(1)
        count_row.addWidget(self.quick.set_name, 2)
        count_row.addWidget(self.quick.save_button)
        self.layout_.addLayout(count_row)
        self.start_button = QPushButton("Needles placed: start the timer (Ctrl+T)")
        self.start_button.setObjectName("primary")
        self.layout_.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.point_edit.textChanged.connect(self._on_point_text_changed)
        self.point_edit.returnPressed.connect(self.log_needle)
        self.depth_spin.lineEdit().returnPressed.connect(self.log_needle)
        self.log_button.clicked.connect(self.log_needle)
        self.start_button.clicked.connect(self.start_timer)
        self.take_out_button.clicked.connect(self.take_out_selected)
        self.quick.entry.returnPressed.connect(self.log_typed)
        self.quick.log_button.clicked.connect(self.log_typed)
        self.quick.apply_button.clicked.connect(self.log_set)
        self.quick.repeat_button.clicked.connect(self.repeat_last_session)
        self.quick.save_button.clicked.connect(self.save_set)

    def show_view(self, view: SessionView) -> None:
        super().show_view(view)
        current = self.pack_combo.currentData()
        self.pack_combo.clear()
        for p in view.packs:
            self.pack_combo.addItem(
                f"lot {p.lot} ({p.material.replace('_', ' ')} {p.diameter_mm:.2f} x "
                f"{p.length_mm:.0f} mm)",
                p.id,
            )
        if current is not None:
            index = self.pack_combo.findData(current)
            self.pack_combo.setCurrentIndex(max(index, 0))
        self.model.set_rows(view.needles)
        self.table.scrollToBottom()
        self.quick.reload_sets()
        count, still_in = len(view.needles), len(view.open_needles)
        taken_out = count - still_in
        self.count_label.setText(
            f"{still_in} needle{'s' if still_in != 1 else ''} in"
            + (f" ({taken_out} taken out)" if taken_out else "")
        )
        self.start_button.setEnabled(still_in > 0)
        self.take_out_button.setEnabled(still_in > 0)
        self._update_deep_check()

    def choose_point(self, code: str, side: str) -> None:
        """A point clicked on the chart fills the entry; depth and Enter finish it."""
        self.point_edit.setText(code)
        index = self.side_combo.findData(Side(side))
        if index >= 0:
            self.side_combo.setCurrentIndex(index)
        self.depth_spin.setFocus()
        self.depth_spin.selectAll()

    def _point(self) -> str:
        return self.point_edit.text().strip().split(" ")[0]

    def _on_point_text_changed(self) -> None:
        point = self._services.points.get(self._point())
        if point is None:
            self.point_info.setText("")
            return
        if not point.bilateral:
            self.side_combo.setCurrentIndex(self.side_combo.findData(Side.MIDLINE))
        elif self.side_combo.currentData() == Side.MIDLINE:
            self.side_combo.setCurrentIndex(self.side_combo.findData(Side.LEFT))
        self.point_chosen.emit(point.code, str(self.side_combo.currentData()))
        text = point.display_name
        if point.max_depth_mm is not None:
            text += f"  -  at most {point.max_depth_mm:g} mm here"
        if point.caution:
            text += f"  -  {point.caution}"
        self.point_info.setText(text)

    def _update_deep_check(self) -> None:
        """The confirmation names the clinic's threshold; it is given per needle, then cleared."""
        threshold = self.view.deep_threshold_mm if self.view else 10.0
        self.deep_check.setText(f"Deeper than {threshold:g} mm: deep needling confirmed")

    def log_needle(self) -> None:
        code, side = self._point(), Side(self.side_combo.currentData())
        depth, pack = self.depth_spin.value(), self.pack_combo.currentData()
        deep = self.deep_check.isChecked()
        if self._run(
            lambda user, sid: self._services.sessions.insert_needle(
                user, sid, code, side, depth, pack or 0, deep_confirmed=deep
            )
        ):
            self.point_edit.clear()
            self.deep_check.setChecked(False)
            self.point_edit.setFocus()

    def log_typed(self) -> None:
        """`GB20 B 10` logs two needles; a refusal keeps the text for correction."""
        text, pack, deep = self.quick.entry.text(), self._pack(), self.deep_check.isChecked()

        def log(user: int, sid: int) -> SessionView:
            orders = parse_quick_entry(text, self._services.points)
            return self._services.sessions.insert_needles(
                user, sid, orders, pack, deep_confirmed=deep
            )

        if self._run(log):
            self.quick.entry.clear()
            self.deep_check.setChecked(False)
            self.quick.entry.setFocus()
        else:  # whatever part the refusal names, it is corrected here, typed over
            self.quick.entry.setFocus(Qt.FocusReason.OtherFocusReason)
            self.quick.entry.selectAll()

    def log_set(self) -> None:
        chosen, pack = self.quick.set_combo.currentData(), self._pack()
        deep = self.deep_check.isChecked()
        self._run(
            lambda user, sid: self._services.protocols.apply_protocol(
                user, sid, int(chosen or 0), pack, deep_confirmed=deep
            )
        )

    def repeat_last_session(self) -> None:
        pack, deep = self._pack(), self.deep_check.isChecked()
        self._run(
            lambda user, sid: self._services.protocols.repeat_last_session(
                user, sid, pack, deep_confirmed=deep
            )
        )

    def save_set(self) -> None:
        if self.view is None:
            return
        orders = [NeedleOrder(n.point_code, Side(n.side), n.depth_mm) for n in self.view.needles]
        name = self.quick.set_name.text()
        user = self._acting_user()
        try:
            if user is None:
                raise PermissionDenied("Log in first.")
            if not orders:
                raise RuleViolation("empty_set", "Log the needles first; the set saves them.")
            self._services.protocols.save_protocol(user, name, orders)
        except AcuDeskError as error:
            self.show_error(str(error))
            return
        self.clear_error()
        self.quick.set_name.clear()
        self.quick.reload_sets()

    def _pack(self) -> int:
        return int(self.pack_combo.currentData() or 0)

    def start_timer(self) -> None:
        self._run(self._services.sessions.start_retention)

    def take_out_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        needle = self.model.row_at(rows[0].row()) if rows else None
        if needle is None or not needle.is_open:
            self.show_error("Choose the needle you took out in the list (one still in).")
            return
        self._run(
            lambda user, sid: self._services.sessions.remove_needle(
                user, sid, needle.id, Condition.INTACT, bleeding=False
            )
        )

    def _field_widgets(self) -> dict[str, QWidget]:
        return {
            "point": self.point_edit,
            "side": self.side_combo,
            "depth": self.depth_spin,
            "entry": self.quick.entry,
            "name": self.quick.set_name,
        }
