"""Data exports: STRICTA 2010 of a course or a period with all seventeen sub-items, CSV of
sessions and of needles, periods that hold the whole last local day, cells a spreadsheet
cannot run, files created 0600 and every export audited; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import stat
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from acudesk.domain.clock import FakeClock
from acudesk.domain.errors import NotFound, PermissionDenied, RuleViolation
from acudesk.domain.exports import ExportFault, ExportKind, Period, csv_text, safe_cell
from acudesk.domain.stricta import SUB_ITEM_CODES, TEXT_SETTINGS, Source, Status
from acudesk.services.audit import AuditFilter
from acudesk.services.container import Services
from acudesk.services.demo import CERVICAL_POINTS, _give_session, seed_demo
from acudesk.services.exports import NEEDLE_COLUMNS, SESSION_COLUMNS, ExportRequest
from tests.consenting import consent_to_course

TEXTS = {
    "stricta_style": "Traditional Chinese medicine-based acupuncture (reflexology)",
    "stricta_rationale": "Textbook point selection for spinal osteochondrosis",
    "stricta_variation": "Core set per spinal level; points added per session",
    "stricta_response_sought": "De qi sensation",
    "stricta_stimulation": "Manual, even method; no electrical stimulation",
    "stricta_needle_manufacturer": "Example Medical, single-use sterile needles",
    "stricta_other_interventions": "Posture advice",
    "stricta_setting_context": "Outpatient clinic; written information before the course",
    "stricta_practitioner_background": "Both acupuncturists are neurologists",
}


class Demo:
    def __init__(self, services: Services, clock: FakeClock) -> None:
        self.services = services
        self.clock = clock
        users = {u.username: u.id for u in services.users.list_users()}
        self.admin, self.doctor, self.nurse = users["admin"], users["ivanova"], users["smirnova"]
        self.patients = {p.full_name: p.id for p in services.patients.search("")}

    def course(self, name: str = "Maria Sokolova", sessions: int = 10) -> int:
        course = self.services.courses.plan_course(self.doctor, self.patients[name], sessions)
        consent_to_course(self.services, self.doctor, self.patients[name])
        return course.id

    def session(self, name: str = "Maria Sokolova", *, hour: int = 9, days: int = 2) -> None:
        """One whole signed session at ``hour`` UTC, then ``days`` days pass."""
        _give_session(
            self.services, self.doctor, self.nurse, self.patients[name], CERVICAL_POINTS, {}, hour
        )
        self.clock.advance(minutes=60 * 24 * days)

    def set_texts(self) -> None:
        for key, value in TEXTS.items():
            self.services.exports.change_text(self.admin, key, value)


@pytest.fixture
def demo(services: Services, clock: FakeClock) -> Demo:
    seed_demo(services, history=False)
    return Demo(services, clock)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own for the exports (the SQLite file lives in tmp_path)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def moscow() -> Iterator[None]:
    """The clinic's local time is UTC+3 (POSIX TZ: no time-zone data needed)."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "MSK-3"
    time.tzset()
    yield
    if old is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = old
    time.tzset()


