"""The nurse-station board: every open session of the clinic, one large tile per room.

Readable from across a room: green while the needles are timed, amber when they are due out,
red when overdue, and always in words and with a shape too, never colour alone. A wall screen
(``acudesk --board``) and anyone not logged in see initials only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from acudesk.domain.session_record import WatchLine
from acudesk.ui.widgets.watch_strip import LOOK

COLUMNS = 3


class BoardTile(QPushButton):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("boardTile")
        self.setMinimumHeight(170)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.session_id = 0
        self.line: WatchLine | None = None
        self.private = True

    def show_line(self, line: WatchLine, *, private: bool) -> None:
        self.session_id, self.line, self.private = line.session_id, line, private
        background, text, border, mark = LOOK[line.urgency]
        who = line.initials if private else line.patient_name
        needles = f"{line.needles_in} needle{'s' if line.needles_in != 1 else ''} in"
        lines = [
            line.room or "Room not set",
            f"{mark} {line.status or 'Needles in'}",
            line.clock or "",
            f"{who} · {needles if line.needles_in else 'needles out'}",
            line.practitioner,
        ]
        self.setText("\n".join(part for part in lines if part))
        self.setAccessibleName(f"{line.room or 'Room not set'}: {line.text(private=True)}")
        self.setStyleSheet(
            f"QPushButton#boardTile {{ background: {background}; color: {text};"
            f" border: 4px solid {border}; border-radius: 10px; padding: 10px;"
            f" font-size: 20pt; font-weight: 700; text-align: left; }}"
        )


class BoardPage(QWidget):
    """All rooms at once; a tile opens its session (after log-in, at this workstation)."""

    session_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel("All rooms")
        self.title.setObjectName("pageTitle")
        self.empty = QLabel("No needles are in anywhere in the clinic.")
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        self.tiles: list[BoardTile] = []
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.empty)
        layout.addLayout(self.grid)
        layout.addStretch(1)

    def show_lines(self, lines: Sequence[WatchLine], *, private: bool) -> None:
        while len(self.tiles) < len(lines):
            tile = BoardTile()
            tile.clicked.connect(lambda _=False, t=tile: self.session_requested.emit(t.session_id))
            index = len(self.tiles)
            self.grid.addWidget(tile, index // COLUMNS, index % COLUMNS)
            self.tiles.append(tile)
        for index, tile in enumerate(self.tiles):
            if index < len(lines):
                if tile.line != lines[index] or tile.private != private or tile.isHidden():
                    tile.show_line(lines[index], private=private)
                tile.show()
            else:
                tile.hide()
        self.empty.setVisible(not lines)

    def tile_for(self, session_id: int) -> BoardTile | None:
        return next((t for t in self.tiles if t.isVisible() and t.session_id == session_id), None)
