"""A fresh main window on a fresh database for each GUI test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from acudesk.domain.session_record import AlarmPriority
from acudesk.services.container import Services
from acudesk.services.demo import seed_demo
from acudesk.ui.main_window import MainWindow

WindowFactory = Callable[[], MainWindow]


class RecordingBell:
    """Stands in for the loudspeaker: counts the alarms the room would have heard.

    The alarm clock rings it from its own thread; a lock keeps the count whole.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.priorities: list[AlarmPriority] = []

    def ring(self, priority: AlarmPriority) -> None:
        with self._lock:
            self.priorities.append(priority)

    @property
    def rings(self) -> int:
        with self._lock:
            return len(self.priorities)


def look_at_the_time(qtbot: QtBot, window: MainWindow) -> None:
    """Have the alarm clock look at the (fake) clock now, and wait until it has."""
    with qtbot.waitSignal(window.watch.evaluated, timeout=5000):
        window.watch.check_now()


ASK_BEFORE_CLOSING = MainWindow.confirm_close_with_needles


@pytest.fixture(autouse=True)
def _close_without_asking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing a window with needles in asks first; a test that means to answer says so."""
    monkeypatch.setattr(MainWindow, "confirm_close_with_needles", lambda _self, _text: True)


@pytest.fixture
def demo_services(services: Services) -> Services:
    seed_demo(services, history=False)
    return services


@pytest.fixture
def bell() -> RecordingBell:
    return RecordingBell()


@pytest.fixture
def make_window(
    qtbot: QtBot, demo_services: Services, bell: RecordingBell
) -> Iterator[WindowFactory]:
    windows: list[MainWindow] = []

    def factory() -> MainWindow:
        window = MainWindow(demo_services, bell=bell, check_sound=lambda: "")
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # keyboard shortcuts need the active window
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close()


def user_id(services: Services, username: str) -> int:
    return next(u.id for u in services.users.list_users() if u.username == username)


def patient_id(services: Services, name: str) -> int:
    return next(p.id for p in services.patients.search(name))
