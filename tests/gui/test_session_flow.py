"""A whole session driven through the real window, and each refusal as the user meets it."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.domain.checklist import ChecklistStep, Position
from acudesk.domain.clock import FakeClock, SystemClock
from acudesk.domain.needles import Material, NeedleSpec, PackInput, Side
from acudesk.domain.session_flow import Stage
from acudesk.domain.session_record import AlarmPriority
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.dialogs.sign_dialog import SignDialog
from acudesk.ui.main_window import MainWindow
from tests.consenting import consent_to_course
from tests.gui.conftest import (
    RecordingBell,
    WindowFactory,
    look_at_the_time,
    patient_id,
    user_id,
)

PACK = PackInput("240915B", date(2028, 6, 30), True)
SPEC = NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0)
TEN_NEEDLES = (
    ("GB20", "Left", 8),
    ("GB20", "Right", 8),
    ("GV14", "Midline", 6),
    ("EX-B2-T1", "Left", 6),
    ("EX-B2-T1", "Right", 6),
    ("EX-B2-T2", "Left", 6),
    ("EX-B2-T2", "Right", 6),
    ("SI14", "Left", 6),
    ("SI14", "Right", 6),
    ("LI4", "Left", 6),
)


def _count(services: Services, model: type[m.Base]) -> int:
    with services.db.reading() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _type_pin(qtbot: QtBot, dialog: SignDialog | None, pin: str) -> None:
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.secret_edit, pin)
    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Return)


def _open_maria_session(window: MainWindow, services: Services, doctor: int) -> int:
    maria = patient_id(services, "Maria")
    services.courses.plan_course(doctor, maria, 10)
    consent_to_course(services, doctor, maria)
    view = services.sessions.start_session(doctor, maria)
    window.open_session(view.id)
    return view.id


def _confirm_checklist(
    qtbot: QtBot,
    window: MainWindow,
    *,
    expiry: QDate | None = None,
    stop_at_pack: bool = False,
    screening_by: int | None = None,
) -> None:
    """Every step by whoever is signed in, but today's screening: the acupuncturist's."""
    panel = window.session_page.checklist
    acting = window.acting_user_id()
    for step in ChecklistStep:
        if screening_by is not None:
            who = screening_by if step is ChecklistStep.SCREENING else acting
            assert who is not None
            if who != window.acting_user_id():
                window.set_acting_user(who)
        if step is ChecklistStep.POSITION:
            panel.position_combo.setCurrentIndex(panel.position_combo.findData(Position.PRONE))
        if step is ChecklistStep.SKIN_DISINFECTED:
            panel.agent_combo.setCurrentIndex(0)
        if step is ChecklistStep.NEEDLES:
            form = panel.pack_form
            qtbot.keyClicks(form.lot_edit, "240915B")
            typed = (expiry or QDate(2028, 6, 30)).toString("dd.MM.yyyy")
            qtbot.keyClicks(form.expiry_edit, typed)
            form.intact_check.setChecked(True)
            qtbot.mouseClick(form.record_button, Qt.MouseButton.LeftButton)
            if stop_at_pack:
                return
        qtbot.keyClick(window.session_page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)


def _ready_for_needles(
    qtbot: QtBot, window: MainWindow, services: Services
) -> tuple[int, int, int]:
    """Maria's session with the checklist done by the nurse; the acupuncturist is signed in."""
    doctor, nurse = user_id(services, "ivanova"), user_id(services, "smirnova")
    window.set_acting_user(doctor)
    session_id = _open_maria_session(window, services, doctor)
    window.set_acting_user(nurse)
    _confirm_checklist(qtbot, window, screening_by=doctor)
    window.set_acting_user(doctor)
    return session_id, doctor, nurse


def _log(qtbot: QtBot, window: MainWindow, code: str, side: str, depth: float) -> None:
    panel = window.session_page.needling
    panel.point_edit.clear()
    qtbot.keyClicks(panel.point_edit, code)
    panel.side_combo.setCurrentIndex(panel.side_combo.findText(side))
    panel.depth_spin.setValue(depth)
    qtbot.keyClick(panel.point_edit, Qt.Key.Key_Return)


