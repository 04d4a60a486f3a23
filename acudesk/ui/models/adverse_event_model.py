"""The adverse events of one session as an editable table: what is edited is what is saved.

Kind and severity are chosen from their lists (a combo box in the cell), details and action are
free text; a row can be deleted until the session is signed. The panel reads ``events()`` when it
saves, so an edit in a cell is never silently dropped.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from acudesk.i18n import N_, _
from acudesk.services.sessions import ADVERSE_KINDS, SEVERITIES, AdverseEventInput

KIND_LABELS = {
    "bleeding": N_("Bleeding or haematoma"),
    "pain": N_("Pain"),
    "dizziness": N_("Dizziness or fainting"),
    "nausea": N_("Nausea"),
    "broken_needle": N_("Broken needle"),
    "other": N_("Other"),
}
SEVERITY_LABELS = {"mild": N_("Mild"), "moderate": N_("Moderate"), "severe": N_("Severe")}
KIND, SEVERITY, DETAILS, ACTION = range(4)
_HEADERS = (N_("Adverse event"), N_("Severity"), N_("Details"), N_("Action taken"))
Index = QModelIndex | QPersistentModelIndex


def kind_label(kind: str) -> str:
    return _(KIND_LABELS.get(kind, kind))


def severity_label(severity: str) -> str:
    return _(SEVERITY_LABELS.get(severity, severity))


class AdverseEventModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[list[str]] = []
        self._editable = True

    # -- what the panel uses ---------------------------------------------------------------

    def set_events(self, events: list[AdverseEventInput]) -> None:
        self.beginResetModel()
        self._rows = [[e.kind, e.severity, e.description, e.action_taken] for e in events]
        self.endResetModel()

    def events(self) -> list[AdverseEventInput]:
        return [AdverseEventInput(k, s, d, a) for k, s, d, a in self._rows]

    def append(self, event: AdverseEventInput) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append([event.kind, event.severity, event.description, event.action_taken])
        self.endInsertRows()
        return row

    @property
    def editable(self) -> bool:
        return self._editable

    def set_editable(self, editable: bool) -> None:
        """False once the session is signed: the record is read-only."""
        self._editable = editable
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, ACTION))

    # -- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(_HEADERS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.EditRole or role == Qt.ItemDataRole.UserRole:
            return value
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == KIND:
                return kind_label(value)
            if index.column() == SEVERITY:
                return severity_label(value)
            return value
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if self._editable else base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self._editable:
            return False
        text = str(value)
        column = index.column()
        if column == KIND and text not in ADVERSE_KINDS:
            return False
        if column == SEVERITY and text not in SEVERITIES:
            return False
        self._rows[index.row()][column] = text if column < DETAILS else text.strip()
        self.dataChanged.emit(index, index)
        return True

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if not self._editable or row < 0 or count < 1 or row + count > len(self._rows):
            return False
        self.beginRemoveRows(parent, row, row + count - 1)
        del self._rows[row : row + count]
        self.endRemoveRows()
        return True


class ChoiceDelegate(QStyledItemDelegate):
    """Kind and severity cells edit with a list of the allowed values, never free text."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        if index.column() not in (KIND, SEVERITY):
            return super().createEditor(parent, option, index)
        combo = QComboBox(parent)
        if index.column() == KIND:
            for kind in ADVERSE_KINDS:
                combo.addItem(kind_label(kind), kind)
        else:
            for severity in SEVERITIES:
                combo.addItem(severity_label(severity), severity)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(index.data(Qt.ItemDataRole.EditRole))))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)
