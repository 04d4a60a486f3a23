"""A fresh main window on a fresh database for each GUI test."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pytestqt.qtbot import QtBot

from acudesk.services.container import Services
from acudesk.services.demo import seed_demo
from acudesk.ui.main_window import MainWindow

WindowFactory = Callable[[], MainWindow]


@pytest.fixture
def demo_services(services: Services) -> Services:
    seed_demo(services)
    return services


@pytest.fixture
def make_window(qtbot: QtBot, demo_services: Services) -> Iterator[WindowFactory]:
    windows: list[MainWindow] = []

    def factory() -> MainWindow:
        window = MainWindow(demo_services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close()