def _by_code(report: object) -> dict[str, object]:
    return {s.code: s for s in report.sub_items}  # type: ignore[attr-defined]


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_course_stricta_has_all_seventeen_sub_items_filled(demo: Demo) -> None:
    demo.set_texts()
    course = demo.course()
    for _ in range(3):
        demo.session()
    report = demo.services.exports.stricta(demo.doctor, course_id=course)
    assert tuple(s.code for s in report.sub_items) == SUB_ITEM_CODES
    assert len(report.sub_items) == 17
    items = _by_code(report)
    for code, sub in items.items():
        expected = Status.NOT_APPLICABLE if code in {"6a", "6b"} else Status.RECORDED
        assert sub.status is expected, (code, sub.value)  # type: ignore[attr-defined]
        assert sub.value  # type: ignore[attr-defined]
    value = {code: sub.value for code, sub in items.items()}  # type: ignore[attr-defined]
    assert value["1a"].startswith(TEXTS["stricta_style"])
    assert items["1a"].source is Source.SETTINGS  # type: ignore[attr-defined]
    assert "M42.13 (1 course)" in value["1b"] and TEXTS["stricta_rationale"] in value["1b"]
    assert items["1b"].source is Source.BOTH  # type: ignore[attr-defined]
    assert "Insertions per session: 6 in every case (3 sessions, 1 patient)" in value["2a"]
    assert items["2a"].source is Source.RECORDS  # type: ignore[attr-defined]
    assert "GB20 bilateral (3 sessions)" in value["2b"]
    assert "GV14 midline (3 sessions)" in value["2b"]
    assert "LI4 unilateral left (3 sessions)" in value["2b"]
    assert "GB20 8 mm in every case" in value["2c"]
    assert "Planned" in value["2f"] and "timed" in value["2f"]
    assert "stainless steel, 0.25 x 40 mm (18 needles)" in value["2g"]
    assert TEXTS["stricta_needle_manufacturer"] in value["2g"]
    assert "Signed sessions per course: 3 in every case (1 course); planned: 10" in value["3a"]
    assert "days between sessions of a course: 2 in every case" in value["3b"]
    assert "massage days planned: 1 of 1 courses" in value["4a"]
    assert "rest of at least 20 min" in value["4b"] and "prone (face down) (3)" in value["4b"]
    assert "acupuncture certificate 3 years ago" in value["5"]
    assert "Dr Elena Ivanova" not in value["5"]  # practitioners are numbered, not named
    assert TEXTS["stricta_practitioner_background"] in value["5"]
    assert "no control" in value["6a"] and "no control" in value["6b"]
    assert report.scope.course_id == course and report.sessions == 3


def test_without_settings_every_sub_item_is_there_and_says_what_was_not_recorded(
    demo: Demo,
) -> None:
    first = demo.clock.now().date()
    report = demo.services.exports.stricta(demo.admin, period=Period(first, first))
    assert tuple(s.code for s in report.sub_items) == SUB_ITEM_CODES
    items = _by_code(report)
    for code in ("1a", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "3a", "3b", "5"):
        sub = items[code]
        assert sub.status is Status.NOT_RECORDED, code  # type: ignore[attr-defined]
        assert sub.value.startswith("Not recorded:"), code  # type: ignore[attr-defined]
    assert "Style of acupuncture" in items["1a"].value  # type: ignore[attr-defined]
    assert "no signed session" in items["2a"].value  # type: ignore[attr-defined]


def test_stricta_json_and_csv_files_hold_every_sub_item(demo: Demo, out: Path) -> None:
    demo.set_texts()
    course = demo.course()
    demo.session()
    exports = demo.services.exports
    json_file, csv_file = out / "s.json", out / "s.csv"
    exports.export(demo.doctor, ExportRequest(ExportKind.STRICTA_JSON, course_id=course), json_file)
    exports.export(demo.doctor, ExportRequest(ExportKind.STRICTA_CSV, course_id=course), csv_file)
    data = json.loads(json_file.read_text(encoding="utf-8"))
    assert data["standard"] == "STRICTA 2010"
    assert [i["item"] for i in data["items"]] == [1, 2, 3, 4, 5, 6]
    codes = [s["id"] for i in data["items"] for s in i["sub_items"]]
    assert codes == list(SUB_ITEM_CODES)
    two_a = data["items"][1]["sub_items"][0]
    assert two_a["data"] == {"mean": 6, "min": 6, "max": 6}
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert [r["sub_item"] for r in rows] == list(SUB_ITEM_CODES)
    assert all(r["value"] for r in rows)


def test_a_course_that_does_not_exist_is_named(demo: Demo, out: Path) -> None:
    with pytest.raises(NotFound, match="no course with the number 999"):
        demo.services.exports.export(
            demo.doctor, ExportRequest(ExportKind.STRICTA_JSON, course_id=999), out / "x"
        )
    assert not list(out.iterdir())


