"""The session as a guided flow: the current step is obvious, the timer always in view."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import PERMISSIONS, Action, Role, may
from acudesk.domain.session_flow import Stage
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.shortcuts import window_shortcut
from acudesk.ui.views.session.base import ActingUser, StepPanel
from acudesk.ui.views.session.checklist_panel import ChecklistPanel
from acudesk.ui.views.session.needling_panel import NeedlingPanel
from acudesk.ui.views.session.outcome_panel import OutcomePanel
from acudesk.ui.views.session.record_panel import RecordPanel
from acudesk.ui.views.session.removal_panel import RemovalPanel
from acudesk.ui.views.session.rest_panel import RestPanel
from acudesk.ui.widgets.body_chart import BodyChart
from acudesk.ui.widgets.forms import plain_label
from acudesk.ui.widgets.timer_display import TimerDisplay

TICK_MS = 250

STEP_NAMES = (
    (Stage.SCREENING, "Screening"),
    (Stage.CHECKLIST, "Checklist"),
    (Stage.NEEDLING, "Needles"),
    (Stage.RETENTION, "Timer"),
    (Stage.REMOVAL, "Removal"),
    (Stage.REST, "Rest"),
    (Stage.OUTCOME, "Outcome, sign-off"),
    (Stage.SIGNED, "Signed"),
)


class SessionPage(QWidget):
    session_changed = Signal(object)
    back_requested = Signal(int)  # patient id

    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__()
        self._services = services
        self.view: SessionView | None = None

        self.patient_label = plain_label()
        self.patient_label.setObjectName("pageTitle")
        self.back_button = QPushButton("Back to patient")
        header = QHBoxLayout()
        header.addWidget(self.patient_label, 1)
        header.addWidget(self.back_button)
        self.timer_display = TimerDisplay()
        self.refusal_label = plain_label()
        self.refusal_label.setObjectName("error")
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setStyleSheet(
            "QLabel#error { font-size: 13pt; font-weight: 700; padding: 6px;"
            " border: 2px solid #b00020; border-radius: 6px; }"
        )
        self.refusal_label.hide()

        self.steps = QListWidget()
        self.steps.setObjectName("stepList")
        self.steps.setFixedWidth(260)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.steps.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.steps.setStyleSheet(
            "QListWidget { font-size: 12pt; } QListWidget::item { padding: 6px; }"
        )

        self.checklist = ChecklistPanel(services, acting_user)
        self.needling = NeedlingPanel(services, acting_user)
        self.removal = RemovalPanel(services, acting_user)
        self.rest = RestPanel(services, acting_user)
        self.outcome = OutcomePanel(services, acting_user)
        self.record = RecordPanel(services, acting_user)
        self.panels: dict[Stage, StepPanel] = {
            Stage.SCREENING: self.checklist,
            Stage.CHECKLIST: self.checklist,
            Stage.NEEDLING: self.needling,
            Stage.RETENTION: self.removal,
            Stage.REMOVAL: self.removal,
            Stage.REST: self.rest,
            Stage.OUTCOME: self.outcome,
            Stage.SIGNED: self.record,
        }
        self.stack = QStackedWidget()
        for panel in dict.fromkeys(self.panels.values()):
            self.stack.addWidget(panel)
            panel.changed.connect(self._on_panel_changed)

        self.chart = BodyChart(services.points)
        self.chart.setObjectName("bodyChart")
        self.chart.setFixedWidth(350)
        self.chart.point_clicked.connect(self._on_point_clicked)
        # A click on a needle only chooses it: removal records the condition chosen for it.
        self.chart.needle_clicked.connect(self.removal.select_needle)
        self.removal.needle_selected.connect(self._on_needle_selected)
        self.needling.point_chosen.connect(self.chart.select_point)

        body = QHBoxLayout()
        body.addWidget(self.steps)
        body.addWidget(self.stack, 1)
        body.addWidget(self.chart)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.timer_display)
        layout.addWidget(self.refusal_label)
        layout.addLayout(body, 1)

        self._roles: frozenset[Role] = frozenset(Role)
        self._stateful = {
            self.checklist.confirm_button,
            self.needling.start_button,
            self.removal.remove_button,
            self.removal.remove_all_button,
            self.needling.quick.apply_button,
        }
        self.ticker = QTimer(self)
        self.ticker.setInterval(TICK_MS)
        self.ticker.timeout.connect(self.tick)
        self.back_button.clicked.connect(self._on_back)
        self.timer_display.acknowledge_requested.connect(self.acknowledge_alarm)
        self._shortcuts()

    def _shortcuts(self) -> None:
        bindings = (
            ("Ctrl+Return", self.main_action),
            ("Ctrl+Enter", self.main_action),
            ("Ctrl+T", self.needling.start_timer),
            ("Ctrl+R", self.remove_chosen_needle),
            ("Alt+A", self.acknowledge_alarm),
            ("Ctrl+S", self.outcome.sign),
            ("Ctrl+L", lambda: self.needling.point_edit.setFocus()),
        )
        for keys, slot in bindings:
            window_shortcut(keys, self, slot)  # only while this page shows, text fields included

    def show_session(self, session_id: int) -> None:
        try:
            view = self._services.sessions.view(session_id)
        except AcuDeskError as error:
            self.patient_label.setText(str(error))
            return
        self.show_view(view)
        self.ticker.start()

    def show_view(self, view: SessionView) -> None:
        self.view = view
        now = self._services.clock.now()
        stage = view.stage(now)
        self.patient_label.setText(
            f"{view.patient_name}, born {view.patient_dob:%d.%m.%Y}  -  course {view.course_number}"
        )
        self.steps.clear()
        for number, (step, name) in enumerate(STEP_NAMES, start=1):
            mark = "✔" if step.number < stage.number else ("▶" if step is stage else " ")
            item = QListWidgetItem(f"{mark}  {number}. {name}")
            if step is stage:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
                item.setBackground(Qt.GlobalColor.yellow)
            elif step.number > stage.number:
                item.setForeground(Qt.GlobalColor.gray)
            self.steps.addItem(item)
        panel = self.panels[stage]
        for p in dict.fromkeys(self.panels.values()):
            p.show_view(view)
        arrived = self.stack.currentWidget() is not panel
        self.stack.setCurrentWidget(panel)
        if arrived and panel is self.needling:
            # The checklist's controls just hid: the hands are on the keys for the first needle.
            self.needling.quick.entry.setFocus(Qt.FocusReason.OtherFocusReason)
        self.timer_display.show_state(view, now)
        self._show_refusal(view)
        self._show_chart(view, stage)
        self._mask_by_role()

    def apply_roles(self, roles: frozenset[Role]) -> None:
        """Controls follow the permission table; the services check every action regardless."""
        self._roles = roles
        if self.view is not None:
            self.show_view(self.view)

    def _mask_by_role(self) -> None:
        roles = self._roles
        controls = (
            (
                Action.INSERT_NEEDLE,
                (
                    self.needling.log_button,
                    self.needling.quick.log_button,
                    self.needling.quick.apply_button,
                    self.needling.quick.repeat_button,
                ),
            ),
            (Action.MANAGE_PROTOCOLS, (self.needling.quick.save_button,)),
            (Action.START_RETENTION, (self.needling.start_button,)),
            (Action.CONFIRM_CHECK, (self.checklist.confirm_button,)),
            (Action.REGISTER_PACK, (self.checklist.pack_form.record_button,)),
            (Action.REMOVE_NEEDLE, (self.removal.remove_button, self.removal.remove_all_button)),
            (Action.RUN_REST, (self.rest.end_button,)),
            (Action.RECORD_OUTCOME, (self.outcome.save_button,)),
            (Action.SIGN_SESSION, (self.outcome.sign_button,)),
            (Action.ADD_ADDENDUM, (self.record.addendum_button,)),
        )
        for action, buttons in controls:
            allowed = may(roles, action)
            needed = " or ".join(sorted(r.value for r in PERMISSIONS[action]))
            for button in buttons:
                # Buttons the step itself switches on and off keep that; the rest follow the role.
                stateful = button in self._stateful
                button.setEnabled((button.isEnabled() or not stateful) and allowed)
                button.setToolTip("" if allowed else f"Only an {needed} may {action.value}.")

    def _show_chart(self, view: SessionView, stage: Stage) -> None:
        """The chart helps where needles go in and where they come out."""
        shown = stage in (Stage.NEEDLING, Stage.RETENTION, Stage.REMOVAL)
        self.chart.setVisible(shown)
        self.steps.setFixedWidth(200 if shown else 260)
        if shown:
            self.chart.set_mode("needling" if stage is Stage.NEEDLING else "removal")
            self.chart.set_needles(view.needles)
            self._face_the_needles(view)

    def _face_the_needles(self, view: SessionView) -> None:
        """Turn the figure to the side where the needles still in are, if none show now."""
        sides: dict[str, int] = {}
        for needle in view.open_needles:
            point = self._services.points.get(needle.point_code)
            if point is not None:
                sides[point.chart_view] = sides.get(point.chart_view, 0) + 1
        if sides and self.chart.current_view not in sides:
            self.chart.set_view(max(sides, key=lambda v: sides[v]))

    def _on_point_clicked(self, code: str, side: str) -> None:
        self.needling.choose_point(code, side)

    def current_panel(self) -> StepPanel:
        widget = self.stack.currentWidget()
        assert isinstance(widget, StepPanel)
        return widget

    def _show_refusal(self, view: SessionView) -> None:
        """A contraindication recorded after the start stops the session where it stands."""
        text = ""
        if view.refusal and view.signed_at is None:
            text = f"A contraindication was recorded during this session. {view.refusal}"
            if view.open_needles:
                text += " No more needles and no timer: remove the needles that are in."
        self.refusal_label.setText(text)
        self.refusal_label.setVisible(bool(text))

    def _on_needle_selected(self, code: str, side: str) -> None:
        self.chart.select_point(code, side)

    def tick(self) -> None:
        if self.view is None:
            return
        now = self._services.clock.now()
        self.timer_display.show_state(self.view, now)
        self.rest.tick(now)

    def main_action(self) -> None:
        panel = self.current_panel()
        if panel is self.checklist:
            self.checklist.confirm_current()
        elif panel is self.needling:
            if self.needling.quick.entry.text().strip():
                self.needling.log_typed()
            else:
                self.needling.log_needle()
        elif panel is self.removal:
            # Never a removal: each needle comes out by its own deliberate action (Ctrl+R).
            self.removal.table.setFocus()
            self.removal.show_hint_for_keys()
        elif panel is self.rest:
            self.rest.end_rest()
        elif panel is self.outcome:
            self.outcome.save()

    def remove_chosen_needle(self) -> None:
        """Ctrl+R: the one needle chosen, with the condition chosen for it, on the step shown."""
        panel = self.current_panel()
        if panel is self.removal:
            self.removal.remove_selected()
        elif panel is self.needling:
            self.needling.take_out_selected()

    def acknowledge_alarm(self) -> None:
        self.removal.run_action(self._services.sessions.acknowledge_alarm)

    def _on_panel_changed(self, view: SessionView) -> None:
        self.show_view(view)
        self.session_changed.emit(view)

    def _on_back(self) -> None:
        if self.view is not None:
            self.back_requested.emit(self.view.patient_id)
