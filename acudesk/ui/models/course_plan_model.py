"""A course's sessions as a table: planned minutes, what has happened, why a plan changed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from acudesk.services.dto import PlannedSessionRow

HEADERS = ("Session", "Minutes", "Status", "Date", "Reason for change")
_STATUS_TEXT = {
    "": "Preview",
    "planned": "Planned",
    "in progress": "In progress",
    "signed": "Signed",
}
_CENTRED = (0, 1, 3)


def preview_rows(minutes: Sequence[int]) -> list[PlannedSessionRow]:
    """Rows for a course that is only being considered: nothing has happened yet."""
    return [
        PlannedSessionRow(
            number=n, minutes=m, override_reason="", session_id=None, status="", session_date=None
        )
        for n, m in enumerate(minutes, start=1)
    ]


class CoursePlanTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[PlannedSessionRow] = []
        self._next: int | None = None
        self._preview = False

    @property
    def is_preview(self) -> bool:
        return self._preview

    def set_rows(self, rows: Sequence[PlannedSessionRow], next_number: int | None = None) -> None:
        """A planned course; the next session to give is shown in bold."""
        self.beginResetModel()
        self._rows = list(rows)
        self._next = next_number
        self._preview = False
        self.endResetModel()

    def set_preview(self, minutes: Sequence[int]) -> None:
        self.beginResetModel()
        self._rows = preview_rows(minutes)
        self._next = None
        self._preview = True
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> PlannedSessionRow:
        return self._rows[row]

    def minutes(self) -> list[int]:
        return [r.minutes for r in self._rows]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and row.override_reason:
            return f"Changed from the course plan: {row.override_reason}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _CENTRED:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.FontRole and row.number == self._next:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column == 1 and row.override_reason:
            return QBrush(QColor("#8a5300"))
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def _text(self, row: PlannedSessionRow, column: int) -> str:
        match column:
            case 0:
                return f"{row.number}"
            case 1:
                return f"{row.minutes} min"
            case 2:
                text = _STATUS_TEXT.get(row.status, row.status)
                return f"{text} (next)" if row.number == self._next else text
            case 3:
                return row.session_date.strftime("%d.%m.%Y") if row.session_date else ""
            case _:
                return row.override_reason

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None
