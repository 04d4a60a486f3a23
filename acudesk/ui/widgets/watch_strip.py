"""The strip above every page: each watched session, its needles and its time, at a glance.

Green while the needles are timed, amber when they are due out, red when overdue, and always the
words too (never colour alone). On the lock screen and the log-in gate it shows initials only.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from acudesk.domain.session_record import Urgency, WatchLine

LOOK = {
    Urgency.RESTING: ("#e3eef8", "#0d2f4f", "#7aa7cf", "○"),
    Urgency.WAITING: ("#eef2f5", "#1d2b36", "#9aa7b2", "◌"),
    Urgency.RUNNING: ("#dff0e3", "#0f3d1f", "#2e7d46", "●"),
    Urgency.DUE: ("#ffe9a8", "#3d2a00", "#b07d00", "▲"),
    Urgency.OVERDUE: ("#b71c1c", "#ffffff", "#7f0000", "■"),
}


class WatchTile(QPushButton):
    def __init__(self, line: WatchLine, *, private: bool) -> None:
        super().__init__()
        self.session_id = line.session_id
        self.line = line
        self.setObjectName("watchTile")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.show_line(line, private=private)

    def show_line(self, line: WatchLine, *, private: bool) -> None:
        self.line = line
        self.private = private
        background, text, border, mark = LOOK[line.urgency]
        self.setText(f"{mark}  {line.text(private=private)}")
        self.setAccessibleName(f"Open session: {line.text(private=True)}")
        self.setToolTip("Open this session" + (" after logging in" if private else ""))
        self.setStyleSheet(
            f"QPushButton#watchTile {{ background: {background}; color: {text};"
            f" border: 2px solid {border}; border-radius: 6px; padding: 4px 12px;"
            f" font-size: 13pt; font-weight: 700; text-align: left; }}"
        )


class WatchStrip(QFrame):
    """Every open session, on every page, the lock screen and the gate included."""

    session_requested = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("watchStrip")
        self.tiles: list[WatchTile] = []
        self.sound_banner = QLabel()
        self.sound_banner.setObjectName("soundBanner")
        self.sound_banner.setWordWrap(True)
        self.sound_banner.setStyleSheet(
            "QLabel#soundBanner { background: #fff3cd; color: #3d2a00; border: 2px solid #b07d00;"
            " border-radius: 6px; padding: 4px 10px; font-weight: 600; }"
        )
        self.sound_banner.hide()
        self.live_banner = QLabel()
        self.live_banner.setObjectName("liveBanner")
        self.live_banner.setWordWrap(True)
        self.live_banner.setStyleSheet(
            "QLabel#liveBanner { background: #fff3cd; color: #3d2a00; border: 2px solid #b07d00;"
            " border-radius: 6px; padding: 4px 10px; font-weight: 600; }"
        )
        self.live_banner.hide()
        # Other warnings every page must carry (the records' state, backups): one label each.
        self.banners: dict[str, QLabel] = {}
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.sound_banner)
        layout.addWidget(self.live_banner)
        self._layout = layout
        layout.addLayout(self.row)
        self.setVisible(False)

    def show_lines(self, lines: Sequence[WatchLine], *, private: bool) -> None:
        if [t.session_id for t in self.tiles] != [line.session_id for line in lines]:
            for tile in self.tiles:
                self.row.removeWidget(tile)
                tile.deleteLater()
            self.tiles = []
            for index, line in enumerate(lines):
                tile = WatchTile(line, private=private)
                tile.clicked.connect(lambda _=False, sid=line.session_id: self._requested(sid))
                self.row.insertWidget(index, tile)
                self.tiles.append(tile)
        else:
            for tile, line in zip(self.tiles, lines, strict=True):
                if tile.line != line or tile.private != private:
                    tile.show_line(line, private=private)
        self._update_visibility()

    def _requested(self, session_id: int) -> None:
        self.session_requested.emit(session_id)

    def set_sound_problem(self, problem: str) -> None:
        self.sound_banner.setText(
            f"This workstation cannot play the alarm sound ({problem}). Alarms will raise and "
            "flash the window instead: keep AcuDesk in view, or fix the sound."
            if problem
            else ""
        )
        self.sound_banner.setVisible(bool(problem))
        self._update_visibility()

    def set_live(self, live: bool, since: str) -> None:
        self.live_banner.setText(
            ""
            if live
            else f"The database cannot be read since {since}: the timers below run from the "
            "last records read and the alarms still sound. Check the database connection."
        )
        self.live_banner.setVisible(not live)
        self._update_visibility()

    def set_banner(self, key: str, text: str) -> None:
        """A warning shown above every page until its text is cleared."""
        label = self.banners.get(key)
        if label is None:
            label = QLabel()
            label.setObjectName(f"{key}Banner")
            label.setWordWrap(True)
            label.setStyleSheet(self.live_banner.styleSheet().replace("liveBanner", f"{key}Banner"))
            self._layout.insertWidget(2, label)
            self.banners[key] = label
        label.setText(text)
        label.setVisible(bool(text))
        self._update_visibility()

    def banner(self, key: str) -> str:
        """The text of a banner ``set_banner`` shows, "" when none is shown."""
        label = self.banners.get(key)
        return label.text() if label is not None and not label.isHidden() else ""

    def _update_visibility(self) -> None:
        banners = [self.sound_banner, self.live_banner, *self.banners.values()]
        self.setVisible(bool(self.tiles) or any(not b.isHidden() for b in banners))

    def tile_for(self, session_id: int) -> WatchTile | None:
        return next((t for t in self.tiles if t.session_id == session_id), None)
