"""From the raw figures of a run to the keys of ``results.json`` and the printed table."""

from __future__ import annotations

from typing import Any

from bench.stats import Row, median


def _median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return round(median(values), 3) if values else None


def _worse(*values: float | None) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


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
    keys["alarm_late_ms"] = _worse(keys["alarm_late_real_ms"], keys["alarm_late_fake_ms"])
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
        Row("alarm_late_ms", keys["alarm_late_ms"], "ms", "<= 250",
            _at_most(keys["alarm_late_ms"], 250),
            f"bell after the true end: real clock {keys['alarm_late_real_ms']} ms, "
            f"FakeClock {keys['alarm_late_fake_ms']} ms"),
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
