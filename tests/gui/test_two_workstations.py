"""What the screen shows when another workstation got there first, or holds what is needed.

The refusal is shown in words where the action was asked for, and what the person typed stays
where they typed it, so trying again (or copying it) loses nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from acudesk.db.database import Database
from acudesk.db.engine import make_engine, sqlite_path
from acudesk.domain.clock import FakeClock
from acudesk.domain.needles import Side
from acudesk.domain.quick_entry import NeedleOrder
from acudesk.services.container import Services
from tests.gui.conftest import WindowFactory, user_id
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
