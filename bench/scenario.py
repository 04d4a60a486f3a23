"""Sessions the benchmarks give on the big database, through the services as the window does.

Everything created here lies above the generated database's watermark; ``restore`` deletes it
again (children first), so every run starts from the database as generated. The audit trail stays
intact because only its newest events go: what remains is a prefix of the chain. The database
refuses to delete audit events (migration 0004), so ``restore`` lifts that guard for its own
transaction, as only a benchmark may, and moves the audit anchor back to the watermark. Bench
sessions are never signed: the database refuses to delete a signed session (migration 0002).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, text, update

from acudesk.db import models as m
from acudesk.db.anchor import AuditTrail
from acudesk.db.base import Base
from acudesk.domain.audit_chain import Head
from acudesk.domain.checklist import ORDER, ChecklistStep, Position
from acudesk.domain.clock import local_date
from acudesk.domain.consent import Decision
from acudesk.domain.needles import Material, NeedleSpec, PackInput, Side
from acudesk.domain.patients import PatientInput, Sex
from acudesk.services.container import Services
from acudesk.services.session_view import SessionView

SPEC = NeedleSpec(Material.STAINLESS_STEEL, 0.25, 40.0)
DEPTHS_MM = (3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0)


@dataclass(frozen=True)
class Actors:
    doctor: int
    nurse: int


def actors(services: Services) -> Actors:
    users = {u.username: u.id for u in services.users.list_users()}
    return Actors(doctor=users["doctor01"], nurse=users["nurse01"])


def bench_patient(services: Services, who: Actors, label: str) -> int:
    today = local_date(services.clock.now())
    data = PatientInput(
        full_name=f"Bench {label} Patient",
        sex=Sex.FEMALE,
        date_of_birth=date(today.year - 45, 3, 14),
        diagnosis_code="M42.12",
        complaints="Created by the benchmarks; removed when they finish.",
    )
    return services.patients.register(who.nurse, data).id


def open_session(services: Services, who: Actors, patient_id: int) -> SessionView:
    """Plan a course, start session 1, confirm the checklist and record one pack."""
    sessions = services.sessions
    course = services.courses.plan_course(who.doctor, patient_id, 10)
    services.consent.record(who.doctor, course.id, Decision.GIVEN, local_date(services.clock.now()))
    view = sessions.start_session(who.doctor, patient_id)
    expiry = local_date(services.clock.now()) + timedelta(days=400)
    for step in ORDER:
        if step is ChecklistStep.NEEDLES:
            view = sessions.register_pack(
                who.nurse, view.id, PackInput("BENCH-LOT-1", expiry, True), SPEC
            )
        view = sessions.confirm_check(
            # Today's screening is the acupuncturist's to confirm; the rest is the nurse's.
            who.doctor if step is ChecklistStep.SCREENING else who.nurse,
            view.id,
            step,
            position=Position.PRONE if step is ChecklistStep.POSITION else None,
            agent="Ethanol 70%" if step is ChecklistStep.SKIN_DISINFECTED else None,
        )
    return view


def needle_plan(services: Services, count: int, seed: int) -> list[tuple[str, Side, float]]:
    """Distinct points and sides from the catalog, 3-8 mm deep, within each point's cap."""
    rng = random.Random(seed)
    sites = [
        (p.code, side, p.depth_limit_mm)
        for p in services.points
        for side in ((Side.LEFT, Side.RIGHT) if p.bilateral else (Side.MIDLINE,))
    ]
    chosen = rng.sample(sites, count)
    return [(code, side, min(rng.choice(DEPTHS_MM), cap)) for code, side, cap in chosen]


def time_needles(
    services: Services,
    who: Actors,
    session_id: int,
    started_at: datetime,
    planned_minutes: int | None = None,
) -> SessionView:
    """Start the needle timer through the service, then move its stored start to ``started_at``
    (and its planned length to ``planned_minutes``, when given).

    The move is stored, not only shown: the needle watch re-reads every session from the
    database every few seconds (and after each local action), so a start changed only in the
    window's copy would be replaced by the stored one and its alarm would never fall when the
    benchmark wants it. Only bench rows (above the watermark) are touched; ``restore`` removes
    them.
    """
    services.sessions.start_retention(who.doctor, session_id)
    t = m.TreatmentSession
    values: dict[str, object] = {"retention_started_at": started_at}
    if planned_minutes is not None:
        values["planned_minutes"] = planned_minutes
    with services.db.engine.begin() as c:
        c.execute(update(t).where(t.id == session_id).values(**values, version_id=t.version_id + 1))
    return services.sessions.view(session_id)


def restore(engine: Engine, watermark: Mapping[str, int]) -> dict[str, int]:
    """Delete every row above the watermark, children before parents; returns rows deleted."""
    deleted: dict[str, int] = {}
    with engine.begin() as c:
        saved = _lift_audit_guard(c)
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "user_roles":
                statement = delete(table).where(table.c.user_id > watermark.get("users", 0))
            elif "id" in table.c and table.name in watermark:
                statement = delete(table).where(table.c.id > watermark[table.name])
            else:
                continue
            count = c.execute(statement).rowcount
            if count:
                deleted[table.name] = count
        for sql in saved:
            c.exec_driver_sql(sql)
        last = c.execute(text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")).first()
    if deleted.get("audit_events") and last is not None:
        trail = AuditTrail.for_url(engine.url.render_as_string(hide_password=False))
        if trail.anchor_path is not None:
            trail.anchor_path.unlink(missing_ok=True)
        trail.record_checkpoint(Head(int(last[0]), str(last[1])))
    return deleted


def _lift_audit_guard(c: Connection) -> list[str]:
    """For this transaction only: PostgreSQL's triggers off, SQLite's audit triggers dropped
    (returned, to be created again before the commit)."""
    if c.dialect.name == "postgresql":
        c.execute(text("SET LOCAL session_replication_role = replica"))
        return []
    rows = c.execute(
        text(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = 'audit_events'"
        )
    ).all()
    for name, _sql in rows:
        c.exec_driver_sql(f"DROP TRIGGER {name}")
    return [sql for _name, sql in rows]
