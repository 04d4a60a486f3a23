"""What the screen shows when another workstation got there first, or holds what is needed.

The refusal is shown in words where the action was asked for, and what the person typed stays
where they typed it, so trying again (or copying it) loses nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, sqlite_path
from acudesk.domain.clock import FakeClock
from acudesk.domain.needles import Side
from acudesk.domain.quick_entry import NeedleOrder
from acudesk.services.container import Services
from acudesk.ui.dialogs.patient_dialog import PatientDialog
from acudesk.ui.main_window import MainWindow
from tests.gui.conftest import WindowFactory, patient_id, user_id
from tests.gui.test_clinic_network import _workstation
from tests.gui.test_patient_page import LEFT, Room
from tests.gui.test_session_flow import _ready_for_needles


@pytest.fixture
def room(qtbot: QtBot, demo_services: Services) -> Room:
    demo_services.db.workstation = "Room 1"
    return Room(qtbot, demo_services)


@pytest.fixture
def room_2(db_url: str, clock: FakeClock, demo_services: Services) -> Iterator[Services]:
    """The same clinic at the PC of the next room."""
    db = Database(make_engine(db_url), clock)
    db.workstation = "Room 2"
    yield Services.build(db, demo_services.points)
    db.dispose()


@contextmanager
def held_elsewhere(db_url: str, patient: int) -> Iterator[None]:
    """Another workstation in the middle of changing this patient (or, on SQLite, of a write)."""
    path = sqlite_path(db_url)
    if path is not None:
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            raw.rollback()
            raw.close()
        return
    engine = make_engine(db_url, idle_in_transaction_timeout_ms=8000)
    try:
        with engine.connect() as c:
            c.execute(text("SELECT 1 FROM patients WHERE id = :p FOR UPDATE"), {"p": patient})
            yield
            c.rollback()
    finally:
        engine.dispose()


def test_saving_a_patient_another_workstation_holds_says_busy_and_keeps_the_text(
    qtbot: QtBot, room: Room, db_url: str
) -> None:
    patient = room.open("Maria Sokolova")
    dialog = room.page.open_edit_dialog()
    assert dialog is not None
    dialog.contact_edit.setText("+7 911 111-11-11")

    with held_elsewhere(db_url, patient):
        qtbot.mouseClick(dialog.save_button, LEFT)
        assert dialog.isVisible()
        shown = dialog.error_label.text()
        assert "Try again in a moment" in shown and "Nothing of this action was saved" in shown
        assert dialog.contact_edit.text() == "+7 911 111-11-11"

    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert room.services.patients.get(patient).data.contact == "+7 911 111-11-11"


def test_starting_a_session_another_workstation_started_says_whose_it_is(
    qtbot: QtBot, room: Room, room_2: Services
) -> None:
    patient = room.open("Maria Sokolova")
    room.plan(qtbot)
    other_doctor = user_id(room_2, "ivanova")
    room_2.sessions.start_session(other_doctor, patient)  # meanwhile, next door

    qtbot.mouseClick(room.page.start_button, LEFT)

    shown = room.page.error_label.text()
    assert room.page.error_label.isVisible()
    assert "started session 1 of this patient at" in shown and "on workstation Room 2" in shown
    assert "Open it from the patient page" in shown
    assert len(room.services.sessions.open_sessions()) == 1


def test_a_point_set_name_taken_at_another_workstation_is_refused_and_kept(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, room_2: Services
) -> None:
    window = make_window()
    _session_id, doctor, _nurse = _ready_for_needles(qtbot, window, demo_services)
    panel = window.session_page.needling
    qtbot.keyClicks(panel.quick.entry, "GB20 B 8")
    qtbot.keyClick(panel.quick.entry, Qt.Key.Key_Return)
    room_2.protocols.save_protocol(doctor, "NECK SET", [NeedleOrder("GV14", Side.MIDLINE, 5)])

    qtbot.keyClicks(panel.quick.set_name, "Neck  set")
    qtbot.mouseClick(panel.quick.save_button, LEFT)

    assert "already exists" in panel.error_label.text()
    assert panel.quick.set_name.text() == "Neck  set"
    assert [p.name for p in demo_services.protocols.list_protocols()] == ["NECK SET"]


# -- a form open while another workstation changes its record ------------------------------


def _edit_at(qtbot: QtBot, window: MainWindow, services: Services, name: str) -> PatientDialog:
    window.set_acting_user(user_id(services, "smirnova"))
    window.open_patient(patient_id(services, name))
    dialog = window.patient_page.open_edit_dialog()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


@pytest.mark.parametrize("choice", ["keep mine", "reload theirs"])
def test_a_patient_changed_at_another_workstation_while_the_dialog_is_open_says_so_and_asks(
    qtbot: QtBot, demo_services: Services, db_url: str, clock: FakeClock, choice: str
) -> None:
    demo_services.db.workstation, demo_services.db.room = "Room 1 PC", "Room 1"
    window = MainWindow(demo_services, check_sound=lambda: "")
    qtbot.addWidget(window)
    window.show()
    other, _bell_2, services_2 = _workstation(qtbot, db_url, clock, "Room 2 PC", "Room 2")
    for w in (window, other):  # both ends of the change channel are listening
        qtbot.waitUntil(lambda w=w: w.watch.channel_connected, timeout=15000)
    mine = _edit_at(qtbot, window, demo_services, "Maria Sokolova")
    mine.contact_edit.setText("+7 911 111-11-11")  # typed, not saved yet

    theirs = _edit_at(qtbot, other, services_2, "Maria Sokolova")
    theirs.complaints_edit.setPlainText("Neck pain worse after work")
    with qtbot.waitSignal(theirs.saved):
        qtbot.mouseClick(theirs.save_button, LEFT)

    assert mine.guard is not None
    banner = mine.guard.banner
    qtbot.waitUntil(banner.isVisible, timeout=15000)
    assert banner.text().startswith("Changed at workstation Room 2 PC by Olga Smirnova at ")
    assert banner.text().endswith("your changes are kept; Save will ask.")
    assert mine.contact_edit.text() == "+7 911 111-11-11"  # what was typed stays
    assert mine.complaints_edit.toPlainText() != "Neck pain worse after work"

    qtbot.mouseClick(mine.save_button, LEFT)
    box = mine.guard.conflict_box
    assert box is not None and box.isVisible() and mine.isVisible()
    assert "This patient was changed at another workstation since you opened it" in box.text()
    assert "Olga Smirnova" in box.text()
    patient = patient_id(demo_services, "Maria Sokolova")
    if choice == "keep mine":
        with qtbot.waitSignal(mine.saved):
            qtbot.mouseClick(mine.guard.keep_button, LEFT)
        stored = demo_services.patients.get(patient).data
        assert stored.contact == "+7 911 111-11-11"  # saved over theirs, knowingly
        with demo_services.db.reading() as s:
            last = s.scalars(
                select(m.AuditEvent.after)
                .where(m.AuditEvent.entity == "patient", m.AuditEvent.entity_id == patient)
                .order_by(m.AuditEvent.id.desc())
            ).first()
        assert last is not None and '"overwrote_change_elsewhere": true' in last
    else:
        qtbot.mouseClick(mine.guard.reload_button, LEFT)
        qtbot.waitUntil(lambda: mine.complaints_edit.toPlainText() == "Neck pain worse after work")
        assert mine.isVisible() and not banner.isVisible()
        assert mine.contact_edit.text() != "+7 911 111-11-11"  # theirs, in place of mine
        stored = demo_services.patients.get(patient).data
        assert stored.complaints == "Neck pain worse after work"


def test_an_open_dialog_nobody_typed_in_shows_the_other_workstations_change(
    qtbot: QtBot, demo_services: Services, db_url: str, clock: FakeClock
) -> None:
    window = MainWindow(demo_services, check_sound=lambda: "")
    qtbot.addWidget(window)
    window.show()
    other, _bell, services_2 = _workstation(qtbot, db_url, clock, "Room 2 PC", "Room 2")
    for w in (window, other):
        qtbot.waitUntil(lambda w=w: w.watch.channel_connected, timeout=15000)
    mine = _edit_at(qtbot, window, demo_services, "Maria Sokolova")
    patient = patient_id(services_2, "Maria Sokolova")
    opened = services_2.patients.get(patient)
    nurse = user_id(services_2, "smirnova")
    changed = replace(opened.data, complaints="Stiff neck in the mornings")
    services_2.patients.update(nurse, patient, changed, opened.version_id)

    qtbot.waitUntil(
        lambda: mine.complaints_edit.toPlainText() == "Stiff neck in the mornings", timeout=15000
    )
    assert mine.guard is not None and not mine.guard.banner.isVisible()
    record = window.patient_page.record  # the page behind the dialog follows too
    qtbot.waitUntil(
        lambda: record.complaints_label.text() == "Stiff neck in the mornings", timeout=15000
    )
