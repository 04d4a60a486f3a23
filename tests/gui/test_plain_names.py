"""A patient's name is shown as typed, never read as markup."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from acudesk.services.container import Services
from tests.consenting import consent_to_course
from tests.gui.conftest import WindowFactory, user_id
from tests.gui.test_patient_page import type_date

LEFT = Qt.MouseButton.LeftButton
NAME = "<b>Bold</b> Test"


def _shown(label: QLabel) -> str:
    """What a person reads on the label: markup, if the label takes the text as rich text."""
    if label.textFormat() == Qt.TextFormat.PlainText:
        return label.text()
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def test_a_name_with_angle_brackets_shows_them(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor = user_id(demo_services, "ivanova")
    window.set_acting_user(doctor)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = window.patient_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name_edit, NAME)
    dialog.sex_combo.setCurrentIndex(dialog.sex_combo.findText("Male"))
    type_date(qtbot, dialog, "03021987")
    dialog.diagnosis_combo.setCurrentIndex(dialog.diagnosis_combo.findData("M42.16"))
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible(), dialog.error_label.text()

    page = window.patient_page
    assert window.pages.currentWidget() is page
    assert _shown(page.name_label) == NAME

    edit = page.open_edit_dialog()
    assert edit is not None
    headings = [label for label in edit.findChildren(QLabel) if NAME in label.text()]
    assert headings and all(_shown(label).count(NAME) == 1 for label in headings)
    edit.reject()

    (row,) = demo_services.patients.search("Test")
    demo_services.courses.plan_course(doctor, row.id, 10)
    consent_to_course(demo_services, doctor, row.id)
    session = demo_services.sessions.start_session(doctor, row.id)
    window.open_session(session.id)
    assert _shown(window.session_page.patient_label).startswith(f"{NAME}, born 03.02.1987")
