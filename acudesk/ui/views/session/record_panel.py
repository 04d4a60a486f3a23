"""The signed session record: read-only, everything the record holds."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from acudesk.domain.errors import AcuDeskError
from acudesk.services.container import Services
from acudesk.services.record_export import record_html
from acudesk.services.session_view import SessionView
from acudesk.ui.views.session.base import ActingUser, StepPanel, title_label


class RecordPanel(StepPanel):
    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__(services, acting_user)
        self.heading = title_label("Signed session record (read-only)")
        self.layout_.addWidget(self.heading)
        self.browser = QTextBrowser()
        self.browser.setObjectName("recordBrowser")
        self.layout_.addWidget(self.browser, 1)

        self.addendum_edit = QPlainTextEdit()
        self.addendum_edit.setObjectName("addendumEdit")
        self.addendum_edit.setPlaceholderText(
            "A correction or addition. The signed record stays as it was; the addendum is "
            "signed by you and shown below it."
        )
        self.addendum_edit.setFixedHeight(60)
        self.addendum_button = QPushButton("Sign addendum")
        self.export_button = QPushButton("Export record")
        self.export_button.setToolTip("Save this record as a file to print or send")
        self.export_label = QLabel()
        self.export_label.setObjectName("muted")
        self.export_label.setWordWrap(True)
        self.addendum_button.setObjectName("primary")
        row = QHBoxLayout()
        row.addWidget(self.addendum_edit, 1)
        row.addWidget(self.addendum_button)
        row.addWidget(self.export_button)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.export_label)
        self.add_error_label()
        self.addendum_button.clicked.connect(self.add_addendum)
        self.export_button.clicked.connect(self.export_record)
        self.export_dir: Path | None = None

    def show_view(self, view: SessionView) -> None:
        super().show_view(view)
        self.browser.setHtml(record_html(view))

    def add_addendum(self) -> None:
        """Asks for the author's PIN or password; the typed text stays until it is signed."""
        text = self.addendum_edit.toPlainText()
        if not text.strip():
            self.show_error("Addendum: write the correction.")
            self.addendum_edit.setFocus()
            return
        self._ask_signature(
            "Sign the addendum",
            "The signed record stays as it was; your addendum is shown below it.",
            lambda user, sid, secret: self._services.sessions.add_addendum(user, sid, text, secret),
            self.addendum_edit.clear,
        )

    def export_record(self) -> None:
        user = self._acting_user()
        if user is None or self.view is None:
            return
        try:
            path = self._services.sessions.export_record(user, self.view.id, self.export_dir)
        except (AcuDeskError, OSError) as error:
            self.show_error(f"The record could not be exported: {error}")
            return
        self.clear_error()
        self.export_label.setText(f"Exported to {path}")

    def _field_widgets(self) -> dict[str, QWidget]:
        return {"text": self.addendum_edit}
