"""The command line: database upgrade, the raw constraint check, the demo and no display."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from acudesk.app import NO_DISPLAY_MESSAGE, main


def test_db_upgrade_creates_a_database_that_refuses_a_25_mm_needle(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    assert main(["db", "upgrade", "--database-url", f"sqlite:///{path}"]) == 0
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys=OFF")
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        raw.execute(
            "INSERT INTO needle_insertions (session_id, pack_id, point_code, side, depth_mm, "
            "material, diameter_mm, length_mm, deep_confirmed, inserted_by, inserted_at) "
            "VALUES (1, 1, 'GB20', 'left', 25, 'stainless_steel', 0.25, 40, 0, 1, "
            "'2026-11-24 09:00:00')"
        )
    raw.close()


def test_audit_verify_on_a_new_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert main(["audit", "verify", "--database-url", url]) == 0
    assert "intact: 0 events" in capsys.readouterr().out


def test_without_a_display_the_program_says_how_to_get_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env.pop("QT_QPA_PLATFORM", None)
    env["ACUDESK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'n.db'}"
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == NO_DISPLAY_MESSAGE
    assert "Traceback" not in result.stderr


def test_all_three_entry_points_start_the_same_program() -> None:
    root = Path(__file__).resolve().parents[2]
    outputs = []
    for command in (
        [sys.executable, "main.py", "--help"],
        [sys.executable, "-m", "acudesk", "--help"],
        [str(Path(sys.executable).parent / "acudesk"), "--help"],
    ):
        result = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2]
    assert "--demo" in outputs[0]
