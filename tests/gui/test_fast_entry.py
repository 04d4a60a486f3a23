"""Fast needle entry, scanning the needle box and point sets, in the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from acudesk.domain.checklist import ChecklistStep, Position
from acudesk.services.container import Services
from acudesk.ui.main_window import MainWindow
from tests.consenting import consent_to_course
from tests.gui.conftest import WindowFactory, user_id
from tests.gui.test_session_flow import (
    _confirm_checklist,
    _open_maria_session,
    _ready_for_needles,
)

GS1_BOX = "(01)04012345678901(17)280630(10)LOT2291"
GS1_SCANNED = "]C1" + "0104012345678901" + "17280630" + "10LOT2291"


def _type(qtbot: QtBot, window: MainWindow, text: str) -> None:
    entry = window.session_page.needling.quick.entry
    entry.clear()
    qtbot.keyClicks(entry, text)
    qtbot.keyClick(entry, Qt.Key.Key_Return)


def test_typed_entries_log_needles_and_bad_ones_say_why(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:

    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    panel = window.session_page.needling
    _type(qtbot, window, "gb20 b 8")
    _type(qtbot, window, "GV14 6")
    assert panel.error_label.isHidden(), panel.error_label.text()
    _type(qtbot, window, "EX-B2 L4 R 15")
    assert "deep" in panel.error_label.text().lower()
    assert panel.quick.entry.text() == "EX-B2 L4 R 15"  # kept for correction
    panel.deep_check.setChecked(True)
    qtbot.keyClick(panel.quick.entry, Qt.Key.Key_Return)
    _type(qtbot, window, "GB99 L 5")
    assert "GB99" in panel.error_label.text() and "catalog" in panel.error_label.text()
    _type(qtbot, window, "GB20 X 5")
    assert "Side" in panel.error_label.text()
    view = demo_services.sessions.view(session_id)
    assert [(n.label, n.depth_mm) for n in view.needles] == [
        ("GB20 left", 8.0),
        ("GB20 right", 8.0),
        ("GV14", 6.0),
        ("EX-B2-L4 right", 15.0),
    ]
    assert view.needles[-1].deep_confirmed


def test_a_saved_point_set_is_logged_in_one_action(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    panel = window.session_page.needling
    _type(qtbot, window, "GB20 B 8")
    _type(qtbot, window, "GV14 5")
    qtbot.keyClicks(panel.quick.set_name, "Cervical osteochondrosis, basic")
    qtbot.mouseClick(panel.quick.save_button, Qt.MouseButton.LeftButton)
    assert panel.quick.set_combo.count() == 1
    assert "GB20 B 8" in panel.quick.set_combo.currentText()
    qtbot.mouseClick(panel.quick.apply_button, Qt.MouseButton.LeftButton)
    assert len(demo_services.sessions.view(session_id).needles) == 6


def test_scanning_the_needle_box_fills_lot_and_expiry(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor, nurse = user_id(demo_services, "ivanova"), user_id(demo_services, "smirnova")
    window.set_acting_user(doctor)
    session_id = _open_maria_session(window, demo_services, doctor)
    window.set_acting_user(nurse)
    page = window.session_page
    panel = page.checklist
    for step in list(ChecklistStep)[:7]:
        if step is ChecklistStep.POSITION:
            panel.position_combo.setCurrentIndex(panel.position_combo.findData(Position.PRONE))
        if step is ChecklistStep.SKIN_DISINFECTED:
            panel.agent_combo.setCurrentIndex(0)
        qtbot.keyClick(page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    form = panel.pack_form
    qtbot.keyClicks(form.code_edit, "not a barcode")
    qtbot.keyClick(form.code_edit, Qt.Key.Key_Return)
    assert "not a GS1 code" in form.code_note.text()
    assert form.lot_edit.isEnabled()  # manual entry remains possible

    form.code_edit.clear()
    qtbot.keyClicks(form.code_edit, GS1_SCANNED)
    qtbot.keyClick(form.code_edit, Qt.Key.Key_Return)
    assert form.lot_edit.text() == "LOT2291"
    assert form.expiry_edit.text() == "30.06.2028"
    form.intact_check.setChecked(True)
    qtbot.mouseClick(form.record_button, Qt.MouseButton.LeftButton)
    (pack,) = demo_services.sessions.view(session_id).packs
    assert (pack.lot, pack.expiry.isoformat()) == ("LOT2291", "2028-06-30")

    form.code_edit.clear()
    qtbot.keyClicks(form.code_edit, GS1_BOX.replace("280630", "251031"))
    qtbot.keyClick(form.code_edit, Qt.Key.Key_Return)
    form.intact_check.setChecked(True)
    qtbot.mouseClick(form.record_button, Qt.MouseButton.LeftButton)
    assert "expired on 31.10.2025" in panel.error_label.text()
    assert len(demo_services.sessions.view(session_id).packs) == 1


def test_a_point_in_a_skin_lesion_region_is_refused_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor, nurse = user_id(demo_services, "ivanova"), user_id(demo_services, "smirnova")
    svetlana = next(p.id for p in demo_services.patients.search("Fedorova"))
    demo_services.courses.plan_course(doctor, svetlana, 10)
    consent_to_course(demo_services, doctor, svetlana)
    view = demo_services.sessions.start_session(doctor, svetlana)
    window.set_acting_user(doctor)
    window.open_session(view.id)
    window.set_acting_user(nurse)
    _confirm_checklist(qtbot, window, screening_by=doctor)
    window.set_acting_user(doctor)
    _type(qtbot, window, "BL13 L 5")
    panel = window.session_page.needling
    assert "skin disease or injury" in panel.error_label.text()
    assert "Upper back" in panel.error_label.text()
    assert panel.quick.entry.text() == "BL13 L 5"
    _type(qtbot, window, "BL23 L 8")  # the lower back is clear
    assert [n.label for n in demo_services.sessions.view(view.id).needles] == ["BL23 left"]


def test_depth_to_the_handle_is_refused_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor, nurse = user_id(demo_services, "ivanova"), user_id(demo_services, "smirnova")
    window.set_acting_user(doctor)
    session_id = _open_maria_session(window, demo_services, doctor)
    window.set_acting_user(nurse)
    form = window.session_page.checklist.pack_form
    form.length_spin.setValue(13)  # short needles for the face and hands
    _confirm_checklist(qtbot, window, screening_by=doctor)
    window.set_acting_user(doctor)
    _type(qtbot, window, "LI4 L 13")
    panel = window.session_page.needling
    assert "13 mm" in panel.error_label.text() and "length" in panel.error_label.text()
    assert demo_services.sessions.view(session_id).needles == ()
