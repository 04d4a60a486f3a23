"""The Clinic settings tab: each bounded option with its own Save."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from acudesk.domain.clinic_options import BOUNDS, ClinicOptions
from acudesk.domain.errors import AcuDeskError
from acudesk.domain.roles import Action
from acudesk.services.container import Services
from acudesk.ui.views.admin.common import NO_USER, Access
from acudesk.ui.widgets.forms import allow, hint, set_look


class SettingsTab(QWidget):
    settings_changed = Signal()

    def __init__(self, services: Services, access: Access) -> None:
        super().__init__()
        self._services = services
        self._access = access
        self.options = ClinicOptions()
        self.spins: dict[str, QSpinBox | QDoubleSpinBox] = {}
        self.save_buttons: dict[str, QPushButton] = {}
        self.status_labels: dict[str, QLabel] = {}
        panel = QFrame()
        panel.setObjectName("panel")
        grid = QGridLayout(panel)
        grid.setContentsMargins(16, 12, 16, 12)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(10)
        for row, (name, bounds) in enumerate(BOUNDS.items()):
            spin: QSpinBox | QDoubleSpinBox
            if isinstance(getattr(self.options, name), float):
                spin = QDoubleSpinBox()
                spin.setDecimals(1)
                spin.setSingleStep(0.5)
                spin.setRange(bounds.low, bounds.high)
            else:
                spin = QSpinBox()
                spin.setRange(int(bounds.low), int(bounds.high))
            spin.setSuffix(f" {bounds.unit}")
            spin.setMinimumWidth(110)
            # A value typed outside the bounds falls back to the last good one, never clamps.
            spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
            spin.setAccessibleName(bounds.label)
            save = QPushButton("Save")
            status = QLabel()
            grid.addWidget(QLabel(bounds.label), row, 0)
            grid.addWidget(spin, row, 1)
            allowed = hint(f"allowed {bounds.low:g}-{bounds.high:g} {bounds.unit}")
            allowed.setWordWrap(False)
            grid.addWidget(allowed, row, 2)
            grid.addWidget(save, row, 3)
            grid.addWidget(status, row, 4)
            spin.valueChanged.connect(lambda _v, n=name: self._on_edited(n))
            save.clicked.connect(lambda _c=False, n=name: self.save(n))
            self.spins[name], self.save_buttons[name], self.status_labels[name] = spin, save, status
        self.price_label = QLabel()
        last = len(BOUNDS)
        grid.addWidget(QLabel("Price of a session"), last, 0)
        grid.addWidget(self.price_label, last, 1)
        grid.addWidget(hint("shown for reference; not changed on this screen"), last, 2, 1, 3)
        grid.setColumnStretch(4, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            hint(
                "Each value is limited to the range the clinic's rules allow. Every change is "
                "recorded in the audit trail with who made it and when."
            )
        )
        layout.addWidget(panel)
        layout.addStretch(1)

    def refresh(self) -> None:
        try:
            self.options = self._services.clinic.options()
        except AcuDeskError as error:
            self._show(next(iter(self.status_labels)), str(error), "error")
            return
        for name, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(getattr(self.options, name))
            spin.blockSignals(False)
            self.status_labels[name].clear()
            self._update_save(name)
        try:
            price = self._services.prices.current()
        except AcuDeskError as error:
            self.price_label.setText(str(error))
            return
        self.price_label.setText(price.text if price else "No price set")

    def save(self, name: str) -> None:
        spin, acting = self.spins[name], self._access.user()
        spin.interpretText()
        if acting is None:
            self._show(name, NO_USER, "error")
            return
        if spin.value() == getattr(self.options, name):
            self._show(name, "No change to save.", "muted")
            return
        try:
            self.options = self._services.clinic.change(acting, name, float(spin.value()))
        except AcuDeskError as error:
            self._show(name, str(error), "error")
            return
        self._update_save(name)
        self._show(name, "Saved.", "ok")
        self.settings_changed.emit()

    def _on_edited(self, name: str) -> None:
        self.status_labels[name].clear()
        self._update_save(name)

    def _update_save(self, name: str) -> None:
        unchanged = self.spins[name].value() == getattr(self.options, name)
        allow(
            self.save_buttons[name],
            self._access.refusal(Action.CHANGE_SETTINGS),
            "No change to save." if unchanged else "",
        )
        self.spins[name].setEnabled(self._access.refusal(Action.CHANGE_SETTINGS) is None)

    def _show(self, name: str, text: str, look: str) -> None:
        label = self.status_labels[name]
        label.setText(text)
        set_look(label, look)
