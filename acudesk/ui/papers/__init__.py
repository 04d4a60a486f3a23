"""The papers AcuDesk prints: the session record and the course summary, as A4 PDFs or on a
printer, laid out with Qt's document stack (QTextDocument on QPdfWriter / QPrinter).

    write_session_pdf(services, session_id, path)   # `acudesk export session ID --pdf FILE`
    write_course_pdf(services, course_id, path)     # `acudesk export course ID --pdf FILE`

Both audit the export and create the file readable by its owner only. Without a user id they
act as the command line (the trail records the operating-system account).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from acudesk.services.container import Services
from acudesk.services.papers import CoursePaper, Paper, RecordPaper
from acudesk.ui.papers.document import paint, pdf_bytes, set_a4

__all__ = [
    "ensure_gui",
    "paint",
    "pdf_bytes",
    "set_a4",
    "write_course_pdf",
    "write_session_pdf",
]


def ensure_gui() -> None:
    """Fonts and text layout need a Qt application; the command line gets an offscreen one
    (a full QApplication, so that windows can still be made in the same process)."""
    if QGuiApplication.instance() is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        ensure_gui.app = QApplication(sys.argv[:1])  # type: ignore[attr-defined]


def _render_record(paper: RecordPaper) -> bytes:
    return pdf_bytes(paper)


def _render_course(paper: CoursePaper) -> bytes:
    return pdf_bytes(paper)


def write_session_pdf(
    services: Services, session_id: int, path: Path, user_id: int | None = None
) -> Path:
    """The signed session record as an A4 PDF at ``path`` (audited, created 0600)."""
    ensure_gui()
    return services.papers.export(user_id, "session", session_id, path, _render_record)


def write_course_pdf(
    services: Services, course_id: int, path: Path, user_id: int | None = None
) -> Path:
    """The course summary (sessions, pain chart, prices) as an A4 PDF (audited, 0600)."""
    ensure_gui()
    return services.papers.export(user_id, "course", course_id, path, _render_course)


def paper_pdf(paper: Paper) -> bytes:
    ensure_gui()
    return pdf_bytes(paper)
