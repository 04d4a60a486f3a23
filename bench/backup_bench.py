"""Backup and restore on the ten-year database, against RPO <= 1 h and RTO <= 10 min.

    python -m bench.backup_bench [--url sqlite:///bench/data/bench-full.sqlite3] [--out FILE]

Measures, on a SQLite file made by bench/generate.py: the start-up checks (the fast path run
before the window opens, and quick_check, which runs after start on a big file); a backup with
BackupService.back_up, phase by phase (online copy, integrity_check, counts, audit chain,
sha256); the needle log (SessionService.insert_needle) while that backup runs on a worker thread,
against the same without one; `backup verify`; and a restore (acudesk.services.restore.restore,
which verifies the backup again first) into a scratch file beside the database. The source file
is only read; the backup folder and the scratch file are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from acudesk.db import storage
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, sqlite_path
from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.clock import local_date
from acudesk.domain.consent import Decision
from acudesk.domain.needles import Material, NeedleSpec, PackInput, Side
from acudesk.services.backup import verify_backup
from acudesk.services.container import Services
from acudesk.services.restore import restore
from acudesk.services.startup import StorageGuard

DEFAULT_URL = "sqlite:///bench/data/bench-full.sqlite3"
POINTS = ["GB20", "BL23", "BL25", "SI14", "SI15", "BL11", "BL13", "LI4", "ST36", "BL40"]


class Phases:
    """Seconds spent in each phase of a backup, from its progress callback."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.current = ""
        self.since = self.started
        self.seconds: dict[str, float] = {}

    def __call__(self, phase: str, _done: int, _total: int) -> None:
        now = time.perf_counter()
        if phase != self.current:
            if self.current:
                self.seconds[self.current] = self.seconds.get(self.current, 0) + now - self.since
            self.current, self.since = phase, now

    def close(self) -> dict[str, float]:
        self("", 0, 0)
        return {k: round(v, 2) for k, v in self.seconds.items()}


def _timed(action: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def _bench_session(services: Services) -> tuple[int, int, int]:
    """A bench patient's open session, ready for needles: (session, doctor, pack)."""
    users = {u.username: u.id for u in services.users.list_users()}
    doctor = next(i for name, i in users.items() if name.startswith("doc"))
    nurse = next(i for name, i in users.items() if name.startswith("nurse"))
    from acudesk.domain.patients import PatientInput, Sex

    patient = services.patients.register(
        nurse, PatientInput("Bench Backup", Sex.FEMALE, date(1980, 1, 1), "M42.12")
    )
    course = services.courses.plan_course(doctor, patient.id, 10)
    services.consent.record(doctor, course.id, Decision.GIVEN, local_date(services.clock.now()))
    view = services.sessions.start_session(doctor, patient.id)
    for step in ORDER:
        if step is ChecklistStep.NEEDLES:
            view = services.sessions.register_pack(
                nurse,
                view.id,
                PackInput("LOT-B", date(2099, 1, 31), True),
                NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0),
            )
        view = services.sessions.confirm_check(
            doctor if step is ChecklistStep.SCREENING else nurse,
            view.id,
            step,
            position=Position.PRONE if step is ChecklistStep.POSITION else None,
            agent="Chlorhexidine" if step is ChecklistStep.SKIN_DISINFECTED else None,
        )
    return view.id, doctor, view.packs[0].id


