"""The papers' font: DejaVu Sans, shipped in resources/fonts, so Cyrillic always prints."""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont, QFontDatabase

from acudesk import assets

log = logging.getLogger(__name__)

FAMILY = "DejaVu Sans"
_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
_loaded: list[str] = []


def paper_family() -> str:
    """Load the shipped font once (needs a QGuiApplication); the family to print with."""
    if not _loaded:
        for name in _FILES:
            try:
                found = QFontDatabase.addApplicationFont(str(assets.font_file(name)))
            except FileNotFoundError:
                log.warning("the paper font %s is missing; a system font is used", name)
                continue
            if found >= 0:
                _loaded.extend(QFontDatabase.applicationFontFamilies(found))
        if not _loaded:
            _loaded.append(FAMILY)
    return _loaded[0]


def paper_font(point_size: float = 9.0) -> QFont:
    font = QFont(paper_family())
    font.setPointSizeF(point_size)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font
