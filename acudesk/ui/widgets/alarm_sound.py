"""The alarm's sound: three priorities with distinct sounds, and whether this machine can play.

`SoundAlarm.ring` is called from the alarm clock's own thread; each sound effect is made in the
thread that plays it. When the workstation cannot play sound the window says so on every page
and the alarm falls back to what the machine can do (see MainWindow._on_alarm).
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QUrl

from acudesk import assets
from acudesk.domain.session_record import AlarmPriority

SOUND_FILES = {
    AlarmPriority.HIGH: "alarm_high.wav",
    AlarmPriority.MEDIUM: "alarm_medium.wav",
    AlarmPriority.LOW: "alarm_low.wav",
}
HIGH_ALARM_WAV = assets.sound(SOUND_FILES[AlarmPriority.HIGH])


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
    for name in SOUND_FILES.values():
        try:
            assets.sound(name)
        except FileNotFoundError:
            return f"the alarm sound file {name} is missing"
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
            effect.setSource(QUrl.fromLocalFile(str(assets.sound(SOUND_FILES[priority]))))
            effect.setVolume(1.0)
            self._effects[priority] = effect
        assert isinstance(effect, QSoundEffect)
        effect.play()
