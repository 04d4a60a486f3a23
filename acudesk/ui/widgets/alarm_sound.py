"""The alarm's sound: three priorities with distinct sounds, and whether this machine can play.

`SoundAlarm.ring` is called from the alarm clock's own thread; each sound effect is made in the
thread that plays it. When the workstation cannot play sound the window says so on every page
and the alarm falls back to what the machine can do (see MainWindow._on_alarm).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QUrl

from acudesk.domain.session_record import AlarmPriority

SOUNDS = Path(__file__).resolve().parents[3] / "resources" / "sounds"
SOUND_FILES = {
    AlarmPriority.HIGH: "alarm_high.wav",
    AlarmPriority.MEDIUM: "alarm_medium.wav",
    AlarmPriority.LOW: "alarm_low.wav",
}


class AlarmBell(Protocol):
    def ring(self, priority: AlarmPriority) -> None: ...


def sound_problem() -> str:
    """Why this workstation cannot sound the alarm, or "" when it can."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        return "the sound module of Qt is missing"
    if not QMediaDevices.audioOutputs():
        return "no loudspeaker or audio device was found"
    missing = [name for name in SOUND_FILES.values() if not (SOUNDS / name).is_file()]
    if missing:
        return f"the alarm sound file {missing[0]} is missing"
    return ""


class SoundAlarm:
    """Plays the sound of the alarm's priority."""

    def __init__(self) -> None:
        self._effects: dict[AlarmPriority, object] = {}

    def ring(self, priority: AlarmPriority) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        effect = self._effects.get(priority)
        if effect is None:
            effect = QSoundEffect()
            effect.setSource(QUrl.fromLocalFile(str(SOUNDS / SOUND_FILES[priority])))
            effect.setVolume(1.0)
            self._effects[priority] = effect
        assert isinstance(effect, QSoundEffect)
        effect.play()
