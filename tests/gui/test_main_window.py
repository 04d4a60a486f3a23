"""The main window as a person first sees it."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.gui.conftest import WindowFactory


def test_window_shows_name_patients_and_database(make_window: WindowFactory) -> None:
    window = make_window()
    assert window.windowTitle().startswith("AcuDesk")
    assert window.patient_list.model.rowCount() == 7
    label = window.database_label.text()
    assert label.startswith("Local database file:") or label.startswith("Clinic server:")
    assert "password" not in label


def test_typing_in_search_filters_the_list(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.patient_list.search, "volk")
    model = window.patient_list.model
    assert model.rowCount() == 1
    assert model.data(model.index(0, 0)) == "Andrei Volkov"
    window.patient_list.search.clear()
    qtbot.keyClicks(window.patient_list.search, "nobody")
    assert model.rowCount() == 0
    assert "No patient matches" in window.patient_list.empty_hint.text()


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_a_running_timer_does_not_drain_references_to_none(make_window: WindowFactory) -> None:
    """PySide6 6.12.0 drops a reference to None on every void call; the 4-per-second timer then
    aborts the program within hours. The pinned Qt must not do that."""
    window = make_window()
    before = sys.getrefcount(None)
    for _ in range(2000):
        window.session_page.timer_display.time_label.setText("05:00")
        window.patient_list.refresh()
    assert sys.getrefcount(None) >= before - 100