def test_sessions_and_needles_csv_one_row_each_with_iso_dates(demo: Demo, out: Path) -> None:
    demo.course()
    demo.session()
    demo.session()
    day = demo.clock.now().date()
    period = Period(day - timedelta(days=10), day)
    exports = demo.services.exports
    sessions, needles = out / "sessions.csv", out / "needles.csv"
    done = exports.export(demo.nurse, ExportRequest(ExportKind.SESSIONS_CSV, period), sessions)
    exports.export(demo.nurse, ExportRequest(ExportKind.NEEDLES_CSV, period), needles)
    assert done.rows == 2
    assert sessions.read_bytes().startswith("\ufeff".encode())  # spreadsheets read UTF-8
    rows = _rows(sessions)
    assert tuple(rows[0]) == SESSION_COLUMNS
    assert [r["session_number"] for r in rows] == ["1", "2"]
    first = rows[0]
    assert first["patient_id"] == str(demo.patients["Maria Sokolova"])
    assert first["sex"] == "female" and first["diagnosis_code"] == "M42.13"
    assert date.fromisoformat(first["session_date"])
    assert datetime.fromisoformat(first["started_at"]).tzinfo is not None
    assert first["needles"] == "6" and first["status"] == "signed"
    assert first["practitioner"] == "Dr Elena Ivanova" and first["planned_minutes"] == "5"
    assert "Maria" not in sessions.read_text(encoding="utf-8-sig")  # no patient names
    lines = _rows(needles)
    assert tuple(lines[0]) == NEEDLE_COLUMNS
    assert len(lines) == 12
    gb20 = lines[0]
    assert (gb20["point_code"], gb20["side"], gb20["depth_mm"]) == ("GB20", "left", "8")
    assert (gb20["material"], gb20["diameter_mm"], gb20["length_mm"]) == (
        "stainless_steel",
        "0.25",
        "40",
    )
    assert gb20["lot"].endswith("A") and gb20["condition"] == "intact"
    assert gb20["inserted_by"] == "Dr Elena Ivanova" and gb20["removed_by"] == "Olga Smirnova"
    assert datetime.fromisoformat(gb20["removed_at"]) > datetime.fromisoformat(gb20["inserted_at"])


@pytest.mark.usefixtures("moscow")
def test_a_period_holds_the_whole_last_day_in_local_time(demo: Demo) -> None:
    demo.clock.set(datetime(2026, 11, 24, 0, 0, tzinfo=UTC))
    demo.course()
    # 24.11 22:10 UTC is 25.11 01:10 in Moscow; 25.11 20:10 UTC is 23:10 there, still the 25th;
    # 26.11 21:10 UTC is 27.11 00:10 there.
    demo.session(hour=22, days=1)
    demo.session(hour=20, days=1)
    demo.session(hour=21, days=1)
    exports = demo.services.exports
    table = exports.sessions_table(demo.admin, Period(date(2026, 11, 25), date(2026, 11, 25)))
    assert [row[9] for row in table[1:]] == [date(2026, 11, 25), date(2026, 11, 25)]
    assert (
        len(exports.sessions_table(demo.admin, Period(date(2026, 11, 24), date(2026, 11, 24)))) == 1
    )
    assert (
        len(exports.needles_table(demo.admin, Period(date(2026, 11, 25), date(2026, 11, 25)))) == 13
    )
    later = exports.sessions_table(demo.admin, Period(date(2026, 11, 26), date(2026, 11, 27)))
    assert [row[9] for row in later[1:]] == [date(2026, 11, 27)]
    report = exports.stricta(demo.admin, period=Period(date(2026, 11, 25), date(2026, 11, 25)))
    assert report.sessions == 2


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(RuleViolation, match="before From"):
        Period(date(2026, 11, 25), date(2026, 11, 24))


