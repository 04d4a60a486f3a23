"""A fresh main window on a fresh database for each GUI test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from acudesk.services.container import Services
from acudesk.services.demo import seed_demo
from acudesk.ui.main_window import MainWindow

WindowFactory = Callable[[], MainWindow]


class RecordingBell:
    """Stands in for the loudspeaker: counts the alarms the room would have heard."""

    def __init__(self) -> None:
        self.rings = 0

    def ring(self) -> None:
        self.rings += 1


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
        window = MainWindow(demo_services, bell=bell)
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