def _needle_log(services: Services, busy: threading.Event | None) -> list[float]:
    """insert_needle timings (ms) while ``busy`` is set (or 20 needles without it)."""
    session, doctor, pack = _bench_session(services)
    timings: list[float] = []
    n = 0
    while (busy is None and len(timings) < 20) or (busy is not None and busy.is_set()):
        point, side = POINTS[n // 2 % len(POINTS)], (Side.LEFT, Side.RIGHT)[n % 2]
        if n >= 2 * len(POINTS):  # one needle per point and side in a session
            session, doctor, pack = _bench_session(services)
            n = 0
            continue
        started = time.perf_counter()
        services.sessions.insert_needle(doctor, session, point, side, 5.0, pack)
        timings.append((time.perf_counter() - started) * 1000)
        n += 1
        time.sleep(0.5 if busy is not None else 0.05)
    return timings


def _p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2) if ordered else 0.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--out", type=Path, default=Path("bench/data/backup-bench.json"))
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="verify the new copy in a thread of this process (as the CLI does), not in a "
        "child process (as the window's scheduler does)",
    )
    parser.add_argument(
        "--only-backup", action="store_true", help="skip `backup verify` and the restore"
    )
    args = parser.parse_args(argv)
    source = sqlite_path(args.url)
    assert source is not None and source.exists(), f"generate it first: {args.url}"
    work = Path(tempfile.mkdtemp(prefix="acudesk-backup-bench-", dir=source.parent))
    data_dir = work / "data"
    result: dict[str, Any] = {
        "url": args.url,
        "size_bytes": source.stat().st_size,
        "measured_at": datetime.now(UTC).isoformat(),
    }
    try:
        guard = StorageGuard(args.url, data_dir)
        _first, seconds = _timed(guard.check)  # no marker yet
        result["startup_check_first_s"] = round(seconds, 4)
        services = Services.build(Database(make_engine(args.url)), data_dir=data_dir)
        guard.remember(services.db, now=datetime.now(UTC))
        services.close()
        fast = []
        for _ in range(7):
            report, seconds = _timed(guard.check)
            assert report.ok, report.problem
            fast.append(seconds)
        result["startup_check_fast_path_ms"] = round(statistics.median(fast) * 1000, 2)
        result["quick_check_deferred"] = report.quick_check_deferred
        problems, seconds = _timed(lambda: storage.check(source))
        result["quick_check_s"] = round(seconds, 2)
        result["quick_check_ok"] = not problems

        services = Services.build(Database(make_engine(args.url)), data_dir=data_dir)
        backups = services.backups
        assert backups is not None
        backups.verify_elsewhere = not args.in_process
        result["verified_in"] = "this process" if args.in_process else "a child process"
        result["needle_log_idle_ms"] = _needle_log(services, None)
        busy = threading.Event()
        busy.set()
        phases = Phases()
        made: dict[str, Any] = {}

        def back_up() -> None:
            try:
                made["info"] = backups.back_up(reason="bench", progress=phases)
            finally:
                busy.clear()

        started = time.perf_counter()
        thread = threading.Thread(target=back_up)
        thread.start()
        during = _needle_log(services, busy)
        thread.join()
        info = made["info"]
        result["backup"] = {
            "seconds": round(time.perf_counter() - started, 2),
            "phases_s": phases.close(),
            "manifest_seconds": info.seconds,
            "verified": info.verified,
            "size_bytes": info.size,
            "counts": info.counts,
            "audit": info.audit,
        }
        idle = result.pop("needle_log_idle_ms")
        result["needle_log_ms"] = {
            "idle_p50": _p(idle, 0.5),
            "idle_max": _p(idle, 1.0),
            "during_backup_p50": _p(during, 0.5),
            "during_backup_p99": _p(during, 0.99),
            "during_backup_max": _p(during, 1.0),
            "during_backup_n": len(during),
        }
        services.close()
        if args.only_backup:
            return _write(args.out, result)

        verify_phases = Phases()
        check, seconds = _timed(lambda: verify_backup(Path(info.file), progress=verify_phases))
        result["verify"] = {
            "seconds": round(seconds, 2),
            "phases_s": verify_phases.close(),
            "ok": check.ok,
        }

        target = work / "restored.sqlite3"
        restore_phases = Phases()
        report, seconds = _timed(
            lambda: restore(
                Path(info.file), f"sqlite:///{target}", data_dir, progress=restore_phases
            )
        )
        result["restore"] = {
            "seconds": round(seconds, 2),
            "phases_s": restore_phases.close(),
            "counts_match": report.counts == info.counts,
        }
        result["rto_s"] = result["restore"]["seconds"]
        result["rpo"] = "1 h at most (hourly), and each signed session is backed up at once"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _write(args.out, result)


def _write(out: Path, result: dict[str, Any]) -> int:
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