def test_cells_that_a_spreadsheet_would_run_are_defused(demo: Demo, out: Path) -> None:
    demo.course()
    demo.services.db.room = '=HYPERLINK("http://x")'
    demo.session()
    day = demo.clock.now().date()
    path = out / "s.csv"
    demo.services.exports.export(
        demo.admin, ExportRequest(ExportKind.SESSIONS_CSV, Period(day - timedelta(5), day)), path
    )
    assert _rows(path)[0]["room"] == '\'=HYPERLINK("http://x")'
    for evil in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(evil) == "'" + evil
    assert safe_cell("GB20") == "GB20" and safe_cell(8.0) == "8" and safe_cell(0.25) == "0.25"
    assert csv_text([["=a", "b,c"]]) == '\'=a,"b,c"\r\n'


def test_the_file_is_created_0600_replaces_an_old_one_and_the_export_is_audited(
    demo: Demo, out: Path
) -> None:
    day = demo.clock.now().date()
    path = out / "needles.csv"
    path.write_text("old")
    path.chmod(0o644)
    request = ExportRequest(ExportKind.NEEDLES_CSV, Period(day, day))
    result = demo.services.exports.export(demo.doctor, request, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() != b"old"
    assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [p.name for p in out.iterdir()] == ["needles.csv"]  # no temporary left
    events = demo.services.audit.query(demo.admin, AuditFilter())
    event = next(e for e in events if e.action == "export")
    assert event.user == "Dr Elena Ivanova"
    assert result.sha256 in event.after and "needles-csv" in event.after


def test_an_unwritable_place_is_said_and_nothing_is_recorded(demo: Demo, out: Path) -> None:
    day = demo.clock.now().date()
    request = ExportRequest(ExportKind.SESSIONS_CSV, Period(day, day))
    exports = demo.services.exports
    before = len(demo.services.audit.query(demo.admin, AuditFilter()))
    with pytest.raises(ExportFault, match="does not exist"):
        exports.export(demo.admin, request, out / "missing" / "x.csv")
    with pytest.raises(ExportFault, match="is a folder"):
        exports.export(demo.admin, request, out)
    with pytest.raises(ExportFault, match="could not be written"):
        exports.export(demo.admin, request, Path("/proc/acudesk-export.csv"))
    assert len(demo.services.audit.query(demo.admin, AuditFilter())) == before
    assert not list(out.iterdir())


def test_stricta_settings_are_the_administrators_bounded_and_audited(demo: Demo) -> None:
    exports = demo.services.exports
    texts = exports.change_text(demo.admin, "stricta_style", "  Japanese-style acupuncture ")
    assert texts.stricta_style == "Japanese-style acupuncture"
    assert exports.texts().stricta_style == "Japanese-style acupuncture"
    with pytest.raises(PermissionDenied, match="change clinic settings"):
        exports.change_text(demo.doctor, "stricta_style", "Other")
    with pytest.raises(RuleViolation, match="Style of acupuncture: 201 characters") as too_long:
        exports.change_text(demo.admin, "stricta_style", "x" * 201)
    assert too_long.value.field == "stricta_style"
    events = demo.services.audit.query(demo.admin, AuditFilter())
    assert any(e.action == "change setting" and "Japanese-style" in e.after for e in events)
    assert {t.key for t in TEXT_SETTINGS} == set(TEXTS)
    assert demo.services.clinic.options().minimum_age == 18  # the numeric settings unharmed


def test_only_an_active_account_exports(demo: Demo, out: Path) -> None:
    demo.services.users.set_active(demo.admin, demo.nurse, False)
    day = demo.clock.now().date()
    with pytest.raises(PermissionDenied, match="disabled"):
        demo.services.exports.export(
            demo.nurse, ExportRequest(ExportKind.SESSIONS_CSV, Period(day, day)), out / "a"
        )
    assert not list(out.iterdir())
    with pytest.raises(PermissionDenied, match="disabled"):
        demo.services.exports.stricta(demo.nurse, period=Period(day, day))
