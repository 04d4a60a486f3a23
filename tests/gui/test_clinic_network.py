"""Two and three workstations on one database: the board, the change channel, escalation."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from acudesk.db.changes import LISTENER_NAME
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.domain.clock import FakeClock
from acudesk.domain.session_record import AlarmPriority
from acudesk.services.container import Services
from acudesk.ui.main_window import MainWindow
from tests.gui.conftest import RecordingBell, look_at_the_time, user_id
from tests.gui.test_needle_watch import _needled


def _workstation(
    qtbot: QtBot, db_url: str, clock: FakeClock, name: str, room: str, *, board: bool = False
) -> tuple[MainWindow, RecordingBell, Services]:
    services = Services.build(Database(make_engine(db_url), clock))
    services.db.workstation, services.db.room = name, room
    bell = RecordingBell()
    window = MainWindow(services, bell=bell, check_sound=lambda: "", board=board)
    qtbot.addWidget(window)
    window.show()
    return window, bell, services


def test_a_session_in_room_1_shows_and_rings_at_the_nurse_station_and_escalates_to_room_2(
    qtbot: QtBot, demo_services: Services, db_url: str, clock: FakeClock
) -> None:
    demo_services.db.workstation, demo_services.db.room = "Room 1 PC", "Room 1"
    nurse_station, station_bell, station = _workstation(qtbot, db_url, clock, "Nurse station", "")
    room_2, room_2_bell, _ = _workstation(qtbot, db_url, clock, "Room 2 PC", "Room 2")
    view = _needled(demo_services, "Maria")  # at room 1's workstation
    assert view.room == "Room 1"
    for window in (nurse_station, room_2):  # through the change channel, not a restart
        qtbot.waitUntil(lambda w=window: view.id in w.watch.records, timeout=15000)
    nurse_station.set_acting_user(user_id(station, "smirnova"))
    nurse_station.board_action.trigger()  # "All rooms (F9)" in the toolbar
    board = nurse_station.board_page
    assert nurse_station.pages.currentWidget() is board
    tile = board.tile_for(view.id)
    assert tile is not None
    assert tile.text().splitlines()[:3] == ["Room 1", "● Needles in", "05:00 left"]
    assert "Maria Sokolova · 2 needles in" in tile.text()

    clock.advance(minutes=5)
    for window in (nurse_station, room_2):
        look_at_the_time(qtbot, window)
    assert station_bell.priorities == [AlarmPriority.MEDIUM]  # the nurse station at once
    assert room_2_bell.rings == 0  # another room's PC only if nobody answers
    clock.advance(seconds=60)
    look_at_the_time(qtbot, room_2)
    assert room_2_bell.priorities == [AlarmPriority.MEDIUM]  # unacknowledged for a minute
    nurse_station._show_strip()
    assert "REMOVE NEEDLES NOW" in tile.text()

    # Acknowledged at room 1: the repeat two minutes on reaches nobody.
    demo_services.sessions.acknowledge_alarm(user_id(demo_services, "smirnova"), view.id)
    for window in (nurse_station, room_2):
        qtbot.waitUntil(
            lambda w=window: w.watch.records[view.id].alarm_acknowledged_at is not None,
            timeout=15000,
        )
    clock.advance(minutes=5)
    for window in (nurse_station, room_2):
        look_at_the_time(qtbot, window)
    assert station_bell.rings == 1 and room_2_bell.rings == 1


def test_a_wall_screen_shows_every_room_with_initials_only(
    qtbot: QtBot, demo_services: Services, db_url: str, clock: FakeClock
) -> None:
    demo_services.db.workstation, demo_services.db.room = "Room 1 PC", "Room 1"
    view = _needled(demo_services, "Maria")
    wall, bell, _ = _workstation(qtbot, db_url, clock, "Corridor", "", board=True)
    assert wall.screens.currentWidget() is wall.wall
    wall._show_strip()
    tile = wall.wall.tile_for(view.id)
    assert tile is not None and "M. S. · 2 needles in" in tile.text()
    assert "Maria" not in tile.text() and "Sokolova" not in tile.text()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert wall.screens.currentWidget() is wall.wall  # a wall screen opens nothing
    clock.advance(minutes=5)
    look_at_the_time(qtbot, wall)
    assert bell.priorities == [AlarmPriority.MEDIUM]


def test_a_lost_server_shows_not_live_and_a_reconnect_reads_again(
    qtbot: QtBot, demo_services: Services, db_url: str, clock: FakeClock
) -> None:
    if not db_url.startswith("postgresql"):
        return  # LISTEN/NOTIFY is PostgreSQL's; SQLite windows poll the file's change counter
    window, _bell, _ = _workstation(qtbot, db_url, clock, "Nurse station", "")
    qtbot.waitUntil(lambda: window.watch.channel_connected, timeout=15000)
    with demo_services.db.engine.begin() as connection:  # the server drops the listener
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": LISTENER_NAME},
        )
    qtbot.waitUntil(lambda: not window.watch.live, timeout=10000)
    window._show_strip()
    assert window.strip.live_banner.isVisible()
    assert "cannot be read since" in window.strip.live_banner.text()
    view = _needled(demo_services, "Maria")  # while the channel is down
    qtbot.waitUntil(lambda: window.watch.live, timeout=20000)  # reconnected, with back-off
    qtbot.waitUntil(lambda: view.id in window.watch.records, timeout=15000)  # and re-read
    window._show_strip()
    assert not window.strip.live_banner.isVisible()
