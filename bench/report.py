"""From the raw figures of a run to the keys of ``results.json`` and the printed table."""

from __future__ import annotations

from typing import Any

from bench.stats import Row, median, percentile


def _median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(median(values), 3) if values else None


def _worse(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def _alarm_runs(alarm: dict[str, list[dict[str, Any]]], *cases: str) -> list[dict[str, Any]]:
    return [run for case in cases for run in alarm.get(case, [])]


def _late_max(runs: list[dict[str, Any]]) -> float | None:
    return _worse(*(r.get("late_max_ms") for r in runs))


def _late_p95(runs: list[dict[str, Any]]) -> float | None:
    """The 95th percentile of every alarm of these runs together."""
    late = [a["late_ms"] for r in runs for a in r["alarms"] if a["late_ms"] is not None]
    return round(percentile(late, 95), 3) if late else None


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return round(value / baseline, 2) if value is not None and baseline else None


def _alarm_keys(alarm: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    groups = {
        "calm": ("calm",),
        "audit": ("audit", "audit_gui_busy"),
        "audit_gui_busy": ("audit_gui_busy",),
        "locked": ("locked", "locked_all"),
    }
    keys: dict[str, Any] = {}
    for name, cases in groups.items():
        runs = _alarm_runs(alarm, *cases)
        keys[f"alarm_late_ms_{name}"] = _late_max(runs)
        keys[f"alarm_late_p95_ms_{name}"] = _late_p95(runs)
        keys[f"gui_max_stall_ms_{name}"] = _worse(*(r.get("gui_max_stall_ms") for r in runs))
    keys["alarm_late_ms"] = _worse(keys["alarm_late_ms_audit"], keys["alarm_late_ms_locked"])
    keys["alarm_late_stress_ratio"] = _ratio(keys["alarm_late_ms"], keys["alarm_late_ms_calm"])
    every = _alarm_runs(alarm, *alarm)
    keys["alarms_due"] = sum(r["alarms_due"] for r in every)
    keys["alarms_rang_once"] = sum(
        1 for r in every for a in r["alarms"] if a["rang"] == 1 and a["late_ms"] is not None
    )
    keys["alarms_rang_exactly_once"] = bool(every) and all(r["rang_exactly_once"] for r in every)
    keys["alarm_stress_covered"] = all(
        r["alarms_in_stress"] is not False for r in every
    )  # every alarm fell due while its stress was on
    locked = _alarm_runs(alarm, *groups["locked"])
    keys["locked_actions_typed"] = all(r["typed_errors"] for r in locked) if locked else None
    return keys


def summarise(results: dict[str, Any]) -> tuple[dict[str, Any], list[Row]]:
    startup, services, timer = results["startup"], results["services"], results["timer"]
    real, fake, endurance = timer["real"], timer["fake"], timer["endurance"]
    needles = services["needle_log"]
    keys: dict[str, Any] = {
        "startup_ratio": round(startup["startup_ratio"], 3),
        "startup_s": round(startup["startup_s"], 4),
        "bare_qt_startup_s": round(startup["bare_qt_startup_s"], 4),
        "needle_log_p50_ms": _median_of(needles, "p50_ms"),
        "needle_log_p99_ms": _median_of(needles, "p99_ms"),
        "commit_floor_ms": services["commit_floor"]["p50_ms"],
        "patient_search_p99_ms": _median_of([r["all"] for r in services["search"]], "p99_ms"),
        "history_open_p99_ms": _median_of(services["history"], "p99_ms"),
        "timer_real_max_error_ms": _median_of(real, "max_error_ms"),
        "timer_fake_max_error_ms": _median_of(fake, "max_error_ms"),
        "alarm_late_real_ms": _median_of(real, "alarm_late_ms"),
        "alarm_late_fake_ms": _median_of(fake, "alarm_late_ms"),
        "startup_floor_ratio": round(startup["floor_ratio"], 3),
        "peak_rss_mib": _median_of(results["rss"], "peak_rss_mib"),
        "startup_rss_mib": round(startup["startup_rss_mib"], 1),
        "bare_qt_rss_mib": round(startup["bare_rss_mib"], 1),
        "patient_page_p99_ms": _median_of(results["rss"], "patient_page_p99_ms"),
        "session_screen_survives_min": endurance.get("survived_min"),
        "session_screen_aborts": endurance.get("aborted"),
        "database_size_mib": round(results["database"]["size_bytes"] / 2**20, 1),
        "generation_s": results["database"]["generated_s"],
        "scale": results["database"]["scale"],
        "commit": results["code"]["commit"],
    }
    keys["timer_max_error_ms"] = _worse(
        keys["timer_real_max_error_ms"], keys["timer_fake_max_error_ms"]
    )
    keys["alarm_late_timer_ms"] = _worse(keys["alarm_late_real_ms"], keys["alarm_late_fake_ms"])
    keys.update(_alarm_keys(results["alarm"]))
    runs = {case: len(r) for case, r in results["alarm"].items()}
    calm = keys["alarm_late_ms_calm"]
    rows = [
        Row("startup_ratio", keys["startup_ratio"], "x", "<= 2.0",
            _at_most(keys["startup_ratio"], 2.0),
            f"median of {startup['runs']} cold process starts each, window shown and taking "
            "input / the same for a bare QMainWindow"),
        Row("startup_s", keys["startup_s"], "s", "", None,
            f"AcuDesk to the main window with {startup['patients_listed']} patients listed"),
        Row("bare_qt_startup_s", keys["bare_qt_startup_s"], "s", "", None,
            "QMainWindow with one label, same interpreter and platform"),
        Row("startup_floor_ratio", keys["startup_floor_ratio"], "x", "", None,
            "the same bare window after `import sqlalchemy.orm` / bare: the floor for any "
            "SQLAlchemy ORM app"),
        Row("needle_log_p50_ms", keys["needle_log_p50_ms"], "ms", "", None,
            f"SessionService.insert_needle, {len(needles)} sessions x "
            f"{needles[0]['n']} needles, median of the runs"),
        Row("needle_log_p99_ms", keys["needle_log_p99_ms"], "ms", "<= 16",
            _at_most(keys["needle_log_p99_ms"], 16), "the same, 99th percentile"),
        Row("commit_floor_ms", keys["commit_floor_ms"], "ms", "", None,
            "median bare one-row committed insert, make_engine pragmas"),
        Row("patient_search_p99_ms", keys["patient_search_p99_ms"], "ms", "<= 30",
            _at_most(keys["patient_search_p99_ms"], 30),
            "PatientService.search, name prefixes typed letter by letter and dates of birth"),
        Row("history_open_p99_ms", keys["history_open_p99_ms"], "ms", "<= 100",
            _at_most(keys["history_open_p99_ms"], 100),
            f"PatientService.get + CourseService.history, {services['history_patients']} "
            "patients with 3 courses / 40 sessions"),
        Row("timer_max_error_ms", keys["timer_max_error_ms"], "ms", "<= 1000",
            _at_most(keys["timer_max_error_ms"], 1000),
            f"worse of real clock ({keys['timer_real_max_error_ms']} ms, 1-min session, 20 s "
            f"around the end) and FakeClock ({keys['timer_fake_max_error_ms']} ms, 30-min "
            "session); UI busy"),
        Row("alarm_late_timer_ms", keys["alarm_late_timer_ms"], "ms", "<= 250",
            _at_most(keys["alarm_late_timer_ms"], 250),
            f"bell after the true end in the timer runs: real clock "
            f"{keys['alarm_late_real_ms']} ms, FakeClock {keys['alarm_late_fake_ms']} ms"),
        Row("alarm_late_ms", keys["alarm_late_ms"], "ms", "<= 250",
            _at_most(keys["alarm_late_ms"], 250),
            f"worse of the two stresses below; {keys['alarm_late_stress_ratio']} x the calm "
            f"baseline ({calm} ms)"),
        Row("alarm_late_ms_calm", calm, "ms", "", None,
            f"baseline: max of {runs.get('calm', 0)} run(s) of the alarms with nothing else "
            f"going on; p95 {keys['alarm_late_p95_ms_calm']} ms"),
        Row("alarm_late_ms_audit", keys["alarm_late_ms_audit"], "ms", "<= 250",
            _at_most(keys["alarm_late_ms_audit"], 250),
            f"max while the whole audit trail is checked (worker thread), alone and with the "
            f"window's thread kept busy ({keys['alarm_late_ms_audit_gui_busy']} ms); p95 "
            f"{keys['alarm_late_p95_ms_audit']} ms; "
            f"{_ratio(keys['alarm_late_ms_audit'], calm)} x calm"),
        Row("alarm_late_ms_locked", keys["alarm_late_ms_locked"], "ms", "<= 250",
            _at_most(keys["alarm_late_ms_locked"], 250),
            f"max while another connection holds the database 30 s, a needle logged every 5 s; "
            f"p95 {keys['alarm_late_p95_ms_locked']} ms; "
            f"{_ratio(keys['alarm_late_ms_locked'], calm)} x calm"),
        Row("alarms_rang_once", keys["alarms_rang_once"], f"of {keys['alarms_due']}", "all",
            keys["alarms_rang_exactly_once"],
            "alarms that rang exactly once (ring_log), nothing else rang, in every case"),
        Row("gui_max_stall_ms_locked", keys["gui_max_stall_ms_locked"], "ms", "", None,
            "longest the window's thread did not turn while the database was held (a needle "
            f"logged waits for the lock; audit: {keys['gui_max_stall_ms_audit']} ms, calm: "
            f"{keys['gui_max_stall_ms_calm']} ms)"),
        Row("history_page_ui_p99_ms", keys["patient_page_p99_ms"], "ms", "", None,
            "the same patients opened in the window (PatientPage: + screening, widgets)"),
        Row("peak_rss_mib", keys["peak_rss_mib"], "MiB", "<= 150",
            _at_most(keys["peak_rss_mib"], 150),
            "peak RSS (VmHWM) of the app on the session screen, 200 needles logged; "
            f"at start-up {keys['startup_rss_mib']}, bare Qt window {keys['bare_qt_rss_mib']}"),
        Row("session_screen_survives_min", keys["session_screen_survives_min"], "min", "", None,
            "session screen left open (FakeClock, 4 ticks/s) until the process "
            + ("aborted (none_dealloc)" if keys["session_screen_aborts"] else "stopped")),
    ]  # fmt: skip
    return keys, rows
