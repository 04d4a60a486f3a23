"""The adverse-event editor on the outcome step: what is edited is saved, a row can be deleted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit
from pytestqt.qtbot import QtBot

from acudesk.domain.clock import FakeClock
from acudesk.services.container import Services
from acudesk.ui.models.adverse_event_model import DETAILS, SEVERITY
from acudesk.ui.views.session.outcome_panel import OutcomePanel
from tests.gui.conftest import WindowFactory
from tests.gui.test_session_flow import _log, _ready_for_needles

LEFT = Qt.MouseButton.LeftButton


def _at_the_outcome(
    qtbot: QtBot, make_window: WindowFactory, services: Services, clock: FakeClock
) -> tuple[OutcomePanel, int, int]:
    window = make_window()
    session_id, doctor, nurse = _ready_for_needles(qtbot, window, services)
    _log(qtbot, window, "GB20", "Left", 8)
    s = services.sessions
    s.start_retention(doctor, session_id)
    s.remove_all(nurse, session_id, "1")
    clock.advance(minutes=20)
    s.end_rest(nurse, session_id)
    window.open_session(session_id)
    page = window.session_page
    assert page.stack.currentWidget() is page.outcome
    return page.outcome, session_id, doctor


def _add(qtbot: QtBot, panel: OutcomePanel, kind: str, details: str) -> None:
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData(kind))
    qtbot.keyClicks(panel.event_details, details)
    qtbot.mouseClick(panel.add_event_button, LEFT)


def _edit_cell(qtbot: QtBot, panel: OutcomePanel, row: int, column: int) -> None:
    view = panel.events
    rect = view.visualRect(panel.event_model.index(row, column))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), LEFT, pos=rect.center())


def test_edits_in_the_cells_are_saved_and_a_deleted_row_is_gone(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    panel, session_id, _doctor = _at_the_outcome(qtbot, make_window, demo_services, clock)
    _add(qtbot, panel, "bleeding", "drop of blood at GB20")
    _add(qtbot, panel, "dizziness", "added by mistake")
    assert panel.event_model.rowCount() == 2

    _edit_cell(qtbot, panel, 0, SEVERITY)  # severity is chosen from its list
    combo = panel.events.findChild(QComboBox)
    assert combo is not None
    combo.setCurrentIndex(combo.findData("moderate"))
    # the next cell clicked takes what was chosen
    _edit_cell(qtbot, panel, 0, DETAILS)  # details are typed over
    editor = panel.events.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "haematoma 1 cm at GB20, pressed 2 min")
    # Saved while the cell is still being typed in: what is on screen is what is stored.
    panel.events.selectRow(1)
    qtbot.mouseClick(panel.delete_event_button, LEFT)
    assert panel.event_model.rowCount() == 1

    panel.pain_before.setValue(5)
    panel.pain_after.setValue(2)
    qtbot.mouseClick(panel.save_button, LEFT)
    (stored,) = demo_services.sessions.view(session_id).adverse_events
    assert (stored.kind, stored.severity) == ("bleeding", "moderate")
    assert stored.description == "haematoma 1 cm at GB20, pressed 2 min"
    assert panel.events.model().data(panel.event_model.index(0, SEVERITY)) == "Moderate"


def test_a_signed_sessions_events_cannot_be_edited_or_deleted(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    panel, session_id, doctor = _at_the_outcome(qtbot, make_window, demo_services, clock)
    _add(qtbot, panel, "pain", "sharp at insertion")
    panel.pain_before.setValue(5)
    panel.pain_after.setValue(2)
    qtbot.mouseClick(panel.save_button, LEFT)
    demo_services.sessions.sign(doctor, session_id, "1111")
    panel.show_view(demo_services.sessions.view(session_id))
    index = panel.event_model.index(0, DETAILS)
    assert not panel.event_model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not panel.event_model.setData(index, "changed")
    panel.events.selectRow(0)
    assert not panel.delete_event_button.isEnabled()
    assert not panel.event_model.removeRows(0, 1)
    assert panel.event_model.events()[0].description == "sharp at insertion"


def test_a_new_sessions_outcome_shows_no_earlier_saved_time(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    panel, session_id, _doctor = _at_the_outcome(qtbot, make_window, demo_services, clock)
    panel.saved_label.setText("Outcome saved at 11:47. Check it, then sign to close the record.")
    panel.show_view(demo_services.sessions.view(session_id))  # another session, none saved
    assert panel.saved_label.text() == ""
