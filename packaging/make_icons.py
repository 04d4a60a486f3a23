"""Render the application icon: packaging/linux/acudesk.svg -> acudesk.png and the Windows ICO.

Run ``.venv/bin/python packaging/make_icons.py`` after changing the SVG; the PNG and ICO are
committed, so a build needs nothing but the files.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SVG = HERE / "linux" / "acudesk.svg"
ICO_SIZES = (16, 24, 32, 48, 64, 256)


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def ico_bytes(images: list[bytes], sizes: tuple[int, ...]) -> bytes:
    """An ICO holding one PNG per size (Windows Vista and later read PNG entries)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, data in zip(sizes, images, strict=True):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return header + entries + b"".join(images)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication(sys.argv[:1])
    (HERE / "linux" / "acudesk.png").write_bytes(png_bytes(render(256)))
    (HERE / "windows").mkdir(exist_ok=True)
    icons = [png_bytes(render(size)) for size in ICO_SIZES]
    (HERE / "windows" / "acudesk.ico").write_bytes(ico_bytes(icons, ICO_SIZES))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
