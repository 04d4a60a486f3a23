"""Restoring a backup from the window: the administrator chooses it, reads what it means and
types their PIN; never with a needle in; AcuDesk starts again on the restored records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from acudesk import app as acudesk_app
from acudesk.db import models as m
from acudesk.domain.patients import PatientInput, Sex
from acudesk.services.container import Services
from acudesk.services.restore import StagedRestore, stage_restore
from acudesk.settings import Settings
from acudesk.ui import application
from acudesk.ui.views.admin.restore import RestoreDialog
from acudesk.ui.views.admin_page import AdminPage
from tests.gui.conftest import WindowFactory, user_id

LEFT = Qt.MouseButton.LeftButton
ADMIN_PIN = "1000"


@pytest.fixture
def sqlite_only(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("a clinic server's database is restored on the server, not from a window")
    return db_url


@pytest.fixture
def with_backups(demo_services: Services, tmp_path: Path) -> Iterator[Services]:
    yield Services.build(demo_services.db, data_dir=tmp_path / "data")


def _page(qtbot: QtBot, services: Services) -> AdminPage:
    admin = user_id(services, "admin")
    page = AdminPage(services, lambda: admin)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    return page


def _answer(monkeypatch: pytest.MonkeyPatch, *secrets: str) -> list[str]:
    """The restore dialog answered in turn with each secret; returns what it showed."""
    shown: list[str] = []

    def ask(_flow: object, dialog: RestoreDialog) -> bool:
        shown.append(dialog.explanation_label.text())
        for secret in secrets:
            dialog.secret_edit.setText(secret)
            dialog.confirm()
            if dialog.result() == dialog.DialogCode.Accepted:
                return True
            shown.append(dialog.error_label.text())
        return False

    monkeypatch.setattr("acudesk.ui.views.admin.restore.RestoreFlow.ask", ask)
    return shown


def _register(services: Services, name: str) -> int:
    nurse = user_id(services, "smirnova")
    data = PatientInput(name, Sex.MALE, date(1970, 5, 5), "M42.16")
    return services.patients.register(nurse, data).id


def test_the_administrator_restores_the_chosen_backup_after_typing_the_pin(
    qtbot: QtBot, with_backups: Services, sqlite_only: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, with_backups)
    tab = page.backup_tab
    with qtbot.waitSignal(tab.backup_made, timeout=20_000):
        qtbot.mouseClick(tab.now_button, LEFT)
    assert tab.chosen_backup() is not None and tab.restore_button.isEnabled()
    shown = _answer(monkeypatch, "9999", ADMIN_PIN)
    assert tab.restore is not None
    with qtbot.waitSignal(tab.restore.ready, timeout=20_000) as ready:
        qtbot.mouseClick(tab.restore_button, LEFT)
    explanation, wrong = shown
    assert "Records made after that moment will not be in it" in explanation
    assert "kept aside" in explanation
    assert "not correct" in wrong or "wrong" in wrong.lower()  # refused in the dialog
    staged = ready.args[0]
    assert isinstance(staged, StagedRestore) and staged.staged.exists()
    assert "AcuDesk closes and restores it" in tab.status_label.text()
    with with_backups.db.reading() as s:
        actions = list(s.scalars(select(m.AuditEvent.action)))
    assert "failed signature" in actions and actions[-1] == "restore requested"
    staged.discard()


def test_no_restore_while_a_needle_is_in(
    qtbot: QtBot, with_backups: Services, sqlite_only: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = _page(qtbot, with_backups)
    tab = page.backup_tab
    with qtbot.waitSignal(tab.backup_made, timeout=20_000):
        qtbot.mouseClick(tab.now_button, LEFT)
    assert tab.restore is not None
    tab.restore.needles_in = lambda: "  Room 1: M. Sokolova, 3 needles in"
    asked = _answer(monkeypatch, ADMIN_PIN)
    assert not tab.restore_chosen()
    assert asked == []  # not even asked
    assert tab.status_label.text().startswith("Needles are still in.")
    assert "M. Sokolova" in tab.status_label.text()


def test_a_backup_that_failed_verification_cannot_be_restored(
    qtbot: QtBot, with_backups: Services, sqlite_only: str
) -> None:
    page = _page(qtbot, with_backups)
    tab = page.backup_tab
    assert tab.restore is not None
    assert tab.restore.refusal(None) == "Choose a backup in the list first."
    info = with_backups.backups.back_up(reason="test") if with_backups.backups else None
    assert info is not None
    from dataclasses import replace

    assert "failed verification" in tab.restore.refusal(replace(info, verified=False))


def test_the_window_closes_on_a_checked_backup_but_not_with_a_needle_in(
    qtbot: QtBot, make_window: WindowFactory, demo_services: Services, tmp_path: Path
) -> None:
    window = make_window()
    staged = tmp_path / "staged"
    staged.write_bytes(b"x")
    fake: Any = type("Staged", (), {"discard": lambda self: staged.unlink()})()
    window.watch.needles_in = lambda: {1}  # type: ignore[method-assign]
    window._on_restore_ready(fake)
    assert window.isVisible() and window.pending_restore is None and not staged.exists()


def test_acudesk_starts_again_on_the_restored_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    monkeypatch.setenv("ACUDESK_DATA_DIR", str(data))
    settings = Settings.resolve(url)
    from acudesk import cli

    services = cli.open_services(url, data_dir=settings.data_dir)
    cli.seed_and_print_demo(services)
    assert services.backups is not None
    info = services.backups.back_up(reason="test")
    assert info.verified
    keeper = cli.remember_storage(settings, services)
    late = _register(services, "Pavel Late")  # after the backup
    keeper.stop()
    services.close()
    capsys.readouterr()
    seen: list[dict[str, Any]] = []

    def window(services: Services, _settings: Settings, **kwargs: Any) -> tuple[int, Any]:
        with services.db.reading() as s:
            names = set(s.scalars(select(m.Patient.full_name)))
            actions = list(s.scalars(select(m.AuditEvent.action).order_by(m.AuditEvent.id)))
        seen.append({"names": names, "actions": actions, **kwargs})
        if len(seen) == 1:
            return 0, stage_restore(Path(info.file), url, key_path=settings.audit_key_file)
        return 0, None

    monkeypatch.setattr(application, "run_window", window)
    assert acudesk_app._run_gui(settings) == 0
    first, second = seen
    assert "Pavel Late" in first["names"] and first["restored"] == ""
    assert "Pavel Late" not in second["names"]  # made after the backup: not in it
    assert second["actions"][-1] == "restore database"
    assert second["restored"].startswith("Restored from the backup made")
    assert "Records made after that moment are not in this database" in second["restored"]
    assert list(tmp_path.glob("clinic.sqlite3.before-restore-*"))
    assert late
