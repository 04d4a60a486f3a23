"""--smoke-test inside the process: it passes on the shipped alarm and fails without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from acudesk.ui.smoke import SmokeTest
from tests.gui.conftest import WindowFactory

# Without an audio device Qt Multimedia warns that it cannot play; the file still has to load.
pytestmark = pytest.mark.qt_log_level_fail("CRITICAL")


def run(qtbot: QtBot, make_window: WindowFactory, sound: Path | None = None) -> list[int]:
    codes: list[int] = []
    window = make_window()
    smoke = (
        SmokeTest(window, codes.append) if sound is None else SmokeTest(window, codes.append, sound)
    )
    qtbot.waitUntil(lambda: smoke.passed is not None, timeout=20_000)
    return codes


def test_the_log_in_screen_and_the_shipped_alarm_pass(
    qtbot: QtBot, make_window: WindowFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(qtbot, make_window) == [0]
    out = capsys.readouterr().out
    assert "smoke: log-in screen shown: Log in to AcuDesk" in out
    assert "alarm_high.wav: decoded" in out


def test_an_alarm_that_does_not_load_fails(
    qtbot: QtBot, make_window: WindowFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "alarm_high.wav"
    broken.write_bytes(b"RIFF not a sound")
    assert run(qtbot, make_window, broken) == [1]
    assert "smoke: FAILED" in capsys.readouterr().out
