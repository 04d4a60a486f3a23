"""``make bench``: every measurement on the big database, each beside its baseline, in one run.

    python -m bench.run [--quick] [--url URL] [--seed N]

Without ``--url`` the database is ``bench/data/bench-{full,quick}.sqlite3``, generated when it is
missing or was generated at another scale, seed or generator version, and reused otherwise. A
database given by ``--url`` is generated into when it is empty; one holding other data is refused.
Results go to ``bench/results.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import PySide6
import sqlalchemy
from sqlalchemy import func, select

from acudesk.db import models as m
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.services.container import Services
from bench import service_bench as sb
from bench.generate import (
    DEFAULT_SEED,
    GENERATOR_VERSION,
    database_size,
    generate,
    human_size,
    reset_database,
    verify_audit,
)
from bench.probe_io import PROGRESS_MARKER, parse
from bench.report import summarise
from bench.scenario import actors, restore
from bench.stats import median, table

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / "data"
RESULTS = BENCH_DIR / "results.json"
# PySide6 6.12.0 takes a reference from None on every void call (Python 3.11 aborts when the
# count runs out); on that version the timer probes hold extra references so they can finish.
NONE_PADDING = 3_000_000 if PySide6.__version__.startswith("6.12.") else 0


@dataclass(frozen=True)
class Sizes:
    scale: float
    startup_runs: int
    needle_runs: int
    needles: int
    floor_commits: int
    search_runs: int
    history_runs: int
    history_patients: int
    rss_runs: int
    timer_real_runs: int
    timer_fake_runs: int
    alarm_runs: int  # per stress case
    alarms: int  # per run


QUICK = Sizes(0.1, 5, 3, 200, 200, 5, 5, 30, 2, 2, 1, 1, 8)
FULL = Sizes(1.0, 7, 3, 200, 200, 5, 5, 50, 3, 3, 2, 2, 10)
# The alarm under stress (bench.alarm_probe): the calm baseline first, then each stress.
ALARM_CASES = ("calm", "audit", "audit_gui_busy", "locked")
ALARM_CASES_POSTGRESQL = (*ALARM_CASES, "locked_all")  # only there can a lock keep readers out


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- the database ---------------------------------------------------------------------------


def meta_path(url: str, default: bool) -> Path:
    if default:
        return Path(url.removeprefix("sqlite:///") + ".meta.json")
    return DATA_DIR / f"meta-{hashlib.sha256(url.encode()).hexdigest()[:12]}.json"


def holds_users(url: str) -> bool:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            if not engine.dialect.has_table(c, "users"):
                return False
            return bool(c.scalar(select(func.count()).select_from(m.User)))
    finally:
        engine.dispose()


def ensure_database(url: str, sizes: Sizes, seed: int, default: bool) -> dict[str, Any]:
    """The generation report of a database at this scale: reused when it matches, else made."""
    path = meta_path(url, default)
    meta: dict[str, Any] | None = json.loads(path.read_text()) if path.exists() else None
    wanted = {"scale": sizes.scale, "seed": seed, "generator_version": GENERATOR_VERSION}
    if meta and all(meta.get(k) == v for k, v in wanted.items()) and holds_users(url):
        log(f"reusing the database generated in {meta['seconds']} s ({url})")
        meta["reused"] = True
        return meta
    if holds_users(url):
        if meta is None:
            raise SystemExit(f"{url} holds data the benchmarks did not generate; not touching it.")
        log("the database was generated at another scale, seed or version: generating again")
    reset_database(url)
    log(f"generating scale {sizes.scale} (seed {seed}) into {url}")
    report = generate(url, sizes.scale, seed, progress=log).to_json()
    log(f"generated in {report['seconds']} s; {human_size(report['size_bytes'])}")
    intact, events, seconds = verify_audit(url)
    report["audit_verify"] = {"intact": intact, "events": events, "seconds": round(seconds, 1)}
    log(f"audit trail intact={intact}: {events:,} events checked in {seconds:.1f} s")
    if not intact:
        raise SystemExit("the generated audit trail does not verify")
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2))
    report["reused"] = False
    return report


# -- child processes ------------------------------------------------------------------------


def run_probe(module: str, *args: str, timeout: float = 600) -> tuple[dict[str, Any], float]:
    """Start ``python -m module`` under the offscreen platform; its result and the wall time.

    A probe that reported and then died (PySide6 6.12 on Python 3.11 may abort at exit, see
    ``bench.timer_probe``) still counts; its exit code is kept with the result.
    """
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    env["BENCH_T0"] = repr(started)
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - started
    try:
        result = parse(done.stdout)
    except RuntimeError:
        raise ProbeFailed(module, done.returncode, done.stdout, done.stderr) from None
    result["exit_code"] = done.returncode
    if done.returncode != 0:
        result["exit_error"] = next(
            (x for x in done.stderr.splitlines() if "Fatal Python error" in x), "?"
        )
    return result, wall


class ProbeFailed(RuntimeError):
    def __init__(self, module: str, code: int, stdout: str, stderr: str) -> None:
        lines = [x for x in stderr.splitlines() if "propagateSizeHints" not in x]
        super().__init__(f"{module} exited with {code}: " + "\n".join(lines[-12:]))
        self.code, self.stdout, self.stderr = code, stdout, stderr


def measure_startup(url: str, runs: int) -> dict[str, Any]:
    bare: list[float] = []
    floor: list[float] = []
    app: list[float] = []
    walls: list[float] = []
    rss: dict[str, list[float]] = {"bare": [], "acudesk": []}
    frozen: list[int] = []
    listed = 0
    for attempt in range(runs + 1):  # the first pair warms the file cache and is not counted
        b, _ = run_probe("bench.bare_qt_probe")
        f, _ = run_probe("bench.bare_qt_probe", "--with-sqlalchemy")
        a, wall = run_probe("bench.startup_probe", "--database-url", url)
        assert b["visible"] and a["visible"] and a["patients_listed"] > 0, (a, b)
        assert a["gc_frozen_at_ready"] > 0, a  # run_window's freeze is inside the figure
        if attempt:
            bare.append(b["ready_s"])
            floor.append(f["ready_s"])
            app.append(a["ready_s"])
            walls.append(wall)
            rss["bare"].append(b["rss_mib"])
            rss["acudesk"].append(a["startup_rss_mib"])
            frozen.append(a["gc_frozen_at_ready"])
            listed = a["patients_listed"]
    return {
        "startup_s": median(app),
        "bare_qt_startup_s": median(bare),
        "startup_ratio": median(app) / median(bare),
        "qt_plus_sqlalchemy_s": median(floor),
        "floor_ratio": median(floor) / median(bare),
        "runs": runs,
        "acudesk_s": app,
        "bare_s": bare,
        "qt_plus_sqlalchemy_runs_s": floor,
        "acudesk_wall_to_exit_s": walls,
        "patients_listed": listed,
        "acudesk_gc_frozen_at_ready": frozen,
        "bare_rss_mib": median(rss["bare"]),
        "startup_rss_mib": median(rss["acudesk"]),
    }


def measure_timer(url: str, mode: str, run: int) -> dict[str, Any]:
    """One timer probe. On the fake clock the end falls at a different point between two ticks
    in each run (0.05, 0.22, 0.19 s after the tick before it, ...); on the real clock it falls
    where it falls."""
    args = ["--database-url", url, "--mode", mode, "--pad-none", str(NONE_PADDING)]
    if mode == "fake":
        args += ["--phase", f"{0.05 + (0.17 * run) % 0.2:.3f}"]
    return run_probe("bench.timer_probe", *args, timeout=900)[0]


def measure_alarm(url: str, case: str, alarms: int) -> dict[str, Any]:
    """One alarm probe: ``alarms`` needle alarms due while ``case`` holds the program up."""
    return run_probe(
        "bench.alarm_probe", "--database-url", url, "--case", case, "--alarms", str(alarms),
        timeout=600,
    )[0]  # fmt: skip


def measure_endurance(url: str) -> dict[str, Any]:
    """The session screen left alone on PySide6/Python as installed: how long until it aborts."""
    try:
        result, wall = run_probe("bench.timer_probe", "--database-url", url, "--mode", "endurance")
    except ProbeFailed as failed:
        minutes = [
            int(line.removeprefix(PROGRESS_MARKER))
            for line in failed.stdout.splitlines()
            if line.startswith(PROGRESS_MARKER)
        ]
        reason = next((x for x in failed.stderr.splitlines() if "Fatal Python error" in x), "")
        return {
            "aborted": True,
            "survived_min": max(minutes, default=0),
            "exit_code": failed.code,
            "reason": reason,
        }
    result["wall_s"] = wall
    return result


# -- the run --------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo")
    total_kib = next(
        (int(x.split()[1]) for x in meminfo.read_text().splitlines() if x.startswith("MemTotal")),
        0,
    ) if meminfo.exists() else 0  # fmt: skip
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        cpu = next((x.split(":", 1)[1].strip() for x in cpuinfo.read_text().splitlines()
                    if x.startswith("model name")), "")  # fmt: skip
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu or platform.processor(),
        "memory_gib": round(total_kib / 2**20, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "sqlalchemy": sqlalchemy.__version__,
    }


def code_version() -> dict[str, Any]:
    """The commit measured, and whether the application's files differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "acudesk", "pyproject.toml")
    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown", "modified": bool(changed)}


