"""Build, from a seed, the database of a five-room clinic after ten years.

At scale 1.0: 20,000 patients, 150,000 signed sessions in courses of 10 and 15, about 1.5 million
needle insertions with their removals, the checklists, screenings, packs, adverse events and the
hash-chained audit trail, all through the real schema (``acudesk.db.migrate.upgrade``). Staff
accounts are created through ``UserService``; the rest is written with SQLAlchemy Core
``insert()`` executemany, one transaction per batch of days. SQLite runs with
``synchronous=OFF`` during generation only; PostgreSQL with ``synchronous_commit=off``.

    python -m bench.generate --url sqlite:///bench/data/big.sqlite3 --scale 1.0 --seed 6
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, text, update
from sqlalchemy.engine import make_url

from acudesk.db import models as m
from acudesk.db.anchor import AuditTrail
from acudesk.db.base import Base
from acudesk.db.database import Database
from acudesk.db.engine import make_engine, sqlite_path
from acudesk.db.migrate import upgrade
from acudesk.domain.audit_chain import GENESIS_HASH
from acudesk.domain.catalog import default_catalog
from acudesk.domain.clock import FakeClock
from acudesk.domain.credentials import CredentialInput, CredentialKind
from acudesk.domain.roles import Role
from acudesk.services.container import Services
from bench.clinic_plan import END_DATE, START_DATE, plan_clinic, to_utc
from bench.records import AuditChain, ClinicRecords, Ids, Row, Staff

# 2: audit events sealed with the audit key (HMAC); 3: each course's informed consent
GENERATOR_VERSION = 3
DEFAULT_SEED = 6
BATCH_ROWS = 60_000
# Insert order: every row's foreign keys point to tables earlier in this list.
TABLES: tuple[str, ...] = (
    "patients", "courses", "consents", "duration_overrides", "treatment_sessions", "screenings",
    "checklist_confirmations", "needle_packs", "needle_insertions", "needle_removals",
    "incidents", "adverse_events", "audit_events",
)  # fmt: skip
TABLE_OBJECTS = {t.name: t for t in Base.metadata.sorted_tables}
_TS = TABLE_OBJECTS["treatment_sessions"]
# Sessions are written unsigned, then signed by an update, as SessionService.sign does: the
# database refuses children of a signed session (migration 0002).
SIGN = (
    update(_TS)
    .where(_TS.c.id == bindparam("b_id"))
    .values(
        signed_at=bindparam("b_signed_at", type_=_TS.c.signed_at.type),
        signed_by=bindparam("b_signed_by"),
        content_hash=bindparam("b_content_hash"),
    )
)
DOCTORS = 7  # five rooms, staff changing over ten years
NURSES = 10


@dataclass
class GenerationReport:
    url: str
    scale: float
    seed: int
    generator_version: int
    seconds: float
    size_bytes: int | None
    counts: dict[str, int]
    watermark: dict[str, int]
    history_patient_ids: list[int]
    end_date: str = END_DATE.isoformat()
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class BatchSink:
    """Buffers rows per table and writes them in foreign-key order, one transaction a batch."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.buffers: dict[str, list[Row]] = {t: [] for t in (*TABLES, "signatures")}
        self.pending = 0
        self.counts = dict.fromkeys(TABLES, 0)

    def add(self, table: str, row: Row) -> None:
        self.buffers[table].append(row)
        self.pending += 1

    def flush(self) -> None:
        if not self.pending:
            return
        with self.connection.begin():
            for table in TABLES:
                rows = self.buffers[table]
                if rows:
                    self.connection.execute(TABLE_OBJECTS[table].insert(), rows)
                    self.counts[table] += len(rows)
                    rows.clear()
            if self.buffers["signatures"]:
                self.connection.execute(SIGN, self.buffers["signatures"])
                self.buffers["signatures"].clear()
        self.pending = 0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def database_size(engine: Engine) -> int | None:
    path = sqlite_path(str(engine.url))
    if path is not None:
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    if engine.dialect.name == "postgresql":
        with engine.connect() as c:
            return int(c.scalar(text("SELECT pg_database_size(current_database())")) or 0)
    return None


def reset_database(url: str) -> None:
    """Start from nothing: delete the SQLite file, or empty the PostgreSQL schema; and the audit
    key and anchor of the database that was there."""
    trail = AuditTrail.for_url(url)
    for kept in (trail.key_path, trail.anchor_path):
        if kept is not None:
            kept.unlink(missing_ok=True)
    path = sqlite_path(url)
    if path is not None:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _create_staff(engine: Engine) -> Staff:
    clock = FakeClock(to_utc(START_DATE, datetime.min.time()) + timedelta(hours=9))
    services = Services.build(Database(engine, clock))
    if services.users.count() > 0:
        raise SystemExit("The database already holds users: generate into an empty one (--reset).")
    admin = services.users.create_user(
        "admin01", "Irina Morozova", [Role.ADMINISTRATOR], pin="1000", password="bench-admin"
    )
    doctors, nurses = [], []
    for n in range(1, DOCTORS + 1):
        user = services.users.create_user(
            f"doctor{n:02d}", f"Dr Doctor {n:02d}", [Role.ACUPUNCTURIST], pin=f"{n:04d}",
            password=f"bench-doctor-{n}", created_by=admin.id,
        )  # fmt: skip
        doctors.append(user.id)
    for n in range(1, NURSES + 1):
        user = services.users.create_user(
            f"nurse{n:02d}", f"Nurse {n:02d}", [Role.NURSE], pin=f"{n + 5000:04d}",
            password=f"bench-nurse-{n}", created_by=admin.id,
        )  # fmt: skip
        nurses.append(user.id)
    for n, doctor in enumerate(doctors, start=1):
        for data in (
            CredentialInput(
                CredentialKind.DIPLOMA, f"MD-{n:05d}", "State Medical University",
                date(START_DATE.year - 12, 6, 30),
            ),
            CredentialInput(
                CredentialKind.CERTIFICATE, f"ACU-{n:05d}", "Academy of Postgraduate Education",
                date(START_DATE.year - 1, 3, 1), expires_on=date(END_DATE.year + 3, 12, 31),
                training_place="Department of reflexology",
            ),
        ):  # fmt: skip
            services.users.add_credential(admin.id, doctor, data)
    return Staff(tuple(doctors), tuple(nurses))


