"""At the couch, from the keyboard: where the focus goes, Enter, and shortcuts from text fields."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from acudesk.domain.session_flow import Stage
from acudesk.services.container import Services
from acudesk.ui.main_window import MainWindow
from tests.gui.conftest import RecordingBell, WindowFactory
from tests.gui.test_session_flow import _ready_for_needles

CTRL = Qt.KeyboardModifier.ControlModifier


def _focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def _type(qtbot: QtBot, text: str) -> None:
    """Keys go where the focus is, as they do for a person at the keyboard."""
    qtbot.keyClicks(_focused(), text)


def _press(
    qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    qtbot.keyClick(_focused(), key, modifier)


def test_after_the_eighth_step_typing_logs_needles(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    needling = window.session_page.needling
    assert window.session_page.current_panel() is needling
    assert _focused() is needling.quick.entry

    _type(qtbot, "gb20 b 8")
    _press(qtbot, Qt.Key.Key_Return)

    assert window.pages.currentWidget() is window.session_page
    view = demo_services.sessions.view(session_id)
    assert sorted((n.point_code, n.side, n.depth_mm) for n in view.needles) == [
        ("GB20", "left", 8.0),
        ("GB20", "right", 8.0),
    ]
    assert _focused() is needling.quick.entry and needling.quick.entry.text() == ""

    _press(qtbot, Qt.Key.Key_T, CTRL)  # the timer, with the cursor still in the field
    assert demo_services.sessions.view(session_id).stage(demo_services.clock.now()) is (
        Stage.RETENTION
    )


def test_enter_in_the_depth_field_logs_the_needle(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    needling = window.session_page.needling
    qtbot.keyClicks(needling.point_edit, "GV14")
    needling.depth_spin.setFocus()
    needling.depth_spin.selectAll()
    _type(qtbot, "6")
    _press(qtbot, Qt.Key.Key_Return)

    needles = demo_services.sessions.view(session_id).needles
    assert [(n.point_code, n.depth_mm) for n in needles] == [("GV14", 6.0)]
    assert _focused() is needling.point_edit


def test_a_refused_depth_keeps_the_cursor_there_with_the_text_selected(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    needling = window.session_page.needling
    qtbot.keyClicks(needling.point_edit, "GB20")
    needling.depth_spin.setFocus()
    needling.depth_spin.selectAll()
    _type(qtbot, "12")  # deeper than the threshold, not confirmed
    _press(qtbot, Qt.Key.Key_Return)

    assert "deep" in needling.error_label.text().lower()
    assert demo_services.sessions.view(session_id).needles == ()
    assert _focused() is needling.depth_spin
    assert needling.depth_spin.lineEdit().selectedText() == needling.depth_spin.cleanText()
    _type(qtbot, "8")  # typed over, not added to
    _press(qtbot, Qt.Key.Key_Return)
    needles = demo_services.sessions.view(session_id).needles
    assert [(n.point_code, n.depth_mm) for n in needles] == [("GB20", 8.0)]


def test_a_refused_quick_entry_stays_in_the_field_selected(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    entry = window.session_page.needling.quick.entry
    _type(qtbot, "gb20 b 80")
    _press(qtbot, Qt.Key.Key_Return)
    assert demo_services.sessions.view(session_id).needles == ()
    assert _focused() is entry and entry.selectedText() == "gb20 b 80"


class ClaimsCtrlU(QObject):
    """What a QLineEdit does on a Linux desktop: Ctrl+U is its "delete the whole line".

    The offscreen platform the tests run on binds no such key, so the field is given the claim
    it makes there (a ShortcutOverride it accepts, before any shortcut sees the key).
    """

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.keyCombination() == QKeyCombination(CTRL, Qt.Key.Key_U)
        ):
            event.accept()
            return True
        return False


def test_switch_user_from_inside_a_text_field(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    _ready_for_needles(qtbot, window, demo_services)
    entry = window.session_page.needling.quick.entry
    claim = ClaimsCtrlU(entry)
    entry.installEventFilter(claim)
    qtbot.keyClicks(entry, "gb20 l")
    assert _focused() is entry
    qtbot.keyClick(entry, Qt.Key.Key_U, CTRL)  # a line edit would take it as "delete the line"
    assert window.screens.currentWidget() is window.gate
    assert window.gate.currentWidget() is window.gate.login


def test_find_and_lock_from_inside_a_text_field(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    _ready_for_needles(qtbot, window, demo_services)
    point = window.session_page.needling.point_edit
    point.setFocus()
    qtbot.keyClicks(point, "GB2")
    qtbot.keyClick(point, Qt.Key.Key_F, CTRL)
    search = _focused()
    assert search is window.patient_list.search
    qtbot.keyClicks(search, "Mar")
    qtbot.keyClick(search, Qt.Key.Key_L, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.gate.currentWidget() is window.gate.lock


def test_first_administrator_submits_with_enter_from_any_field(
    qtbot: QtBot, services: Services
) -> None:
    window = MainWindow(services, bell=RecordingBell())
    qtbot.addWidget(window)
    window.show()
    page = window.gate.first_admin
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.full_name, "Irina Morozova")
    qtbot.keyClick(page.full_name, Qt.Key.Key_Return)
    assert page.error.text()  # the password is missing: said, not ignored
    assert services.users.count() == 0
    qtbot.keyClicks(page.password, "clinic-2026")
    qtbot.keyClicks(page.password_again, "clinic-2026")
    qtbot.keyClicks(page.pin, "1234")
    qtbot.keyClick(page.username, Qt.Key.Key_Return)
    assert window.screens.currentWidget() is window.workspace
    assert services.users.count() == 1
