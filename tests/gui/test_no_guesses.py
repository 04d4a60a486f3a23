"""No clinical field starts with a guess: what is not entered is refused by name, never assumed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from acudesk.domain.checklist import ChecklistStep, next_step
from acudesk.services.container import Services
from acudesk.ui.main_window import MainWindow
from tests.consenting import consent_to_course
from tests.gui.conftest import WindowFactory, patient_id, user_id
from tests.gui.test_patient_page import type_date
from tests.gui.test_session_flow import _open_maria_session

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


def _to_the_checklist(qtbot: QtBot, window: MainWindow, services: Services) -> int:
    doctor = user_id(services, "ivanova")
    window.set_acting_user(doctor)
    return _open_maria_session(window, services, doctor)


def _confirm(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window.session_page, Qt.Key.Key_Return, CTRL)


def _confirm_up_to(qtbot: QtBot, window: MainWindow, step: ChecklistStep) -> None:
    page = window.session_page
    panel = page.checklist
    while page.view is not None and next_step(page.view.done_steps) is not step:
        if panel.position_combo.isVisibleTo(panel):
            panel.position_combo.setCurrentIndex(2)
        if panel.agent_combo.isVisibleTo(panel):
            panel.agent_combo.setCurrentIndex(0)
        _confirm(qtbot, window)


def test_position_and_agent_start_unchosen_and_are_refused_by_name(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id = _to_the_checklist(qtbot, window, demo_services)
    panel = window.session_page.checklist
    _confirm_up_to(qtbot, window, ChecklistStep.POSITION)
    assert panel.position_combo.currentData() is None
    assert panel.position_combo.currentText() == "choose the position"
    _confirm(qtbot, window)
    assert "position" in panel.error_label.text().lower()
    assert QApplication.focusWidget() is panel.position_combo
    assert ChecklistStep.POSITION not in demo_services.sessions.view(session_id).done_steps

    _confirm_up_to(qtbot, window, ChecklistStep.SKIN_DISINFECTED)
    assert panel.agent_combo.currentText() == ""
    panel.agent_combo.setFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "Octenidine")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)  # from the field
    checks = {c.step: c.detail for c in demo_services.sessions.view(session_id).checks}
    assert checks[ChecklistStep.SKIN_DISINFECTED.value] == "Octenidine"  # nothing added to


def test_pack_expiry_starts_empty_and_is_cleared_after_each_pack(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id = _to_the_checklist(qtbot, window, demo_services)
    panel = window.session_page.checklist
    form = panel.pack_form
    _confirm_up_to(qtbot, window, ChecklistStep.NEEDLES)
    assert form.expiry_edit.text() == ""
    assert "dd.mm.yyyy" in form.expiry_edit.placeholderText()

    qtbot.keyClicks(form.lot_edit, "240915B")
    form.intact_check.setChecked(True)
    qtbot.mouseClick(form.record_button, LEFT)
    assert "Expiry: enter the expiry date" in panel.error_label.text()
    assert QApplication.focusWidget() is form.expiry_edit
    assert demo_services.sessions.view(session_id).packs == ()

    qtbot.keyClicks(form.expiry_edit, "31.13.2028")
    qtbot.mouseClick(form.record_button, LEFT)
    assert "'31.13.2028' is not a date" in panel.error_label.text()
    assert form.expiry_edit.selectedText() == "31.13.2028"  # typed over, not added to
    qtbot.keyClicks(form.expiry_edit, "30.06.2028")
    qtbot.mouseClick(form.record_button, LEFT)
    (pack,) = demo_services.sessions.view(session_id).packs
    assert pack.expiry.isoformat() == "2028-06-30"

    assert form.expiry_edit.text() == "" and form.lot_edit.text() == ""
    qtbot.keyClicks(form.lot_edit, "250101A")  # a second box: its own expiry, not the first's
    form.intact_check.setChecked(True)
    qtbot.mouseClick(form.record_button, LEFT)
    assert "Expiry" in panel.error_label.text()
    assert len(demo_services.sessions.view(session_id).packs) == 1


def test_sex_starts_unchosen_and_is_refused_by_name(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    window.set_acting_user(user_id(demo_services, "smirnova"))
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    dialog = window.patient_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.sex_combo.currentData() is None and dialog.sex_combo.currentText() == "choose"
    qtbot.keyClicks(dialog.name_edit, "Pavel Smirnov")
    type_date(qtbot, dialog, "03021987")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert dialog.isVisible()
    assert dialog.sex_error.isVisible() and "Sex" in dialog.sex_error.text()
    assert demo_services.patients.search("Pavel") == []

    dialog.sex_combo.setCurrentIndex(dialog.sex_combo.findText("Male"))
    dialog.diagnosis_combo.setCurrentIndex(dialog.diagnosis_combo.findData("M42.16"))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible(), dialog.error_label.text()
    (row,) = demo_services.patients.search("Pavel")
    assert demo_services.patients.get(row.id).data.sex.value == "male"


def test_a_typed_duration_out_of_bounds_is_refused_not_cut(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    window.set_acting_user(user_id(demo_services, "ivanova"))
    maria = patient_id(demo_services, "Maria")
    window.open_patient(maria)
    page = window.patient_page
    qtbot.mouseClick(page.plan_button, LEFT)
    page.course_table.selectRow(2)
    qtbot.mouseClick(page.duration_button, LEFT)
    dialog = page.duration_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.minutes_spin.setFocus()
    dialog.minutes_spin.selectAll()
    qtbot.keyClicks(dialog.minutes_spin, "50")
    assert dialog.minutes_spin.value() == 50  # not "5 min"
    qtbot.keyClicks(dialog.reason_edit, "Long-standing case")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.isVisible()
    assert "50 min" in dialog.minutes_error.text() and "1-45 min" in dialog.minutes_error.text()
    assert demo_services.courses.history(maria).courses[0].minutes_for(3) == 11


def test_nothing_of_one_patient_checklist_carries_to_the_next(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    _to_the_checklist(qtbot, window, demo_services)
    panel = window.session_page.checklist
    _confirm_up_to(qtbot, window, ChecklistStep.POSITION)
    panel.position_combo.setCurrentIndex(2)
    _confirm_up_to(qtbot, window, ChecklistStep.NEEDLES)
    qtbot.keyClicks(panel.pack_form.expiry_edit, "30.06.2028")
    qtbot.keyClicks(panel.pack_form.lot_edit, "240915B")

    doctor = user_id(demo_services, "ivanova")
    other = patient_id(demo_services, "Tatiana")
    demo_services.courses.plan_course(doctor, other, 10)
    consent_to_course(demo_services, doctor, other)
    window.open_session(demo_services.sessions.start_session(doctor, other).id)

    assert panel.position_combo.currentData() is None
    assert panel.agent_combo.currentText() == ""
    assert panel.pack_form.expiry_edit.text() == "" and panel.pack_form.lot_edit.text() == ""
