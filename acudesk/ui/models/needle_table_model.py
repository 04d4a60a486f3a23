"""Needles of one session as a table: in or out, where, how deep, which needle."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from acudesk.services.dto import NeedleRow

_HEADERS = ("#", "Point", "Side", "Depth", "Needle", "Lot", "Inserted", "Removed", "Condition")
_OPEN_BRUSH = QBrush(QColor("#fff4e5"))
ALL_COLUMNS = tuple(range(len(_HEADERS)))
NEEDLING_COLUMNS = (0, 1, 2, 3, 4, 6)  # the lot is the pack's, shown above the table
REMOVAL_COLUMNS = (0, 1, 2, 3, 7, 8)  # where, how deep, and whether it is out


def _needle_text(n: NeedleRow) -> str:
    return f"{n.material.replace('_', ' ')} {n.diameter_mm:.2f} x {n.length_mm:.0f} mm"


class NeedleTableModel(QAbstractTableModel):
    def __init__(self, columns: tuple[int, ...] = ALL_COLUMNS) -> None:
        super().__init__()
        self._rows: list[NeedleRow] = []
        self._numbers: dict[int, int] = {}
        self._columns = columns

    def set_rows(self, rows: tuple[NeedleRow, ...]) -> None:
        self.beginResetModel()
        self._numbers = {n.id: i for i, n in enumerate(rows, start=1)}
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> NeedleRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        n = self._rows[index.row()]
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole and n.is_open:
            return _OPEN_BRUSH
        if role == Qt.ItemDataRole.FontRole and n.is_open and column in (1, 7):
            font = QFont()
            font.setBold(True)
            return font
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        match column:
            case 0:
                return str(self._numbers.get(n.id, ""))
            case 1:
                return n.point_code
            case 2:
                return n.side
            case 3:
                return f"{n.depth_mm:g} mm" + (" (deep, confirmed)" if n.deep_confirmed else "")
            case 4:
                return _needle_text(n)
            case 5:
                return n.pack_lot
            case 6:
                return f"{n.inserted_at.astimezone():%H:%M} {n.inserted_by}"
            case 7:
                if n.removed_at is None:
                    return "STILL IN"
                return f"{n.removed_at.astimezone():%H:%M} {n.removed_by}"
            case _:
                if n.condition is None:
                    return ""
                return n.condition + (", bleeding" if n.bleeding else "")

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[self._columns[section]]
        return None
