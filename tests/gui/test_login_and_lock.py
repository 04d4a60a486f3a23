"""Log-in, first administrator, quick switch by PIN and the lock screen, in the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from acudesk.domain.clock import FakeClock
from acudesk.domain.needles import Side
from acudesk.services.container import Services
from acudesk.ui.main_window import MainWindow
from tests.consenting import consent_to_course
from tests.gui.conftest import RecordingBell, WindowFactory, look_at_the_time, patient_id, user_id
from tests.unit.services.conftest import Clinic, prepare


def _visible_text(window: MainWindow) -> str:
    return " ".join(
        label.text() for label in window.findChildren(QLabel) if label.isVisibleTo(window)
    )


def test_first_start_creates_the_administrator(qtbot: QtBot, services: Services) -> None:
    window = MainWindow(services, bell=RecordingBell())
    qtbot.addWidget(window)
    window.show()
    page = window.gate.first_admin
    assert window.screens.currentWidget() is window.gate
    assert window.gate.currentWidget() is page
    qtbot.keyClicks(page.username, "admin")
    qtbot.keyClicks(page.full_name, "Irina Morozova")
    qtbot.keyClicks(page.password, "clinic-2026")
    qtbot.keyClicks(page.password_again, "clinic-2026")
    qtbot.keyClicks(page.pin, "12")
    qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    assert "PIN: 4 to 8 digits" in page.error.text()
    assert services.users.count() == 0
    assert page.username.text() == "admin"
    qtbot.keyClicks(page.pin, "34")
    qtbot.keyClick(page.pin, Qt.Key.Key_Return)
    assert window.screens.currentWidget() is window.workspace
    assert window.current_user is not None and window.current_user.username == "admin"
    assert "Irina Morozova" in window.user_label.text()


def test_password_log_in_and_refusal(qtbot: QtBot, make_window: WindowFactory) -> None:
    window = make_window()
    login = window.gate.login
    assert window.screens.currentWidget() is window.gate
    assert window.gate.currentWidget() is login
    qtbot.keyClicks(login.username, "ivanova")
    qtbot.keyClicks(login.password, "wrong-one")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert "not correct" in login.error.text()
    assert window.current_user is None
    qtbot.keyClicks(login.username, "")
    qtbot.keyClicks(login.password, "demo-ivanova")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert window.screens.currentWidget() is window.workspace
    assert window.current_user is not None and window.current_user.username == "ivanova"


def test_quick_switch_by_pin(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    window.set_acting_user(user_id(demo_services, "ivanova"))
    qtbot.keyClick(window, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    login = window.gate.login
    assert window.screens.currentWidget() is window.gate
    login.user_combo.setCurrentIndex(login.user_combo.findData(user_id(demo_services, "smirnova")))
    qtbot.keyClicks(login.pin_edit, "3333")
    qtbot.keyClick(login.pin_edit, Qt.Key.Key_Return)
    assert window.current_user is not None and window.current_user.username == "smirnova"


def test_wrong_pins_make_the_account_wait(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    login = window.gate.login
    login.user_combo.setCurrentIndex(login.user_combo.findData(user_id(demo_services, "petrov")))
    for _ in range(5):
        qtbot.keyClicks(login.pin_edit, "9999")
        qtbot.keyClick(login.pin_edit, Qt.Key.Key_Return)
    assert "waits 30 seconds" in login.error.text()
    qtbot.keyClicks(login.pin_edit, "2222")
    qtbot.keyClick(login.pin_edit, Qt.Key.Key_Return)
    assert "try again in" in login.error.text()
    assert window.current_user is None


def test_idle_window_locks_hides_patients_and_keeps_the_timer(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    clock: FakeClock,
    bell: RecordingBell,
) -> None:
    window = make_window()
    doctor = user_id(demo_services, "ivanova")
    window.set_acting_user(doctor)
    maria = patient_id(demo_services, "Maria")
    s = demo_services.sessions
    demo_services.courses.plan_course(doctor, maria, 10)
    consent_to_course(demo_services, doctor, maria)
    view = s.start_session(doctor, maria)
    clinic = Clinic(demo_services, doctor, user_id(demo_services, "smirnova"), 0, maria)
    view = prepare(clinic, view)
    s.insert_needle(doctor, view.id, "GB20", Side.LEFT, 8, view.packs[0].id)
    s.start_retention(doctor, view.id)
    window.open_session(view.id)
    assert "Maria Sokolova" in _visible_text(window)

    clock.advance(minutes=4, seconds=59)
    window.check_idle()
    assert window.screens.currentWidget() is window.workspace
    clock.advance(2)
    window.check_idle()
    lock = window.gate.lock
    assert window.gate.currentWidget() is lock and window.screens.currentWidget() is window.gate
    assert window.current_user is None
    text = _visible_text(window)
    assert "Maria" not in text and "Sokolova" not in text
    tile = window.strip.tile_for(view.id)
    assert tile is not None and tile.isVisible()
    # Five minutes and a second in: the needles are due out, on the lock screen too.
    assert "M. S. · 1 needle in · REMOVE NEEDLES NOW · +00:01" in tile.text()
    assert "Maria" not in tile.text()
    look_at_the_time(qtbot, window)
    assert bell.rings == 1  # the alarm sounds on a locked screen
    clock.advance(minutes=1)
    look_at_the_time(qtbot, window)
    assert bell.rings == 1  # once per event
    qtbot.waitUntil(lambda: not window._audit_queue)  # recorded once the database allows
    actions = [r.action for r in demo_services.audit.query(user_id(demo_services, "admin"))]
    assert "lock" in actions

    qtbot.keyClicks(lock.pin_edit, "1111")
    qtbot.keyClick(lock.pin_edit, Qt.Key.Key_Return)
    assert window.screens.currentWidget() is window.workspace
    assert window.current_user is not None and window.current_user.id == doctor


def test_administration_is_offered_to_administrators_only(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    window.set_acting_user(user_id(demo_services, "smirnova"))
    assert not window.admin_action.isVisible()
    window.set_acting_user(user_id(demo_services, "admin"))
    assert window.admin_action.isVisible()
    window.admin_action.trigger()
    assert window.pages.currentWidget() is window.admin_page
    assert "Dr Sergei Petrov" in window.warning_label.text()  # his certificate runs out soon
    window.set_acting_user(user_id(demo_services, "kozlova"))
    assert window.pages.currentWidget() is not window.admin_page
