"""Typing needles fast (`GB20 L 12`, `gb20 b 10`, `EX-B2 L4 R 15`) and logging saved point sets."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from acudesk.domain.quick_entry import completions
from acudesk.services.container import Services


class QuickEntryBar(QWidget):
    """The controls only; the needling panel runs the actions so refusals show in one place."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services
        self.entry = QLineEdit()
        self.entry.setObjectName("quickEntry")
        self.entry.setPlaceholderText("Type e.g.  GB20 L 12   gb20 b 10   EX-B2 L4 R 15   GV14 6")
        self._suggestions = QStringListModel()
        completer = QCompleter(self._suggestions, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.entry.setCompleter(completer)
        self.entry.textEdited.connect(self._suggest)
        self.log_button = QPushButton("Log (Enter)")
        self.log_button.setObjectName("primary")

        self.set_combo = QComboBox()
        self.set_combo.setObjectName("pointSetCombo")
        self.apply_button = QPushButton("Log this set")
        self.repeat_button = QPushButton("Repeat last session's points")
        self.set_name = QLineEdit()
        self.set_name.setPlaceholderText("name for a new set, e.g. cervical, basic")
        self.save_button = QPushButton("Save logged points as a set")

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Quick entry"), 0, 0)
        grid.addWidget(self.entry, 0, 1, 1, 3)
        grid.addWidget(self.log_button, 0, 4)
        grid.addWidget(QLabel("Point set"), 1, 0)
        grid.addWidget(self.set_combo, 1, 1)
        grid.addWidget(self.apply_button, 1, 2)
        grid.addWidget(self.repeat_button, 1, 3, 1, 2)
        grid.setColumnStretch(1, 1)

    def reload_sets(self) -> None:
        current = self.set_combo.currentData()
        self.set_combo.clear()
        for row in self._services.protocols.list_protocols():
            self.set_combo.addItem(f"{row.name}  ({row.summary})", row.id)
        if current is not None:
            self.set_combo.setCurrentIndex(max(0, self.set_combo.findData(current)))
        self.apply_button.setEnabled(self.set_combo.count() > 0)

    def _suggest(self, text: str) -> None:
        self._suggestions.setStringList(completions(text, self._services.points))
