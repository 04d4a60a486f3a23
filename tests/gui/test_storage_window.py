"""Storage through the window: a full disk while saving, backups and their banners, the error
dialog, the start-up stop, and opening a record audited."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import event

from acudesk import app as acudesk_app
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.services.container import Services
from acudesk.services.startup import READ_ONLY_BANNER, StorageGuard
from acudesk.ui import application
from acudesk.ui.backup_scheduler import BackupScheduler
from acudesk.ui.views.admin_page import AdminPage
from acudesk.ui.widgets.watch_strip import WatchStrip
from tests.gui.conftest import WindowFactory, patient_id, user_id

LEFT = Qt.MouseButton.LeftButton
LONG_COMPLAINT = "Neck pain radiating to the left shoulder since the winter. " * 400


@pytest.fixture
def sqlite_only(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("the fault is simulated on a SQLite file (PRAGMA max_page_count)")
    return db_url


@pytest.fixture
def with_backups(demo_services: Services, tmp_path: Path) -> Iterator[Services]:
    services = Services.build(demo_services.db, data_dir=tmp_path / "data")
    yield services


def _limit_pages(services: Services) -> Any:
    with services.db.engine.connect() as c:
        used = int(c.exec_driver_sql("PRAGMA page_count").scalar() or 0)

    def limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={used}")

    event.listen(services.db.engine, "connect", limit)
    services.db.engine.dispose()  # every connection from now on is limited
    return limit


def test_a_full_disk_while_saving_says_so_and_keeps_what_was_typed(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, sqlite_only: str
) -> None:
    window = make_window()
    window.set_acting_user(user_id(demo_services, "smirnova"))
    before = len(demo_services.patients.search())
    window.new_patient()
    dialog = window.patient_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name_edit, "Pavel Smirnov")
    dialog.sex_combo.setCurrentIndex(dialog.sex_combo.findText("Male"))
    dialog.dob_edit.setDate(dialog.dob_edit.date().fromString("03.02.1987", "dd.MM.yyyy"))
    dialog.diagnosis_combo.setCurrentIndex(dialog.diagnosis_combo.findData("M42.12"))
    dialog.complaints_edit.setPlainText(LONG_COMPLAINT)
    limit = _limit_pages(demo_services)

    qtbot.mouseClick(dialog.save_button, LEFT)

    assert dialog.isVisible()
    shown = dialog.error_label.text()
    assert shown.startswith("The disk holding the database is full.")
    assert "what you typed is kept" in shown and "Free space on that disk" in shown
    assert dialog.name_edit.text() == "Pavel Smirnov"
    assert dialog.complaints_edit.toPlainText() == LONG_COMPLAINT
    assert len(demo_services.patients.search()) == before

    event.remove(demo_services.db.engine, "connect", limit)
    demo_services.db.engine.dispose()  # space freed
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, LEFT)
    assert len(demo_services.patients.search()) == before + 1


def test_the_scheduler_backs_up_and_clears_the_banner(
    qtbot: QtBot, with_backups: Services, sqlite_only: str
) -> None:
    strip = WatchStrip()
    qtbot.addWidget(strip)
    scheduler = BackupScheduler(with_backups, strip.set_banner, first_check_ms=60_000)
    assert "No verified backup of this database exists yet" in strip.banner("backup")
    assert strip.isVisibleTo(strip.parentWidget() or strip) or not strip.isHidden()
    with qtbot.waitSignal(scheduler.backup_made, timeout=20_000) as made:
        scheduler.tick()
    assert made.args[0].verified and made.args[0].reason == "first"
    assert strip.banner("backup") == ""
    assert strip.banner("storage") == ""
    scheduler.shutdown()


def test_a_read_only_database_shows_its_banner(
    qtbot: QtBot, demo_services: Services, sqlite_only: str, tmp_path: Path
) -> None:
    url = str(demo_services.db.engine.url)
    read_only = Services.build(Database(make_engine(url, read_only=True)), data_dir=tmp_path)
    strip = WatchStrip()
    qtbot.addWidget(strip)
    scheduler = BackupScheduler(read_only, strip.set_banner)
    assert strip.banner("storage") == READ_ONLY_BANNER
    assert "read-only: nothing can be saved" in READ_ONLY_BANNER
    assert not scheduler.timer.isActive()  # nothing to back up from here
    scheduler.shutdown()
    read_only.close()


def test_the_backups_tab_makes_one_and_shows_it(
    qtbot: QtBot, with_backups: Services, sqlite_only: str
) -> None:
    admin = user_id(with_backups, "admin")
    page = AdminPage(with_backups, lambda: admin)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    tab = page.backup_tab
    assert tab.latest_label.text() == "None yet."
    with qtbot.waitSignal(tab.backup_made, timeout=20_000):
        qtbot.mouseClick(tab.now_button, LEFT)
    assert "ago:" in tab.latest_label.text() and ".sqlite3" in tab.latest_label.text()
    assert tab.table.rowCount() == 1 and tab.table.item(0, 2).text() == "verified"
    assert tab.status_label.text().startswith("Backup made and verified")


def test_the_error_dialog_names_what_happened_and_the_log(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _p, _t, text: shown.append(text))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    application.install_error_handler(tmp_path)
    try:
        raise OSError(28, "No space left on device")
    except OSError as error:
        sys.excepthook(OSError, error, error.__traceback__)
    (text,) = shown
    assert "Something went wrong" not in text
    assert text.startswith("The disk is full")
    assert "reference" in text and str(tmp_path / "logs" / "acudesk-errors.log") in text


def test_a_lost_database_stops_the_start_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("ACUDESK_DATA_DIR", str(data))
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    services = Services.open(url, data_dir=data)
    StorageGuard(url, data).remember(services.db, now=services.clock.now())
    services.close()
    (tmp_path / "clinic.sqlite3").write_bytes(b"")  # emptied
    shown: list[str] = []
    monkeypatch.setattr(application, "show_startup_problem", lambda text: shown.append(text) or 1)
    assert acudesk_app.main(["--database-url", url]) == 1
    (text,) = shown
    assert "The database file is empty (0 bytes)" in text
    assert "acudesk db init --new-clinic" in text
    assert "The database file is empty" in capsys.readouterr().err
    assert (tmp_path / "clinic.sqlite3").stat().st_size == 0  # nothing written to it


def test_opening_a_record_in_the_window_is_audited_once_per_person(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    nurse, doctor = user_id(demo_services, "smirnova"), user_id(demo_services, "ivanova")
    window.set_acting_user(nurse)
    pid = patient_id(demo_services, "Sokolova")
    window.open_patient(pid)
    window.patient_page.refresh()  # a redraw is not a new opening

    def opened() -> list[tuple[str, str]]:
        admin = user_id(demo_services, "admin")
        return [
            (r.user, r.patient)
            for r in demo_services.audit.query(admin)
            if r.action == "open record"
        ]

    assert len(opened()) == 1
    window.set_acting_user(doctor)  # someone else at the keyboard sees it now
    events = opened()
    assert len(events) == 2 and events[0][1] == events[1][1]
