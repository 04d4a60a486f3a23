"""The needle watch through the real window: every open session stays in view and rings,
whatever page, patient or record is shown, locked or not, before log-in and after a restart."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from acudesk.db.engine import sqlite_path
from acudesk.domain.checklist import ChecklistStep, Position
from acudesk.domain.clock import FakeClock, local_date
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.needles import Material, NeedleSpec, PackInput, Side
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.domain.session_record import AlarmPriority
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView
from acudesk.ui.main_window import MainWindow
from tests.consenting import consent_to_course
from tests.gui.conftest import (
    ASK_BEFORE_CLOSING,
    RecordingBell,
    WindowFactory,
    look_at_the_time,
    patient_id,
    user_id,
)
from tests.gui.test_session_flow import _confirm_checklist, _open_maria_session

PACK = PackInput("240915B", date(2028, 6, 30), True)
SPEC = NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0)


def _needled(services: Services, name: str, *, timer: bool = True) -> SessionView:
    """A session for the patient with two needles in, through the services (another room)."""
    doctor, nurse = user_id(services, "ivanova"), user_id(services, "smirnova")
    s = services.sessions
    pid = patient_id(services, name)
    services.courses.plan_course(doctor, pid, 10)
    consent_to_course(services, doctor, pid)
    view = s.start_session(doctor, pid)
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
    for code, side in (("GB20", Side.LEFT), ("GB20", Side.RIGHT)):
        view = s.insert_needle(doctor, view.id, code, side, 6.0, view.packs[0].id)
    return s.start_retention(doctor, view.id) if timer else view


def _new_patient(services: Services, name: str) -> int:
    nurse = user_id(services, "smirnova")
    data = PatientInput(name, Sex.MALE, date(1970, 5, 5), "M42.16")
    return services.patients.register(nurse, data).id


def test_two_rooms_each_ring_on_their_own_whatever_page_is_shown(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    clock: FakeClock,
    bell: RecordingBell,
) -> None:
    services = demo_services
    _new_patient(services, "Pavel Zorin")
    first = _needled(services, "Maria")
    clock.advance(minutes=2)
    second = _needled(services, "Zorin")
    window = make_window()
    window.set_acting_user(user_id(services, "ivanova"))
    # Another patient's page, then the administration of an old record: neither silences.
    window.open_patient(patient_id(services, "Volkov"))
    tiles = {t.session_id: t for t in window.strip.tiles}
    assert set(tiles) == {first.id, second.id}
    assert "Maria Sokolova · 2 needles in · 03:00 left" in tiles[first.id].text()
    assert "Pavel Zorin · 2 needles in · 05:00 left" in tiles[second.id].text()

    clock.advance(minutes=3)  # Maria's five minutes are up; Pavel has two left
    look_at_the_time(qtbot, window)
    assert bell.priorities == [AlarmPriority.MEDIUM]
    window._show_strip()
    assert "REMOVE NEEDLES NOW" in window.strip.tile_for(first.id).text()  # type: ignore[union-attr]
    assert window.strip.tiles[0].session_id == first.id  # the most urgent first
    clock.advance(minutes=2)
    look_at_the_time(qtbot, window)
    # Pavel's end and Maria's repeat fall due together: one sound, the higher of the two.
    medium, high = AlarmPriority.MEDIUM, AlarmPriority.HIGH
    assert bell.priorities == [medium, high]
    due = sorted((e.session_id, e.priority) for e, _at in window.watch.rung)
    assert due == sorted([(first.id, medium), (first.id, high), (second.id, medium)])
    clock.advance(minutes=5)
    look_at_the_time(qtbot, window)
    # Pavel's repeat; then nothing more: an overdue session is shown, not sounded again.
    assert bell.priorities == [medium, high, high]
    look_at_the_time(qtbot, window)
    assert bell.rings == 3
    window._show_strip()
    assert all("OVERDUE" in t.text() for t in window.strip.tiles)

    qtbot.mouseClick(window.strip.tile_for(second.id), Qt.MouseButton.LeftButton)
    assert window.pages.currentWidget() is window.session_page
    assert window.session_page.view is not None and window.session_page.view.id == second.id


def test_a_restart_before_log_in_shows_and_rings_every_open_session(
    qtbot: QtBot, demo_services: Services, clock: FakeClock, bell: RecordingBell
) -> None:
    services = demo_services
    _new_patient(services, "Pavel Zorin")
    _new_patient(services, "Oleg Belov")
    views = [_needled(services, name) for name in ("Maria", "Zorin", "Belov")]
    clock.advance(minutes=6)  # the program was closed; now it starts again
    window = MainWindow(services, bell=bell, check_sound=lambda: "")
    qtbot.addWidget(window)
    window.show()
    assert window.screens.currentWidget() is window.gate and window.current_user is None
    look_at_the_time(qtbot, window)
    # Each session's alarm is due at once: one sound for the moment, an alarm for each session.
    assert bell.priorities == [AlarmPriority.MEDIUM]
    assert sorted(e.session_id for e, _at in window.watch.rung) == sorted(v.id for v in views)
    texts = [t.text() for t in window.strip.tiles]
    assert len(texts) == 3 and all(t.isVisible() for t in window.strip.tiles)
    assert {text.split("  ")[1].split(" · ")[0] for text in texts} == {"M. S.", "P. Z.", "O. B."}
    assert not any(name in " ".join(texts) for name in ("Maria", "Zorin", "Belov"))

    # A tile clicked before log-in opens that session once someone logs in.
    qtbot.mouseClick(window.strip.tile_for(views[1].id), Qt.MouseButton.LeftButton)
    assert window.screens.currentWidget() is window.gate
    login = window.gate.login
    qtbot.keyClicks(login.username, "smirnova")
    qtbot.keyClicks(login.password, "demo-smirnova")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert window.screens.currentWidget() is window.workspace
    assert window.session_page.view is not None and window.session_page.view.id == views[1].id
    assert "Pavel Zorin" in window.strip.tile_for(views[1].id).text()  # type: ignore[union-attr]


def test_the_idle_lock_hides_an_open_dialog_and_keeps_it_only_for_its_owner(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    services = demo_services
    window = make_window()
    doctor = user_id(services, "ivanova")
    window.set_acting_user(doctor)
    window.open_patient(patient_id(services, "Maria"))
    dialog = window.patient_page.open_edit_dialog()
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.name_edit, " Ivanovna")
    clock.advance(minutes=6)
    window.check_idle()
    assert window.gate_showing and not dialog.isVisible()  # the lock shows, nothing over it
    # The same doctor unlocks: her form comes back as she left it.
    qtbot.keyClicks(window.gate.lock.pin_edit, "1111")
    qtbot.keyClick(window.gate.lock.pin_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.name_edit.text().endswith("Ivanovna")

    clock.advance(minutes=6)
    window.check_idle()
    assert not dialog.isVisible()
    lock = window.gate.lock
    lock.user_combo.setCurrentIndex(lock.user_combo.findData(user_id(services, "smirnova")))
    qtbot.keyClicks(lock.pin_edit, "3333")
    qtbot.keyClick(lock.pin_edit, Qt.Key.Key_Return)
    assert window.current_user is not None and window.current_user.username == "smirnova"
    QApplication.processEvents()
    assert not dialog.isVisible()  # a colleague never sees, nor saves, the doctor's form
    assert services.patients.get(patient_id(services, "Maria")).data.full_name == "Maria Sokolova"


def test_a_form_that_outlived_its_user_saves_nothing_in_their_name(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    services = demo_services
    window = make_window()
    window.set_acting_user(user_id(services, "ivanova"))
    window.open_patient(patient_id(services, "Maria"))
    dialog = window.patient_page.open_edit_dialog()
    assert dialog is not None
    window.set_acting_user(user_id(services, "smirnova"))  # someone else took over
    qtbot.keyClicks(dialog.name_edit, "x")
    dialog.save()
    assert "no longer signed in" in dialog.error_label.text()
    assert services.patients.get(patient_id(services, "Maria")).data.full_name == "Maria Sokolova"


def test_the_screen_locks_while_another_program_holds_the_database(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, db_url: str
) -> None:
    path = sqlite_path(db_url)
    if path is None:
        return  # the lock of a SQLite file by another program; PostgreSQL is in the races tests
    window = make_window()
    window.set_acting_user(user_id(demo_services, "ivanova"))
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN EXCLUSIVE")  # another program writes and does not let go
    try:
        window.lock()
        assert window.gate_showing and window.current_user is None
        assert window._audit_queue  # the lock event waits for the database
    finally:
        other.rollback()
        other.close()
    qtbot.waitUntil(lambda: not window._audit_queue, timeout=15000)
    actions = [r.action for r in demo_services.audit.query(user_id(demo_services, "admin"))]
    assert actions[0] == "lock"


def test_closing_with_needles_in_asks_first_and_is_recorded(
    qtbot: QtBot,
    make_window: WindowFactory,
    demo_services: Services,
    monkeypatch: object,
) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(MainWindow, "confirm_close_with_needles", ASK_BEFORE_CLOSING)
    view = _needled(demo_services, "Maria")
    window = make_window()
    window.set_acting_user(user_id(demo_services, "smirnova"))

    def answer(button: QMessageBox.StandardButton) -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        assert "Maria Sokolova · 2 needles in" in box.text()
        box.button(button).click()

    QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.No))
    window.close()
    assert window.isVisible()  # still open: the alarm can still sound
    QTimer.singleShot(0, lambda: answer(QMessageBox.StandardButton.Yes))
    window.close()
    assert not window.isVisible()
    event = demo_services.audit.query(user_id(demo_services, "admin"))[0]
    assert event.action == "close with needles in" and str(view.id) in event.after


def test_a_workstation_without_sound_says_so_on_every_page(
    qtbot: QtBot, demo_services: Services, bell: RecordingBell
) -> None:
    window = MainWindow(
        demo_services, bell=bell, check_sound=lambda: "no loudspeaker or audio device was found"
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.strip.sound_banner.isVisible())
    assert "cannot play the alarm sound" in window.strip.sound_banner.text()
    assert window.gate_showing  # before log-in too
    window.set_acting_user(user_id(demo_services, "ivanova"))
    window.open_administration()
    assert window.strip.sound_banner.isVisible()


def test_a_contraindication_recorded_mid_session_stops_the_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    services = demo_services
    view = _needled(services, "Maria", timer=False)
    window = make_window()
    window.set_acting_user(user_id(services, "smirnova"))
    maria = patient_id(services, "Maria")
    detail = services.patients.get(maria)
    services.patients.update(
        user_id(services, "smirnova"), maria, replace(detail.data, pregnant=True), detail.version_id
    )
    window.set_acting_user(user_id(services, "ivanova"))
    window.open_session(view.id)
    page = window.session_page
    assert page.refusal_label.isVisible()
    assert (
        "Pregnancy" in page.refusal_label.text()
        and "remove the needles" in page.refusal_label.text()
    )
    page.needling.quick.entry.setText("SP6 L 5")
    qtbot.keyClick(page.needling.quick.entry, Qt.Key.Key_Return)
    assert "contraindication" in page.needling.error_label.text()
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert "contraindication" in page.needling.error_label.text()
    after = services.sessions.view(view.id)
    assert len(after.needles) == 2 and after.retention_started_at is None


def _ready(qtbot: QtBot, window: MainWindow, services: Services, expiry: QDate) -> int:
    """Maria's session on screen with the checklist done and a pack of the given expiry."""
    doctor, nurse = user_id(services, "ivanova"), user_id(services, "smirnova")
    window.set_acting_user(doctor)
    session_id = _open_maria_session(window, services, doctor)
    window.set_acting_user(nurse)
    _confirm_checklist(qtbot, window, expiry=expiry, screening_by=doctor)
    window.set_acting_user(doctor)
    return session_id