def measure_services(
    services: Services, sizes: Sizes, reset: Any
) -> tuple[dict[str, Any], list[int], int]:
    """Search, history, the commit floor and the needle log, in this process."""
    who = actors(services)
    out: dict[str, Any] = {"sqlite": sb.sqlite_details(services)}
    log("commit floor")
    out["commit_floor"] = asdict(sb.commit_floor(services.db.engine, sizes.floor_commits))
    log("patient search")
    runs = []
    for run in range(sizes.search_runs):
        queries = sb.search_queries(services, seed=run, names=60, dobs=100)
        runs.append(sb.patient_search(services, queries))
    out["search"] = [{k: asdict(v) for k, v in r.items()} for r in runs]
    log("history open")
    pids = sb.history_patients(services, sizes.history_patients)
    out["history_patients"] = len(pids)
    out["history"] = [asdict(sb.history_open(services, pids)) for _ in range(sizes.history_runs)]
    log(f"needle log: {sizes.needle_runs} runs of {sizes.needles} needles")
    needle_runs, view = sb.needle_log(services, who, sizes.needle_runs, sizes.needles, reset)
    out["needle_log"] = [asdict(r) for r in needle_runs]
    return out, pids, view.id


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a database a tenth the size")
    parser.add_argument("--url", help="SQLAlchemy URL (default: a SQLite file in bench/data/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, help="override the scale (for trying the harness)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.scale is not None:
        sizes = replace(sizes, scale=args.scale)
    started = time.perf_counter()
    default = args.url is None
    url = (
        args.url
        or f"sqlite:///{DATA_DIR / ('bench-quick' if args.quick else 'bench-full')}.sqlite3"
    )
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    meta = ensure_database(url, sizes, args.seed, default)
    # One engine for this process (before ensure_private_file stopped reopening an existing
    # file, a second make_engine dropped the SQLite locks of this process's open connections).
    engine = make_engine(url)
    services = Services.build(Database(engine))
    watermark = meta["watermark"]

    def reset() -> dict[str, int]:
        return restore(engine, watermark)

    leftovers = reset()
    if leftovers:
        log(f"removed rows a previous run left behind: {leftovers}")
    # The in-process measurements call the services the window calls. The app runs them after
    # acudesk.ui.application.run_window's zero-delay timer has done gc.collect(); gc.freeze() on
    # everything built at start-up (on the event loop's first turn, before any click can reach a
    # service); this process has no event loop, so it does the same here, before measuring
    # anything, and the collector's pauses are those the app would see.
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    results: dict[str, Any] = {
        "machine": machine(),
        "code": code_version(),
        "database": _database(url, meta, engine),
        "gc_frozen_objects": frozen,
    }
    log(f"measuring commit {results['code']['commit']}"
        + (" with local changes" if results["code"]["modified"] else ""))  # fmt: skip
    log(f"start-up: {sizes.startup_runs} runs each, after one warm-up pair")
    results["startup"] = measure_startup(url, sizes.startup_runs)
    results["services"], history_ids, session_id = measure_services(services, sizes, reset)
    log("memory on the session screen")
    rss = [
        run_probe(
            "bench.startup_probe", "--database-url", url, "--rss",
            "--history-ids", ",".join(map(str, history_ids[:10])),
            "--session-id", str(session_id), "--sign-in", str(actors(services).doctor),
        )[0]
        for _ in range(sizes.rss_runs)
    ]  # fmt: skip
    results["rss"] = rss
    reset()
    results["timer"] = {}
    for mode, runs in (("real", sizes.timer_real_runs), ("fake", sizes.timer_fake_runs)):
        log(f"timer, {mode} clock: {runs} runs")
        results["timer"][mode] = []
        for run in range(runs):
            results["timer"][mode].append(measure_timer(url, mode, run))
            reset()
    results["alarm"] = {}
    cases = ALARM_CASES_POSTGRESQL if engine.dialect.name == "postgresql" else ALARM_CASES
    for case in cases:
        log(f"alarm under stress, {case}: {sizes.alarm_runs} run(s) of {sizes.alarms} alarms")
        results["alarm"][case] = []
        for _ in range(sizes.alarm_runs):
            results["alarm"][case].append(measure_alarm(url, case, sizes.alarms))
            reset()
    log("endurance of the session screen (no padding)")
    results["timer"]["endurance"] = measure_endurance(url)
    reset()
    engine.dispose()
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    summary, rows = summarise(results)
    final = {**summary, "details": results}
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(final, indent=2, default=str))
    tmp.replace(RESULTS)
    print()
    print(table(rows))
    print()
    log(f"done in {results['elapsed_s']} s; results in {RESULTS.relative_to(REPO)}")
    return 0


def _database(url: str, meta: dict[str, Any], engine: Any) -> dict[str, Any]:
    return {
        "url": engine.url.render_as_string(hide_password=True),
        "backend": engine.dialect.name,
        "scale": meta["scale"],
        "seed": meta["seed"],
        "generated_s": meta["seconds"],
        "reused": meta.get("reused", False),
        "size_bytes": database_size(engine),
        "counts": meta["counts"],
        "audit_verify": meta.get("audit_verify"),
    }


if __name__ == "__main__":
    sys.exit(main())
