"""What sealing and anchoring the audit trail adds to one user action.

    python -m bench.anchor_cost [--url URL] [--runs 300]

Logs needles one by one (``SessionService.insert_needle``: one unit of work, one audit event)
on a fresh clinic, taking turns between a workstation that does not anchor (the same HMAC, no
anchor file), one that anchors the chain head after every commit in the background (AcuDesk's
way: temp file, fsync, rename, fsync of the folder, by the anchor's own thread) and one that
writes the anchor before the action returns; prints each one's median and 95th percentile.
Without --url it uses a SQLite file in a temporary folder (on the disk /tmp is on).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from acudesk.db.anchor import AuditTrail
from acudesk.db.database import Database
from acudesk.db.engine import make_engine
from acudesk.db.migrate import upgrade
from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.clock import local_date
from acudesk.domain.consent import Decision
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.needles import Material, NeedleSpec, PackInput, Side
from acudesk.domain.patients import PatientInput, Sex
from acudesk.domain.roles import Role
from acudesk.services.container import Services


def _clinic(services: Services) -> tuple[int, int, int]:
    users = services.users
    admin = users.create_user("a", "Admin", [Role.ADMINISTRATOR], pin="1000", password="pw-12345")
    doctor = users.create_user(
        "d", "Dr D", [Role.ACUPUNCTURIST], pin="1111", password="pw-12345", created_by=admin.id
    )
    nurse = users.create_user(
        "n", "Nurse N", [Role.NURSE], pin="2222", password="pw-12345", created_by=admin.id
    )
    users.add_credential(
        admin.id,
        doctor.id,
        CredentialInput(
            CredentialKind.CERTIFICATE, "ACU-1", "Academy", date(2024, 1, 1), date(2030, 1, 1)
        ),
    )
    return admin.id, doctor.id, nurse.id


def _session(services: Services, doctor: int, nurse: int, n: int) -> tuple[int, int]:
    patient = services.patients.register(
        nurse,
        PatientInput(f"Patient {n}", Sex.FEMALE, date(1980, 1, 1 + n % 28), "M42.12"),
    )
    course = services.courses.plan_course(doctor, patient.id, 30)
    services.consent.record(doctor, course.id, Decision.GIVEN, local_date(services.clock.now()))
    view = services.sessions.start_session(doctor, patient.id)
    for step in ORDER:
        if step is ChecklistStep.NEEDLES:
            view = services.sessions.register_pack(
                nurse,
                view.id,
                PackInput("L1", date(2030, 1, 1), True),
                NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0),
            )
        view = services.sessions.confirm_check(
            nurse,
            view.id,
            step,
            position=Position.PRONE if step is ChecklistStep.POSITION else None,
            agent="Ethanol 70%" if step is ChecklistStep.SKIN_DISINFECTED else None,
        )
    return view.id, view.packs[0].id


MODES = ("not anchored", "anchored in the background", "anchored before returning")


def measure(url: str, runs: int, folder: Path, pause_s: float) -> dict[str, float]:
    """Each mode logs ``runs`` needles in blocks of ten, the modes taking turns; between two
    actions the room pauses ``pause_s`` (nobody logs needles back to back within a
    millisecond), so a background anchor write finishes before the next click, as it would."""
    engine = make_engine(url)
    upgrade(engine)
    first = Services.build(
        Database(engine, trail=AuditTrail(folder / "audit.key", folder / "anchor.json"))
    )
    _admin, doctor, nurse = _clinic(first)
    key = first.db.trail.key()
    trails = {
        MODES[0]: AuditTrail(None, None, key=key),
        MODES[1]: first.db.trail,
        MODES[2]: AuditTrail(
            folder / "audit.key", folder / "anchor-sync.json", key=key, background=False
        ),
    }
    services = {mode: Services.build(Database(engine, trail=t)) for mode, t in trails.items()}
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    points = [("GB20", Side.LEFT), ("GB20", Side.RIGHT), ("BL23", Side.LEFT), ("BL23", Side.RIGHT)]
    n = 0
    while len(times[MODES[-1]]) < runs:
        for mode in MODES:
            n += 1
            sid, pack = _session(first, doctor, nurse, n)
            first.db.trail.flush()
            for code, side in (points * 3)[:10]:
                time.sleep(pause_s)
                started = time.perf_counter()
                services[mode].sessions.insert_needle(doctor, sid, code, side, 5.0, pack)
                times[mode].append((time.perf_counter() - started) * 1000)
    for s in services.values():
        s.db.trail.flush()
    engine.dispose()
    result: dict[str, float] = {}
    for mode, values in times.items():
        values.sort()
        result[f"{mode}: median ms"] = round(statistics.median(values), 2)
        result[f"{mode}: p95 ms"] = round(values[int(len(values) * 0.95)], 2)
    base = result[f"{MODES[0]}: median ms"]
    for mode in MODES[1:]:
        result[f"{mode}: added median ms"] = round(result[f"{mode}: median ms"] - base, 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.anchor_cost", description=__doc__)
    parser.add_argument("--url", help="an empty database (default: a temporary SQLite file)")
    parser.add_argument("--runs", type=int, default=200, help="needles logged in each mode")
    parser.add_argument("--pause-ms", type=float, default=50, help="between two actions")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="acudesk-anchor-") as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'anchor.sqlite3'}"
        for name, value in measure(url, args.runs, Path(tmp), args.pause_ms / 1000).items():
            print(f"{name:>48}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
