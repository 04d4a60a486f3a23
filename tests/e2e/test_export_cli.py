"""The export commands end to end, on a database made by `acudesk demo seed`: each export
asks for a log-in, is audited under it, and writes a 0600 file; bad input is a plain message."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from acudesk.app import main
from acudesk.domain.stricta import SUB_ITEM_CODES


@pytest.fixture
def demo_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["demo", "seed", "--database-url", url]) == 0
    out = capsys.readouterr().out
    assert "ivanova" in out and "1111" in out and "demo-ivanova" in out
    return url


def _as(monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    monkeypatch.setenv("EXPORT_PW", password)


def test_exports_are_written_0600_and_audited(
    demo_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _as(monkeypatch, "demo-ivanova")
    login = ["--user", "ivanova", "--password-env", "EXPORT_PW", "--database-url", demo_db]
    period = ["--from", "2020-01-01", "--to", "2040-12-31"]
    files = {
        "course.json": ["export", "course", "1", "--stricta"],
        "course.csv": ["export", "course", "1", "--csv"],
        "range.json": ["export", "stricta", *period, "--json"],
        "sessions.csv": ["export", "sessions", *period, "--csv"],
        "needles.csv": ["export", "needles", *period, "--csv"],
        "course.pdf": ["export", "course", "1", "--pdf"],
    }
    for name, command in files.items():
        assert main([*command, str(tmp_path / name), *login]) == 0, capsys.readouterr().err
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    data = json.loads((tmp_path / "course.json").read_text(encoding="utf-8"))
    assert [s["id"] for i in data["items"] for s in i["sub_items"]] == list(SUB_ITEM_CODES)
    assert data["scope"]["signed_sessions"] == 15
    needles = (tmp_path / "needles.csv").read_text(encoding="utf-8-sig").splitlines()
    assert needles[0].startswith("needle_id,session_id") and len(needles) == 1 + 19 * 8 + 3 * 6
    import sqlite3

    raw = sqlite3.connect(demo_db.removeprefix("sqlite:///"))
    rows = raw.execute(
        "SELECT u.username, e.after FROM audit_events e JOIN users u ON u.id = e.user_id "
        "WHERE e.action = 'export'"
    ).fetchall()
    raw.close()
    assert (tmp_path / "course.pdf").read_bytes().startswith(b"%PDF")
    assert len(rows) == 6 and {u for u, _ in rows} == {"ivanova"}
    assert assert_audit_intact(demo_db, capsys)


def assert_audit_intact(url: str, capsys: pytest.CaptureFixture[str]) -> bool:
    capsys.readouterr()
    return main(["audit", "verify", "--database-url", url]) == 0


def test_bad_input_is_said_plainly(
    demo_db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _as(monkeypatch, "demo-admin")
    login = ["--user", "admin", "--password-env", "EXPORT_PW", "--database-url", demo_db]
    cases = [
        (["export", "course", "999", "--stricta", str(tmp_path / "a.json")], "no course"),
        (["export", "course", "x1", "--csv", str(tmp_path / "a.csv")], "not a record number"),
        (
            ["export", "needles", "--from", "31.02.2026", "--to", "2026-03-01", "--csv", "n"],
            "--from: '31.02.2026' is not a date",
        ),
        (
            ["export", "sessions", "--from", "2026-03-02", "--to", "2026-03-01", "--csv", "n"],
            "before From",
        ),
        (
            [
                "export",
                "sessions",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-01",
                "--csv",
                str(tmp_path / "missing" / "s.csv"),
            ],
            "does not exist",
        ),
        (["export", "session", "1", "--pdf", str(tmp_path / "s.pdf")], "may not export a session"),
    ]
    for command, said in cases:
        assert main([*command, *login]) == 1
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err
    _as(monkeypatch, "wrong")
    assert main(["export", "course", "1", "--csv", str(tmp_path / "c.csv"), *login]) == 1
    assert "not correct" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.suffix in {".csv", ".json", ".pdf"}]


def test_demo_seed_refuses_a_database_that_holds_a_clinic(
    demo_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "seed", "--database-url", demo_db]) == 1
    assert "already holds a clinic" in capsys.readouterr().err