def test_whole_ten_needle_session_as_acupuncturist_then_nurse(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    clock: FakeClock,
    bell: RecordingBell,
) -> None:
    window = make_window()
    services = demo_services
    doctor, nurse = user_id(services, "ivanova"), user_id(services, "smirnova")
    page = window.session_page
    window.set_acting_user(doctor)
    services.courses.plan_course(doctor, patient_id(services, "Maria"), 10)
    consent_to_course(services, doctor, patient_id(services, "Maria"))
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(window.patient_list.search, "sokol")
    qtbot.keyClick(window.patient_list.search, Qt.Key.Key_Return)
    assert window.pages.currentWidget() is window.patient_page
    qtbot.mouseClick(window.patient_page.start_button, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is page
    assert page.view is not None
    session_id = page.view.id
    assert page.stack.currentWidget() is page.checklist
    assert "Session 1 of 10, 5 min" in page.timer_display.place_label.text()

    window.set_acting_user(nurse)
    _confirm_checklist(qtbot, window, screening_by=doctor)
    assert page.stack.currentWidget() is page.needling

    window.set_acting_user(doctor)
    for code, side, depth in TEN_NEEDLES:
        _log(qtbot, window, code, side, depth)
        assert page.needling.error_label.isHidden(), page.needling.error_label.text()
    assert page.needling.count_label.text() == "10 needles in"
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.removal
    assert page.timer_display.time_label.text() == "05:00"
    assert page.removal.summary.text() == "10 of 10 needles still in"

    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)  # the timer stays in view
    assert window.pages.currentWidget() is window.patient_page
    tile = window.strip.tile_for(session_id)
    assert tile is not None and tile.isVisible()
    assert tile.text().endswith("Maria Sokolova · 10 needles in · 05:00 left")
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is page

    clock.advance(minutes=2, seconds=30)
    page.tick()
    assert page.timer_display.time_label.text() == "02:30"
    look_at_the_time(qtbot, window)
    assert bell.rings == 0
    clock.advance(minutes=2, seconds=30)
    look_at_the_time(qtbot, window)
    page.tick()
    assert page.timer_display.state_label.text() == "REMOVE NEEDLES NOW"
    assert bell.priorities == [AlarmPriority.MEDIUM]
    look_at_the_time(qtbot, window)
    assert bell.rings == 1  # one alarm per event, not a stream

    window.set_acting_user(nurse)
    qtbot.keyClick(page, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    clock.advance(minutes=3)
    look_at_the_time(qtbot, window)
    page.tick()
    assert bell.rings == 1 and page.timer_display.time_label.text().startswith("+")
    page.removal.table.selectRow(0)
    page.removal.bleeding_check.setChecked(True)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert page.removal.summary.text() == "9 of 10 needles still in"
    qtbot.keyClicks(page.removal.count_edit, "9")
    qtbot.keyClick(page.removal.count_edit, Qt.Key.Key_Return)
    assert page.stack.currentWidget() is page.rest

    clock.advance(minutes=20)
    page.tick()
    assert "Rest complete" in page.rest.state_label.text()
    qtbot.mouseClick(page.rest.end_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.outcome

    window.set_acting_user(doctor)
    page.outcome.pain_before.setValue(6)
    page.outcome.pain_after.setValue(3)
    qtbot.keyClicks(page.outcome.notes, "Tolerated well.")
    qtbot.mouseClick(page.outcome.save_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    dialog = page.outcome.sign_dialog
    assert dialog is not None and dialog.isVisible()
    assert page.stack.currentWidget() is page.outcome  # nothing is signed before the PIN
    qtbot.keyClicks(dialog.secret_edit, "1111")
    qtbot.keyClick(dialog.secret_edit, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert page.stack.currentWidget() is page.record
    record = page.record.browser.toPlainText()
    assert "Signed by Dr Elena Ivanova" in record
    assert "Needles (10)" in record

    view = services.sessions.view(session_id)
    assert view.stage(clock.now()) is Stage.SIGNED
    assert len(view.needles) == 10 and not view.open_needles
    assert view.needles[0].bleeding is True
    assert {n.removed_by for n in view.needles} == {"Olga Smirnova"}
    assert (view.pain_before, view.pain_after) == (6, 3)
    assert services.audit.verify().intact


def test_needle_log_is_closed_until_the_checklist_is_done(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor = user_id(demo_services, "ivanova")
    window.set_acting_user(doctor)
    _open_maria_session(window, demo_services, doctor)
    page = window.session_page
    assert page.stack.currentWidget() is page.checklist
    assert not page.needling.isVisible()
    page.needling.point_edit.setText("GB20")
    page.needling.log_needle()  # even forced, the service refuses
    assert "checklist" in page.needling.error_label.text()
    assert _count(demo_services, m.NeedleInsertion) == 0


def test_checklist_step_out_of_order_is_refused_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor = user_id(demo_services, "ivanova")
    window.set_acting_user(doctor)
    session_id = _open_maria_session(window, demo_services, doctor)
    panel = window.session_page.checklist
    panel._run(
        lambda user, sid: demo_services.sessions.confirm_check(user, sid, ChecklistStep.JEWELLERY)
    )
    assert "step 1" in panel.error_label.text().lower()
    assert demo_services.sessions.view(session_id).checks == ()


def test_expired_pack_is_refused_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor, nurse = user_id(demo_services, "ivanova"), user_id(demo_services, "smirnova")
    window.set_acting_user(doctor)
    _open_maria_session(window, demo_services, doctor)
    window.set_acting_user(nurse)
    _confirm_checklist(
        qtbot, window, expiry=QDate(2026, 10, 31), stop_at_pack=True, screening_by=doctor
    )
    panel = window.session_page.checklist
    assert "expired on 31.10.2026" in panel.error_label.text()
    assert panel.pack_form.lot_edit.text() == "240915B"  # what was typed is kept
    assert _count(demo_services, m.NeedlePack) == 0


@pytest.mark.parametrize(
    ("code", "side", "depth", "message"),
    [
        ("GB20", "Left", 25, "20 mm"),
        ("GB21", "Left", 14, "GB21"),
        ("GB20", "Left", 0, "Depth"),
        ("GB20", "Left", 12, "deep"),
        ("GB20", "Midline", 6, "left or right"),
    ],
)
def test_needle_refusals_on_screen(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    code: str,
    side: str,
    depth: float,
    message: str,
) -> None:
    window = make_window()
    _session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    _log(qtbot, window, code, side, depth)
    panel = window.session_page.needling
    assert message in panel.error_label.text()
    assert panel.point_edit.text() == code  # the typed point stays
    assert _count(demo_services, m.NeedleInsertion) == 0


def test_removal_count_mismatch_and_closing_with_a_needle_in_are_refused(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    window = make_window()
    session_id, doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    for code, side, depth in TEN_NEEDLES[:3]:
        _log(qtbot, window, code, side, depth)
    page = window.session_page
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    window.set_acting_user(nurse)
    for typed in ("2", "4"):
        page.removal.count_edit.clear()
        qtbot.keyClicks(page.removal.count_edit, typed)
        qtbot.keyClick(page.removal.count_edit, Qt.Key.Key_Return)
        refusal = page.removal.error_label.text()
        # A blind count: where to look, never the number she should have counted.
        assert "does not match" in refusal and "chart" in refusal and "3" not in refusal
        assert page.removal.count_edit.text() == typed  # kept, selected, to type again
    assert len(demo_services.sessions.view(session_id).open_needles) == 3
    clock.advance(minutes=30)
    page.rest._run(lambda u, s: demo_services.sessions.end_rest(u, s, "leaving"))
    assert "still in" in page.rest.error_label.text()
    window.set_acting_user(doctor)
    page.outcome.pain_before.setValue(5)
    page.outcome.pain_after.setValue(3)
    page.outcome.sign()
    assert "still in" in page.outcome.error_label.text()
    assert demo_services.sessions.view(session_id).signed_at is None


def test_broken_needle_opens_an_incident_form(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    session_id, _doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    _log(qtbot, window, "GB20", "Left", 8)
    page = window.session_page
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    window.set_acting_user(nurse)
    page.removal.table.selectRow(0)
    page.removal.condition_combo.setCurrentIndex(page.removal.condition_combo.findText("Broken"))
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.removal
    assert page.removal.incident_form.isVisible()
    qtbot.keyClicks(page.removal.incident_form.what_edit, "Tip broke off at GB20 left")
    qtbot.mouseClick(page.removal.incident_form.save_button, Qt.MouseButton.LeftButton)
    assert "What was done" in page.removal.error_label.text()
    assert page.removal.incident_form.what_edit.toPlainText() == "Tip broke off at GB20 left"
    qtbot.keyClicks(page.removal.incident_form.action_edit, "Fragment removed with forceps")
    qtbot.mouseClick(page.removal.incident_form.save_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.rest
    assert demo_services.sessions.view(session_id).incidents[0].documented


def test_ending_rest_early_needs_a_reason_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    window = make_window()
    session_id, _doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    _log(qtbot, window, "GB20", "Left", 8)
    page = window.session_page
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    window.set_acting_user(nurse)
    qtbot.keyClicks(page.removal.count_edit, "1")
    qtbot.keyClick(page.removal.count_edit, Qt.Key.Key_Return)
    clock.advance(minutes=5)
    page.tick()
    assert page.rest.countdown.text() == "15:00"
    qtbot.mouseClick(page.rest.end_button, Qt.MouseButton.LeftButton)
    assert "reason" in page.rest.error_label.text()
    qtbot.keyClicks(page.rest.reason_edit, "Patient feels well, must collect child")
    qtbot.mouseClick(page.rest.end_button, Qt.MouseButton.LeftButton)
    assert page.stack.currentWidget() is page.outcome
    assert demo_services.sessions.view(session_id).rest_end_reason.startswith("Patient feels")


def test_nurse_cannot_log_a_needle_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    doctor, nurse = user_id(demo_services, "ivanova"), user_id(demo_services, "smirnova")
    window.set_acting_user(doctor)
    _open_maria_session(window, demo_services, doctor)
    window.set_acting_user(nurse)
    _confirm_checklist(qtbot, window, screening_by=doctor)
    _log(qtbot, window, "GB20", "Left", 8)
    assert "acupuncturist" in window.session_page.needling.error_label.text()
    assert _count(demo_services, m.NeedleInsertion) == 0


def test_signed_session_is_read_only_on_screen(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    window = make_window()
    session_id, doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    _log(qtbot, window, "GB20", "Left", 8)
    s = demo_services.sessions
    s.start_retention(doctor, session_id)
    s.remove_all(nurse, session_id, "1")
    clock.advance(minutes=20)
    s.end_rest(nurse, session_id)
    s.record_outcome(doctor, session_id, pain_before=4, pain_after=2)
    s.sign(doctor, session_id, "1111")
    window.open_session(session_id)
    page = window.session_page
    assert page.stack.currentWidget() is page.record
    assert page.record.browser.isReadOnly()
    page.outcome.save()  # a stale form cannot change it either
    assert "signed" in page.outcome.error_label.text()
    assert s.view(session_id).pain_before == 4
    assert "Acupuncture certificate No." in page.record.browser.toPlainText()

    window.set_acting_user(nurse)
    qtbot.keyClicks(page.record.addendum_edit, "Pain after was 3 on re-asking.")
    assert not page.record.addendum_button.isEnabled()
    assert "acupuncturist" in page.record.addendum_button.toolTip()
    page.record.add_addendum()  # even sent with her PIN, the service refuses it
    _type_pin(qtbot, page.record.sign_dialog, "3333")
    assert "acupuncturist" in page.record.error_label.text()
    assert page.record.addendum_edit.toPlainText() == "Pain after was 3 on re-asking."
    window.set_acting_user(doctor)
    qtbot.mouseClick(page.record.addendum_button, Qt.MouseButton.LeftButton)
    _type_pin(qtbot, page.record.sign_dialog, "1111")
    assert page.record.addendum_edit.toPlainText() == ""
    record = page.record.browser.toPlainText()
    assert "Addendum by Dr Elena Ivanova" in record and "Pain after was 3" in record
    assert "Pain before 4, after 2" in record  # the original stays visible
    assert s.view(session_id).pain_after == 2
    qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)  # the history opens it again
    table = window.patient_page.course_table
    first = table.model().index(0, 0)
    qtbot.mouseClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(first).center()
    )
    qtbot.mouseDClick(
        table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(first).center()
    )
    assert window.pages.currentWidget() is page and page.stack.currentWidget() is page.record
    page.record.export_dir = tmp_path
    qtbot.mouseClick(page.record.export_button, Qt.MouseButton.LeftButton)
    (exported,) = tmp_path.glob("session-*.html")
    assert "Addendum</b> by Dr Elena Ivanova" in exported.read_text(encoding="utf-8")
    assert str(exported) in page.record.export_label.text()


def test_restart_mid_session_resumes_with_the_right_remaining_time(
    qtbot: QtBot, demo_services: Services, clock: FakeClock, bell: RecordingBell
) -> None:
    doctor, nurse = user_id(demo_services, "ivanova"), user_id(demo_services, "smirnova")
    first = MainWindow(demo_services, bell=bell, check_sound=lambda: "")
    qtbot.addWidget(first)
    first.show()
    first.activateWindow()
    qtbot.waitUntil(first.isActiveWindow)
    first.set_acting_user(doctor)
    session_id = _open_maria_session(first, demo_services, doctor)
    first.set_acting_user(nurse)
    _confirm_checklist(qtbot, first, screening_by=doctor)
    first.set_acting_user(doctor)
    _log(qtbot, first, "GB20", "Left", 8)
    qtbot.keyClick(first.session_page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    first.close()
    QApplication.processEvents()

    clock.advance(minutes=1, seconds=50)
    second = MainWindow(demo_services, bell=bell, check_sound=lambda: "")
    qtbot.addWidget(second)
    assert second.pages.currentWidget() is second.session_page
    assert second.session_page.view is not None and second.session_page.view.id == session_id
    assert second.session_page.timer_display.time_label.text() == "03:10"
    clock.advance(minutes=10)
    look_at_the_time(qtbot, second)
    second.session_page.tick()
    assert second.session_page.timer_display.time_label.text() == "+06:50"
    # Twelve minutes into a five-minute session, unacknowledged: one alarm, the overdue one.
    assert bell.priorities == [AlarmPriority.HIGH]
    second.close()


def test_needles_logged_and_removed_by_clicking_the_chart(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    window = make_window()
    session_id, _doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    page = window.session_page
    chart, panel = page.chart, page.needling
    assert chart.isVisible() and chart.mode == "needling"
    chart.set_view("back")
    for code, side in (("GB20", "left"), ("GB20", "right"), ("GV14", "midline")):
        qtbot.mouseClick(
            chart.viewport(),
            Qt.MouseButton.LeftButton,
            pos=chart.marker_position(code, side).toPoint(),
        )
        assert panel.point_edit.text() == code
        assert panel.side_combo.currentData() == side
        panel.depth_spin.setValue(6)
        qtbot.keyClick(panel.depth_spin, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    view = demo_services.sessions.view(session_id)
    assert [n.label for n in view.needles] == ["GB20 left", "GB20 right", "GV14"]
    assert chart.shown_needle_ids == tuple(n.id for n in view.needles)

    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    window.set_acting_user(nurse)
    assert chart.mode == "removal"
    chart.set_view("back")
    removal = page.removal
    chosen = [("Intact", False), ("Bent", True), ("Broken", True)]
    for needle, (condition, bleeding) in zip(view.needles, chosen, strict=True):
        removal.condition_combo.setCurrentIndex(removal.condition_combo.findText(condition))
        removal.bleeding_check.setChecked(bleeding)
        qtbot.mouseClick(
            chart.viewport(),
            Qt.MouseButton.LeftButton,
            pos=chart.needle_marker_position(needle.id).toPoint(),
        )
        # A click chooses the needle; it removes nothing.
        selected = removal.table.selectionModel().selectedRows()[0].row()
        assert removal.model.row_at(selected).id == needle.id
        assert demo_services.sessions.view(session_id).open_needles[0].id == needle.id
        qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    after = demo_services.sessions.view(session_id)
    assert not after.open_needles
    recorded = [(n.condition, n.bleeding) for n in after.needles]
    assert recorded == [("intact", False), ("bent", True), ("broken", True)]
    assert {n.removed_by for n in after.needles} == {"Olga Smirnova"}
    assert removal.incident_form.isVisible()  # the broken needle is an incident to document


def test_ctrl_enter_on_the_timer_step_removes_nothing(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    window = make_window()
    session_id, _doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    for code, side, depth in TEN_NEEDLES[:3]:
        _log(qtbot, window, code, side, depth)
    page = window.session_page
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    window.set_acting_user(nurse)
    clock.advance(minutes=6)
    for _ in range(3):
        qtbot.keyClick(page, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert len(demo_services.sessions.view(session_id).open_needles) == 3
    assert "Ctrl+R" in page.removal.hint.text()


def test_a_removal_can_be_undone_for_a_few_seconds_by_who_made_it(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    window = make_window()
    session_id, _doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    _log(qtbot, window, "GB20", "Left", 8)
    _log(qtbot, window, "GB20", "Right", 8)
    page = window.session_page
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    window.set_acting_user(nurse)
    page.removal.table.selectRow(0)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert len(demo_services.sessions.view(session_id).open_needles) == 1
    assert page.removal.undo_button.isVisible()
    clock.advance(4)
    qtbot.mouseClick(page.removal.undo_button, Qt.MouseButton.LeftButton)
    assert len(demo_services.sessions.view(session_id).open_needles) == 2
    assert not page.removal.undo_button.isVisible()
    page.removal.table.selectRow(0)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    clock.advance(11)
    qtbot.mouseClick(page.removal.undo_button, Qt.MouseButton.LeftButton)
    assert "no longer be undone" in page.removal.error_label.text()
    assert len(demo_services.sessions.view(session_id).open_needles) == 1


def test_a_needle_taken_out_before_the_timer_ends_nothing(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    clock: FakeClock,
    bell: RecordingBell,
) -> None:
    """Remove and replace on the Needles step, start the timer: the needles are still timed,
    the strip and the lock screen say so, and the alarm rings at the end."""
    window = make_window()
    session_id, _doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    page = window.session_page
    _log(qtbot, window, "GB20", "Left", 8)
    page.needling.table.selectRow(0)
    qtbot.keyClick(page, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # a correction
    assert page.needling.count_label.text() == "0 needles in (1 taken out)"
    assert page.stack.currentWidget() is page.needling
    _log(qtbot, window, "GB20", "Left", 6)
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert page.stack.currentWidget() is page.removal
    assert page.timer_display.state_label.text() == "Needles in. Remaining time:"
    window.lock()
    tile = window.strip.tile_for(session_id)
    assert tile is not None and tile.isVisible()
    assert "1 needle in" in tile.text() and "M. S." in tile.text()
    assert "Sokolova" not in tile.text()  # initials only on the lock screen
    clock.advance(minutes=5)
    look_at_the_time(qtbot, window)
    assert bell.priorities == [AlarmPriority.MEDIUM]
    window._show_strip()
    assert "REMOVE NEEDLES NOW" in tile.text()


def _session_with_needle_in(services: Services, doctor: int, nurse: int) -> SessionView:
    """Maria's session through the services: checklist done, one needle in, timer started."""
    s = services.sessions
    services.courses.plan_course(doctor, patient_id(services, "Maria"), 10)
    consent_to_course(services, doctor, patient_id(services, "Maria"))
    view = s.start_session(doctor, patient_id(services, "Maria"))
    for step in ChecklistStep:
        if step is ChecklistStep.NEEDLES:
            view = s.register_pack(nurse, view.id, PACK, SPEC)
        view = s.confirm_check(
            doctor if step is ChecklistStep.SCREENING else nurse,
            view.id,
            step,
            position=Position.PRONE,
            agent="Ethanol 70%",
        )
    view = s.insert_needle(doctor, view.id, "GB20", Side.LEFT, 6.0, view.packs[0].id)
    return s.start_retention(doctor, view.id)


def test_the_alarm_rings_while_the_window_itself_is_busy(
    qtbot: QtBot, demo_services: Services, bell: RecordingBell
) -> None:
    """The alarm clock has its own thread: a window stuck in a long call still sounds."""
    services = Services.build(demo_services.db.__class__(demo_services.db.engine, SystemClock()))
    doctor, nurse = user_id(services, "ivanova"), user_id(services, "smirnova")
    window = MainWindow(services, bell=bell, check_sound=lambda: "")
    qtbot.addWidget(window)
    view = _session_with_needle_in(services, doctor, nurse)
    # As if the timer had started long enough ago that its end is half a second away.
    started = datetime.now(UTC) - timedelta(minutes=view.planned_minutes, seconds=-0.5)
    window.watch.update(replace(view, retention_started_at=started))
    deadline = time.monotonic() + 30
    while bell.rings == 0 and time.monotonic() < deadline:
        time.sleep(0.01)  # the window's own thread never returns to its event loop here
    assert bell.priorities == [AlarmPriority.MEDIUM]
    window.close()


def test_signing_asks_for_the_pin_and_a_wrong_one_keeps_the_record_open(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    window = make_window()
    session_id, doctor, nurse = _ready_for_needles(qtbot, window, demo_services)
    _log(qtbot, window, "GB20", "Left", 8)
    s = demo_services.sessions
    s.start_retention(doctor, session_id)
    s.remove_all(nurse, session_id, "1")
    clock.advance(minutes=20)
    s.end_rest(nurse, session_id)
    window.open_session(session_id)
    page = window.session_page
    window.set_acting_user(doctor)
    page.outcome.pain_before.setValue(5)
    page.outcome.pain_after.setValue(2)
    qtbot.keyClicks(page.outcome.notes, "Felt warmth at GB20.")
    qtbot.mouseClick(page.outcome.sign_button, Qt.MouseButton.LeftButton)
    dialog = page.outcome.sign_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.secret_edit.echoMode() == dialog.secret_edit.EchoMode.Password
    _type_pin(qtbot, dialog, "9999")
    assert dialog.isVisible() and "PIN or password is not correct" in dialog.error_label.text()
    assert dialog.secret_edit.text() == ""
    assert s.view(session_id).signed_at is None
    assert page.outcome.notes.toPlainText() == "Felt warmth at GB20."  # what was typed stays
    with demo_services.db.reading() as db:
        user = db.get(m.User, doctor)
        assert user is not None and user.failed_attempts == 1
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and page.stack.currentWidget() is page.outcome
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    _type_pin(qtbot, page.outcome.sign_dialog, "demo-ivanova")  # the password signs too
    assert page.stack.currentWidget() is page.record
    view = s.view(session_id)
    assert view.signed_by == "Dr Elena Ivanova" and view.notes == "Felt warmth at GB20."
    assert demo_services.audit.verify().intact
