"""``acudesk --smoke-test``: the real window comes up, reaches the log-in screen, loads the alarm
sound and plays it, says so and exits by itself (0 when all of it worked, 1 otherwise).

For an installed wheel or a frozen bundle, where a test cannot reach inside the process. On a
machine without an audio device nothing can play: there the alarm passes when Qt decodes the file.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtWidgets import QLabel

import acudesk
from acudesk.ui.main_window import MainWindow
from acudesk.ui.widgets.alarm_sound import HIGH_ALARM_WAV

POLL_MS = 50
TIMEOUT_S = 30.0


def say(line: str) -> None:
    if sys.stdout is not None:  # a windowed build on Windows has no console
        print(f"smoke: {line}", flush=True)


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


class SmokeTest(QObject):
    """Polls the window until the log-in screen shows, then the sound; ``exit`` gets the code."""

    def __init__(
        self, window: MainWindow, exit: Callable[[int], None], sound: Path = HIGH_ALARM_WAV
    ) -> None:
        super().__init__(window)
        self.passed: bool | None = None
        self._exit = exit
        self._window = window
        self._sound = sound
        self._deadline = time.monotonic() + TIMEOUT_S
        self._step = self._wait_for_log_in
        self._effect: QObject | None = None
        self._decoder: QObject | None = None
        self._decoded_frames = 0
        self._decode_error = ""
        self._decode_done = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(lambda: self._step())
        self._timer.start()
        say(f"acudesk from {Path(acudesk.__file__).parent}" + (" (frozen)" if _frozen() else ""))

    def _finish(self, ok: bool) -> None:
        self._timer.stop()
        self.passed = ok
        say("passed" if ok else "FAILED")
        self._exit(0 if ok else 1)

    def _timed_out(self, what: str) -> bool:
        if time.monotonic() < self._deadline:
            return False
        say(f"timed out after {TIMEOUT_S:.0f} s waiting for {what}")
        self._finish(False)
        return True

    def _wait_for_log_in(self) -> None:
        gate = self._window.gate
        page = gate.currentWidget()
        if self._window.isVisible() and gate.isVisible() and page is not None and page.isVisible():
            title = page.findChild(QLabel, "pageTitle")
            say(f"log-in screen shown: {title.text() if isinstance(title, QLabel) else '?'}")
            self._load_sound()
        else:
            self._timed_out("the log-in screen")

    def _load_sound(self) -> None:
        try:
            from PySide6.QtMultimedia import QAudioDecoder, QSoundEffect
        except ImportError as error:  # a missing system library, such as libpulse0
            say(f"alarm sound: Qt Multimedia does not load: {error}")
            self._finish(False)
            return
        url = QUrl.fromLocalFile(str(self._sound))
        self._step = self._wait_for_sound
        self._effect = effect = QSoundEffect(self)
        effect.setSource(url)
        self._decoder = decoder = QAudioDecoder(self)  # decodes without an audio device
        decoder.bufferReady.connect(self._count_frames)
        decoder.finished.connect(self._decoded)
        decoder.error.connect(self._decode_failed)
        if decoder.isSupported():
            decoder.setSource(url)
            decoder.start()
        else:  # the FFmpeg plugin did not load: a missing library, such as libxrandr2
            self._decode_error = "Qt Multimedia has no FFmpeg backend"
            self._decode_done = True

    def _count_frames(self) -> None:
        from PySide6.QtMultimedia import QAudioDecoder

        assert isinstance(self._decoder, QAudioDecoder)
        self._decoded_frames += self._decoder.read().frameCount()

    def _decoded(self) -> None:
        self._decode_done = True

    def _decode_failed(self) -> None:
        from PySide6.QtMultimedia import QAudioDecoder

        assert isinstance(self._decoder, QAudioDecoder)
        self._decode_error = self._decoder.errorString() or "error"
        self._decode_done = True

    def _wait_for_sound(self) -> None:
        from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

        assert isinstance(self._effect, QSoundEffect)
        status = self._effect.status()
        settled = status in (QSoundEffect.Status.Ready, QSoundEffect.Status.Error)
        if not (settled and self._decode_done):
            self._timed_out("the alarm sound")
            return
        outputs = QMediaDevices.audioOutputs()
        decoded = self._decoded_frames > 0 and not self._decode_error
        say(
            f"alarm sound {self._sound}: decoded {self._decoded_frames} frames"
            + (f" ({self._decode_error})" if self._decode_error else "")
            + f"; sound effect {status.name}; audio outputs: {len(outputs)}"
        )
        if decoded and status == QSoundEffect.Status.Ready:
            self._effect.play()
            self._step = self._wait_for_playing
        else:
            self._finish(decoded and not outputs)

    def _wait_for_playing(self) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        assert isinstance(self._effect, QSoundEffect)
        if self._effect.isPlaying():
            say("alarm sound playing")
            self._finish(True)
        else:
            self._timed_out("the alarm sound to play")
