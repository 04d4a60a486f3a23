"""The main window as a person first sees it."""

from __future__ import annotations

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