def _next_ids(c: Connection) -> dict[str, int]:
    return {
        t: int(c.scalar(select(func.coalesce(func.max(TABLE_OBJECTS[t].c.id), 0))) or 0) + 1
        for t in TABLES
    }


def watermark(engine: Engine) -> dict[str, int]:
    """The highest id of every table with an integer id: what the benchmarks restore to."""
    with engine.connect() as c:
        return {
            t.name: int(c.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0)
            for t in Base.metadata.sorted_tables
            if "id" in t.c
        }


def generate(
    url: str, scale: float, seed: int, *, progress: Callable[[str], None] = print
) -> GenerationReport:
    started = time.perf_counter()
    # A bulk job, not a user action: no per-statement limit (ANALYZE of ten years can take long).
    engine = make_engine(url, statement_timeout_ms=0)
    upgrade(engine)
    staff = _create_staff(engine)
    catalog = default_catalog()
    plan = plan_clinic(seed, scale, catalog)
    progress(
        f"planned {len(plan.patients)} patients, {plan.session_count} sessions "
        f"({START_DATE} to {END_DATE}) in {time.perf_counter() - started:.1f} s"
    )
    with engine.connect() as c:
        if c.dialect.name == "sqlite":
            # Straight to the driver: outside any transaction, for this connection only.
            raw = c.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("PRAGMA cache_size=-524288")
        elif c.dialect.name == "postgresql":
            c.exec_driver_sql("SET synchronous_commit TO OFF")
            c.commit()
        ids = Ids(_next_ids(c))
        last = c.scalar(select(m.AuditEvent.hash).order_by(m.AuditEvent.id.desc()).limit(1))
        c.commit()
        key = AuditTrail.for_url(url).key()
        assert key is not None, "the staff's audit events created the audit key"
        chain = AuditChain(last or GENESIS_HASH, ids.take("audit_events"), key)
        sink = BatchSink(c)
        records = ClinicRecords(random.Random(seed + 1), catalog, staff, ids, chain, sink)
        days = plan.days
        for index, day in enumerate(days):
            records.day(
                day, plan.registrations_by_day.get(day, []), plan.sessions_by_day.get(day, [])
            )
            if sink.pending >= BATCH_ROWS:
                sink.flush()
            if index % 365 == 0:
                progress(f"  {day}: {sink.counts['treatment_sessions']} sessions written")
        sink.flush()
        counts = dict(sink.counts)
        if c.dialect.name == "postgresql":
            _reset_sequences(c)
            c.exec_driver_sql("ANALYZE")
            c.commit()
        if c.dialect.name == "sqlite":
            raw = c.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    report = GenerationReport(
        url=url,
        scale=scale,
        seed=seed,
        generator_version=GENERATOR_VERSION,
        seconds=round(time.perf_counter() - started, 1),
        size_bytes=database_size(engine),
        counts=counts,
        watermark=watermark(engine),
        history_patient_ids=[p.id for p in plan.patients if p.history],
    )
    engine.dispose()
    return report


def _reset_sequences(c: Connection) -> None:
    for t in Base.metadata.sorted_tables:
        if "id" in t.c and t.c.id.autoincrement in (True, "auto"):
            c.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {t.name}), false)"
                )
            )


def verify_audit(url: str) -> tuple[bool, int, float]:
    """The application's own check of the hash chain, timed."""
    started = time.perf_counter()
    db = Database(make_engine(url))
    report = Services.build(db).audit.verify()
    db.dispose()
    return report.intact, report.events, time.perf_counter() - started


def human_size(size: int | None) -> str:
    if size is None:
        return "unknown"
    return f"{size / 2**20:,.0f} MiB" if size < 2**30 else f"{size / 2**30:,.2f} GiB"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL (SQLite or PostgreSQL)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 full, 0.1 quick")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--reset", action="store_true", help="delete the SQLite file / empty the PostgreSQL schema"
    )
    parser.add_argument("--verify", action="store_true", help="check the audit chain afterwards")
    parser.add_argument("--report", type=Path, help="write the generation report (JSON) here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.reset:
        reset_database(args.url)
    report = generate(args.url, args.scale, args.seed)
    print(
        f"generated in {report.seconds:.1f} s, database size {human_size(report.size_bytes)}: "
        + ", ".join(f"{k} {v:,}" for k, v in report.counts.items())
    )
    if args.verify:
        intact, events, seconds = verify_audit(args.url)
        report.notes.append(f"audit verify: intact={intact}, {events} events, {seconds:.1f} s")
        print(report.notes[-1])
        if not intact:
            return 1
    if args.report:
        args.report.write_text(json.dumps(report.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
