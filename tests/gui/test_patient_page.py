"""The patient page and the patient dialog, driven as the treatment room would."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from acudesk.domain.roles import Role
from acudesk.domain.screening import Caution
from acudesk.services.container import Services
from acudesk.ui.dialogs.patient_dialog import PatientDialog
from acudesk.ui.views.patient_page import CONTINUE_TEXT, PatientPage
from tests.consenting import consent_to_course

TEN_SESSIONS = [5, 8, 11, 13, 16, 19, 22, 24, 27, 30]
LEFT = Qt.MouseButton.LeftButton


def user_with(services: Services, role: Role) -> int:
    return next(u.id for u in services.users.list_users() if role in u.roles)


def patient_named(services: Services, name: str) -> int:
    (row,) = services.patients.search(name)
    return row.id


class Room:
    """A patient page on the demo clinic, with a switch for who is acting."""

    def __init__(self, qtbot: QtBot, services: Services) -> None:
        self.services = services
        self.doctor = user_with(services, Role.ACUPUNCTURIST)
        self.nurse = user_with(services, Role.NURSE)
        self.acting: int | None = self.doctor
        self.page = PatientPage(services, lambda: self.acting)
        qtbot.addWidget(self.page)
        self.page.resize(1010, 680)
        self.page.show()
        qtbot.waitExposed(self.page)

    def open(self, name: str) -> int:
        patient = patient_named(self.services, name)
        self.page.show_patient(patient)
        return patient

    def plan(self, qtbot: QtBot, *, consent: bool = True) -> None:
        """Plan the course on the page; the patient then consents to it, as in the room."""
        qtbot.mouseClick(self.page.plan_button, LEFT)
        course, patient = self.page.current_course, self.page.patient_id
        if (
            consent
            and course is not None
            and patient is not None
            and self.acting == self.doctor
            and not self.services.consent.state(course.id).decisions
        ):
            consent_to_course(self.services, self.doctor, patient)
            self.page.refresh()


@pytest.fixture
def room(qtbot: QtBot, demo_services: Services) -> Room:
    return Room(qtbot, demo_services)


def finding_text(page: PatientPage) -> str:
    return " ".join(label.text() for label in page.finding_labels if label.isVisible())


# -- the patient dialog --------------------------------------------------------------------


def new_dialog(qtbot: QtBot, services: Services, user: int) -> PatientDialog:
    dialog = PatientDialog(services, user)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def type_date(qtbot: QtBot, dialog: PatientDialog, digits: str) -> None:
    """Type day, month and year as a person does; a date field takes keys only with focus."""
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.dob_edit.setFocus()
    qtbot.keyClicks(dialog.dob_edit, digits)


def test_registering_a_patient_stores_every_part_of_the_form(qtbot: QtBot, room: Room) -> None:
    dialog = new_dialog(qtbot, room.services, room.nurse)
    qtbot.keyClicks(dialog.name_edit, "Pavel  Smirnov")
    dialog.sex_combo.setCurrentIndex(dialog.sex_combo.findText("Male"))
    type_date(qtbot, dialog, "03021987")
    assert dialog.age_label.text() == "39 years today"
    qtbot.keyClicks(dialog.contact_edit, "+7 912 555-00-00")
    dialog.diagnosis_combo.setCurrentIndex(dialog.diagnosis_combo.findData("M42.16"))
    assert dialog.diagnosis_combo.currentText() == "M42.16 Lumbar osteochondrosis"
    qtbot.keyClicks(dialog.complaints_edit, "Low-back pain for a year.")
    qtbot.keyClicks(dialog.medications_edit, "Ibuprofen 200 mg when needed")
    dialog.tabs.setCurrentIndex(1)
    qtbot.mouseClick(dialog.day_boxes["massage_days"][0], LEFT)
    qtbot.mouseClick(dialog.day_boxes["electrical_days"][2], LEFT)
    dialog.tabs.setCurrentIndex(2)
    blood = dialog.flag_checks["blood_disorder"]
    qtbot.mouseClick(blood, LEFT, pos=QPoint(8, blood.height() // 2))  # on the box itself
    dialog.region_item("neck").setCheckState(Qt.CheckState.Checked)

    with qtbot.waitSignal(dialog.saved) as saved:
        qtbot.mouseClick(dialog.save_button, LEFT)

    assert dialog.result() == QDialog.DialogCode.Accepted
    (row,) = room.services.patients.search("smirnov")
    assert saved.args == [row.id]
    data = room.services.patients.get(row.id).data
    assert data.full_name == "Pavel Smirnov"
    assert data.date_of_birth == date(1987, 2, 3)
    assert (data.sex.value, data.diagnosis_code) == ("male", "M42.16")
    assert data.medications == "Ibuprofen 200 mg when needed"
    assert (data.massage_days, data.exercise_days, data.electrical_days) == (
        frozenset({1}),
        frozenset(),
        frozenset({3}),
    )
    assert data.blood_disorder and not data.pregnant
    assert data.skin_lesion_regions == frozenset({"neck"})


def test_an_empty_name_is_refused_next_to_the_field_and_nothing_typed_is_lost(
    qtbot: QtBot, room: Room
) -> None:
    before = len(room.services.patients.search())
    dialog = new_dialog(qtbot, room.services, room.nurse)
    type_date(qtbot, dialog, "03021987")
    dialog.sex_combo.setCurrentIndex(dialog.sex_combo.findText("Male"))
    qtbot.keyClicks(dialog.complaints_edit, "Neck pain.")
    dialog.diagnosis_combo.setCurrentIndex(0)

    qtbot.mouseClick(dialog.save_button, LEFT)

    assert dialog.isVisible()
    assert "Name: enter the patient's full name." in dialog.error_label.text()
    assert dialog.error_label.isVisible()
    assert dialog.name_error.isVisible() and "Name" in dialog.name_error.text()
    assert dialog.complaints_edit.toPlainText() == "Neck pain."
    assert dialog.dob_edit.date().toString("dd.MM.yyyy") == "03.02.1987"
    assert len(room.services.patients.search()) == before

    qtbot.keyClicks(dialog.name_edit, "Pavel Smirnov")
    qtbot.mouseClick(dialog.save_button, LEFT)
    assert not dialog.isVisible()
    assert len(room.services.patients.search()) == before + 1


def test_a_date_of_birth_never_entered_is_refused(qtbot: QtBot, room: Room) -> None:
    dialog = new_dialog(qtbot, room.services, room.nurse)
    qtbot.keyClicks(dialog.name_edit, "Pavel Smirnov")
    dialog.diagnosis_combo.setCurrentIndex(0)

    qtbot.mouseClick(dialog.save_button, LEFT)

    assert dialog.dob_error.isVisible()
    assert "Date of birth" in dialog.dob_error.text()
    assert dialog.name_edit.text() == "Pavel Smirnov"
    assert room.services.patients.search("smirnov") == []


def test_editing_a_patient_from_the_page(qtbot: QtBot, room: Room) -> None:
    patient = room.open("Maria Sokolova")
    room.acting = room.nurse
    room.page.refresh()
    assert room.page.edit_button.isEnabled()

    dialog = room.page.open_edit_dialog()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.name_edit.text() == "Maria Sokolova"
    dialog.medications_edit.clear()
    qtbot.keyClicks(dialog.medications_edit, "Amlodipine 5 mg daily")
    with qtbot.waitSignal(room.page.patient_changed) as changed:
        qtbot.mouseClick(dialog.save_button, LEFT)

    assert changed.args == [patient]
    assert room.services.patients.get(patient).data.medications == "Amlodipine 5 mg daily"
    assert room.page.medications_label.text() == "Amlodipine 5 mg daily"
    assert "Cautions today" in room.page.screening_title.text()


def test_an_edit_made_elsewhere_meanwhile_is_not_overwritten(qtbot: QtBot, room: Room) -> None:
    patient = room.open("Maria Sokolova")
    first = room.page.open_edit_dialog()
    assert first is not None
    detail = room.services.patients.get(patient)
    other = PatientDialog(room.services, room.nurse, detail)
    qtbot.addWidget(other)
    other.contact_edit.setText("+7 900 000-00-00")
    qtbot.mouseClick(other.save_button, LEFT)

    first.contact_edit.setText("+7 911 111-11-11")
    qtbot.mouseClick(first.save_button, LEFT)

    assert first.isVisible()
    assert "changed at another workstation" in first.error_label.text()
    assert first.contact_edit.text() == "+7 911 111-11-11"
    assert room.services.patients.get(patient).data.contact == "+7 900 000-00-00"


# -- planning a course and changing a duration ---------------------------------------------


def test_planning_shows_the_plan_before_it_is_saved(qtbot: QtBot, room: Room) -> None:
    patient = room.open("Maria Sokolova")
    assert room.page.course_title.text() == "Plan a course"
    assert room.page.course_model.minutes() == TEN_SESSIONS
    qtbot.mouseClick(room.page.length_buttons[1], LEFT)
    assert room.page.sessions_spin.value() == 15
    assert len(room.page.course_model.minutes()) == 15
    assert room.services.courses.history(patient).courses == ()
    qtbot.mouseClick(room.page.length_buttons[0], LEFT)

    with qtbot.waitSignal(room.page.patient_changed):
        room.plan(qtbot)

    (course,) = room.services.courses.history(patient).courses
    assert [r.minutes for r in course.rows] == TEN_SESSIONS
    model = room.page.course_model
    assert [model.index(r, 1).data() for r in range(10)] == [f"{m} min" for m in TEN_SESSIONS]
    assert model.index(0, 2).data() == "Planned (next)"
    assert room.page.course_title.text().startswith("Course 1: 0 of 10 signed")
    assert not room.page.plan_panel.isVisible()
    assert room.page.start_button.isEnabled()
    assert room.page.next_label.text() == "Next: session 1 of 10, 5 min"


def test_changing_a_planned_duration_needs_a_reason(qtbot: QtBot, room: Room) -> None:
    patient = room.open("Maria Sokolova")
    room.plan(qtbot)
    assert not room.page.duration_button.isEnabled()
    room.page.course_table.selectRow(2)
    assert room.page.duration_button.isEnabled()

    qtbot.mouseClick(room.page.duration_button, LEFT)
    dialog = room.page.duration_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.minutes_spin.lineEdit().selectAll()
    qtbot.keyClicks(dialog.minutes_spin, "9")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert dialog.isVisible()
    assert "needs a reason" in dialog.reason_error.text()
    assert room.services.courses.history(patient).courses[0].minutes_for(3) == 11

    qtbot.keyClicks(dialog.reason_edit, "Felt dizzy after session 2")
    qtbot.mouseClick(dialog.ok_button, LEFT)

    assert not dialog.isVisible()
    course = room.services.courses.history(patient).courses[0]
    assert course.minutes_for(3) == 9
    model = room.page.course_model
    assert model.index(2, 1).data() == "9 min"
    assert model.index(2, 4).data() == "Felt dizzy after session 2"


def test_cautions_need_a_reason_each_before_planning(qtbot: QtBot, room: Room) -> None:
    patient = room.open("Andrei Volkov")
    room.plan(qtbot)
    dialog = room.page.caution_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert len(dialog.reason_edits) == 2  # electrical procedure today, and medications
    edits = list(dialog.reason_edits.values())
    qtbot.keyClicks(edits[0], "Electrical procedure moved to the afternoon")
    assert not dialog.ok_button.isEnabled()
    assert room.services.courses.history(patient).courses == ()

    qtbot.keyClicks(edits[1], "Meloxicam reviewed, continues")
    qtbot.mouseClick(dialog.ok_button, LEFT)

    assert not dialog.isVisible()
    assert len(room.services.courses.history(patient).courses) == 1


# -- starting today's session --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule"),
    [("Natalia Orlova", "Pregnancy"), ("Viktor Lebedev", "Age over 75")],
)
def test_a_contraindication_refuses_planning_and_the_session(
    qtbot: QtBot, room: Room, name: str, rule: str
) -> None:
    patient = room.open(name)
    page = room.page
    assert page.screening_box.isVisible()
    assert page.screening_title.text() == "Today's session must not start:"
    assert rule in finding_text(page)
    assert not page.start_button.isEnabled()
    assert "Today's screening refuses the session" in page.start_button.toolTip()
    assert any(rule in label.text() for label in page.profile_labels)

    room.plan(qtbot)
    assert page.plan_error.isVisible()
    assert rule in page.plan_error.text()
    qtbot.mouseClick(page.start_button, LEFT)
    history = room.services.courses.history(patient)
    assert history.courses == ()
    assert history.open_session_id is None
    assert room.services.sessions.open_sessions() == []


def test_starting_a_session_opens_it_and_then_offers_to_continue(qtbot: QtBot, room: Room) -> None:
    patient = room.open("Maria Sokolova")
    room.plan(qtbot)
    assert "no contraindication found" in room.page.screening_title.text()

    with qtbot.waitSignal(room.page.session_opened) as opened:
        qtbot.mouseClick(room.page.start_button, LEFT)

    (session_id,) = opened.args
    view = room.services.sessions.view(session_id)
    assert (view.patient_id, view.number, view.planned_minutes) == (patient, 1, 5)
    assert room.page.start_button.text() == CONTINUE_TEXT
    assert room.page.course_model.index(0, 2).data() == "In progress"
    with qtbot.waitSignal(room.page.session_opened) as again:
        qtbot.mouseClick(room.page.start_button, LEFT)
    assert again.args == [session_id]
    assert len(room.services.sessions.open_sessions()) == 1


def test_cautions_on_the_day_need_a_reason_before_the_session_starts(
    qtbot: QtBot, room: Room
) -> None:
    patient = room.open("Andrei Volkov")
    cautions = room.services.courses.screen_for_course(patient).cautions
    reasons = {f.code: "Reviewed" for f in cautions if isinstance(f.code, Caution)}
    room.services.courses.plan_course(room.doctor, patient, 10, reasons)
    consent_to_course(room.services, room.doctor, patient)
    room.page.refresh()
    assert "Cautions today" in room.page.screening_title.text()
    assert "Meloxicam" in finding_text(room.page)

    qtbot.mouseClick(room.page.start_button, LEFT)
    dialog = room.page.caution_dialog
    assert dialog is not None
    for edit in dialog.reason_edits.values():
        qtbot.keyClicks(edit, "Reviewed with the patient")
    with qtbot.waitSignal(room.page.session_opened):
        qtbot.mouseClick(dialog.ok_button, LEFT)
    assert room.services.courses.history(patient).open_session_id is not None


# -- who may do what -----------------------------------------------------------------------


def test_a_nurse_may_edit_but_not_plan_or_start(qtbot: QtBot, room: Room) -> None:
    room.acting = room.nurse
    patient = room.open("Maria Sokolova")
    page = room.page
    assert page.edit_button.isEnabled()
    assert not page.plan_button.isEnabled()
    assert page.plan_button.toolTip() == "Only an acupuncturist may plan a course."
    assert not page.start_button.isEnabled()
    assert page.start_button.toolTip() == "Only an acupuncturist may start a session."
    room.plan(qtbot)
    assert room.services.courses.history(patient).courses == ()

    room.acting = room.doctor
    page.refresh()
    assert page.plan_button.isEnabled()


def test_nobody_acting_disables_every_action(room: Room) -> None:
    room.acting = None
    room.open("Maria Sokolova")
    for button in (room.page.edit_button, room.page.plan_button, room.page.start_button):
        assert not button.isEnabled()
        assert button.toolTip() == "Choose who is acting at the top of the window."


def test_keyboard_shortcuts_edit_and_start(qtbot: QtBot, room: Room) -> None:
    room.open("Maria Sokolova")
    room.plan(qtbot)
    room.page.activateWindow()
    qtbot.waitUntil(room.page.isActiveWindow)
    ctrl = Qt.KeyboardModifier.ControlModifier

    qtbot.keyClick(room.page, Qt.Key.Key_E, ctrl)
    dialog = room.page.patient_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.cancel_button, LEFT)

    room.page.activateWindow()
    qtbot.waitUntil(room.page.isActiveWindow)
    with qtbot.waitSignal(room.page.session_opened):
        qtbot.keyClick(room.page, Qt.Key.Key_Return, ctrl)