def _type(qtbot: QtBot, window: MainWindow, text: str) -> None:
    entry = window.session_page.needling.quick.entry
    entry.clear()
    qtbot.keyClicks(entry, text)
    qtbot.keyClick(entry, Qt.Key.Key_Return)


def test_a_pack_that_expired_at_midnight_is_refused_on_screen(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    clock.set(clock.now().astimezone().replace(hour=23, minute=50).astimezone(clock.now().tzinfo))
    today = local_date(clock.now())
    window = make_window()
    session_id = _ready(qtbot, window, demo_services, QDate(today.year, today.month, today.day))
    _type(qtbot, window, "GB20 L 6")  # 23:50 on the expiry day: usable
    assert len(demo_services.sessions.view(session_id).needles) == 1
    clock.advance(minutes=20)  # 00:10: the pack is past its date now
    _type(qtbot, window, "GB20 R 6")
    error = window.session_page.needling.error_label.text()
    assert "expired on" in error and "240915B" in error
    assert window.session_page.needling.quick.entry.text() == "GB20 R 6"  # kept to retry
    assert len(demo_services.sessions.view(session_id).needles) == 1


def test_a_colleague_with_an_expired_certificate_cannot_needle_or_start_the_timer(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, clock: FakeClock
) -> None:
    services = demo_services
    admin = user_id(services, "admin")
    lapsed = CredentialInput(
        CredentialKind.CERTIFICATE,
        "ACU-2019-7",
        "Medical Academy",
        date(2019, 3, 1),
        local_date(clock.now()) - timedelta(days=1),
        "Moscow",
    )
    colleague = services.users.create_user(
        "orlov", "Dr Ilya Orlov", [Role.ACUPUNCTURIST], pin="5555", password="pw-orlov-1",
        created_by=admin,
    )  # fmt: skip
    services.users.add_credential(admin, colleague.id, lapsed)
    window = make_window()
    session_id = _ready(qtbot, window, services, QDate(2028, 6, 30))
    _type(qtbot, window, "GB20 L 6")
    window.set_acting_user(colleague.id)  # Ctrl+U to a colleague whose certificate lapsed
    _type(qtbot, window, "GB20 R 6")
    assert "certificate" in window.session_page.needling.error_label.text()
    qtbot.keyClick(window.session_page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert "certificate" in window.session_page.needling.error_label.text()
    view = services.sessions.view(session_id)
    assert len(view.needles) == 1 and view.retention_started_at is None


def test_clearing_a_contraindication_on_screen_needs_an_acupuncturist_and_a_reason(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    services = demo_services
    maria = patient_id(services, "Maria")
    detail = services.patients.get(maria)
    services.patients.update(
        user_id(services, "smirnova"), maria, replace(detail.data, exacerbation=True),
        detail.version_id,
    )  # fmt: skip
    window = make_window()
    for who in ("smirnova", "ivanova"):
        window.set_acting_user(user_id(services, who))
        window.open_patient(maria)
        dialog = window.patient_page.open_edit_dialog()
        assert dialog is not None
        dialog.flag_checks["exacerbation"].setChecked(False)
        dialog.save()
        assert dialog.isVisible()
        shown = dialog.error_label.text() + dialog.clearing_error.text()
        assert ("acupuncturist" if who == "smirnova" else "Reason for clearing") in shown
        assert services.patients.get(maria).data.exacerbation
    qtbot.keyClicks(dialog.clearing_reason, "Stable remission on examination")
    dialog.save()
    assert not dialog.isVisible() and not services.patients.get(maria).data.exacerbation


def test_the_sound_is_checked_again_when_a_timer_starts(
    qtbot: QtBot, demo_services: Services, bell: RecordingBell
) -> None:
    asked: list[int] = []
    window = MainWindow(demo_services, bell=bell, check_sound=lambda: asked.append(1) or "")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: len(asked) == 1)  # at start-up
    _ready(qtbot, window, demo_services, QDate(2028, 6, 30))
    _type(qtbot, window, "GB20 L 6")
    qtbot.keyClick(window.session_page, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.session_page.stack.currentWidget() is window.session_page.removal
    assert len(asked) == 2


def test_a_warning_about_the_records_stays_above_every_page(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services
) -> None:
    window = make_window()
    window.strip.set_banner("records", "The audit trail is broken at event 3.")
    banner = window.strip.banners["records"]
    assert banner.isVisible() and window.gate_showing
    window.set_acting_user(user_id(demo_services, "ivanova"))
    window.open_patient(patient_id(demo_services, "Maria"))
    assert banner.isVisible() and "event 3" in banner.text()
    window.strip.set_banner("records", "")
    assert not banner.isVisible()
