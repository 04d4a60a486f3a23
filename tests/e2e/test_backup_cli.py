"""`acudesk backup`, `backup verify`, `restore` and `db init` from the command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from acudesk.app import main
from acudesk.domain.roles import Role
from acudesk.services.container import Services


@pytest.fixture
def clinic_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ACUDESK_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    assert main(["db", "init", "--database-url", url]) == 0
    services = Services.open(url)
    services.users.create_user(
        "admin", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="pw-12345"
    )
    services.close()
    return url


def test_backup_verify_damage_and_restore(
    clinic_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "usb"
    assert main(["backup", "--to", str(folder), "--database-url", clinic_url]) == 0
    out = capsys.readouterr()
    (backup,) = folder.glob("clinic-*.sqlite3.gz")
    assert f"Backup: {backup}" in out.out and "verified" in out.out
    assert "copying [" in out.err and "100%" in out.err  # the progress bar, on stderr

    assert main(["backup", "verify", str(backup), "--database-url", clinic_url]) == 0
    assert "verified" in capsys.readouterr().out
    assert main(["backup", "verify", "--full", str(backup), "--database-url", clinic_url]) == 0
    assert "in the whole trail" in capsys.readouterr().out

    database = tmp_path / "clinic.sqlite3"
    os.truncate(database, database.stat().st_size - 100)
    assert main(["db", "upgrade", "--database-url", clinic_url]) == 1
    assert "cut short" in capsys.readouterr().err

    assert main(["restore", str(backup), "--database-url", clinic_url]) == 0
    out = capsys.readouterr()
    assert "Restored" in out.out and "integrity_check ok" in out.out
    assert list(tmp_path.glob("clinic.sqlite3.before-restore-*"))
    assert main(["db", "upgrade", "--database-url", clinic_url]) == 0
    services = Services.open(clinic_url)
    assert [u.username for u in services.users.list_users()] == ["admin"]
    services.close()


def test_a_bad_backup_is_not_restored(
    clinic_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    assert main(["restore", str(bad), "--database-url", clinic_url]) == 1
    assert "is not a good backup, so nothing was changed" in capsys.readouterr().err
    assert not list(tmp_path.glob("clinic.sqlite3.before-restore-*"))


def test_db_init_never_replaces_a_clinic_unless_asked(
    clinic_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "init", "--database-url", clinic_url]) == 1
    assert "no new one was made" in capsys.readouterr().err
    assert main(["db", "init", "--new-clinic", "--database-url", clinic_url]) == 0
    assert "Kept aside" in capsys.readouterr().out
    assert list(tmp_path.glob("clinic.sqlite3.before-new-clinic-*"))
    services = Services.open(clinic_url)
    assert services.auth.needs_first_administrator()
    services.close()
