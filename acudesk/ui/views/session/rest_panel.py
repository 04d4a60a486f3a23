"""Step 6: the rest after the last needle is out; letting the patient go early needs a reason."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.views.session.base import ActingUser, StepPanel, muted_label, title_label


class RestPanel(StepPanel):
    def __init__(self, services: Services, acting_user: ActingUser) -> None:
        super().__init__(services, acting_user)
        self.layout_.addWidget(title_label("Rest after the needles are out"))
        self.layout_.addWidget(
            muted_label(
                "The patient rests on the couch. The nurse watches them; ending the rest "
                "before the time is up needs a reason."
            )
        )
        self.countdown = QLabel("20:00")
        self.countdown.setObjectName("restCountdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.countdown.setStyleSheet("font-size: 28pt; font-weight: 700; color: #1d2b36;")
        self.layout_.addWidget(self.countdown)
        self.state_label = QLabel()
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setObjectName("sectionTitle")
        self.layout_.addWidget(self.state_label)
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("restReason")
        self.reason_edit.setPlaceholderText("Reason for ending the rest early")
        self.layout_.addWidget(self.reason_edit)
        self.end_button = QPushButton("End rest (Ctrl+Enter)")
        self.end_button.setObjectName("primary")
        self.layout_.addWidget(self.end_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.add_error_label()
        self.layout_.addStretch(1)
        self.end_button.clicked.connect(self.end_rest)

    def tick(self, now: datetime) -> None:
        if self.view is None:
            return
        state = self.view.rest(now)
        self.countdown.setText(state.display)
        if state.complete:
            self.state_label.setText("Rest complete: the patient may go.")
            self.reason_edit.hide()
        else:
            self.state_label.setText(f"left of the {self.view.rest_minutes}-minute rest")
            self.reason_edit.show()

    def end_rest(self) -> None:
        reason = self.reason_edit.text()
        self._run(lambda user, sid: self._services.sessions.end_rest(user, sid, reason))

    def _field_widgets(self) -> dict[str, QWidget]:
        return {"reason": self.reason_edit}

    def show_view(self, view: SessionView) -> None:
        super().show_view(view)
        self.tick(self._services.clock.now())
