"""The needle timer as the room sees it: numerals readable from the couch, one alarm per event."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from acudesk import assets
from acudesk.domain.timer import TimerPhase, TimerState, format_clock
from acudesk.services.session_view import SessionView

ALARM_WAV: Path = assets.sound("alarm.wav")


class AlarmBell(Protocol):
    def ring(self) -> None: ...


class SoundAlarm:
    """Plays the alarm sound; falls back to the system bell where there is no audio."""

    def __init__(self) -> None:
        self._effect: object | None = None

    def ring(self) -> None:
        try:
            from PySide6.QtMultimedia import QSoundEffect

            if self._effect is None:
                effect = QSoundEffect()
                effect.setSource(QUrl.fromLocalFile(str(ALARM_WAV)))
                effect.setVolume(1.0)
                self._effect = effect
            assert isinstance(self._effect, QSoundEffect)
            self._effect.play()
        except ImportError:
            QApplication.beep()


_STYLES = {
    TimerPhase.NOT_STARTED: ("#eef2f5", "#1d2b36"),
    TimerPhase.RUNNING: ("#e8f3ec", "#1b4d2e"),
    TimerPhase.ALARM: ("#c62828", "#ffffff"),
    TimerPhase.OVERDUE: ("#8e0000", "#ffffff"),
    TimerPhase.DONE: ("#eef2f5", "#1d2b36"),
}


class TimerDisplay(QFrame):
    """Remaining time in large numerals, the session's place, and the remove-needles state."""

    acknowledge_requested = Signal()

    def __init__(self, bell: AlarmBell) -> None:
        super().__init__()
        self.setObjectName("timerDisplay")
        self._bell = bell
        self._rung_for: tuple[int, int] = (0, 0)  # (session id, alarms already sounded)
        self.alarms_rung = 0
        self.time_label = QLabel("--:--")
        self.time_label.setObjectName("timerNumerals")
        self.time_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.place_label = QLabel()
        self.place_label.setObjectName("timerPlace")
        self.state_label = QLabel()
        self.state_label.setObjectName("timerState")
        self.state_label.setWordWrap(True)
        self.ack_button = QPushButton("Alarm heard (Alt+A)")
        self.ack_button.setObjectName("ackButton")
        text = QVBoxLayout()
        text.addWidget(self.place_label)
        text.addWidget(self.state_label)
        text.addWidget(self.ack_button, 0, Qt.AlignmentFlag.AlignLeft)
        text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 4, 16, 4)
        layout.addWidget(self.time_label)
        layout.addLayout(text, 1)
        self.ack_button.clicked.connect(self.acknowledge_requested)
        self.state: TimerState | None = None

    def show_state(self, view: SessionView, now: datetime) -> None:
        state = view.timer(now)
        self.state = state
        self.place_label.setText(view.place)
        self.time_label.setText(state.display)
        messages = {
            TimerPhase.NOT_STARTED: "Timer starts when the needles are placed.",
            TimerPhase.RUNNING: "Needles in. Remaining time:",
            TimerPhase.ALARM: "REMOVE NEEDLES NOW",
            TimerPhase.OVERDUE: "OVERDUE: remove needles now",
            TimerPhase.DONE: "",
        }
        self.state_label.setText(messages[state.phase])
        if state.phase is TimerPhase.DONE:
            kept_in = format_clock(state.elapsed_s)
            rest = view.rest(now)
            if view.rest_ended_at is None and not rest.complete:
                self.time_label.setText(rest.display)
                self.state_label.setText(f"Patient resting. Needles were in for {kept_in}.")
            else:
                self.time_label.setText(kept_in)
                self.state_label.setText("All needles out. Time the needles were in:")
        background, foreground = _STYLES[state.phase]
        # Until the needles are in there is nothing to read from the couch: keep it small.
        size, width = (28, 150) if state.phase is TimerPhase.NOT_STARTED else (64, 330)
        self.setStyleSheet(
            f"QFrame#timerDisplay {{ background: {background}; border-radius: 8px; }}"
            f"QLabel#timerNumerals {{ font-size: {size}pt; font-weight: 700; color: {foreground};"
            f" font-family: 'DejaVu Sans Mono', monospace; min-width: {width}px; }}"
            f"QLabel#timerPlace {{ font-size: 16pt; font-weight: 600; color: {foreground}; }}"
            f"QLabel#timerState {{ font-size: 16pt; font-weight: 700; color: {foreground}; }}"
        )
        self.ack_button.setVisible(
            state.needles_due_out and not state.acknowledged and bool(view.open_needles)
        )
        self._ring_if_due(view.id, state)

    def _ring_if_due(self, session_id: int, state: TimerState) -> None:
        seen_session, sounded = self._rung_for
        if seen_session != session_id:
            sounded = 0
        if state.alarm_count_due > sounded and state.phase in (
            TimerPhase.ALARM,
            TimerPhase.OVERDUE,
        ):
            self._bell.ring()
            self.alarms_rung += 1
        self._rung_for = (session_id, max(sounded, state.alarm_count_due))
